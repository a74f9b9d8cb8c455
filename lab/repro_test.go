package lab

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/experiment"
	"github.com/snnlab/snnlab/framework/records"
	"github.com/snnlab/snnlab/framework/table"
	_ "github.com/snnlab/snnlab/plugins/all"
)

func TestScaleByNameUnknown(t *testing.T) {
	_, err := ScaleByName("huge")
	if err == nil || !strings.Contains(err.Error(), `scale "huge" is unknown; use one of smoke, laptop, paper`) {
		t.Errorf("error %v", err)
	}
}

// Every preset must build a valid configuration for every backbone and
// neuron the scripts use, and for the floor.
func TestScaleConfigsResolve(t *testing.T) {
	for _, name := range ScaleNames {
		s, err := ScaleByName(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, arch := range []string{"resnet", "spikformer", "vgg"} {
			for _, neuron := range []string{"mixedlif", "lif", "plif", "alif", "if"} {
				for _, loss := range []string{"btl", "ctl", "ncl", "random"} {
					cfg, err := s.Config(arch, neuron, loss, nil, 1)
					if err != nil {
						t.Fatalf("%s %s %s %s: %v", name, arch, neuron, loss, err)
					}
					if _, err := cfg.Resolve(); err != nil {
						t.Errorf("%s %s %s %s: %v", name, arch, neuron, loss, err)
					}
				}
			}
		}
		if s.Seeds < 1 || (name != "smoke" && s.Seeds < 3) {
			t.Errorf("scale %s has %d seeds; the laptop and paper presets need at least 3", name, s.Seeds)
		}
	}
}

// Two scripts asking for the same cell must build the same resolved
// configuration, or the second one would train again.
func TestSharedCellSameHash(t *testing.T) {
	hash := func(arch, neuron, loss string, opts map[string]any) string {
		s, err := ScaleByName("laptop")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := s.Config(arch, neuron, loss, opts, 2)
		if err != nil {
			t.Fatal(err)
		}
		r, err := cfg.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		h, err := records.ConfigHash(r)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if a, b := hash("resnet", "mixedlif", "btl", nil), hash("resnet", "mixedlif", "btl", map[string]any{}); a != b {
		t.Errorf("nil and empty neuron options give different runs: %s and %s", a, b)
	}
	if a, b := hash("resnet", "mixedlif", "btl", nil), hash("resnet", "mixedlif", "btl", map[string]any{"reset_mode": "soft"}); a == b {
		t.Errorf("soft reset shares the hash %s of hard reset", a)
	}
	if a, b := hash("resnet", "mixedlif", "btl", nil), hash("resnet", "lif", "btl", nil); a == b {
		t.Errorf("MixedLIF and LIF share the hash %s", a)
	}
}

func TestRunName(t *testing.T) {
	got := RunName("laptop", "vgg", "mixedlif", "btl", map[string]any{"reset_mode": "soft", "alpha": 2.0}, 3)
	if want := "laptop-vgg-mixedlif-btl-alpha=2-reset_mode=soft-s3"; got != want {
		t.Errorf("RunName = %q, want %q", got, want)
	}
	if got := RunName("smoke", "resnet", "lif", "ncl", nil, 1); got != "smoke-resnet-lif-ncl-s1" {
		t.Errorf("RunName without options = %q", got)
	}
}

func TestFailureReason(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{errors.New("run x: epoch 0, batch 3: training step: loss is NaN; the network diverged: lower the learning rate"), "diverged (loss or result is NaN or infinite)"},
		{errors.New("run x was interrupted before it finished; rerun with --resume to continue it, or delete runs/x to start over"), "interrupted run; rerun with --resume"},
		{experiment.ErrInterrupted, "interrupted"},
		{errors.New("dataset cifar10: no data folder given"), "dataset cifar10: no data folder given"},
	}
	for _, c := range cases {
		if got := FailureReason(c.err); got != c.want {
			t.Errorf("FailureReason(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestPaperCells(t *testing.T) {
	if c := PaperCell("table5/resnet/mixedlif/btl"); c.Kind != table.Number || c.Mean() != 85.6 {
		t.Errorf("Table 5 MixedLIF + BTL = %v, want 85.6", c)
	}
	if c := PaperRatio("table15/spikformer/hard/spike_var"); c.Kind != table.Number || c.Mean() != 0.51 {
		t.Errorf("Table 15 Spikformer hard spike variance = %v, want 0.51", c)
	}
	if c := PaperCell("table5/vgg/lif/btl"); c.Kind != table.Empty {
		t.Errorf("a value the paper does not report gives %v, want an empty cell", c)
	}
	if !math.IsNaN(PaperValue("table99/none")) {
		t.Errorf("unknown paper value is not NaN")
	}
}

func TestSaveCellBarsMismatch(t *testing.T) {
	err := SaveCellBars("x", Axes{}, []string{"a"}, []string{"one", "two"}, [][]Cell{{Num(1, 1)}})
	if err == nil || !strings.Contains(err.Error(), "2 series names for 1 rows of cells") {
		t.Errorf("error %v", err)
	}
}

// useMiniData configures the package for a test on the CIFAR-10 subset
// and restores the settings afterwards.
func useMiniData(t *testing.T, ctx context.Context) {
	t.Helper()
	data, err := filepath.Abs(filepath.Join("..", "..", "shared", "datasets", "cifar10-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "data_batch_1.bin")); err != nil {
		t.Skipf("CIFAR-10 subset not found at %s", data)
	}
	old := settings
	t.Cleanup(func() { settings = old })
	Configure(Settings{RunsDir: t.TempDir(), DataDir: data, Context: ctx, Log: zerolog.Nop(), Console: &strings.Builder{}})
}

// A failed measurement becomes a failed cell naming the seed and the
// reason, and the index records it; it does not stop the script.
func TestCellFailureBecomesFailCell(t *testing.T) {
	useMiniData(t, context.Background())
	s, err := ScaleByName("smoke")
	if err != nil {
		t.Fatal(err)
	}
	s.Seeds = 2
	calls := 0
	diverge := func(m *Model, seed int) (float64, error) {
		calls++
		return math.NaN(), errors.New("training step: loss is NaN; the network diverged")
	}
	c := s.Cell("floor", "resnet", "mixedlif", "random", nil, diverge)
	if c.Kind != table.Failed || c.Text != "seed 1 of 2: diverged (loss or result is NaN or infinite)" {
		t.Errorf("cell = %+v, want a failure of seed 1", c)
	}
	if calls != 1 {
		t.Errorf("measured %d seeds after the first failed, want 1", calls)
	}

	nan := func(m *Model, seed int) (float64, error) { return math.NaN(), nil }
	if c := s.Cell("floor", "resnet", "mixedlif", "random", nil, nan); c.Kind != table.Failed || !strings.Contains(c.Text, "diverged") {
		t.Errorf("a NaN result gives %+v, want a failed cell", c)
	}

	ok := func(m *Model, seed int) (float64, error) { return float64(10 * seed), nil }
	c = s.Cell("floor", "resnet", "mixedlif", "random", nil, ok)
	if c.Kind != table.MeanStd || c.N() != 2 || c.Mean() != 15 {
		t.Errorf("two seeds of 10 and 20 give %+v, want mean 15 over 2", c)
	}
	runs := s.Runs()
	// Seed 1 failed twice, then seeds 1 (reused) and 2 (new) succeeded.
	if len(runs) != 4 {
		t.Fatalf("run index has %d records, want 4: %+v", len(runs), runs)
	}
	if runs[0].Error == "" || runs[1].Error == "" {
		t.Errorf("the two failures of seed 1 carry no error: %+v", runs[:2])
	}
	if !runs[2].Reused {
		t.Errorf("seed 1 was trained again instead of reused: %+v", runs[2])
	}
	if runs[3].Reused || runs[3].Seed != 2 {
		t.Errorf("last record %+v, want a new run of seed 2", runs[3])
	}
}

// An interrupted script stops instead of recording a failed cell.
func TestCellInterruptStopsScript(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	useMiniData(t, ctx)
	s, err := ScaleByName("smoke")
	if err != nil {
		t.Fatal(err)
	}
	interrupt := func(m *Model, seed int) (float64, error) {
		cancel()
		return math.NaN(), experiment.ErrInterrupted
	}
	defer func() {
		r := recover()
		se, ok := r.(ScriptError)
		if !ok || !errors.Is(se, experiment.ErrInterrupted) {
			t.Errorf("recovered %v, want a ScriptError wrapping ErrInterrupted", r)
		}
	}()
	s.Cell("floor", "resnet", "mixedlif", "random", nil, interrupt)
	t.Errorf("Cell returned after an interruption")
}

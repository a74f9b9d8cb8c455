package pluginhost_test

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/nn"
	"github.com/snnlab/snnlab/framework/optim"
	"github.com/snnlab/snnlab/framework/train"
	_ "github.com/snnlab/snnlab/plugins/all"
)

// Plugin binaries the tests build once per test run.
const (
	adexBinary         = "adex-neuron"
	builtinBinary      = "builtin"
	faultyBinary       = "faulty"
	badVersionBinary   = "badversion"
	notHandshakeBinary = "nothandshake"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// binary returns the path of a test plugin binary, building all of them on
// first use: the test plugins under testdata with one go build, and the
// example plugin in its own module.
func binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			buildErr = fmt.Errorf("the go command is not on PATH: %w", err)
			return
		}
		buildDir, buildErr = os.MkdirTemp("", "snnlab-plugins-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", buildDir+string(filepath.Separator),
			"./testdata/builtin", "./testdata/faulty", "./testdata/badversion", "./testdata/nothandshake")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building test plugins: %v\n%s", err, out)
			return
		}
		example, err := filepath.Abs(filepath.Join("..", "..", "examples", "adex-neuron"))
		if err != nil {
			buildErr = err
			return
		}
		cmd = exec.Command("go", "build", "-o", filepath.Join(buildDir, adexBinary), ".")
		cmd.Dir = example
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building the example plugin in %s: %v\n%s", example, err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, name)
}

// pluginDir returns a fresh plugin folder holding links to the named
// binaries.
func pluginDir(t testing.TB, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		if err := os.Symlink(binary(t, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestMain removes the built binaries after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// processesOf returns the ids of live processes running the binary path,
// read from /proc; zombies are not counted.
func processesOf(t testing.TB, path string) []int {
	t.Helper()
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("cannot list processes without /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != target {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err == nil && strings.Contains(string(stat), ") Z ") {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// expectNoProcess fails when a process still runs the binary path.
func expectNoProcess(t testing.TB, path string) {
	t.Helper()
	if pids := processesOf(t, path); len(pids) > 0 {
		t.Errorf("plugin processes %v of %s are still running", pids, path)
	}
}

// Shapes of the small training step: a one-stage spiking ResNet on 3×8×8
// input, batch 4, T = 2.
var smallInput = framework.InputShape{C: 3, H: 8, W: 8}

const (
	smallT     = 2
	smallBatch = 4
)

// stepShape is the network and batch of a training step.
type stepShape struct {
	Backbone        string
	BackboneOptions map[string]any
	HeadWidths      []int
	Loss            string
	Input           framework.InputShape
	T, Batch        int
}

// smallShape is a one-stage spiking ResNet on 3×8×8 input, batch 4, T = 2.
var smallShape = stepShape{
	Backbone:        "spiking-resnet18-cifar",
	BackboneOptions: map[string]any{"base_width": 4, "stages": 1, "blocks_per_stage": 1},
	HeadWidths:      []int{16, 16},
	Loss:            "btl",
	Input:           smallInput,
	T:               smallT,
	Batch:           smallBatch,
}

// newSmallStep builds a small dual-path training step with the named
// neuron, its weights drawn from seed.
func newSmallStep(t testing.TB, neuron string, opts map[string]any, pathB framework.Path, seed int64) *train.DualPath {
	t.Helper()
	return newStep(t, smallShape, neuron, opts, pathB, seed)
}

// newStep builds a dual-path training step of the given shape.
func newStep(t testing.TB, sh stepShape, neuron string, opts map[string]any, pathB framework.Path, seed int64) *train.DualPath {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	backbone, err := framework.NewBackbone(sh.Backbone, sh.BackboneOptions,
		framework.BackboneConfig{Input: sh.Input, RNG: rng,
			NewNeuron: func() (framework.Neuron, error) { return framework.NewNeuron(neuron, opts) }})
	if err != nil {
		t.Fatal(err)
	}
	head, err := nn.NewProjectionHead(backbone.FeatureDim(), sh.HeadWidths, rng)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := framework.NewLoss(sh.Loss, nil)
	if err != nil {
		t.Fatal(err)
	}
	step, err := train.NewDualPath(&train.Model{Backbone: backbone, Head: head}, loss,
		train.StepConfig{T: sh.T, Batch: sh.Batch, Input: sh.Input, PathB: pathB})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { step.Close() })
	return step
}

// views returns two random input views for a step of the given shape.
func views(sh stepShape, seed int64) (a, b []float32) {
	rng := rand.New(rand.NewSource(seed))
	n := sh.Batch * sh.Input.C * sh.Input.H * sh.Input.W
	a, b = make([]float32, n), make([]float32, n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
		b[i] = float32(rng.NormFloat64())
	}
	return a, b
}

// trainSteps runs n SGD steps on fixed views and returns the losses.
func trainSteps(step *train.DualPath, n int) ([]float64, error) {
	opt, err := optim.NewSGD(0.9, 1e-6)
	if err != nil {
		return nil, err
	}
	a, b := views(smallShape, 7)
	var losses []float64
	for i := 0; i < n; i++ {
		loss, err := step.Step(a, b, opt, 0.05)
		if err != nil {
			return losses, fmt.Errorf("step %d: %w", i, err)
		}
		losses = append(losses, loss)
	}
	return losses, nil
}

// paramValues copies every parameter of the step's model.
func paramValues(step *train.DualPath) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range step.Model.Params() {
		out[p.Name] = append([]float32(nil), p.Data()...)
	}
	return out
}

func finite(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

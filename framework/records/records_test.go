package records

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigHashIgnoresMapOrder(t *testing.T) {
	a := map[string]any{}
	b := map[string]any{}
	keys := []string{"lr", "batch", "neuron", "epochs", "seed", "t"}
	for i, k := range keys {
		a[k] = i
	}
	for i := len(keys) - 1; i >= 0; i-- {
		b[keys[i]] = i
	}
	ha, err := ConfigHash(a)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := ConfigHash(b)
	if err != nil {
		t.Fatal(err)
	}
	if ha != hb {
		t.Errorf("hash differs with insertion order: %s vs %s", ha, hb)
	}
	if len(ha) != 64 {
		t.Errorf("hash %q has %d hex digits, want 64", ha, len(ha))
	}

	// A struct hashes like the map with the same keys, whatever the field order.
	type cfg struct {
		Seed  int     `json:"seed"`
		Alpha float64 `json:"alpha"`
	}
	hs, _ := ConfigHash(cfg{Seed: 1, Alpha: 0.5})
	hm, _ := ConfigHash(map[string]any{"alpha": 0.5, "seed": 1})
	if hs != hm {
		t.Errorf("struct and map with equal content hash differently")
	}
}

func TestConfigHashChangesOnEdit(t *testing.T) {
	base := map[string]any{"lr": 0.1, "model": map[string]any{"depth": 18, "neuron": "mixedlif"}}
	h0, _ := ConfigHash(base)
	edits := []map[string]any{
		{"lr": 0.2, "model": map[string]any{"depth": 18, "neuron": "mixedlif"}},
		{"lr": 0.1, "model": map[string]any{"depth": 34, "neuron": "mixedlif"}},
		{"lr": 0.1, "model": map[string]any{"depth": 18, "neuron": "lif"}},
		{"lr": 0.1, "model": map[string]any{"depth": 18}},
		{"lr": 0.1, "depth": 18, "neuron": "mixedlif"},
	}
	for i, e := range edits {
		h, _ := ConfigHash(e)
		if h == h0 {
			t.Errorf("edit %d gives the same hash as the base configuration", i)
		}
	}
}

func TestConfigHashRejectsUnencodable(t *testing.T) {
	_, err := ConfigHash(map[string]any{"f": func() {}})
	if err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Errorf("error %v, want a JSON encoding error", err)
	}
}

func TestCreateWritesSortedConfig(t *testing.T) {
	dir := t.TempDir()
	type cfg struct {
		Zeta  int               `json:"zeta"`
		Alpha string            `json:"alpha"`
		Extra map[string]string `json:"extra"`
	}
	r, err := Create(dir, "quickstart", cfg{Zeta: 3, Alpha: "a<b", Extra: map[string]string{"y": "1", "x": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	hash := r.ConfigHash()
	if want := "quickstart-" + hash[:ShortHashLen]; r.ID() != want {
		t.Errorf("ID %q, want %q", r.ID(), want)
	}
	got, err := os.ReadFile(filepath.Join(dir, r.ID(), ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"alpha\": \"a<b\",\n  \"extra\": {\n    \"x\": \"2\",\n    \"y\": \"1\"\n  },\n  \"zeta\": 3\n}\n"
	if string(got) != want {
		t.Errorf("config.json:\n%s\nwant:\n%s", got, want)
	}
}

func TestCreateTwiceFails(t *testing.T) {
	dir := t.TempDir()
	cfg := map[string]any{"seed": 1}
	r, err := Create(dir, "exp", cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	_, err = Create(dir, "exp", cfg)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second Create: error %v, want one saying the run exists", err)
	}
}

func TestCreateRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", `a\b`, ".hidden"} {
		if _, err := Create(t.TempDir(), name, 1); err == nil {
			t.Errorf("Create accepted name %q", name)
		}
	}
}

func TestFindReusesRun(t *testing.T) {
	dir := t.TempDir()
	cfg := map[string]any{"seed": 7, "epochs": 2}
	r, err := Create(dir, "exp", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Log("epoch", map[string]any{"loss": 1.5}); err != nil {
		t.Fatal(err)
	}
	r.Close()

	// An unrelated run and a folder that is not a run must not confuse Find.
	other, err := Create(dir, "exp", map[string]any{"seed": 8, "epochs": 2})
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	os.Mkdir(filepath.Join(dir, "not-a-run"), 0o755)

	found, ok, err := Find(dir, map[string]any{"epochs": 2, "seed": 7})
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("Find did not find the run with the same configuration")
	}
	defer found.Close()
	if found.Dir() != r.Dir() {
		t.Errorf("Find returned %s, want %s", found.Dir(), r.Dir())
	}
	m, err := found.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Records) != 1 {
		t.Errorf("reused run has %d metrics lines, want 1", len(m.Records))
	}

	_, ok, err = Find(dir, map[string]any{"epochs": 3, "seed": 7})
	if err != nil || ok {
		t.Errorf("Find with a changed configuration: found %v, error %v; want not found", ok, err)
	}
	_, ok, err = Find(filepath.Join(dir, "missing"), cfg)
	if err != nil || ok {
		t.Errorf("Find in a missing folder: found %v, error %v; want not found", ok, err)
	}
}

func TestResumeCreatesThenFinds(t *testing.T) {
	dir := t.TempDir()
	cfg := map[string]any{"seed": 1}
	r1, found, err := Resume(dir, "exp", cfg)
	if err != nil || found {
		t.Fatalf("first Resume: found %v, error %v; want a new run", found, err)
	}
	r1.Close()
	r2, found, err := Resume(dir, "exp", cfg)
	if err != nil || !found {
		t.Fatalf("second Resume: found %v, error %v; want the existing run", found, err)
	}
	defer r2.Close()
	if r2.Dir() != r1.Dir() {
		t.Errorf("second Resume opened %s, want %s", r2.Dir(), r1.Dir())
	}
}

func TestCreateIDReusesFolderWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	// A crash between creating the folder and writing config.json.
	os.Mkdir(filepath.Join(dir, "run1"), 0o755)
	r, err := CreateID(dir, "run1", map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

func TestOpenRejectsNonRun(t *testing.T) {
	_, err := Open(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not a run folder") {
		t.Errorf("error %v, want one saying it is not a run folder", err)
	}
}

func TestMarkFinished(t *testing.T) {
	r, err := Create(t.TempDir(), "exp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Finished() {
		t.Fatal("new run reports finished")
	}
	if _, err := r.Result(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Result of an unfinished run: %v, want a not-exist error", err)
	}
	if err := r.MarkFinished(map[string]any{"acc": 0.71, "loss": nan()}); err != nil {
		t.Fatal(err)
	}
	if !r.Finished() {
		t.Fatal("run does not report finished after MarkFinished")
	}
	res, err := r.Result()
	if err != nil {
		t.Fatal(err)
	}
	if res["acc"] != 0.71 || res["loss"] != "NaN" {
		t.Errorf("result %v, want acc 0.71 and loss \"NaN\"", res)
	}
}

func TestLoggerWritesFileAndConsole(t *testing.T) {
	r, err := Create(t.TempDir(), "exp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var console bytes.Buffer
	log, err := r.Logger(&console)
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Int("epoch", 3).Msg("epoch done")

	if !strings.Contains(console.String(), "epoch done") || !strings.Contains(console.String(), "epoch=3") {
		t.Errorf("console output %q lacks the message in readable form", console.String())
	}
	if strings.Contains(console.String(), "\x1b[") {
		t.Errorf("console output to a buffer has colour codes: %q", console.String())
	}
	data, err := os.ReadFile(r.Path(LogFile))
	if err != nil {
		t.Fatal(err)
	}
	line := string(data)
	for _, want := range []string{`"level":"info"`, `"epoch":3`, `"message":"epoch done"`, `"run":"` + r.ID() + `"`, `"time":`} {
		if !strings.Contains(line, want) {
			t.Errorf("run.log line %q lacks %s", line, want)
		}
	}
}

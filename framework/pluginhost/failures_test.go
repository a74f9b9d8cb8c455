package pluginhost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost"
	"github.com/snnlab/snnlab/framework/records"
)

// TestHandshakeFailure loads an executable that is not a plugin.
func TestHandshakeFailure(t *testing.T) {
	expectLoadError(t, notHandshakeBinary, "handshake failed")
}

// TestProtocolVersionMismatch loads a plugin that speaks protocol 99.
func TestProtocolVersionMismatch(t *testing.T) {
	err := expectLoadError(t, badVersionBinary, "incompatible API version")
	if !strings.Contains(err.Error(), "protocol 1") {
		t.Errorf("error %q does not say which protocol this snnlab speaks", err)
	}
	if _, lookErr := framework.Lookup(framework.NeuronKind, "future-lif"); lookErr == nil {
		t.Errorf("the neuron of a rejected plugin is registered")
	}
}

func expectLoadError(t *testing.T, name, want string) error {
	t.Helper()
	dir := pluginDir(t, name)
	m, err := pluginhost.Start(context.Background(), []string{dir}, pluginhost.Options{StartTimeout: 20 * time.Second})
	defer m.Close()
	if err == nil {
		t.Fatalf("loading %s returned no error", name)
	}
	path := filepath.Join(dir, name)
	t.Logf("load error: %v", err)
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want one naming %s and containing %q", err, path, want)
	}
	if len(m.Plugins()) != 0 {
		t.Errorf("%d plugins loaded, want none", len(m.Plugins()))
	}
	expectNoProcess(t, path)
	return err
}

// Each runtime fault of the faulty plugin ends training with an error
// naming the binary, keeps the checkpoint written before it, and leaves
// no plugin process behind.
func TestWrongShapeEndsRun(t *testing.T) {
	provoke(t, "wrongshape", pluginhost.Options{}, "elements for its output, want")
}

func TestNaNEndsRun(t *testing.T) {
	provoke(t, "nan", pluginhost.Options{}, "returned NaN")
}

func TestSlowPluginTimesOut(t *testing.T) {
	provoke(t, "slow", pluginhost.Options{CallTimeout: time.Second}, "timed out after 1s")
}

func TestCrashEndsRun(t *testing.T) {
	err := provoke(t, "crash", pluginhost.Options{}, "exited during Backward")
	if !strings.Contains(err.Error(), "simulated crash") {
		t.Errorf("error %q does not quote the plugin's panic message", err)
	}
}

// provoke trains the small network with a faulty neuron after writing a
// checkpoint, and checks the error, the checkpoint and the processes.
func provoke(t *testing.T, neuron string, opts pluginhost.Options, want string) error {
	t.Helper()
	dir := pluginDir(t, faultyBinary)
	m := startManager(t, dir, opts)
	path := filepath.Join(dir, faultyBinary)

	step := newSmallStep(t, neuron, nil, framework.Spiking, 3)
	prov, ok := m.Provenance(neuron)
	if !ok {
		t.Fatalf("no provenance for neuron %q", neuron)
	}
	meta, err := json.Marshal(prov)
	if err != nil {
		t.Fatal(err)
	}
	ckPath := filepath.Join(t.TempDir(), "last.ckpt")
	ck := &records.Checkpoint{Params: records.ParamsFrom(step.Model.Params()), Blobs: map[string][]byte{"neuron_plugin": meta}}
	if err := records.WriteCheckpoint(ckPath, ck); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(ckPath)
	if err != nil {
		t.Fatal(err)
	}

	_, runErr := trainSteps(step, 2)
	if runErr == nil {
		t.Fatalf("training with %q returned no error", neuron)
	}
	t.Logf("training error: %v", runErr)
	if !strings.Contains(runErr.Error(), path) || !strings.Contains(runErr.Error(), want) {
		t.Errorf("error %q, want one naming %s and containing %q", runErr, path, want)
	}

	now, err := os.ReadFile(ckPath)
	if err != nil || !bytes.Equal(now, saved) {
		t.Errorf("the checkpoint changed or went missing after the failure (read error %v)", err)
	}
	back, err := records.ReadCheckpoint(ckPath)
	if err != nil {
		t.Fatal(err)
	}
	var got pluginhost.Provenance
	if err := json.Unmarshal(back.Blobs["neuron_plugin"], &got); err != nil || got.SHA256 != prov.SHA256 {
		t.Errorf("checkpoint provenance %+v (%v), want %+v", got, err, prov)
	}

	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	expectNoProcess(t, path)
	return runErr
}

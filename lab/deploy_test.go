package lab

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A finished CIFAR-10 run opened without its data folder can still build
// its exported network, but training a classifier or measuring accuracy
// fails with an error naming the missing dataset.
func TestOpenRunWithoutData(t *testing.T) {
	data, err := filepath.Abs(filepath.Join("..", "..", "shared", "datasets", "cifar10-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "data_batch_1.bin")); err != nil {
		t.Skipf("CIFAR-10 subset not found at %s", data)
	}
	old := settings
	t.Cleanup(func() { Configure(old) })
	runs := t.TempDir()
	Configure(Settings{RunsDir: runs, DataDir: data, Script: "deploy_test.go"})

	cfg := Config{Name: "deploy", Dataset: "cifar10", TrainLimit: 64, TestLimit: 32, Backbone: "spiking-vgg11-cifar",
		BackboneOptions: map[string]any{"base_width": 4, "stages": 2, "blocks_per_stage": 1, "pool": "avg"},
		HeadWidths:      []int{16}, T: 2, Batch: 16, Epochs: 0}
	trained, err := Pretrain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	linear := DefaultLinear()
	linear.Epochs, linear.LR = 3, 1e-2
	clf, res, err := trained.Classifier(64, 32, linear)
	if err != nil {
		t.Fatal(err)
	}
	if res.NTest != 32 || clf.C != 10 {
		t.Errorf("classifier: %d test images and %d classes, want 32 and 10", res.NTest, clf.C)
	}

	Configure(Settings{RunsDir: runs, Script: "deploy_test.go"})
	m, err := OpenRun(trained.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	stored, _, path, err := m.StoredClassifier()
	if err != nil || !strings.HasPrefix(filepath.Base(path), "classifier-") || stored.W[3] != clf.W[3] {
		t.Fatalf("stored classifier %s: %v", path, err)
	}
	net, err := m.TargetNetwork(stored)
	if err != nil {
		t.Fatal(err)
	}
	if last := net.Layers[len(net.Layers)-1]; last.Kind != "linear" || net.T != 2 {
		t.Errorf("network ends in %s with T = %d, want the linear read-out and T = 2", last.Kind, net.T)
	}
	rep, err := ExportNetwork(net, "loihi2", nil, filepath.Join(t.TempDir(), "out"))
	if err != nil || len(rep.Files) != 2 {
		t.Errorf("export without data: files %v, error %v", rep.Files, err)
	}
	// The classifier stored with the same settings loads without the data.
	if again, _, err := m.Classifier(64, 32, linear); err != nil || again.W[3] != clf.W[3] {
		t.Errorf("stored classifier with the same settings, without data: %v", err)
	}
	if file, err := m.ClassifierFile(64, 32, linear); err != nil || file != path {
		t.Errorf("classifier file %q (%v), want the stored %q", file, err, path)
	}
	if err := m.CheckExport("loihi2", nil); err != nil {
		t.Errorf("check export of an average-pool VGG: %v", err)
	}
	if err := m.CheckExport("loihi2", map[string]any{"timing": "later"}); err == nil || !strings.Contains(err.Error(), "later") {
		t.Errorf("check export with an invalid option: got %v", err)
	}
	if _, _, err := m.Classifier(64, 16, linear); err == nil || !strings.Contains(err.Error(), "needs the cifar10 dataset") {
		t.Errorf("classifier without data: got %v", err)
	}
	if _, err := m.DeployLoihi2(stored, DeployOptions{}); err == nil || !strings.Contains(err.Error(), "needs the cifar10 dataset") {
		t.Errorf("deploy without data: got %v", err)
	}

	if _, err := OpenRun(runs); err == nil {
		t.Error("a folder without a run record was opened")
	}
	none := &Model{Dir: t.TempDir(), run: m.run}
	if _, _, _, err := none.StoredClassifier(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no stored classifier: got %v, want os.ErrNotExist", err)
	}
}

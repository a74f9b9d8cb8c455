package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/augment"
)

// Datasets is the training and test split of one dataset, with the
// normalisation statistics its augmentations use.
type Datasets struct {
	Train, Test data.Dataset
	Classes     []string
	Mean, Std   []float32
}

// LoadDatasets opens the dataset a resolved Config names. dataDir is the
// user's data folder (unused for the embedded MNIST). The limits take a
// class-balanced prefix of each split.
func LoadDatasets(cfg Config, dataDir string) (*Datasets, error) {
	raw, err := loadCached(cfg.Dataset, dataDir)
	if err != nil {
		return nil, err
	}
	ds := *raw
	if ds.Train, err = limit(ds.Train, cfg.TrainLimit); err != nil {
		return nil, fmt.Errorf("train_limit: %w", err)
	}
	if ds.Test, err = limit(ds.Test, cfg.TestLimit); err != nil {
		return nil, fmt.Errorf("test_limit: %w", err)
	}
	return &ds, nil
}

// datasetKey names one loaded dataset: its kind and folder.
type datasetKey struct{ name, dir string }

// loaded keeps every dataset this process has read, unlimited. A script
// that evaluates many runs on one dataset then holds one copy of the
// images instead of one per run (CIFAR-10 takes 180 MB). Datasets are
// read-only once loaded, so the runs can share them.
var loaded = struct {
	sync.Mutex
	sets map[datasetKey]*Datasets
}{sets: map[datasetKey]*Datasets{}}

// loadCached returns the full splits of dataset name in dataDir, reading
// them on first use.
func loadCached(name, dataDir string) (*Datasets, error) {
	key := datasetKey{name, dataDir}
	loaded.Lock()
	defer loaded.Unlock()
	if ds, ok := loaded.sets[key]; ok {
		return ds, nil
	}
	ds, err := loadFull(name, dataDir)
	if err != nil {
		return nil, err
	}
	loaded.sets[key] = ds
	return ds, nil
}

// loadFull reads the full training and test splits of dataset name.
func loadFull(name, dataDir string) (*Datasets, error) {
	var ds Datasets
	switch name {
	case "mnist":
		train, err := data.DefaultMNIST(true)
		if err != nil {
			return nil, err
		}
		test, err := data.DefaultMNIST(false)
		if err != nil {
			return nil, err
		}
		ds = Datasets{Train: train, Test: test, Mean: []float32{0.1307}, Std: []float32{0.3081}}
	case "cifar10":
		if dataDir == "" {
			return nil, fmt.Errorf("dataset cifar10: no data folder given; pass --data DIR (download with: snnlab data fetch cifar10 --dir DIR)")
		}
		train, err := loadCIFAR10Split(dataDir, true)
		if err != nil {
			return nil, err
		}
		test, err := loadCIFAR10Split(dataDir, false)
		if err != nil {
			return nil, err
		}
		ds = Datasets{Train: train, Test: test, Mean: data.CIFAR10Mean, Std: data.CIFAR10Std}
	case "imagefolder":
		if dataDir == "" {
			return nil, fmt.Errorf("dataset imagefolder: no data folder given; pass --data DIR with train/ and test/ class folders")
		}
		train, err := data.LoadImageFolder(filepath.Join(dataDir, "train"), 0)
		if err != nil {
			return nil, err
		}
		test, err := data.LoadImageFolder(filepath.Join(dataDir, "test"), 0)
		if err != nil {
			return nil, err
		}
		mean, std, err := data.ChannelStats(train)
		if err != nil {
			return nil, err
		}
		ds = Datasets{Train: train, Test: test, Mean: toFloat32(mean), Std: toFloat32(std)}
	default:
		return nil, fmt.Errorf("dataset %q is unknown; use mnist, cifar10 or imagefolder", name)
	}
	if c, ok := ds.Train.(data.Classer); ok {
		ds.Classes = c.Classes()
	}
	return &ds, nil
}

// loadCIFAR10Split reads the full official split, or, in a folder with only
// data_batch_1.bin (such as a subset cut for quick runs), that one file.
func loadCIFAR10Split(dir string, train bool) (data.Dataset, error) {
	full, err := data.LoadCIFAR10(dir, train)
	if err == nil || !train {
		return full, err
	}
	first := filepath.Join(dir, data.CIFAR10TrainFiles[0])
	if _, statErr := os.Stat(first); statErr != nil {
		return nil, err
	}
	if _, statErr := os.Stat(filepath.Join(dir, data.CIFAR10TrainFiles[1])); statErr == nil {
		return nil, err // a partial official set: report what is missing
	}
	return data.LoadCIFAR10Files(first)
}

// limit keeps a class-balanced prefix of n samples: it walks the dataset in
// index order and takes samples while their class is below its share.
func limit(ds data.Dataset, n int) (data.Dataset, error) {
	if n == 0 || n >= ds.Len() {
		return ds, nil
	}
	labels := data.Labels(ds)
	classes := 0
	for _, l := range labels {
		if l+1 > classes {
			classes = l + 1
		}
	}
	share := (n + classes - 1) / classes
	counts := make([]int, classes)
	var indices []int
	for i, l := range labels {
		if len(indices) == n {
			break
		}
		if counts[l] < share {
			counts[l]++
			indices = append(indices, i)
		}
	}
	return data.NewSubset(ds, indices)
}

func toFloat32(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

// pairPipeline returns the two-view augmentation a Config asks for.
func pairPipeline(cfg Config, ds *Datasets) augment.Pipeline {
	if cfg.Augment == "none" {
		return augment.Pipeline{A: augment.View{CropScale: [2]float64{1, 1}, CropRatio: [2]float64{1, 1}},
			B: augment.View{CropScale: [2]float64{1, 1}, CropRatio: [2]float64{1, 1}}, Mean: ds.Mean, Std: ds.Std}
	}
	return augment.BarlowTwins(ds.Mean, ds.Std).WithCropScale(cfg.CropScaleMin, 1)
}

// evalTransform normalises without augmenting.
func evalTransform(ds *Datasets) augment.Eval {
	return augment.Eval{Mean: ds.Mean, Std: ds.Std}
}

// labelledTransform is the light augmentation of supervised training and
// fine-tuning: a random resized crop keeping at least 35 % of the image and
// a horizontal flip, then the dataset's normalisation. Pipeline.Apply uses
// view A.
func labelledTransform(ds *Datasets) *augment.Pipeline {
	view := augment.View{CropScale: [2]float64{0.35, 1}, CropRatio: [2]float64{3.0 / 4, 4.0 / 3}, FlipProb: 0.5}
	return &augment.Pipeline{A: view, B: view, Mean: ds.Mean, Std: ds.Std}
}

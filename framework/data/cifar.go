package data

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CIFAR-10 binary layout: each record is one label byte followed by the
// 32×32 red plane, then green, then blue, each plane row-major.
const (
	cifarSide       = 32
	cifarPixels     = 3 * cifarSide * cifarSide // 3 072
	cifarRecordSize = 1 + cifarPixels           // 3 073
	cifarClasses    = 10
)

// CIFAR10TrainFiles and CIFAR10TestFile are the file names of the official
// binary release (folder cifar-10-batches-bin).
var (
	CIFAR10TrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	CIFAR10TestFile   = "test_batch.bin"
)

// CIFAR10Classes are the class names of labels 0…9.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// CIFAR10Mean and CIFAR10Std are the per-channel (R, G, B) mean and
// population standard deviation of the 50 000 training images on the [0, 1]
// scale, measured with ChannelStats.
var (
	CIFAR10Mean = []float32{0.4914, 0.4822, 0.4465}
	CIFAR10Std  = []float32{0.2470, 0.2435, 0.2616}
)

// LoadCIFAR10 reads the official CIFAR-10 binary batches from dir: the five
// data_batch_N.bin files (50 000 images) when train is true, else
// test_batch.bin (10 000 images). dir may also be the folder that contains
// cifar-10-batches-bin. A missing file is an error, so a partial set is
// never loaded silently; load a chosen set of files with LoadCIFAR10Files.
func LoadCIFAR10(dir string, train bool) (*Uint8Images, error) {
	dir = cifarDir(dir)
	names := []string{CIFAR10TestFile}
	if train {
		names = CIFAR10TrainFiles
	}

	var paths, missing []string
	for _, name := range names {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, name)
			continue
		}
		paths = append(paths, p)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cifar10: %s not found in %s (%d of %d files present): download the full set with `snnlab data fetch cifar10 --dir %s`, or load the files you have with LoadCIFAR10Files",
			strings.Join(missing, ", "), dir, len(paths), len(names), dir)
	}
	return LoadCIFAR10Files(paths...)
}

// cifarDir returns dir/cifar-10-batches-bin when that folder exists, else dir.
func cifarDir(dir string) string {
	inner := filepath.Join(dir, "cifar-10-batches-bin")
	if st, err := os.Stat(inner); err == nil && st.IsDir() {
		return inner
	}
	return dir
}

// LoadCIFAR10Files reads the given CIFAR-10 binary batch files, in order,
// into one dataset. Each file must hold whole 3 073-byte records with labels
// 0…9; otherwise the error names the file and the offset of the bad record.
// Class names come from batches.meta.txt next to the first file when it is
// present, else CIFAR10Classes.
func LoadCIFAR10Files(paths ...string) (*Uint8Images, error) {
	if len(paths) == 0 {
		return nil, errors.New("cifar10: no batch files given: pass at least one data_batch_N.bin or test_batch.bin")
	}

	var raw [][]byte
	total := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("cifar10: %w", err)
		}
		if len(b) == 0 || len(b)%cifarRecordSize != 0 {
			whole := len(b) / cifarRecordSize
			return nil, fmt.Errorf("cifar10: %s is %d bytes, want a non-zero multiple of %d: the record at offset %d is truncated after %d of %d bytes; download the file again",
				p, len(b), cifarRecordSize, whole*cifarRecordSize, len(b)-whole*cifarRecordSize, cifarRecordSize)
		}
		raw = append(raw, b)
		total += len(b) / cifarRecordSize
	}

	ds := &Uint8Images{Name: "cifar10", C: 3, H: cifarSide, W: cifarSide,
		Pix: make([]uint8, total*cifarPixels), Labels: make([]uint8, total)}
	n := 0
	for k, b := range raw {
		for off := 0; off < len(b); off += cifarRecordSize {
			label := b[off]
			if label >= cifarClasses {
				return nil, fmt.Errorf("cifar10: %s: record %d at offset %d has label %d, want 0…9: the file is not a CIFAR-10 binary batch (CIFAR-100 records are 3 074 bytes)",
					paths[k], off/cifarRecordSize, off, label)
			}
			ds.Labels[n] = label
			copy(ds.Pix[n*cifarPixels:(n+1)*cifarPixels], b[off+1:off+cifarRecordSize])
			n++
		}
	}

	ds.ClassList = CIFAR10Classes
	if names, err := readClassNames(filepath.Join(filepath.Dir(paths[0]), "batches.meta.txt")); err == nil && len(names) == cifarClasses {
		ds.ClassList = names
	}
	return ds, nil
}

// readClassNames reads one class name per non-empty line.
func readClassNames(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, line := range bytes.Split(b, []byte("\n")) {
		if s := strings.TrimSpace(string(line)); s != "" {
			names = append(names, s)
		}
	}
	return names, nil
}

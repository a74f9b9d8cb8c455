package events

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/snnlab/snnlab/framework/data"
)

// Reader reads one recording file.
type Reader func(path string) ([]Event, error)

// Recording is one labelled recording file.
type Recording struct {
	Path  string
	Label int
}

// FrameDataset is a data.Dataset of event recordings, each read from its
// file and integrated into frames [T, 2, H, W] on every Sample call.
// Frame values are event counts, not scaled to [0, 1].
type FrameDataset struct {
	Recordings []Recording
	Read       Reader
	Frames     FrameConfig
	ClassList  []string
}

var _ data.Dataset = (*FrameDataset)(nil)

func (d *FrameDataset) Len() int          { return len(d.Recordings) }
func (d *FrameDataset) Shape() data.Shape { return d.Frames.Shape() }
func (d *FrameDataset) Label(i int) int   { return d.Recordings[i].Label }
func (d *FrameDataset) Classes() []string { return d.ClassList }

// Sample reads recording i and writes its frames into dst.
func (d *FrameDataset) Sample(i int, dst []float32) error {
	evs, err := d.Read(d.Recordings[i].Path)
	if err != nil {
		return err
	}
	if err := ToFrames(evs, d.Frames, dst); err != nil {
		return fmt.Errorf("%s: %w", d.Recordings[i].Path, err)
	}
	return nil
}

// NMNISTSize is the side of the N-MNIST sensor area in pixels.
const NMNISTSize = 34

// LoadLabelList reads recordings listed in a label file, one "<id> <label>"
// pair per line separated by tabs or spaces, lines starting with '#'
// ignored; recording <id> is the file dir/<id><ext>. This is the layout of
// the N-MNIST subsets distributed with slayerPytorch (ext ".bs2"). Every
// listed file must exist.
func LoadLabelList(dir, listFile, ext string) ([]Recording, error) {
	f, err := os.Open(listFile)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer f.Close()

	var recs []Recording
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("events: %s line %d is %q, want \"<id> <label>\"", listFile, line, text)
		}
		label, err := strconv.Atoi(fields[1])
		if err != nil || label < 0 {
			return nil, fmt.Errorf("events: %s line %d has label %q, want a non-negative integer", listFile, line, fields[1])
		}
		p := filepath.Join(dir, fields[0]+ext)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("events: %s line %d lists %s: %w", listFile, line, p, err)
		}
		recs = append(recs, Recording{Path: p, Label: label})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("events: %s: %w", listFile, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("events: %s lists no recordings", listFile)
	}
	return recs, nil
}

// LoadClassFolders lists recordings laid out one sub-folder per class,
// root/<class>/<file><ext>, as N-MNIST (Train/0/00002.bin) and CIFAR10-DVS
// (airplane/cifar10_airplane_0.aedat) are distributed. Labels follow the
// sorted folder names, which it also returns. A file with another
// extension in a class folder is an error; names starting with "." are
// skipped.
func LoadClassFolders(root, ext string) ([]Recording, []string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("events: %w", err)
	}
	var classes []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			classes = append(classes, e.Name())
		}
	}
	sort.Strings(classes)

	var recs []Recording
	for label, class := range classes {
		files, err := os.ReadDir(filepath.Join(root, class))
		if err != nil {
			return nil, nil, fmt.Errorf("events: %w", err)
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") {
				continue
			}
			p := filepath.Join(root, class, f.Name())
			if f.IsDir() || !strings.EqualFold(filepath.Ext(f.Name()), ext) {
				return nil, nil, fmt.Errorf("events: %s is not a %s recording: class folders must contain only %s files; move it out", p, ext, ext)
			}
			recs = append(recs, Recording{Path: p, Label: label})
		}
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("events: no %s recordings in class folders under %s: lay them out as %s/<class>/<file>%s", ext, root, root, ext)
	}
	return recs, classes, nil
}

// CIFAR10DVS returns the CIFAR10-DVS recordings under root (one folder per
// class of .aedat files, or of .aedat4 files for the AEDAT 4.0 re-encoding)
// as T frames of size×size, split by event count (the method uses T = 10
// at 48×48).
//
// NOTE: AEDAT 2.0 events are flipped and transposed as ReadAEDAT2
// describes, while AEDAT 4.0 events keep the file's coordinates. No
// recording of either release was available to check that the two agree.
func CIFAR10DVS(root string, t, size int) (*FrameDataset, error) {
	read := Reader(ReadAEDAT2)
	recs, classes, err := LoadClassFolders(root, ".aedat")
	if err != nil {
		recs4, classes4, err4 := LoadClassFolders(root, ".aedat4")
		if err4 != nil {
			return nil, err
		}
		recs, classes, read = recs4, classes4, ReadAEDAT4Events
	}
	cfg := FrameConfig{T: t, Split: ByCount, SensorW: CIFAR10DVSSize, SensorH: CIFAR10DVSSize, OutW: size, OutH: size}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &FrameDataset{Recordings: recs, Read: read, Frames: cfg, ClassList: classes}, nil
}

package events

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework/data"
)

func sharedEvents(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "..", "shared", "datasets", "events"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference data %s not available: %v", p, err)
	}
	return p
}

func TestNMNISTSmallRecordings(t *testing.T) {
	dir := sharedEvents(t, "nmnist", "slayerPytorch-NMNISTsmall")
	train, err := LoadLabelList(dir, filepath.Join(dir, "train1K.txt"), ".bs2")
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadLabelList(dir, filepath.Join(dir, "test100.txt"), ".bs2")
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 1000 || len(test) != 100 {
		t.Fatalf("%d train and %d test recordings, want 1000 and 100", len(train), len(test))
	}

	labels := func(recs []Recording) []int {
		var l []int
		for _, r := range recs {
			l = append(l, r.Label)
		}
		return l
	}
	if got, want := data.ClassCounts(labels(train), 10), []int{97, 116, 99, 93, 105, 92, 94, 117, 87, 100}; !slices.Equal(got, want) {
		t.Errorf("train class counts %v, want %v", got, want)
	}
	if got, want := data.ClassCounts(labels(test), 10), []int{8, 14, 8, 11, 14, 7, 10, 15, 2, 11}; !slices.Equal(got, want) {
		t.Errorf("test class counts %v, want %v", got, want)
	}
	if got, want := labels(train)[:10], []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; !slices.Equal(got, want) {
		t.Errorf("first train labels %v, want MNIST's %v", got, want)
	}

	minCount, maxCount, total := 1<<30, 0, 0
	var maxT int64
	for _, r := range append(train, test...) {
		evs, err := ReadATIS(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		mx, my, _, last := Bounds(evs)
		if mx > 33 || my > 33 {
			t.Fatalf("%s has an event at x %d, y %d, outside the 34×34 sensor", r.Path, mx, my)
		}
		for k := 1; k < len(evs); k++ {
			if evs[k].T < evs[k-1].T {
				t.Fatalf("%s: event %d goes back in time", r.Path, k)
			}
		}
		minCount, maxCount = min(minCount, len(evs)), max(maxCount, len(evs))
		total += len(evs)
		maxT = max(maxT, last)
	}
	if minCount != 1069 || maxCount != 7152 || total/1100 != 4108 || maxT != 336040 {
		t.Errorf("events per file %d…%d (mean %d), last timestamp %d µs; want 1069…7152 (mean 4108) and 336040", minCount, maxCount, total/1100, maxT)
	}

	ds := &FrameDataset{Recordings: test, Read: ReadATIS, Frames: FrameConfig{T: 5, SensorW: NMNISTSize, SensorH: NMNISTSize}}
	img, label, err := data.Get(ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := ReadATIS(test[0].Path)
	if sum := sumOf(img.Pix); label != 7 || img.Shape != (data.Shape{T: 5, C: 2, H: 34, W: 34}) || sum != float64(len(evs)) {
		t.Errorf("test sample 0: label %d, shape %v, %v events in frames; want 7, [5, 2, 34, 34], %d", label, img.Shape, sum, len(evs))
	}
}

func TestOtherATISRecordings(t *testing.T) {
	evs, err := ReadATIS(filepath.Join(sharedEvents(t, "nmnist", "tonic-sample"), "sample_nmnist.bin"))
	if err != nil {
		t.Fatal(err)
	}
	mx, my, first, last := Bounds(evs)
	if len(evs) != 4325 || mx > 33 || my > 33 || first != 654 || last != 311175 {
		t.Errorf("tonic sample: %d events, max (%d, %d), %d…%d µs; want 4325, ≤ 33, 654…311175", len(evs), mx, my, first, last)
	}

	evs, err = ReadATIS(filepath.Join(sharedEvents(t, "ncaltech101"), "faces_easy_0001.bin"))
	if err != nil {
		t.Fatal(err)
	}
	mx, my, first, last = Bounds(evs)
	on := countOn(evs)
	if len(evs) != 67445 || mx != 150 || my != 172 || first != 6 || last != 299364 || on != 33770 {
		t.Errorf("N-Caltech101: %d events, max (%d, %d), %d…%d µs, %d ON; want 67445, (150, 172), 6…299364, 33770", len(evs), mx, my, first, last, on)
	}
}

func TestNCARSRecording(t *testing.T) {
	evs, err := ReadDAT(filepath.Join(sharedEvents(t, "ncars"), "sample_ncars.dat"))
	if err != nil {
		t.Fatal(err)
	}
	mx, my, first, last := Bounds(evs)
	if on := countOn(evs); len(evs) != 2009 || on != 1350 || mx != 77 || my != 41 || first != 0 || last != 99952 {
		t.Errorf("N-CARS: %d events, %d ON, max (%d, %d), %d…%d µs; want 2009, 1350, (77, 41), 0…99952", len(evs), on, mx, my, first, last)
	}
}

func TestATISOddByteCount(t *testing.T) {
	p := filepath.Join(t.TempDir(), "00001.bin")
	if err := os.WriteFile(p, make([]byte, 23), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadATIS(p)
	if err == nil {
		t.Fatal("23-byte file decoded without error")
	}
	for _, want := range []string{p, "23 bytes", "offset 20", "download it again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestATISFieldsAndOverflow(t *testing.T) {
	b := []byte{
		3, 7, 0x80 | 0x01, 0x02, 0x03, // ON at (3, 7), t = 0x010203
		0, 240, 0, 0, 0, // overflow marker
		33, 0, 0x00, 0x00, 0x05, // OFF at (33, 0), t = 5 + 8192
	}
	evs, err := DecodeATIS(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{{T: 0x010203, X: 3, Y: 7, P: 1}, {T: 5 + 8192, X: 33, Y: 0, P: 0}}
	if !slices.Equal(evs, want) {
		t.Errorf("decoded %v, want %v", evs, want)
	}
}

// aedat2File builds an AEDAT 2.0 file from (sensor x, sensor y, polarity
// bit, timestamp) tuples.
func aedat2File(records [][4]uint32) []byte {
	var b bytes.Buffer
	b.WriteString("#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n# Data format is int32 address, int32 timestamp (8 bytes total)\r\n")
	for _, r := range records {
		binary.Write(&b, binary.BigEndian, r[1]<<8|r[0]<<1|r[2])
		binary.Write(&b, binary.BigEndian, r[3])
	}
	return b.Bytes()
}

func TestAEDAT2Decoding(t *testing.T) {
	b := aedat2File([][4]uint32{{0, 0, 1, 100}, {127, 5, 0, 250}, {10, 127, 1, 4000000000}})
	evs, err := DecodeAEDAT2(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{T: 100, X: 127, Y: 127, P: 0},
		{T: 250, X: 122, Y: 0, P: 1},
		{T: 4000000000, X: 0, Y: 117, P: 0},
	}
	if !slices.Equal(evs, want) {
		t.Errorf("decoded %v, want %v", evs, want)
	}
}

func TestAEDAT2BadInput(t *testing.T) {
	good := aedat2File([][4]uint32{{1, 2, 1, 3}})
	if _, err := DecodeAEDAT2(good[:len(good)-3]); err == nil || !strings.Contains(err.Error(), "cut after 5 bytes") {
		t.Errorf("truncated record: error %v, want one saying the record is cut after 5 bytes", err)
	}
	if _, err := DecodeAEDAT2([]byte("#!AER-DAT4.0\r\n")); err == nil || !strings.Contains(err.Error(), "ReadAEDAT4") {
		t.Errorf("AEDAT 4 header: error %v, want one pointing to ReadAEDAT4", err)
	}
}

func TestCIFAR10DVSFolder(t *testing.T) {
	root := t.TempDir()
	for ci, class := range []string{"airplane", "automobile"} {
		os.Mkdir(filepath.Join(root, class), 0o755)
		var recs [][4]uint32
		for k := uint32(0); k < 20; k++ {
			recs = append(recs, [4]uint32{k * 6, uint32(ci) * 100, k % 2, k * 10})
		}
		os.WriteFile(filepath.Join(root, class, "cifar10_"+class+"_0.aedat"), aedat2File(recs), 0o644)
	}
	ds, err := CIFAR10DVS(root, 10, 48)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 2 || ds.Label(1) != 1 || !slices.Equal(ds.Classes(), []string{"airplane", "automobile"}) {
		t.Fatalf("%d recordings, label[1] %d, classes %v", ds.Len(), ds.Label(1), ds.Classes())
	}
	img, _, err := data.Get(ds, 1)
	if err != nil {
		t.Fatal(err)
	}
	if img.Shape != (data.Shape{T: 10, C: 2, H: 48, W: 48}) || sumOf(img.Pix) != 20 {
		t.Errorf("frames %v hold %v events, want [10, 2, 48, 48] and 20", img.Shape, sumOf(img.Pix))
	}
	// By count: 20 events in 10 frames is 2 per frame, one of each polarity.
	frame := 2 * 48 * 48
	for f := 0; f < 10; f++ {
		if off, on := sumOf(img.Pix[f*frame:f*frame+frame/2]), sumOf(img.Pix[f*frame+frame/2:(f+1)*frame]); off != 1 || on != 1 {
			t.Errorf("frame %d has %v OFF and %v ON events, want 1 and 1", f, off, on)
		}
	}

	os.WriteFile(filepath.Join(root, "airplane", "readme.txt"), []byte("x"), 0o644)
	if _, err := CIFAR10DVS(root, 10, 48); err == nil || !strings.Contains(err.Error(), "readme.txt") {
		t.Errorf("stray file: error %v, want one naming readme.txt", err)
	}
}

func TestToFramesByTimeAndScale(t *testing.T) {
	evs := []Event{
		{T: 1000, X: 0, Y: 0, P: 1},
		{T: 1500, X: 127, Y: 127, P: 0},
		{T: 1999, X: 64, Y: 32, P: 1},
		{T: 2000, X: 3, Y: 2, P: 0},
	}
	cfg := FrameConfig{T: 2, Split: ByTime, SensorW: 128, SensorH: 128, OutW: 48, OutH: 48}
	dst := make([]float32, cfg.Shape().Size())
	if err := ToFrames(evs, cfg, dst); err != nil {
		t.Fatal(err)
	}
	at := func(tt, p, y, x int) float32 { return dst[((tt*2+p)*48+y)*48+x] }
	// 1000…2000 µs is 1001 µs long: events up to 1500 µs go to frame 0.
	checks := []struct {
		name string
		got  float32
	}{
		{"frame 0 ON (0, 0)", at(0, 1, 0, 0)},
		{"frame 0 OFF (47, 47)", at(0, 0, 47, 47)},
		{"frame 1 ON (y 12, x 24)", at(1, 1, 12, 24)},
		{"frame 1 OFF (0, 1)", at(1, 0, 0, 1)},
	}
	for _, c := range checks {
		if c.got != 1 {
			t.Errorf("%s = %v, want 1", c.name, c.got)
		}
	}
	if s := sumOf(dst); s != 4 {
		t.Errorf("frames hold %v events, want 4", s)
	}

	evs = append(evs, Event{T: 2001, X: 128, Y: 0})
	if err := ToFrames(evs, cfg, dst); err == nil || !strings.Contains(err.Error(), "event 4") {
		t.Errorf("event outside the sensor: error %v, want one naming event 4", err)
	}
}

func sumOf(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s
}

func countOn(evs []Event) int {
	n := 0
	for _, e := range evs {
		n += int(e.P)
	}
	return n
}

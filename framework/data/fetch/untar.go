package fetch

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ExtractTarGz unpacks a gzip-compressed tar archive into dir. Only
// folders and regular files are written; an entry whose path would leave
// dir is an error. It returns the paths written.
func ExtractTarGz(archive, dir string) ([]string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("extract: %s is not a gzip file (%v): delete it and download it again", archive, err)
	}
	tr := tar.NewReader(zr)

	var written []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return written, nil
		}
		if err != nil {
			return written, fmt.Errorf("extract: %s is corrupt after %d entries (%v): delete it and download it again", archive, len(written), err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return written, fmt.Errorf("extract: %s contains entry %q, which points outside %s: the archive is unsafe; do not use it", archive, h.Name, dir)
		}
		target := filepath.Join(dir, name)

		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return written, fmt.Errorf("extract: %w", err)
			}
		case tar.TypeReg:
			if err := writeFile(target, tr); err != nil {
				return written, fmt.Errorf("extract: %s: entry %q: %w", archive, h.Name, err)
			}
			written = append(written, target)
		}
	}
}

func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

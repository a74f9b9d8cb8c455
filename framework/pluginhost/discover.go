package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PathEnv is the environment variable that lists plugin folders, separated
// like PATH (a colon on Unix).
const PathEnv = "SNNLAB_PLUGIN_PATH"

// DefaultPath returns the plugin folders to search when none are given:
// those listed in $SNNLAB_PLUGIN_PATH, or else the "snnlab/plugins" folder
// under the user's configuration folder (~/.config/snnlab/plugins on
// Linux). It returns nil when neither is known.
func DefaultPath() []string {
	if v := os.Getenv(PathEnv); v != "" {
		return SplitPath(v)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil
	}
	return []string{filepath.Join(dir, "snnlab", "plugins")}
}

// SplitPath splits a PATH-style list of folders, dropping empty entries.
func SplitPath(list string) []string {
	var out []string
	for _, p := range filepath.SplitList(list) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Binary is a plugin binary found on the plugin path.
type Binary struct {
	Path   string // absolute path
	SHA256 string // hex digest of the file's contents
	Size   int64  // bytes
}

// Discover returns the plugin binaries in paths, sorted by path. Each path
// is a folder, whose executable regular files (not hidden ones) are taken
// as plugins, or an executable file. Paths that do not exist are skipped,
// because the default plugin folder usually does not exist. A path that
// exists but cannot be read, or a named file that is not executable, is an
// error.
func Discover(paths []string) ([]Binary, error) {
	seen := map[string]bool{}
	var bins []Binary
	for _, p := range paths {
		files, err := candidates(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if seen[f] {
				continue
			}
			seen[f] = true
			b, err := describeBinary(f)
			if err != nil {
				return nil, err
			}
			bins = append(bins, b)
		}
	}
	sort.Slice(bins, func(i, j int) bool { return bins[i].Path < bins[j].Path })
	return bins, nil
}

// candidates lists the plugin files a path entry names.
func candidates(p string) ([]string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("plugin path %q: %w", p, err)
	}
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("plugin path %s: %w", abs, err)
	}
	if !info.IsDir() {
		if !executable(info) {
			return nil, fmt.Errorf("plugin path %s is a file that is not executable; make it executable (chmod +x) or remove it from the plugin path", abs)
		}
		return []string{abs}, nil
	}

	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("plugin folder %s: %w", abs, err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		full := filepath.Join(abs, e.Name())
		info, err := os.Stat(full) // follows symbolic links
		if err != nil {
			return nil, fmt.Errorf("plugin folder %s: %w", abs, err)
		}
		if executable(info) {
			files = append(files, full)
		}
	}
	return files, nil
}

func executable(info fs.FileInfo) bool {
	return info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

func describeBinary(path string) (Binary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Binary{}, fmt.Errorf("plugin binary %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Binary{}, fmt.Errorf("plugin binary %s: computing its checksum: %w", path, err)
	}
	return Binary{Path: path, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

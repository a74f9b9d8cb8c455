package pluginhost_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/snnlab/snnlab/framework/pluginhost"
)

func TestDefaultPathFromEnvironment(t *testing.T) {
	t.Setenv(pluginhost.PathEnv, "/a/plugins"+string(os.PathListSeparator)+string(os.PathListSeparator)+"/b")
	if got, want := pluginhost.DefaultPath(), []string{"/a/plugins", "/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultPath() = %v, want %v", got, want)
	}
}

func TestDefaultPathUnderConfigFolder(t *testing.T) {
	t.Setenv(pluginhost.PathEnv, "")
	t.Setenv("XDG_CONFIG_HOME", "/home/user/.config")
	t.Setenv("HOME", "/home/user")
	got := pluginhost.DefaultPath()
	if len(got) != 1 || !strings.HasSuffix(got[0], filepath.Join("snnlab", "plugins")) {
		t.Errorf("DefaultPath() = %v, want one folder ending in snnlab/plugins", got)
	}
}

func TestDiscoverFindsExecutables(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plugin := write("my-neuron", 0o755, "#!/bin/sh\n")
	write("README.md", 0o644, "not a plugin")
	write(".hidden", 0o755, "skipped")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	second := filepath.Join(other, "second")
	if err := os.WriteFile(second, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}

	bins, err := pluginhost.Discover([]string{dir, filepath.Join(dir, "missing"), second, dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(bins) != 2 {
		t.Fatalf("Discover found %v, want my-neuron and second", bins)
	}
	byPath := map[string]pluginhost.Binary{bins[0].Path: bins[0], bins[1].Path: bins[1]}
	b, ok := byPath[plugin]
	if !ok {
		t.Fatalf("Discover found %v, want %s among them", bins, plugin)
	}
	sum := sha256.Sum256([]byte("#!/bin/sh\n"))
	if b.SHA256 != hex.EncodeToString(sum[:]) || b.Size != 10 {
		t.Errorf("binary %s: sha256 %s size %d, want %x and 10", b.Path, b.SHA256, b.Size, sum)
	}
}

func TestDiscoverRejectsNonExecutableFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := pluginhost.Discover([]string{p})
	if err == nil || !strings.Contains(err.Error(), "not executable") || !strings.Contains(err.Error(), p) {
		t.Errorf("Discover(%s) error = %v, want one naming the file and saying it is not executable", p, err)
	}
}

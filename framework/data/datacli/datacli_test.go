package datacli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snnlab/snnlab/framework/data"
)

func tinyCIFARArchive() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for k, name := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"} {
		body := make([]byte, 3*3073)
		body[0], body[3073], body[2*3073] = byte(k), 1, 1
		tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestFetchThenInfo(t *testing.T) {
	archive := tinyCIFARArchive()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "a.tar.gz", time.Time{}, bytes.NewReader(archive))
	}))
	defer srv.Close()
	sum := sha256.Sum256(archive)
	dir := t.TempDir()

	var stdout, stderr bytes.Buffer
	err := Main([]string{"fetch", "cifar10", "--dir", dir, "--url", srv.URL, "--sha256", hex.EncodeToString(sum[:])}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("fetch: %v\nstderr: %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), filepath.Join(dir, "cifar-10-batches-bin")) {
		t.Errorf("fetch output %q does not name the unpacked folder", stdout.String())
	}

	stdout.Reset()
	if err := Main([]string{"info", dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"train: 15 images, 5 of 5 files", "test: 3 images, 1 of 1 files", "automobile   2"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}

	os.Remove(filepath.Join(dir, "cifar-10-batches-bin", "data_batch_4.bin"))
	stdout.Reset()
	Main([]string{"info", dir}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "missing: data_batch_4.bin") {
		t.Errorf("info does not report the missing batch:\n%s", stdout.String())
	}
}

func TestFetchChecksumMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not the archive"))
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	err := Main([]string{"fetch", "cifar10", "--dir", t.TempDir(), "--url", srv.URL}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "c32a1d4ab5d03f1284b67883e8d87530") {
		t.Errorf("error %v, want a checksum mismatch naming the expected MD5", err)
	}
}

func TestUsageErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cases := map[string][]string{
		"no command":      {},
		"unknown command": {"frobnicate"},
		"no dataset":      {"fetch", "--dir", "x"},
		"unknown dataset": {"fetch", "imagenet", "--dir", "x"},
		"no dir":          {"fetch", "cifar10"},
		"info no folder":  {"info"},
	}
	for name, args := range cases {
		if err := Main(args, &stdout, &stderr); err == nil {
			t.Errorf("%s: %v accepted", name, args)
		}
	}
	for _, args := range [][]string{{"-h"}, {"fetch", "-h"}, {"fetch", "cifar10", "-h"}, {"info", "-h"}} {
		stdout.Reset()
		if err := Main(args, &stdout, &stderr); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(stdout.String(), "usage:") {
			t.Errorf("%v printed no usage: %q", args, stdout.String())
		}
	}
}

func TestInfoPartialCIFAR(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "datasets", "cifar10-mini")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("reference data not available: %v", err)
	}
	var stdout, stderr bytes.Buffer
	if err := Main([]string{"info", dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "train: 1000 images, 1 of 5 files (missing: data_batch_2.bin") {
		t.Errorf("info on the mini set:\n%s", stdout.String())
	}
}

func TestInfoMNIST(t *testing.T) {
	dir, err := data.LocateMNIST()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := Main([]string{"info", dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"train: 60000 images of 28×28", "test: 10000 images of 28×28", "1            6742"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("info output lacks %q:\n%s", want, stdout.String())
		}
	}
}

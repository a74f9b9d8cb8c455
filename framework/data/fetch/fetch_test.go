package fetch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// cifarArchive builds a tar.gz in the CIFAR-10 release layout with two
// records per batch file.
func cifarArchive(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: CIFAR10Folder + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	for k, name := range append(cifar10Files, "batches.meta.txt") {
		body := make([]byte, 2*3073)
		body[0], body[3073] = byte(k), 9
		if name == "batches.meta.txt" {
			body = []byte("airplane\n")
		}
		tw.WriteHeader(&tar.Header{Name: CIFAR10Folder + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// server serves body at /archive.tar.gz with Range support and records
// the Range headers it receives. If cutFirst is set, the first response
// stops after half of the requested bytes.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	ranges   []string
	cutFirst bool
	requests int
}

func newServer(t *testing.T, body []byte, cutFirst bool) *server {
	s := &server{cutFirst: cutFirst}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.requests++
		cut := s.cutFirst && s.requests == 1
		s.mu.Unlock()
		if r.URL.Path != "/archive.tar.gz" {
			http.NotFound(w, r)
			return
		}
		if cut {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body[:len(body)/2])
			return // the server closes the connection short of Content-Length
		}
		http.ServeContent(w, r, "archive.tar.gz", time.Time{}, bytes.NewReader(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func md5Of(b []byte) Checksum {
	s := md5.Sum(b)
	return Checksum{Algorithm: "md5", Hex: hex.EncodeToString(s[:])}
}

func TestCIFAR10FetchAndUnpack(t *testing.T) {
	body := cifarArchive(t)
	srv := newServer(t, body, false)
	dir := t.TempDir()
	folder, err := CIFAR10(context.Background(), dir, srv.URL+"/archive.tar.gz", md5Of(body), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if folder != filepath.Join(dir, CIFAR10Folder) {
		t.Errorf("folder %s, want %s", folder, filepath.Join(dir, CIFAR10Folder))
	}
	b, err := os.ReadFile(filepath.Join(folder, "data_batch_3.bin"))
	if err != nil || len(b) != 2*3073 || b[0] != 2 || b[3073] != 9 {
		t.Errorf("data_batch_3.bin: %d bytes, labels %v %v, err %v; want 6146 bytes, labels 2 and 9", len(b), b[0], b[3073], err)
	}
	if _, err := os.Stat(filepath.Join(dir, CIFAR10Archive+".part")); !os.IsNotExist(err) {
		t.Error("the .part file is still present after a verified download")
	}

	// A second fetch finds the verified archive and downloads nothing.
	before := srv.requests
	if _, err := CIFAR10(context.Background(), dir, srv.URL+"/archive.tar.gz", md5Of(body), Options{}); err != nil {
		t.Fatal(err)
	}
	if srv.requests != before {
		t.Errorf("second fetch made %d requests, want 0", srv.requests-before)
	}
}

func TestDownloadResumesAfterCut(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 8192)
	srv := newServer(t, body, true)
	dest := filepath.Join(t.TempDir(), "file.bin")
	sum := sha256.Sum256(body)
	check := Checksum{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}

	err := Download(context.Background(), srv.URL+"/archive.tar.gz", dest, check, Options{})
	if err == nil || !strings.Contains(err.Error(), "run the fetch again to resume") {
		t.Fatalf("cut download: error %v, want one asking to resume", err)
	}
	st, err := os.Stat(dest + ".part")
	if err != nil || st.Size() != int64(len(body)/2) {
		t.Fatalf(".part after the cut: %v bytes (err %v), want %d", st.Size(), err, len(body)/2)
	}

	if err := Download(context.Background(), srv.URL+"/archive.tar.gz", dest, check, Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dest)
	if !bytes.Equal(got, body) {
		t.Error("resumed file differs from the served file")
	}
	if want := "bytes=" + strconv.Itoa(len(body)/2) + "-"; srv.ranges[1] != want {
		t.Errorf("second request sent Range %q, want %q", srv.ranges[1], want)
	}
}

func TestDownloadRestartsWithoutRangeSupport(t *testing.T) {
	body := []byte("the whole file, sent from the start every time")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body) // 200 OK, Range ignored
	}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "f")
	os.WriteFile(dest+".part", []byte("stale bytes from another file"), 0o644)
	if err := Download(context.Background(), srv.URL, dest, md5Of(body), Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); !bytes.Equal(got, body) {
		t.Errorf("file is %q, want %q", got, body)
	}
}

func TestDownloadChecksumMismatch(t *testing.T) {
	body := cifarArchive(t)
	srv := newServer(t, body, false)
	dest := filepath.Join(t.TempDir(), CIFAR10Archive)
	wrong := Checksum{Algorithm: "md5", Hex: CIFAR10MD5}
	err := Download(context.Background(), srv.URL+"/archive.tar.gz", dest, wrong, Options{})
	if err == nil {
		t.Fatal("download with the wrong checksum succeeded")
	}
	for _, want := range []string{dest + ".part", md5Of(body).Hex, CIFAR10MD5, "run the fetch again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	for _, p := range []string{dest, dest + ".part"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after a checksum mismatch", p)
		}
	}
}

func TestDownloadHTTPError(t *testing.T) {
	srv := newServer(t, nil, false)
	err := Download(context.Background(), srv.URL+"/missing", filepath.Join(t.TempDir(), "f"), md5Of(nil), Options{})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("error %v, want one reporting 404", err)
	}
}

func TestInvalidChecksumRejected(t *testing.T) {
	err := Download(context.Background(), "http://127.0.0.1:1/x", filepath.Join(t.TempDir(), "f"), Checksum{Algorithm: "sha256", Hex: "abc"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "64 hexadecimal digits") {
		t.Errorf("error %v, want one describing a valid checksum", err)
	}
}

func TestExtractRejectsEscapingPaths(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "../evil.txt", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	zw.Close()
	dir := t.TempDir()
	archive := filepath.Join(dir, "a.tar.gz")
	os.WriteFile(archive, buf.Bytes(), 0o644)
	out := filepath.Join(dir, "out")
	if _, err := ExtractTarGz(archive, out); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("error %v, want one about an entry outside the folder", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "evil.txt")); !os.IsNotExist(err) {
		t.Error("an escaping entry was written")
	}
}

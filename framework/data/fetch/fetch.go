// Package fetch downloads dataset archives over HTTP, resuming partial
// downloads and verifying checksums, and unpacks them.
//
// A download goes to <dest>.part and is renamed to dest only after its
// checksum matches, so a file at dest is always complete. An interrupted
// download resumes with an HTTP Range request from the end of the .part
// file.
package fetch

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/rs/zerolog"
)

// Checksum is an expected digest: Algorithm "md5" or "sha256", and the
// digest in hexadecimal.
type Checksum struct {
	Algorithm string
	Hex       string
}

func (c Checksum) String() string { return c.Algorithm + ":" + c.Hex }

func (c Checksum) newHash() (hash.Hash, error) {
	want := strings.ToLower(c.Hex)
	switch {
	case c.Algorithm == "md5" && len(want) == 2*md5.Size && isHex(want):
		return md5.New(), nil
	case c.Algorithm == "sha256" && len(want) == 2*sha256.Size && isHex(want):
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("fetch: checksum %s is invalid: want md5 with 32 or sha256 with 64 hexadecimal digits", c)
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// Options configures a download. The zero value uses http.DefaultClient
// and logs nothing.
type Options struct {
	Client *http.Client
	Log    zerolog.Logger
}

// Download fetches url to dest and verifies it against sum. If dest
// already exists with the right checksum, nothing is fetched. A mismatch
// deletes the .part file, so the next call starts over.
func Download(ctx context.Context, url, dest string, sum Checksum, opts Options) error {
	if _, err := sum.newHash(); err != nil {
		return err
	}
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}

	if _, err := os.Stat(dest); err == nil {
		if got, err := fileDigest(dest, sum); err == nil && got == strings.ToLower(sum.Hex) {
			opts.Log.Info().Str("file", dest).Msg("already downloaded, checksum matches")
			return nil
		}
		return fmt.Errorf("fetch: %s exists but its %s checksum does not match %s: delete it and run the fetch again", dest, sum.Algorithm, sum.Hex)
	}

	part := dest + ".part"
	if err := getInto(ctx, client, url, part, opts.Log); err != nil {
		return err
	}

	got, err := fileDigest(part, sum)
	if err != nil {
		return err
	}
	if got != strings.ToLower(sum.Hex) {
		os.Remove(part)
		return fmt.Errorf("fetch: %s downloaded from %s has %s %s, want %s: the download is corrupt or the URL serves another file; the partial file was deleted, run the fetch again or check --url and the checksum",
			part, url, sum.Algorithm, got, strings.ToLower(sum.Hex))
	}
	if err := os.Rename(part, dest); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	opts.Log.Info().Str("file", dest).Str(sum.Algorithm, got).Msg("download verified")
	return nil
}

// getInto appends the rest of url to part, asking the server for the bytes
// after those already present.
func getInto(ctx context.Context, client *http.Client, url, part string, log zerolog.Logger) error {
	have := int64(0)
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fetch: %w", err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("fetch: invalid URL %q: %w", url, err)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch: GET %s failed: %w; run the fetch again to resume", url, err)
	}
	defer resp.Body.Close()

	flags := os.O_CREATE | os.O_WRONLY
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		flags |= os.O_APPEND
		log.Info().Str("file", part).Int64("offset", have).Msg("resuming download")
	case resp.StatusCode == http.StatusOK:
		// The server sent the whole file, ignoring or lacking Range support.
		flags |= os.O_TRUNC
		if have > 0 {
			log.Warn().Str("url", url).Int64("discarded_bytes", have).Msg("server does not support resuming; downloading from the start")
		}
		have = 0
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		// The .part file already holds the whole file; the checksum decides.
		return nil
	default:
		return fmt.Errorf("fetch: GET %s returned %s: check the URL", url, resp.Status)
	}

	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	n, copyErr := io.Copy(f, resp.Body)
	closeErr := f.Close()
	if copyErr != nil {
		return fmt.Errorf("fetch: download of %s stopped after %d bytes in %s (%w): run the fetch again to resume", url, have+n, part, copyErr)
	}
	if closeErr != nil {
		return fmt.Errorf("fetch: %w", closeErr)
	}
	log.Info().Str("file", part).Int64("bytes", have+n).Msg("download complete")
	return nil
}

// fileDigest returns the lower-case hexadecimal digest of a file.
func fileDigest(path string, sum Checksum) (string, error) {
	h, err := sum.newHash()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("fetch: reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

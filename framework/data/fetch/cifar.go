package fetch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The official CIFAR-10 binary release.
const (
	CIFAR10URL     = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	CIFAR10MD5     = "c32a1d4ab5d03f1284b67883e8d87530"
	CIFAR10Archive = "cifar-10-binary.tar.gz"
	CIFAR10Folder  = "cifar-10-batches-bin"
)

var cifar10Files = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}

// CIFAR10 downloads the CIFAR-10 binary archive from url into dir (resuming
// a partial download), verifies it against sum, unpacks it and checks that
// the six batch files are present with whole 3 073-byte records. It returns
// the folder holding the batches, dir/cifar-10-batches-bin. An empty url
// and zero sum mean the official release.
func CIFAR10(ctx context.Context, dir, url string, sum Checksum, opts Options) (string, error) {
	if url == "" {
		url = CIFAR10URL
	}
	if sum == (Checksum{}) {
		sum = Checksum{Algorithm: "md5", Hex: CIFAR10MD5}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}

	archive := filepath.Join(dir, CIFAR10Archive)
	if err := Download(ctx, url, archive, sum, opts); err != nil {
		return "", err
	}
	if _, err := ExtractTarGz(archive, dir); err != nil {
		return "", err
	}

	folder := filepath.Join(dir, CIFAR10Folder)
	for _, name := range cifar10Files {
		p := filepath.Join(folder, name)
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("fetch: %s is missing after unpacking %s: the archive is not the CIFAR-10 binary release; check --url", p, archive)
		}
		if st.Size() == 0 || st.Size()%3073 != 0 {
			return "", fmt.Errorf("fetch: %s is %d bytes after unpacking, not a whole number of 3 073-byte records: delete %s and fetch again", p, st.Size(), archive)
		}
	}
	opts.Log.Info().Str("dir", folder).Msg("CIFAR-10 ready")
	return folder, nil
}

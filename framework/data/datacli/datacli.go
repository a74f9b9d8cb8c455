// Package datacli implements the `snnlab data` command: fetching datasets
// and describing dataset folders.
package datacli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/data"
	"github.com/snnlab/snnlab/framework/data/fetch"
)

const usage = `usage: snnlab data <command> [arguments]

commands:
  fetch cifar10 --dir DIR [--url URL] [--sha256 HEX | --md5 HEX]
        download the CIFAR-10 binary archive into DIR, verify its checksum,
        resume a partial download and unpack it to DIR/cifar-10-batches-bin
  info DIR
        print what DIR holds: CIFAR-10 batches, MNIST IDX files or an image
        folder with one sub-folder per class, with record and class counts
`

// Main runs `snnlab data` with args, the arguments after "data". Help goes
// to stdout; progress logs go to stderr.
func Main(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("data: missing command: use fetch or info")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "fetch":
		return runFetch(args[1:], stdout, stderr)
	case "info":
		return runInfo(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("data: unknown command %q: use fetch or info", args[0])
}

func runFetch(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("snnlab data fetch", flag.ContinueOnError)
	fs.SetOutput(stdout)
	dir := fs.String("dir", "", "folder to download and unpack into (created if missing)")
	url := fs.String("url", fetch.CIFAR10URL, "archive URL")
	sha := fs.String("sha256", "", "expected SHA-256 of the archive, hexadecimal (replaces the built-in MD5)")
	md5sum := fs.String("md5", fetch.CIFAR10MD5, "expected MD5 of the archive, hexadecimal")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: snnlab data fetch cifar10 --dir DIR [--url URL] [--sha256 HEX | --md5 HEX]\n\n")
		fs.PrintDefaults()
	}

	// The dataset name may come before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	switch {
	case name == "":
		fs.Usage()
		return errors.New("data fetch: missing dataset name: the only one is cifar10")
	case name != "cifar10":
		return fmt.Errorf("data fetch: unknown dataset %q: the only one is cifar10 (MNIST ships with snnlab; see DefaultMNIST)", name)
	case *dir == "":
		return errors.New("data fetch: missing --dir: name the folder to download into")
	}

	sum := fetch.Checksum{Algorithm: "md5", Hex: *md5sum}
	if *sha != "" {
		sum = fetch.Checksum{Algorithm: "sha256", Hex: *sha}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true}).With().Timestamp().Logger()
	folder, err := fetch.CIFAR10(ctx, *dir, *url, sum, fetch.Options{Log: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "CIFAR-10 is in %s\n", folder)
	return nil
}

func runInfo(args []string, stdout, _ io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		if len(args) == 1 {
			fmt.Fprint(stdout, "usage: snnlab data info DIR\n")
			return nil
		}
		return errors.New("data info: want exactly one folder: snnlab data info DIR")
	}
	dir := args[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("data info: %s is not a folder", dir)
	}

	if cifar := cifarDir(dir); cifar != "" {
		return infoCIFAR(cifar, stdout)
	}
	if _, err := data.LoadMNIST(dir, false); err == nil {
		return infoMNIST(dir, stdout)
	}
	ds, err := data.LoadImageFolder(dir, 0)
	if err != nil && strings.Contains(err.Error(), "pass a size") {
		ds, err = data.LoadImageFolder(dir, 32)
	}
	if err != nil {
		return fmt.Errorf("data info: no CIFAR-10 batches or MNIST IDX files found in %s, and reading it as an image folder failed: %w", dir, err)
	}
	fmt.Fprintf(stdout, "image folder %s: %d images, %d classes\n", dir, ds.Len(), len(ds.Classes()))
	printCounts(stdout, ds.Classes(), data.ClassCounts(data.Labels(ds), len(ds.Classes())))
	return nil
}

// cifarDir returns the folder holding CIFAR-10 batch files, dir itself or
// dir/cifar-10-batches-bin, or "" if neither does.
func cifarDir(dir string) string {
	for _, d := range []string{dir, filepath.Join(dir, fetch.CIFAR10Folder)} {
		for _, name := range append(data.CIFAR10TrainFiles, data.CIFAR10TestFile) {
			if _, err := os.Stat(filepath.Join(d, name)); err == nil {
				return d
			}
		}
	}
	return ""
}

func infoCIFAR(dir string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "CIFAR-10 binary batches in %s\n", dir)
	for _, split := range []struct {
		name  string
		files []string
	}{{"train", data.CIFAR10TrainFiles}, {"test", []string{data.CIFAR10TestFile}}} {
		var present, missing []string
		for _, f := range split.files {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				present = append(present, filepath.Join(dir, f))
			} else {
				missing = append(missing, f)
			}
		}
		if len(present) == 0 {
			fmt.Fprintf(stdout, "%s: no files\n", split.name)
			continue
		}
		ds, err := data.LoadCIFAR10Files(present...)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d images, %d of %d files", split.name, ds.Len(), len(present), len(split.files))
		if len(missing) > 0 {
			fmt.Fprintf(stdout, " (missing: %s)", strings.Join(missing, ", "))
		}
		fmt.Fprintln(stdout)
		printCounts(stdout, ds.Classes(), data.ClassCounts(data.Labels(ds), 10))
	}
	return nil
}

func infoMNIST(dir string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "MNIST IDX files in %s\n", dir)
	for _, train := range []bool{true, false} {
		name := map[bool]string{true: "train", false: "test"}[train]
		ds, err := data.LoadMNIST(dir, train)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d images of %d×%d\n", name, ds.Len(), ds.H, ds.W)
		printCounts(stdout, ds.Classes(), data.ClassCounts(data.Labels(ds), 10))
	}
	return nil
}

func printCounts(w io.Writer, classes []string, counts []int) {
	for c, n := range counts {
		name := fmt.Sprint(c)
		if c < len(classes) {
			name = classes[c]
		}
		fmt.Fprintf(w, "  %-12s %d\n", name, n)
	}
}

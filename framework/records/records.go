// Package records keeps the record of a run in a folder of its own:
//
//	<runs>/<name>-<hash>/
//	    config.json      the resolved configuration, canonical JSON, indented
//	    metrics.jsonl    one JSON object per event, appended and synced per line
//	    run.log          everything the run logged, as zerolog JSON lines
//	    <name>.ckpt      checkpoints, replaced atomically, with <name>.prev.ckpt
//	                     holding the one before
//	    result.json      the final result, written once the run has finished
//	    figures/, tables/ what the run's script saves there
//
// A run's identity is the SHA-256 of its canonical configuration
// (ConfigHash), so a script started again with the same configuration finds
// the folder (Find, Resume) and continues from its newest intact checkpoint.
// Every file is written so that a process killed at any moment leaves
// either the old or the new content: whole files through a temporary file
// and a rename, metrics as whole synced lines.
//
// The package stores and reads; it does not decide what to checkpoint or
// when. It takes no lock, so two processes must not write the same run.
package records

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/records/atomicfile"
)

// File names inside a run folder.
const (
	ConfigFile  = "config.json"
	MetricsFile = "metrics.jsonl"
	LogFile     = "run.log"
	ResultFile  = "result.json"
)

// Run is an open run folder. Its methods are safe for concurrent use.
// Close it when the run ends or stops.
type Run struct {
	dir  string
	id   string
	hash string

	mu          sync.Mutex
	metrics     *os.File
	metricsSize int64 // bytes of complete lines in metrics.jsonl
	step        int64
	logFile     *os.File
	log         zerolog.Logger
	notes       []string // repairs made by Open, logged once a logger exists
}

// Create makes a new run folder runsDir/<name>-<first 12 hex digits of
// ConfigHash(config)> and writes config.json. It fails if that run already
// has a configuration; use Resume to continue it instead.
func Create(runsDir, name string, config any) (*Run, error) {
	if err := checkName("run name", name); err != nil {
		return nil, err
	}
	hash, err := ConfigHash(config)
	if err != nil {
		return nil, err
	}
	return CreateID(runsDir, name+"-"+hash[:ShortHashLen], config)
}

// CreateID makes the run folder runsDir/id and writes config.json. A
// folder left without config.json by a crash during an earlier CreateID is
// reused; a folder with a configuration is an error.
func CreateID(runsDir, id string, config any) (*Run, error) {
	if err := checkName("run ID", id); err != nil {
		return nil, err
	}
	canon, err := CanonicalJSON(config)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(runsDir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("records: create run folder: %w", err)
	}

	configPath := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(configPath); err == nil {
		return nil, fmt.Errorf("records: run %s already exists with a configuration; continue it with Resume (the command's --resume) or delete the folder %s to start over", id, dir)
	}
	if err := atomicfile.WriteFile(configPath, indentedConfig(canon)); err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	return Open(dir)
}

// Open opens an existing run folder to continue it. It removes temporary
// files left by interrupted writes and cuts an unterminated last line off
// metrics.jsonl, so that new lines start on a line of their own. The run
// logger reports both repairs as warnings once Logger is called.
func Open(dir string) (*Run, error) {
	canon, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	r := &Run{dir: dir, id: filepath.Base(dir), hash: hashOf(canon), log: zerolog.Nop()}

	removed, err := atomicfile.RemoveStale(dir)
	if err != nil {
		return nil, fmt.Errorf("records: open run %s: %w", dir, err)
	}
	for _, name := range removed {
		r.notes = append(r.notes, "removed temporary file "+name+" left by an interrupted write")
	}

	if err := r.openMetrics(); err != nil {
		return nil, err
	}
	return r, nil
}

// Find returns the run in runsDir whose configuration has the same
// ConfigHash as config, opened as by Open, and true. It returns false
// and no error when there is none, including when runsDir does not exist.
// When several folders match, it takes the one whose name ends in the
// short hash, then the first in name order.
func Find(runsDir string, config any) (*Run, bool, error) {
	hash, err := ConfigHash(config)
	if err != nil {
		return nil, false, err
	}
	entries, err := os.ReadDir(runsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("records: find run: %w", err)
	}

	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	suffix := "-" + hash[:ShortHashLen]
	sort.SliceStable(names, func(i, j int) bool {
		return strings.HasSuffix(names[i], suffix) && !strings.HasSuffix(names[j], suffix)
	})

	for _, name := range names {
		dir := filepath.Join(runsDir, name)
		canon, err := readConfig(dir)
		if err != nil {
			// A folder without a readable configuration is not a run.
			continue
		}
		if hashOf(canon) != hash {
			continue
		}
		r, err := Open(dir)
		if err != nil {
			return nil, false, err
		}
		return r, true, nil
	}
	return nil, false, nil
}

// Resume returns the existing run with config's hash (true) or creates a
// new one named name (false).
func Resume(runsDir, name string, config any) (*Run, bool, error) {
	r, found, err := Find(runsDir, config)
	if err != nil || found {
		return r, found, err
	}
	r, err = Create(runsDir, name, config)
	return r, false, err
}

// Dir returns the run folder.
func (r *Run) Dir() string { return r.dir }

// ID returns the folder's base name, such as "quickstart-3f2a9c01b7de".
func (r *Run) ID() string { return r.id }

// ConfigHash returns the hash of the run's configuration.
func (r *Run) ConfigHash() string { return r.hash }

// Path joins elem to the run folder, for files a script writes there.
func (r *Run) Path(elem ...string) string {
	return filepath.Join(append([]string{r.dir}, elem...)...)
}

// Subdir returns the run's sub-folder name, creating it if needed, such as
// "figures" or "tables".
func (r *Run) Subdir(name string) (string, error) {
	if err := checkName("sub-folder", name); err != nil {
		return "", err
	}
	dir := filepath.Join(r.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("records: run %s: %w", r.id, err)
	}
	return dir, nil
}

// Config returns the run's configuration as written in config.json.
func (r *Run) Config() ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(r.dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("records: run %s: %w", r.id, err)
	}
	return data, nil
}

// Close closes the metrics and log files. The Run must not be used after.
func (r *Run) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	if r.metrics != nil {
		errs = append(errs, r.metrics.Close())
		r.metrics = nil
	}
	if r.logFile != nil {
		errs = append(errs, r.logFile.Close())
		r.logFile = nil
	}
	r.log = zerolog.Nop()
	return errors.Join(errs...)
}

func readConfig(dir string) ([]byte, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("records: %s is not a run folder: %w", dir, err)
	}
	canon, err := canonicalize(data)
	if err != nil {
		return nil, fmt.Errorf("records: %s: %w; restore the file or delete the run folder", path, err)
	}
	return canon, nil
}

// checkName rejects names that are not a single plain path element.
func checkName(kind, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("records: %s %q must be a plain folder name without slashes or a leading dot, such as \"quickstart\"", kind, name)
	}
	return nil
}

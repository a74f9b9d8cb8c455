package records

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
)

// Logger returns the run's logger. Every event goes as a JSON line to
// run.log in the run folder and, if console is not nil, in readable form
// to console (coloured only when console is a terminal). Events carry the
// time and the run ID. The first call also logs, as warnings, the repairs
// Open made (stale temporary files, a cut-off metrics line). Later calls
// return a logger for the new console writing to the same run.log, and the
// package's own warnings go to the latest one.
func (r *Run) Logger(console io.Writer) (zerolog.Logger, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.metrics == nil {
		return zerolog.Nop(), fmt.Errorf("records: run %s is closed", r.id)
	}
	if r.logFile == nil {
		path := filepath.Join(r.dir, LogFile)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return zerolog.Nop(), fmt.Errorf("records: open %s: %w", path, err)
		}
		r.logFile = f
	}

	writers := []io.Writer{r.logFile}
	if console != nil {
		writers = append(writers, zerolog.ConsoleWriter{
			Out:        console,
			NoColor:    !isTerminal(console),
			TimeFormat: "15:04:05",
		})
	}
	r.log = zerolog.New(zerolog.MultiLevelWriter(writers...)).With().Timestamp().Str("run", r.id).Logger()

	for _, note := range r.notes {
		r.log.Warn().Msg(note)
	}
	r.notes = nil
	return r.log, nil
}

// logger returns the latest logger from Logger, or one that discards.
func (r *Run) logger() *zerolog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.log
	return &l
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

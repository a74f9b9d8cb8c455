package pluginhost

import (
	"encoding/json"
	"strings"
	"sync"
)

// tailBuffer keeps the last bytes a plugin wrote to its standard error, so
// that an error about a crashed plugin can quote its last words, such as a
// panic message.
type tailBuffer struct {
	mu   sync.Mutex
	buf  []byte
	keep int
}

func newTailBuffer(keep int) *tailBuffer { return &tailBuffer{keep: keep} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.keep; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// Summary returns the most telling part of the kept output on one line:
// the first three lines of a Go panic or fatal error, or else the last
// three lines. Debug entries of go-plugin's logger are left out.
func (t *tailBuffer) Summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lines []string
	for _, l := range strings.Split(string(t.buf), "\n") {
		if l = strings.TrimSpace(l); l != "" && !isDebugLog(l) {
			lines = append(lines, l)
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
			return strings.Join(lines[i:min(len(lines), i+3)], " | ")
		}
	}
	return strings.Join(lines[max(0, len(lines)-3):], " | ")
}

// isDebugLog reports whether line is a debug or trace entry of go-plugin's
// JSON logger, which the plugin side writes on every start.
func isDebugLog(line string) bool {
	if !strings.HasPrefix(line, "{") {
		return false
	}
	var entry struct {
		Level string `json:"@level"`
	}
	if json.Unmarshal([]byte(line), &entry) != nil {
		return false
	}
	return entry.Level == "debug" || entry.Level == "trace"
}

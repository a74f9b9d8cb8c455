package pluginhost

import (
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Transport selects how tensors travel between snnlab and a plugin.
type Transport int

const (
	// Auto uses shared memory and falls back to messages, with a warning,
	// for calls whose tensors do not fit in it.
	Auto Transport = iota

	// SharedMemory uses shared memory only; a call that does not fit
	// fails with a *ShmError.
	SharedMemory

	// Messages sends tensors inline in the gRPC messages, about 15 times
	// slower than shared memory at equal size.
	Messages
)

func (t Transport) String() string {
	switch t {
	case Auto:
		return "auto"
	case SharedMemory:
		return "shm"
	case Messages:
		return "messages"
	}
	return fmt.Sprintf("Transport(%d)", int(t))
}

// ParseTransport reads the names String returns.
func ParseTransport(name string) (Transport, error) {
	for _, t := range []Transport{Auto, SharedMemory, Messages} {
		if strings.EqualFold(name, t.String()) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown plugin transport %q: use auto, shm or messages", name)
}

// Options configure how plugins are run. The zero value is ready to use.
type Options struct {
	// CallTimeout bounds each Forward, Backward and Create call; a plugin
	// that exceeds it is killed. Zero means DefaultCallTimeout.
	CallTimeout time.Duration

	// StartTimeout bounds the start of a plugin process and its handshake.
	// Zero means DefaultStartTimeout.
	StartTimeout time.Duration

	// Transport selects shared memory or messages for tensors.
	Transport Transport

	// SharedMemoryDir is the tmpfs folder for shared-memory files; empty
	// means /dev/shm.
	SharedMemoryDir string

	// SharedMemoryLimit caps the bytes of shared memory each plugin may
	// use at once, on top of what the folder has free; 0 means no cap.
	SharedMemoryLimit int64

	// Log receives warnings such as a fallback from shared memory to
	// messages; nil discards them.
	Log *zerolog.Logger
}

// Defaults for Options.
const (
	// DefaultCallTimeout is generous: one call runs a whole layer over
	// every time step of a batch, which takes seconds for large layers.
	DefaultCallTimeout  = 5 * time.Minute
	DefaultStartTimeout = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.SharedMemoryDir == "" {
		o.SharedMemoryDir = defaultShmDir
	}
	if o.Log == nil {
		nop := zerolog.Nop()
		o.Log = &nop
	}
	return o
}

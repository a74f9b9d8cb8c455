//go:build !linux

package wire

import (
	"fmt"
	"os"
	"runtime"
)

// SharedMemorySupported reports whether this platform passes tensors
// through shared memory.
const SharedMemorySupported = false

// Map fails: shared memory is implemented for Linux only, and elsewhere
// tensors travel inline in the gRPC messages.
func Map(f *os.File, size int64) ([]byte, error) {
	return nil, fmt.Errorf("mapping %s: shared memory is not supported on %s", f.Name(), runtime.GOOS)
}

// Unmap does nothing.
func Unmap([]byte) error { return nil }

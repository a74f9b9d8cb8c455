//go:build linux

package wire

import (
	"fmt"
	"os"
	"syscall"
)

// SharedMemorySupported reports whether this platform passes tensors
// through shared memory.
const SharedMemorySupported = true

// Map maps the first size bytes of f for reading and writing, shared with
// every other process that maps the same file. The mapping outlives f.
func Map(f *os.File, size int64) ([]byte, error) {
	if size <= 0 || size != int64(int(size)) {
		return nil, fmt.Errorf("mapping %s: invalid size %d bytes", f.Name(), size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping %d bytes of %s: %w", size, f.Name(), err)
	}
	return b, nil
}

// Unmap releases a mapping made by Map.
func Unmap(b []byte) error { return syscall.Munmap(b) }

//go:build linux

package pluginhost

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// defaultShmDir is the tmpfs folder for shared-memory files.
const defaultShmDir = "/dev/shm"

// createShm creates the file path with size bytes reserved and maps it.
// Reserving the space up front with fallocate turns a full tmpfs into an
// ENOSPC error here instead of a SIGBUS when a process first touches a
// page that does not fit.
func createShm(path string, size int64) ([]byte, error) {
	dir := filepath.Dir(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, &ShmError{Dir: dir, Need: size, Free: freeBytes(dir), Err: err}
	}
	defer f.Close()
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, size); err != nil {
		_ = os.Remove(path)
		if errors.Is(err, syscall.ENOSPC) {
			return nil, &ShmError{Dir: dir, Need: size, Free: freeBytes(dir), Err: err}
		}
		return nil, &ShmError{Dir: dir, Need: size, Free: freeBytes(dir), Err: fmt.Errorf("reserving %d bytes in %s: %w", size, path, err)}
	}
	data, err := wire.Map(f, size)
	if err != nil {
		_ = os.Remove(path)
		return nil, &ShmError{Dir: dir, Need: size, Free: freeBytes(dir), Err: err}
	}
	return data, nil
}

// freeBytes returns the bytes available in dir's file system, or -1.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

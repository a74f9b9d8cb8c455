//go:build !linux

package pluginhost

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// defaultShmDir is empty: shared memory is implemented for Linux only.
const defaultShmDir = ""

func createShm(path string, size int64) ([]byte, error) {
	return nil, &ShmError{Dir: filepath.Dir(path), Need: size, Free: -1,
		Err: fmt.Errorf("shared memory is not supported on %s", runtime.GOOS)}
}

func freeBytes(string) int64 { return -1 }

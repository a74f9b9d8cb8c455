//go:build unix

package metrics

import (
	"syscall"
	"time"
)

// CPUTime returns the user plus system CPU time the process has used, or 0
// if getrusage fails.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

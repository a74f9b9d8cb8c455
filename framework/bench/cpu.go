package bench

import "syscall"

// cpuSeconds returns the user plus system CPU time this process has used,
// or 0 where getrusage is not available. On a shared machine CPU time per
// step varies far less than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

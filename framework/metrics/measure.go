package metrics

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Measurement is the cost of a repeated step: wall-clock and CPU time of
// every timed repetition, their medians, and the memory high-water marks.
type Measurement struct {
	Wall, CPU             []float64 // seconds per timed repetition
	MedianWall, MedianCPU float64   // seconds
	PeakHeapMiB           float64   // highest Go heap in use (runtime HeapInuse), sampled every 10 ms, during warm-up and timed steps
	PeakRSSMiB            float64   // process peak resident set (Linux VmHWM) since ResetPeakRSS; 0 where unavailable
}

// Measure runs step warmup times untimed, then reps times timed, and
// returns the medians. CPU time is the whole process's user and system
// time, so other work in the process counts too. On an idle machine
// MedianCPU/MedianWall is the number of cores the step kept busy. The peak
// resident set is reset first (see ResetPeakRSS).
func Measure(warmup, reps int, step func() error) (Measurement, error) {
	if warmup < 0 || reps < 1 {
		return Measurement{}, fmt.Errorf("measure: %d warm-up and %d timed repetitions; want warm-up ≥ 0 and at least 1 timed", warmup, reps)
	}
	rssOK := ResetPeakRSS() == nil
	heap := WatchHeap()
	var m Measurement
	for i := 0; i < warmup+reps; i++ {
		cpu0, wall0 := CPUTime(), time.Now()
		if err := step(); err != nil {
			heap.Stop()
			return Measurement{}, fmt.Errorf("measure: repetition %d: %w", i+1, err)
		}
		if i < warmup {
			continue
		}
		m.Wall = append(m.Wall, time.Since(wall0).Seconds())
		m.CPU = append(m.CPU, (CPUTime() - cpu0).Seconds())
	}
	m.PeakHeapMiB = heap.Stop()
	m.MedianWall, m.MedianCPU = Median(m.Wall), Median(m.CPU)
	if rssOK {
		m.PeakRSSMiB, _ = PeakRSS()
	}
	return m, nil
}

// Median returns the median of xs, or 0 for none.
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	switch {
	case len(s) == 0:
		return 0
	case len(s)%2 == 1:
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// HeapWatcher samples the Go heap in use until stopped.
type HeapWatcher struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

// WatchHeap starts sampling runtime.MemStats.HeapInuse every 10 ms. The
// peak is a lower bound: a spike shorter than the interval can be missed.
func WatchHeap() *HeapWatcher {
	w := &HeapWatcher{done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ticker := time.NewTicker(10 * time.Millisecond)
		defer ticker.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			w.peak = max(w.peak, ms.HeapInuse)
			select {
			case <-w.done:
				return
			case <-ticker.C:
			}
		}
	}()
	return w
}

// Stop ends the sampling and returns the peak in MiB.
func (w *HeapWatcher) Stop() float64 {
	close(w.done)
	w.wg.Wait()
	return float64(w.peak) / (1 << 20)
}

// LiveHeapMiB collects garbage twice, so that objects parked in sync.Pool
// caches are freed too, and returns the Go heap in use (HeapInuse) in MiB.
// Subtracting it from a later peak gives what the work in between added.
func LiveHeapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// PeakRSS returns the process's peak resident set size (VmHWM in
// /proc/self/status) in MiB; ok is false where /proc is unavailable.
func PeakRSS() (mib float64, ok bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// ResetPeakRSS collects garbage, returns free memory to the operating
// system and resets the kernel's peak resident set to the current one
// (writing "5" to /proc/self/clear_refs, Linux 4.0 and later), so that a
// following PeakRSS covers only what runs in between. Memory the Go runtime
// keeps after FreeOSMemory still counts towards the new peak.
func ResetPeakRSS() error {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("resetting the peak resident set: %w", err)
	}
	return nil
}

// MachineInfo describes the machine measurements ran on: CPU model,
// logical CPUs, GOMAXPROCS, operating system and Go version.
func MachineInfo() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d logical CPUs, GOMAXPROCS %d, %s/%s, %s",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

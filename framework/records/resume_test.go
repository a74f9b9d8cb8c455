package records

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// toyConfig is the configuration of a small deterministic "training" run
// that uses every part of the package a trainer needs: metrics, rotating
// checkpoints with parameters and RNG state, and a final result.
func toyConfig(steps int) map[string]any {
	return map[string]any{"seed": 7, "steps": steps, "lr": 0.1}
}

var errCrash = errors.New("simulated crash")

// toyTrain runs or resumes the toy run in runsDir. It stops with errCrash
// before its crashAt-th write (a metrics line or a checkpoint), counting
// from 1; crashAt ≤ 0 runs to the end.
func toyTrain(runsDir string, steps, crashAt int) (map[string]any, error) {
	run, found, err := Resume(runsDir, "toy", toyConfig(steps))
	if err != nil {
		return nil, err
	}
	defer run.Close()
	if run.Finished() {
		return run.Result()
	}

	w := []float32{1, -1, 0.5, 2}
	src := rand.NewPCG(7, 0)
	rng := rand.New(src)
	step := 0
	if found {
		ck, err := run.RecoverCheckpoint("last")
		switch {
		case errors.Is(err, ErrNoCheckpoint):
			ck = &Checkpoint{} // nothing saved yet: start over
		case err != nil:
			return nil, err
		default:
			copy(w, ck.Params["w"].Data)
			if err := src.UnmarshalBinary(ck.Blobs["rng"]); err != nil {
				return nil, err
			}
			step = int(ck.Step)
		}
		if err := run.Rewind(ck); err != nil {
			return nil, err
		}
	}

	writes := 0
	crash := func() bool {
		writes++
		return writes == crashAt
	}
	for step < steps {
		noise := float32(rng.NormFloat64())
		loss := float32(0)
		for i := range w {
			w[i] -= 0.1 * (w[i] + 0.1*noise)
			loss += w[i] * w[i]
		}
		step++

		if crash() {
			return nil, errCrash
		}
		run.SetStep(int64(step))
		if err := run.Log("step", map[string]any{"loss": loss}); err != nil {
			return nil, err
		}
		if step%5 == 0 {
			if crash() {
				return nil, errCrash
			}
			state, _ := src.MarshalBinary()
			ck := &Checkpoint{
				Params: map[string]Tensor{"w": {Shape: []int{4}, Data: append([]float32(nil), w...)}},
				Step:   int64(step),
				Blobs:  map[string][]byte{"rng": state},
			}
			if err := run.SaveCheckpoint("last", ck); err != nil {
				return nil, err
			}
		}
	}
	if err := run.MarkFinished(map[string]any{"w": w, "steps": step}); err != nil {
		return nil, err
	}
	return run.Result()
}

// metricsOf returns the run's metrics without their times.
func metricsOf(t *testing.T, runsDir string, steps int) []Metric {
	t.Helper()
	run, found, err := Find(runsDir, toyConfig(steps))
	if err != nil || !found {
		t.Fatalf("find toy run: %v, %v", found, err)
	}
	defer run.Close()
	m, err := run.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if m.PartialBytes != 0 {
		t.Errorf("metrics end in a partial line of %d bytes", m.PartialBytes)
	}
	for i := range m.Records {
		m.Records[i].Time = time.Time{}
	}
	return m.Records
}

func TestResumeMatchesUninterrupted(t *testing.T) {
	const steps = 12 // 12 metrics lines and 2 checkpoints: 14 writes
	refDir := t.TempDir()
	want, err := toyTrain(refDir, steps, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics := metricsOf(t, refDir, steps)

	for crashAt := 1; crashAt <= 14; crashAt++ {
		dir := t.TempDir()
		if _, err := toyTrain(dir, steps, crashAt); !errors.Is(err, errCrash) {
			t.Fatalf("crash at write %d: run ended with %v", crashAt, err)
		}
		got, err := toyTrain(dir, steps, 0)
		if err != nil {
			t.Fatalf("resume after crash at write %d: %v", crashAt, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("crash at write %d: result %v, want %v", crashAt, got, want)
		}
		if gotMetrics := metricsOf(t, dir, steps); !reflect.DeepEqual(gotMetrics, wantMetrics) {
			t.Errorf("crash at write %d: metrics differ from the uninterrupted run:\n got %v\nwant %v", crashAt, gotMetrics, wantMetrics)
		}
	}
}

// TestHelperTrain is the child process of TestResumeAfterKill.
func TestHelperTrain(t *testing.T) {
	dir := os.Getenv("SNNLAB_RECORDS_HELPER_RUNS")
	if dir == "" {
		t.Skip("helper process for TestResumeAfterKill")
	}
	if _, err := toyTrain(dir, killSteps, 0); err != nil {
		t.Fatal(err)
	}
}

const killSteps = 150

func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	refDir := t.TempDir()
	want, err := toyTrain(refDir, killSteps, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics := metricsOf(t, refDir, killSteps)

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperTrain$")
	cmd.Env = append(os.Environ(), "SNNLAB_RECORDS_HELPER_RUNS="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Kill the child once it has logged some steps but (most likely) not
	// all of them; either way the resumed run must match.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		matches, _ := filepath.Glob(filepath.Join(dir, "*", MetricsFile))
		if len(matches) == 1 {
			if info, err := os.Stat(matches[0]); err == nil && info.Size() > 40*80 {
				break
			}
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Logf("kill: %v (the child may have finished)", err)
	}
	cmd.Wait()
	if matches, _ := filepath.Glob(filepath.Join(dir, "*", ResultFile)); len(matches) > 0 {
		t.Log("the child finished before the kill; only the reuse of a finished run was tested")
	} else if matches, _ := filepath.Glob(filepath.Join(dir, "*", MetricsFile)); len(matches) == 1 {
		m, err := ReadMetrics(matches[0])
		if err == nil {
			t.Logf("killed after %d of %d steps (%d bytes of a partial line)", len(m.Records), killSteps, m.PartialBytes)
		}
	}

	got, err := toyTrain(dir, killSteps, 0)
	if err != nil {
		t.Fatalf("resume after kill: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result after kill and resume %v, want %v", got, want)
	}
	if gotMetrics := metricsOf(t, dir, killSteps); !reflect.DeepEqual(gotMetrics, wantMetrics) {
		t.Errorf("metrics after kill and resume differ from the uninterrupted run")
	}
}

package loihi2

import (
	"fmt"
	"runtime"
	"sync"
)

// EvaluateParallel is Evaluate spread over workers goroutines (0 means
// GOMAXPROCS). Each goroutine compiles its own Model of fn with t's options,
// because a Model keeps emulator state; fn itself is only read. The result
// does not depend on workers.
func (t *Target) EvaluateParallel(fn *FloatNet, xs [][]float32, labels []int, workers int) (*Evaluation, error) {
	if len(xs) != len(labels) || len(xs) == 0 {
		return nil, fmt.Errorf("loihi2: %d samples and %d labels; want the same positive number", len(xs), len(labels))
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(xs))

	type part struct {
		fOK, eOK, agree int
		total           []Counters
		steps           int
		model           *Model
		err             error
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[w]
			m, err := CompileFloat(fn, t.Options)
			if err != nil {
				p.err = err
				return
			}
			p.model, p.steps = m, m.Steps()
			for i := w; i < len(xs); i += workers {
				fs, err := m.RunFloat(xs[i])
				if err != nil {
					p.err = fmt.Errorf("sample %d: %w", i, err)
					return
				}
				res, err := m.Run(xs[i])
				if err != nil {
					p.err = fmt.Errorf("sample %d: %w", i, err)
					return
				}
				fp, ep := Argmax(fs), Argmax(res.Scores)
				if fp == labels[i] {
					p.fOK++
				}
				if ep == labels[i] {
					p.eOK++
				}
				if fp == ep {
					p.agree++
				}
				if p.total == nil {
					p.total = make([]Counters, len(res.Counters))
				}
				for b, c := range res.Counters {
					p.total[b].add(c)
				}
			}
		}()
	}
	wg.Wait()

	var fOK, eOK, agree int
	var total []Counters
	for _, p := range parts {
		if p.err != nil {
			return nil, p.err
		}
		fOK, eOK, agree = fOK+p.fOK, eOK+p.eOK, agree+p.agree
		if total == nil {
			total = make([]Counters, len(p.total))
		}
		for b, c := range p.total {
			total[b].add(c)
		}
	}
	n := float64(len(xs))
	ev := &Evaluation{Samples: len(xs), Steps: parts[0].steps}
	ev.FloatAccuracy, ev.EmulatedAccuracy, ev.Agreement = float64(fOK)/n, float64(eOK)/n, float64(agree)/n
	ev.PerInference = perInference(total, len(xs))
	ev.Energy = EstimateEnergy(ev.PerInference, ev.Steps, t.Energy)
	res, err := EstimateResources(parts[0].model.Net, t.Mapping)
	if err != nil {
		return nil, err
	}
	ev.Resources = res
	return ev, nil
}

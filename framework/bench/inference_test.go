package bench

import (
	"strings"
	"testing"
)

func TestRunInferenceEngines(t *testing.T) {
	cfg := Reference()
	cfg.Batch, cfg.Warmup, cfg.Steps = 4, 0, 1
	for _, engine := range []string{EngineEvent, EngineGraph} {
		res, err := RunInferenceWith(cfg, InferenceOptions{Engine: engine})
		if err != nil {
			t.Fatalf("engine %s: %v", engine, err)
		}
		if res.Engine != engine || len(res.BatchSeconds) != 1 || !(res.ImagesPerSec > 0) {
			t.Errorf("engine %s: result %+v", engine, res)
		}
		event := engine == EngineEvent
		if got := len(res.LayerSeconds) > 0 && res.Counts.Images == int64(cfg.Batch); got != event {
			t.Errorf("engine %s: layer times and counts present = %v, want %v", engine, got, event)
		}
	}
	if _, err := RunInferenceWith(cfg, InferenceOptions{Engine: "dense"}); err == nil || !strings.Contains(err.Error(), `"dense" is not known`) {
		t.Errorf("unknown engine: got %v", err)
	}
	cfg.Backbone, cfg.BackboneOptions = "spikformer", nil
	if _, err := RunInferenceWith(cfg, InferenceOptions{}); err == nil || !strings.Contains(err.Error(), "graph engine instead") {
		t.Errorf("spikformer on the event engine: got %v", err)
	}
}

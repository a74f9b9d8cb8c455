package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework/pluginhost"
)

// pluginFlags are the flags every command that builds neurons takes to find
// third-party neuron plugins.
type pluginFlags struct {
	path      string
	timeout   time.Duration
	transport string
}

func (p *pluginFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.path, "plugins", strings.Join(pluginhost.DefaultPath(), ":"),
		"colon-separated folders searched for neuron plugin binaries; $"+pluginhost.PathEnv+" sets the default")
	fs.DurationVar(&p.timeout, "plugin-timeout", pluginhost.DefaultCallTimeout, "longest a plugin may take for one neuron call before it is stopped")
	fs.StringVar(&p.transport, "plugin-transport", "auto", "how tensors reach plugins: auto, shm (shared memory) or messages")
}

// start launches every plugin on the path and registers its neurons. A
// plugin that fails to start is reported as a warning and skipped, so one
// broken binary does not stop runs that do not use it. Close the returned
// manager to stop the plugin processes.
func (p *pluginFlags) start(ctx context.Context, log zerolog.Logger) (*pluginhost.Manager, error) {
	transport, err := pluginhost.ParseTransport(p.transport)
	if err != nil {
		return nil, fmt.Errorf("-plugin-transport: %w", err)
	}
	opts := pluginhost.Options{CallTimeout: p.timeout, Transport: transport, Log: &log}
	mgr, err := pluginhost.Start(ctx, pluginhost.SplitPath(p.path), opts)
	if err != nil {
		log.Warn().Err(err).Msg("some neuron plugins could not be loaded")
	}
	for _, pl := range mgr.Plugins() {
		log.Debug().Str("plugin", pl.Name()).Str("version", pl.Version()).Str("binary", pl.Binary().Path).Msg("neuron plugin loaded")
	}
	return mgr, nil
}

// provenanceLookup returns, for a neuron served by a plugin, the JSON
// record of which binary serves it, for checkpoints.
func provenanceLookup(mgr *pluginhost.Manager) func(neuron string) (string, bool) {
	return func(neuron string) (string, bool) {
		p, ok := mgr.Provenance(neuron)
		if !ok {
			return "", false
		}
		b, err := json.Marshal(p)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
}

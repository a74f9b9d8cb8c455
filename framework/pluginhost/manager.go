package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Manager owns the plugin processes of one run. It loads plugins, returns
// the plugin that provides a neuron, and stops them all on Close, so that
// no plugin process outlives the run. It is safe for concurrent use.
type Manager struct {
	opts Options

	mu      sync.Mutex
	plugins []*Plugin
	closed  bool
}

// NewManager returns a Manager that runs plugins with opts.
func NewManager(opts Options) *Manager { return &Manager{opts: opts} }

// Start discovers the plugin binaries in paths and loads them all. It
// returns a Manager with the plugins that loaded and the errors of those
// that did not, joined, so the caller decides whether to go on.
func Start(ctx context.Context, paths []string, opts Options) (*Manager, error) {
	m := NewManager(opts)
	bins, err := Discover(paths)
	if err != nil {
		return m, err
	}
	return m, m.LoadAll(ctx, bins)
}

// Load starts one plugin binary and registers its neurons.
func (m *Manager) Load(ctx context.Context, b Binary) (*Plugin, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("plugin %s: the plugin manager is closed", b.Path)
	}
	p, err := Load(ctx, b, m.opts)
	if err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		p.Close()
		return nil, fmt.Errorf("plugin %s: the plugin manager closed while it started", b.Path)
	}
	m.plugins = append(m.plugins, p)
	return p, nil
}

// LoadAll loads every binary, going on after a failure, and returns the
// failures joined.
func (m *Manager) LoadAll(ctx context.Context, bins []Binary) error {
	var errs []error
	for _, b := range bins {
		if _, err := m.Load(ctx, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Plugins returns the loaded plugins in load order.
func (m *Manager) Plugins() []*Plugin {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Plugin(nil), m.plugins...)
}

// Provenance returns the provenance of the plugin that provides the neuron
// name, and false when no loaded plugin provides it (a built-in neuron).
func (m *Manager) Provenance(neuron string) (Provenance, bool) {
	for _, p := range m.Plugins() {
		for _, s := range p.specs {
			if strings.EqualFold(s.Name, neuron) {
				return p.Provenance(), true
			}
		}
	}
	return Provenance{}, false
}

// Close stops every plugin process, waiting for each to exit, and
// unregisters their neurons. Loading fails afterwards.
func (m *Manager) Close() error {
	m.mu.Lock()
	plugins := m.plugins
	m.plugins, m.closed = nil, true
	m.mu.Unlock()
	var errs []error
	for _, p := range plugins {
		if err := p.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

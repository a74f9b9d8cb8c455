package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/framework/pluginhost/wire"
)

// Provenance identifies the plugin that provides a neuron, for the records
// and checkpoints of runs that train with it.
type Provenance struct {
	Plugin   string   `json:"plugin"`   // the name the plugin declares
	Version  string   `json:"version"`  // the version the plugin declares
	Binary   string   `json:"binary"`   // absolute path of the binary
	SHA256   string   `json:"sha256"`   // hex digest of the binary that ran
	Protocol int      `json:"protocol"` // wire.ProtocolVersion spoken
	Neurons  []string `json:"neurons"`  // the neuron names it registered
}

// Plugin is one running plugin process and the neurons it registered.
type Plugin struct {
	binary  Binary
	opts    Options
	name    string
	version string
	specs   []framework.Spec

	client *plugin.Client
	rpc    *wire.Client
	pid    int
	stderr *tailBuffer
	pool   *shmPool

	killOnce sync.Once

	mu         sync.Mutex
	err        error // set once the plugin is broken or closed
	registered []string
	warnedShm  bool
}

// Load starts the plugin binary b, checks its handshake and protocol
// version, reads its declarations and registers each neuron it declares
// with framework.TryRegisterNeuron, with Spec.Source naming the plugin.
// The process runs until Close. Most callers use a Manager, which closes
// every plugin of a run together.
func Load(ctx context.Context, b Binary, opts Options) (*Plugin, error) {
	opts = opts.withDefaults()
	if !wire.SharedMemorySupported && opts.Transport == Auto {
		opts.Transport = Messages
	}
	p := &Plugin{binary: b, opts: opts, stderr: newTailBuffer(4096),
		pool: &shmPool{dir: opts.SharedMemoryDir, limit: opts.SharedMemoryLimit}}
	if err := p.start(); err != nil {
		p.kill()
		return nil, err
	}
	if err := p.describe(ctx); err != nil {
		p.kill()
		return nil, err
	}
	if err := p.register(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// start launches the process and completes go-plugin's handshake.
func (p *Plugin) start() error {
	sum, err := hex.DecodeString(p.binary.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return fmt.Errorf("plugin %s: checksum %q is not a hex SHA-256 digest; find binaries with Discover", p.binary.Path, p.binary.SHA256)
	}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		Plugins:          wire.PluginSet(nil),
		Cmd:              exec.Command(p.binary.Path),
		SecureConfig:     &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     p.opts.StartTimeout,
		Stderr:           p.stderr,
		SyncStdout:       io.Discard,
		SyncStderr:       p.stderr,
		Logger:           hclog.NewNullLogger(),
		GRPCDialOptions:  wire.DialOptions(),
	})

	proto, err := p.client.Client()
	if err != nil {
		return p.startError(err)
	}
	raw, err := proto.Dispense(wire.PluginKey)
	if err != nil {
		return p.startError(err)
	}
	rpc, ok := raw.(*wire.Client)
	if !ok {
		return fmt.Errorf("plugin %s: dispensed %T, want a neuron service client", p.binary.Path, raw)
	}
	p.rpc = rpc

	if rc := p.client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	return nil
}

// startError explains a failed start or handshake.
func (p *Plugin) startError(err error) error {
	msg := err.Error()
	hint := "check that it is a snnlab neuron plugin built with the snnlab SDK (package neuronplugin)"
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		hint = "the binary changed after it was discovered; rerun the command"
	case strings.Contains(msg, "incompatible API version"):
		hint = fmt.Sprintf("this snnlab speaks neuron plugin protocol %d; rebuild the plugin against the snnlab SDK of this version", wire.ProtocolVersion)
	}
	if out := p.stderr.Summary(); out != "" {
		msg += fmt.Sprintf("; plugin output: %q", out)
	}
	return fmt.Errorf("plugin %s: start and handshake failed: %s; %s", p.binary.Path, msg, hint)
}

// describe reads the plugin's declarations and checks them.
func (p *Plugin) describe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StartTimeout)
	defer cancel()
	d, err := p.rpc.Describe(ctx, &wire.DescribeRequest{})
	if err != nil {
		return p.callError("", "Describe", ctx, err)
	}
	if d.Protocol != wire.ProtocolVersion {
		return fmt.Errorf("plugin %s declares neuron plugin protocol %d, this snnlab speaks %d; rebuild the plugin against the snnlab SDK of this version",
			p.binary.Path, d.Protocol, wire.ProtocolVersion)
	}
	if d.Plugin == "" || len(d.Neurons) == 0 {
		return fmt.Errorf("plugin %s declares no name or no neurons; a plugin must declare both", p.binary.Path)
	}
	p.name, p.version = d.Plugin, d.Version
	for _, n := range d.Neurons {
		spec := framework.Spec{Kind: framework.NeuronKind, Name: n.Name, Doc: n.Doc, Source: p.source()}
		for _, o := range n.Options {
			s, err := o.Spec()
			if err != nil {
				return fmt.Errorf("plugin %s, neuron %q: %w", p.binary.Path, n.Name, err)
			}
			spec.Options = append(spec.Options, s)
		}
		p.specs = append(p.specs, spec)
	}
	return nil
}

// source is the Spec.Source of the plugin's neurons.
func (p *Plugin) source() string {
	return fmt.Sprintf("plugin %s %s, %s, sha256 %.12s", p.name, p.version, p.binary.Path, p.binary.SHA256)
}

// register adds every declared neuron to the framework's registry.
func (p *Plugin) register() error {
	for _, spec := range p.specs {
		name := spec.Name
		err := framework.TryRegisterNeuron(spec, func(o framework.Options) (framework.Neuron, error) {
			return p.newNeuron(name, o)
		})
		if err != nil {
			return fmt.Errorf("plugin %s: %w; rename the neuron in the plugin or remove one of the two from the plugin path", p.binary.Path, err)
		}
		p.mu.Lock()
		p.registered = append(p.registered, name)
		p.mu.Unlock()
	}
	return nil
}

// Name returns the name the plugin declares.
func (p *Plugin) Name() string { return p.name }

// Version returns the version the plugin declares.
func (p *Plugin) Version() string { return p.version }

// Binary returns the binary the plugin runs from.
func (p *Plugin) Binary() Binary { return p.binary }

// Pid returns the process id of the plugin process.
func (p *Plugin) Pid() int { return p.pid }

// Neurons returns the specs of the neurons the plugin declares.
func (p *Plugin) Neurons() []framework.Spec { return append([]framework.Spec(nil), p.specs...) }

// Provenance returns what a run record should store about the plugin.
func (p *Plugin) Provenance() Provenance {
	pr := Provenance{Plugin: p.name, Version: p.version, Binary: p.binary.Path, SHA256: p.binary.SHA256, Protocol: wire.ProtocolVersion}
	for _, s := range p.specs {
		pr.Neurons = append(pr.Neurons, s.Name)
	}
	return pr
}

// Close unregisters the plugin's neurons, stops its process and releases
// its shared memory. Neurons built from it fail from then on. Close is
// safe to call more than once.
func (p *Plugin) Close() error {
	p.mu.Lock()
	if p.err == nil {
		p.err = fmt.Errorf("plugin %s was closed", p.binary.Path)
	}
	names := p.registered
	p.registered = nil
	p.mu.Unlock()

	for _, name := range names {
		framework.Unregister(framework.NeuronKind, name)
	}
	p.kill()
	return nil
}

// kill ends the process and waits for it, then frees shared memory. Only
// the first call acts, so that a reused process id is never signalled.
func (p *Plugin) kill() {
	p.killOnce.Do(func() {
		if p.client != nil {
			// A plugin stuck in a call would hold up go-plugin's graceful
			// shutdown, so the process is killed first.
			if p.pid > 0 && !p.client.Exited() {
				if proc, err := os.FindProcess(p.pid); err == nil {
					_ = proc.Kill()
				}
			}
			p.client.Kill()
		}
		p.pool.close()
	})
}

// broken returns the error that ended the plugin, or nil while it works.
func (p *Plugin) broken() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// fail marks the plugin broken with err and kills its process, so that a
// plugin that broke the protocol or stopped responding cannot linger. Later
// calls return err.
func (p *Plugin) fail(err error) error {
	p.mu.Lock()
	first := p.err == nil
	if first {
		p.err = err
	}
	p.mu.Unlock()
	if first {
		p.kill()
	}
	return err
}

// callError explains a failed gRPC call of method on neuron (empty for
// plugin-wide calls), killing the plugin unless the plugin itself
// reported the error.
func (p *Plugin) callError(neuron, method string, ctx context.Context, err error) error {
	what := method
	if neuron != "" {
		what = fmt.Sprintf("%s of neuron %q", method, neuron)
	}
	if timedOut(ctx, err) {
		return p.fail(fmt.Errorf("plugin %s: %s timed out after %v; the plugin was stopped; raise the plugin call timeout if the neuron is only slow",
			p.binary.Path, what, p.opts.CallTimeout))
	}
	if st, ok := status.FromError(err); ok && reportedByPlugin(st.Code()) {
		return fmt.Errorf("plugin %s: %s failed: %s", p.binary.Path, what, st.Message())
	}
	if p.exited(time.Second) {
		msg := fmt.Sprintf("plugin %s: the plugin process exited during %s", p.binary.Path, what)
		if out := p.stderr.Summary(); out != "" {
			msg += fmt.Sprintf("; its last output: %q", out)
		}
		return p.fail(errors.New(msg + "; fix the plugin or remove it from the plugin path, then resume from the last checkpoint"))
	}
	return p.fail(fmt.Errorf("plugin %s: %s failed: %v; the plugin was stopped", p.binary.Path, what, err))
}

// timedOut reports whether a failed call ran out of its time. gRPC can
// notice the deadline a moment before the context's own timer fires, so a
// DeadlineExceeded status counts as well as an expired context.
func timedOut(ctx context.Context, err error) bool {
	return errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
}

// reportedByPlugin reports whether a status code is one the plugin SDK
// uses for errors of the neuron itself, which leave the plugin working.
func reportedByPlugin(c codes.Code) bool {
	return c == codes.InvalidArgument || c == codes.NotFound || c == codes.Aborted
}

// exited reports whether the plugin process has exited, waiting up to
// wait for go-plugin to notice an exit that broke the connection.
func (p *Plugin) exited(wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		if p.client.Exited() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

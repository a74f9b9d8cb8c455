package framework

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Kind is one of the four kinds of registered part.
type Kind string

const (
	NeuronKind   Kind = "neuron"
	LossKind     Kind = "loss"
	BackboneKind Kind = "backbone"
	TargetKind   Kind = "target"
)

// Factories build a part from its resolved options.
type (
	NeuronFactory   func(Options) (Neuron, error)
	LossFactory     func(Options) (Loss, error)
	BackboneFactory func(BackboneConfig) (Backbone, error)
	TargetFactory   func(Options) (Target, error)
)

// Spec describes a registered part for listings and validation.
type Spec struct {
	Kind    Kind
	Name    string
	Doc     string
	Options []OptionSpec
	Source  string // "built-in", or the plugin binary that provides the part
}

type entry struct {
	spec    Spec
	factory any
}

var registry = struct {
	sync.RWMutex
	parts map[Kind]map[string]entry
}{parts: map[Kind]map[string]entry{}}

func register(spec Spec, factory any) error {
	if spec.Name == "" {
		return fmt.Errorf("register %s: empty name", spec.Kind)
	}
	if spec.Source == "" {
		spec.Source = "built-in"
	}
	for _, o := range spec.Options {
		if _, err := o.check(o.Default); err != nil {
			return fmt.Errorf("register %s %q: default of %w", spec.Kind, spec.Name, err)
		}
	}
	key := strings.ToLower(spec.Name)

	registry.Lock()
	defer registry.Unlock()
	if registry.parts[spec.Kind] == nil {
		registry.parts[spec.Kind] = map[string]entry{}
	}
	if old, ok := registry.parts[spec.Kind][key]; ok {
		return fmt.Errorf("register %s %q: already registered by %s", spec.Kind, spec.Name, old.spec.Source)
	}
	registry.parts[spec.Kind][key] = entry{spec: spec, factory: factory}
	return nil
}

func mustRegister(spec Spec, factory any) {
	if err := register(spec, factory); err != nil {
		panic(err)
	}
}

// RegisterNeuron adds a neuron factory under spec.Name. It panics on a
// duplicate name, because registration happens in init functions where a
// clash is a programming error; plugin hosts use TryRegisterNeuron.
func RegisterNeuron(spec Spec, f NeuronFactory) {
	spec.Kind = NeuronKind
	mustRegister(spec, f)
}

// TryRegisterNeuron is RegisterNeuron returning an error instead of panicking.
func TryRegisterNeuron(spec Spec, f NeuronFactory) error {
	spec.Kind = NeuronKind
	return register(spec, f)
}

// RegisterLoss adds a loss factory under spec.Name; it panics on a duplicate.
func RegisterLoss(spec Spec, f LossFactory) {
	spec.Kind = LossKind
	mustRegister(spec, f)
}

// RegisterBackbone adds a backbone factory under spec.Name; it panics on a duplicate.
func RegisterBackbone(spec Spec, f BackboneFactory) {
	spec.Kind = BackboneKind
	mustRegister(spec, f)
}

// RegisterTarget adds a target factory under spec.Name; it panics on a duplicate.
func RegisterTarget(spec Spec, f TargetFactory) {
	spec.Kind = TargetKind
	mustRegister(spec, f)
}

// Unregister removes a part, for plugin hosts that stop a plugin. It reports
// whether the part was registered.
func Unregister(kind Kind, name string) bool {
	registry.Lock()
	defer registry.Unlock()
	key := strings.ToLower(name)
	_, ok := registry.parts[kind][key]
	delete(registry.parts[kind], key)
	return ok
}

// Lookup returns the spec of a registered part. An unknown name is an error
// that lists the known names of that kind.
func Lookup(kind Kind, name string) (Spec, error) {
	e, err := lookup(kind, name)
	return e.spec, err
}

func lookup(kind Kind, name string) (entry, error) {
	registry.RLock()
	defer registry.RUnlock()
	e, ok := registry.parts[kind][strings.ToLower(name)]
	if !ok {
		return entry{}, fmt.Errorf("unknown %s %q; known %ss: %s", kind, name, kind, strings.Join(namesLocked(kind), ", "))
	}
	return e, nil
}

// Names returns the registered names of one kind, sorted.
func Names(kind Kind) []string {
	registry.RLock()
	defer registry.RUnlock()
	return namesLocked(kind)
}

func namesLocked(kind Kind) []string {
	names := make([]string, 0, len(registry.parts[kind]))
	for _, e := range registry.parts[kind] {
		names = append(names, e.spec.Name)
	}
	sort.Strings(names)
	return names
}

// Specs returns the specs of every registered part of one kind, sorted by name.
func Specs(kind Kind) []Spec {
	registry.RLock()
	defer registry.RUnlock()
	specs := make([]Spec, 0, len(registry.parts[kind]))
	for _, e := range registry.parts[kind] {
		specs = append(specs, e.spec)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs
}

func resolve(kind Kind, name string, given map[string]any) (entry, Options, error) {
	e, err := lookup(kind, name)
	if err != nil {
		return entry{}, Options{}, err
	}
	opts, err := ResolveOptions(fmt.Sprintf("%s %q", kind, e.spec.Name), e.spec.Options, given)
	return e, opts, err
}

// NewNeuron builds the registered neuron name with the given option values;
// options left out take their defaults.
func NewNeuron(name string, given map[string]any) (Neuron, error) {
	e, opts, err := resolve(NeuronKind, name, given)
	if err != nil {
		return nil, err
	}
	n, err := e.factory.(NeuronFactory)(opts)
	if err != nil {
		return nil, fmt.Errorf("neuron %q: %w", name, err)
	}
	return n, nil
}

// NewLoss builds the registered loss name with the given option values.
func NewLoss(name string, given map[string]any) (Loss, error) {
	e, opts, err := resolve(LossKind, name, given)
	if err != nil {
		return nil, err
	}
	l, err := e.factory.(LossFactory)(opts)
	if err != nil {
		return nil, fmt.Errorf("loss %q: %w", name, err)
	}
	return l, nil
}

// NewBackbone builds the registered backbone name. cfg.Options is filled
// from given; the caller sets the input shape, the neuron constructor and
// the RNG.
func NewBackbone(name string, given map[string]any, cfg BackboneConfig) (Backbone, error) {
	e, opts, err := resolve(BackboneKind, name, given)
	if err != nil {
		return nil, err
	}
	if cfg.NewNeuron == nil {
		return nil, fmt.Errorf("backbone %q: no neuron constructor given", name)
	}
	if cfg.RNG == nil {
		return nil, fmt.Errorf("backbone %q: no random number generator given; seed one for reproducible weights", name)
	}
	cfg.Options = opts
	b, err := e.factory.(BackboneFactory)(cfg)
	if err != nil {
		return nil, fmt.Errorf("backbone %q: %w", name, err)
	}
	return b, nil
}

// NewTarget builds the registered target name with the given option values.
func NewTarget(name string, given map[string]any) (Target, error) {
	e, opts, err := resolve(TargetKind, name, given)
	if err != nil {
		return nil, err
	}
	t, err := e.factory.(TargetFactory)(opts)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", name, err)
	}
	return t, nil
}

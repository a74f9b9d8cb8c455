package framework

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// OptionKind is the type of an option's value.
type OptionKind int

const (
	Float  OptionKind = iota // float64
	Int                      // int
	Bool                     // bool
	Choice                   // string, one of OptionSpec.Choices
)

func (k OptionKind) String() string {
	switch k {
	case Float:
		return "float"
	case Int:
		return "int"
	case Bool:
		return "bool"
	case Choice:
		return "choice"
	}
	return fmt.Sprintf("OptionKind(%d)", int(k))
}

// OptionSpec declares one option of a part: its type, default, unit and
// valid range. Min and Max bound Float and Int options, both inclusive
// unless MinOpen or MaxOpen is set; a NaN bound means no bound on that side.
type OptionSpec struct {
	Name    string
	Kind    OptionKind
	Default any // float64, int, bool or string, matching Kind
	Min     float64
	Max     float64
	MinOpen bool
	MaxOpen bool
	Choices []string
	Unit    string // for example "ms" or "" for dimensionless values
	Doc     string
}

// Unbounded is the bound value that means "no limit on this side".
var Unbounded = math.NaN()

// FloatOption declares a float option with the inclusive range [min, max].
func FloatOption(name string, def, min, max float64, unit, doc string) OptionSpec {
	return OptionSpec{Name: name, Kind: Float, Default: def, Min: min, Max: max, Unit: unit, Doc: doc}
}

// IntOption declares an int option with the inclusive range [min, max].
func IntOption(name string, def, min, max int, unit, doc string) OptionSpec {
	return OptionSpec{Name: name, Kind: Int, Default: def, Min: float64(min), Max: float64(max), Unit: unit, Doc: doc}
}

// BoolOption declares a bool option.
func BoolOption(name string, def bool, doc string) OptionSpec {
	return OptionSpec{Name: name, Kind: Bool, Default: def, Min: Unbounded, Max: Unbounded, Doc: doc}
}

// ChoiceOption declares an option whose value is one of choices.
func ChoiceOption(name, def string, choices []string, doc string) OptionSpec {
	return OptionSpec{Name: name, Kind: Choice, Default: def, Min: Unbounded, Max: Unbounded, Choices: choices, Doc: doc}
}

// Range describes the valid values, for help texts and errors.
func (s OptionSpec) Range() string {
	switch s.Kind {
	case Bool:
		return "true or false"
	case Choice:
		return "one of " + strings.Join(s.Choices, ", ")
	}
	lo, hi := "-inf", "+inf"
	if !math.IsNaN(s.Min) {
		lo = formatNumber(s.Min)
	}
	if !math.IsNaN(s.Max) {
		hi = formatNumber(s.Max)
	}
	open, close := "[", "]"
	if s.MinOpen || math.IsNaN(s.Min) {
		open = "("
	}
	if s.MaxOpen || math.IsNaN(s.Max) {
		close = ")"
	}
	return open + lo + ", " + hi + close
}

func formatNumber(x float64) string {
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// check converts v to the option's type and checks its range.
func (s OptionSpec) check(v any) (any, error) {
	switch s.Kind {
	case Float:
		x, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("option %s: value %v (%T) is not a number", s.Name, v, v)
		}
		if math.IsNaN(x) || !s.inRange(x) {
			return nil, fmt.Errorf("option %s: value %v is out of range; valid range is %s", s.Name, v, s.Range())
		}
		return x, nil
	case Int:
		x, ok := toFloat(v)
		if !ok || x != math.Trunc(x) {
			return nil, fmt.Errorf("option %s: value %v (%T) is not an integer", s.Name, v, v)
		}
		if !s.inRange(x) {
			return nil, fmt.Errorf("option %s: value %v is out of range; valid range is %s", s.Name, v, s.Range())
		}
		return int(x), nil
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		if str, ok := v.(string); ok {
			if b, err := strconv.ParseBool(str); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf("option %s: value %v (%T) is not true or false", s.Name, v, v)
	case Choice:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("option %s: value %v (%T) is not a string; valid values are %s", s.Name, v, v, strings.Join(s.Choices, ", "))
		}
		for _, c := range s.Choices {
			if strings.EqualFold(c, str) {
				return c, nil
			}
		}
		return nil, fmt.Errorf("option %s: value %q is not valid; valid values are %s", s.Name, str, strings.Join(s.Choices, ", "))
	}
	return nil, fmt.Errorf("option %s: unknown option kind %v", s.Name, s.Kind)
}

func (s OptionSpec) inRange(x float64) bool {
	if !math.IsNaN(s.Min) && (x < s.Min || (s.MinOpen && x == s.Min)) {
		return false
	}
	if !math.IsNaN(s.Max) && (x > s.Max || (s.MaxOpen && x == s.Max)) {
		return false
	}
	return true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// Options is a resolved set of option values: every declared option is
// present with a value of its declared type. Build one with ResolveOptions.
type Options struct {
	values map[string]any
	specs  []OptionSpec
}

// ResolveOptions checks the given values against specs and fills in the
// defaults. An unknown name or an out-of-range value is an error that names
// the option, the value and the valid choices. part labels the errors, for
// example `neuron "lif"`.
func ResolveOptions(part string, specs []OptionSpec, given map[string]any) (Options, error) {
	byName := make(map[string]OptionSpec, len(specs))
	for _, s := range specs {
		byName[strings.ToLower(s.Name)] = s
	}
	values := make(map[string]any, len(specs))
	for _, s := range specs {
		values[s.Name] = s.Default
	}

	names := make([]string, 0, len(given))
	for name := range given {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s, ok := byName[strings.ToLower(name)]
		if !ok {
			return Options{}, fmt.Errorf("%s: unknown option %q; known options: %s", part, name, specNames(specs))
		}
		v, err := s.check(given[name])
		if err != nil {
			return Options{}, fmt.Errorf("%s: %w", part, err)
		}
		values[s.Name] = v
	}
	return Options{values: values, specs: specs}, nil
}

func specNames(specs []OptionSpec) string {
	if len(specs) == 0 {
		return "(none)"
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// Float returns a Float option's value, or 0 if there is no such option.
func (o Options) Float(name string) float64 {
	x, _ := toFloat(o.values[name])
	return x
}

// Int returns an Int option's value, or 0 if there is no such option.
func (o Options) Int(name string) int {
	x, _ := toFloat(o.values[name])
	return int(x)
}

// Bool returns a Bool option's value, or false if there is no such option.
func (o Options) Bool(name string) bool {
	b, _ := o.values[name].(bool)
	return b
}

// String returns a Choice option's value, or "" if there is no such option.
func (o Options) String(name string) string {
	s, _ := o.values[name].(string)
	return s
}

// Map returns a copy of every option value by name, for run records.
func (o Options) Map() map[string]any {
	m := make(map[string]any, len(o.values))
	for k, v := range o.values {
		m[k] = v
	}
	return m
}

// Specs returns the option declarations these values were resolved against.
func (o Options) Specs() []OptionSpec { return o.specs }

// Package nir reads and writes NIR graphs, the Neuromorphic Intermediate
// Representation (neuromorphs/NIR, release line 1.0.x), as HDF5 files.
//
// A graph file holds /version, and /node with type "NIRGraph", a group of
// named nodes, an (E, 2) string dataset of edges and free-form metadata.
// Each node has a type string and one dataset per parameter. The reader
// keeps every parameter's stored dtype and shape; Check validates the
// parameters of the primitives snnlab uses (required and unknown datasets,
// per-neuron shapes) and propagates shapes from the Input nodes along the
// edges, as nir.read(type_check=True) does.
//
// The package stores no time step and gives metadata no meaning: how a
// continuous-time LIF node maps to a discrete neuron is the caller's
// convention (see the loihi2 target for the one snnlab writes).
package nir

import (
	"fmt"
	"sort"

	"github.com/snnlab/snnlab/plugins/targets/internal/hdf5"
)

// Version is the NIR release whose file layout the writer follows.
const Version = "1.0.7"

// Node is one node of a graph: its type and parameter datasets by name.
// A node of type "NIRGraph" holds a nested Graph instead of parameters.
type Node struct {
	Type   string
	Params map[string]*hdf5.Dataset
	Graph  *Graph
}

// Graph is a NIR graph.
type Graph struct {
	// Version is the /version string of a file; empty for nested graphs.
	Version  string
	Nodes    map[string]*Node
	Edges    [][2]string
	Metadata map[string]*hdf5.Dataset
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{Nodes: map[string]*Node{}, Metadata: map[string]*hdf5.Dataset{}}
}

// Names returns the node names in byte order.
func (g *Graph) Names() []string {
	names := make([]string, 0, len(g.Nodes))
	for n := range g.Nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Floats returns a numeric parameter as float64 values with its shape.
func (n *Node) Floats(name string) ([]float64, []int, error) {
	d := n.Params[name]
	if d == nil {
		return nil, nil, fmt.Errorf("%s node has no parameter %s", n.Type, name)
	}
	v, err := d.FloatValues()
	if err != nil {
		return nil, nil, fmt.Errorf("%s parameter %s: %w", n.Type, name, err)
	}
	return v, d.Shape, nil
}

// Ints returns an integer parameter.
func (n *Node) Ints(name string) ([]int64, error) {
	d := n.Params[name]
	if d == nil {
		return nil, fmt.Errorf("%s node has no parameter %s", n.Type, name)
	}
	v, err := d.IntValues()
	if err != nil {
		return nil, fmt.Errorf("%s parameter %s: %w", n.Type, name, err)
	}
	return v, nil
}

// ReadFile reads a NIR graph file. It checks the graph's structure and
// parameters; call Check for shape propagation.
func ReadFile(path string) (*Graph, error) {
	root, err := hdf5.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	g, err := Decode(root)
	if err != nil {
		return nil, fmt.Errorf("nir %s: %w", path, err)
	}
	return g, nil
}

// Decode builds a graph from the root group of a NIR file.
func Decode(root *hdf5.Group) (*Graph, error) {
	node := root.Lookup("node")
	if node == nil {
		return nil, fmt.Errorf("missing group /node")
	}
	g, err := decodeGraph(node, "/node")
	if err != nil {
		return nil, err
	}
	if v := root.Datasets["version"]; v != nil && v.Kind == hdf5.String && len(v.Strings) == 1 {
		g.Version = v.Strings[0]
	} else {
		return nil, fmt.Errorf("missing or invalid /version string")
	}
	return g, nil
}

func decodeGraph(grp *hdf5.Group, path string) (*Graph, error) {
	if t := grp.Datasets["type"]; t == nil || t.Kind != hdf5.String || len(t.Strings) != 1 || t.Strings[0] != "NIRGraph" {
		return nil, fmt.Errorf("%s: type is not the string NIRGraph", path)
	}
	g := NewGraph()
	if md := grp.Groups["metadata"]; md != nil {
		for name, d := range md.Datasets {
			g.Metadata[name] = d
		}
	}
	nodes := grp.Groups["nodes"]
	if nodes == nil {
		return nil, fmt.Errorf("%s: missing group nodes", path)
	}
	for name, ng := range nodes.Groups {
		t := ng.Datasets["type"]
		if t == nil || t.Kind != hdf5.String || len(t.Strings) != 1 {
			return nil, fmt.Errorf("%s/nodes/%s: missing type string", path, name)
		}
		n := &Node{Type: t.Strings[0], Params: map[string]*hdf5.Dataset{}}
		if n.Type == "NIRGraph" {
			sub, err := decodeGraph(ng, path+"/nodes/"+name)
			if err != nil {
				return nil, err
			}
			n.Graph = sub
		} else {
			if len(ng.Groups) > 0 && !(len(ng.Groups) == 1 && ng.Groups["metadata"] != nil) {
				return nil, fmt.Errorf("%s/nodes/%s: %s node has unexpected sub-groups", path, name, n.Type)
			}
			for pname, d := range ng.Datasets {
				if pname != "type" {
					n.Params[pname] = d
				}
			}
		}
		if err := checkParams(n); err != nil {
			return nil, fmt.Errorf("%s/nodes/%s: %w", path, name, err)
		}
		g.Nodes[name] = n
	}
	e := grp.Datasets["edges"]
	if e == nil {
		return nil, fmt.Errorf("%s: missing dataset edges", path)
	}
	if e.Kind != hdf5.String || (len(e.Shape) != 2 || e.Shape[1] != 2) && len(e.Strings) != 0 {
		return nil, fmt.Errorf("%s/edges: %s of shape %v, want strings of shape (E, 2)", path, e.DType, e.Shape)
	}
	for i := 0; i+1 < len(e.Strings); i += 2 {
		src, dst := e.Strings[i], e.Strings[i+1]
		if g.Nodes[src] == nil || g.Nodes[dst] == nil {
			return nil, fmt.Errorf("%s/edges: edge %s → %s names a node that does not exist", path, src, dst)
		}
		g.Edges = append(g.Edges, [2]string{src, dst})
	}
	return g, nil
}

// Encode returns the HDF5 tree of g. Strings are written as fixed-length
// ASCII and parameters keep their dtype. The version written is g.Version,
// or Version when it is empty.
func Encode(g *Graph) (*hdf5.Group, error) {
	root := hdf5.NewGroup()
	v := g.Version
	if v == "" {
		v = Version
	}
	if err := root.Put("version", hdf5.FixedString(v)); err != nil {
		return nil, err
	}
	node, _ := root.Group("node")
	if err := encodeGraph(node, g, "/node"); err != nil {
		return nil, err
	}
	return root, nil
}

func encodeGraph(grp *hdf5.Group, g *Graph, path string) error {
	_ = grp.Put("type", hdf5.FixedString("NIRGraph"))
	nodes, _ := grp.Group("nodes")
	for name, n := range g.Nodes {
		if err := checkParams(n); err != nil {
			return fmt.Errorf("%s/nodes/%s: %w", path, name, err)
		}
		ng, err := nodes.Group(name)
		if err != nil {
			return err
		}
		_ = ng.Put("type", hdf5.FixedString(n.Type))
		if n.Type == "NIRGraph" {
			if n.Graph == nil {
				return fmt.Errorf("%s/nodes/%s: NIRGraph node without a graph", path, name)
			}
			if err := encodeGraph(ng, n.Graph, path+"/nodes/"+name); err != nil {
				return err
			}
			continue
		}
		for pname, d := range n.Params {
			if err := ng.Put(pname, asWritable(d)); err != nil {
				return fmt.Errorf("%s/nodes/%s/%s: %w", path, name, pname, err)
			}
		}
	}
	width := 1
	flat := make([]string, 0, 2*len(g.Edges))
	for _, e := range g.Edges {
		for _, s := range e {
			if g.Nodes[s] == nil {
				return fmt.Errorf("%s/edges: edge %s → %s names a node that does not exist", path, e[0], e[1])
			}
			width = max(width, len(s))
			flat = append(flat, s)
		}
	}
	_ = grp.Put("edges", hdf5.FixedStrings(flat, width, len(g.Edges), 2))
	if len(g.Metadata) > 0 {
		md, _ := grp.Group("metadata")
		for name, d := range g.Metadata {
			_ = md.Put(name, asWritable(d))
		}
	}
	return nil
}

// asWritable converts datasets read from a file (variable-length strings,
// narrow integers) to types the writer supports.
func asWritable(d *hdf5.Dataset) *hdf5.Dataset {
	switch d.Kind {
	case hdf5.String:
		if d.DType == "string" {
			width := 1
			for _, s := range d.Strings {
				width = max(width, len(s))
			}
			return hdf5.FixedStrings(d.Strings, width, d.Shape...)
		}
	case hdf5.Int:
		if d.DType != "int64" && d.DType != "int32" {
			return hdf5.Int64s(d.Ints, d.Shape...)
		}
	}
	return d
}

// WriteFile writes g as a NIR file at path.
func WriteFile(path string, g *Graph) error {
	root, err := Encode(g)
	if err != nil {
		return fmt.Errorf("nir %s: %w", path, err)
	}
	if err := hdf5.WriteFile(path, root); err != nil {
		return fmt.Errorf("nir: %w", err)
	}
	return nil
}

// Package onnxbuild serializes small ONNX models for tests and benchmarks.
//
// It writes the subset of onnx.proto that greenai reads, field by field with
// protowire, so tests can make models (including malformed ones) without
// Python or checked-in binaries.
package onnxbuild

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Model describes a model to serialize.
type Model struct {
	IRVersion int64
	Opsets    map[string]int64
	Producer  string
	Graph     Graph
	Functions []Function
}

// Graph describes a GraphProto.
type Graph struct {
	Name         string
	Nodes        []Node
	Initializers []Tensor
	Sparse       []SparseTensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
}

// SparseTensor describes a SparseTensorProto.
type SparseTensor struct {
	Values, Indices Tensor
	Dims            []int64
}

func (t *SparseTensor) marshal() []byte {
	var b []byte
	b = appendMsg(b, 1, t.Values.Marshal())
	b = appendMsg(b, 2, t.Indices.Marshal())
	var p []byte
	for _, d := range t.Dims {
		p = protowire.AppendVarint(p, uint64(d))
	}
	return appendMsg(b, 3, p)
}

// Node describes a NodeProto.
type Node struct {
	Name, OpType, Domain string
	Inputs, Outputs      []string
	Attrs                []Attr
}

// Attr describes an AttributeProto; set exactly one value field.
type Attr struct {
	Name    string
	Int     *int64
	Float   *float32
	String  *string
	Ints    []int64
	Floats  []float32
	Tensor  *Tensor
	Graph   *Graph
	RefAttr string
}

// Tensor describes a TensorProto. Raw is written as raw_data; External
// (location, offset, length) as external data; Int64s as int64_data.
type Tensor struct {
	Name     string
	DataType int32
	Dims     []int64
	Raw      []byte
	Int64s   []int64
	Floats   []float32
	External map[string]string
}

// ValueInfo describes a tensor-typed ValueInfoProto. A dim is an int64
// (value, -1 for unknown) or a string (parameter).
type ValueInfo struct {
	Name     string
	DataType int32
	Dims     []any // nil: no shape
	NoType   bool
}

// Function describes a FunctionProto.
type Function struct {
	Name, Domain    string
	Inputs, Outputs []string
	Attributes      []string
	Nodes           []Node
	Opsets          map[string]int64
}

// Marshal serializes the model.
func (m *Model) Marshal() []byte {
	var b []byte
	ir := m.IRVersion
	if ir == 0 {
		ir = 8
	}
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(ir))
	if m.Producer != "" {
		b = appendString(b, 2, m.Producer)
	}
	b = appendMsg(b, 7, m.Graph.marshal())
	opsets := m.Opsets
	if opsets == nil {
		opsets = map[string]int64{"": 17}
	}
	for d, v := range opsets {
		var o []byte
		if d != "" {
			o = appendString(o, 1, d)
		}
		o = protowire.AppendTag(o, 2, protowire.VarintType)
		o = protowire.AppendVarint(o, uint64(v))
		b = appendMsg(b, 8, o)
	}
	for _, f := range m.Functions {
		b = appendMsg(b, 25, f.marshal())
	}
	return b
}

func (g *Graph) marshal() []byte {
	var b []byte
	for _, n := range g.Nodes {
		b = appendMsg(b, 1, n.marshal())
	}
	if g.Name != "" {
		b = appendString(b, 2, g.Name)
	}
	for _, t := range g.Initializers {
		b = appendMsg(b, 5, t.Marshal())
	}
	for _, t := range g.Sparse {
		b = appendMsg(b, 15, t.marshal())
	}
	for _, v := range g.Inputs {
		b = appendMsg(b, 11, v.marshal())
	}
	for _, v := range g.Outputs {
		b = appendMsg(b, 12, v.marshal())
	}
	for _, v := range g.ValueInfo {
		b = appendMsg(b, 13, v.marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = appendString(b, 1, s)
	}
	for _, s := range n.Outputs {
		b = appendString(b, 2, s)
	}
	if n.Name != "" {
		b = appendString(b, 3, n.Name)
	}
	b = appendString(b, 4, n.OpType)
	for _, a := range n.Attrs {
		b = appendMsg(b, 5, a.marshal())
	}
	if n.Domain != "" {
		b = appendString(b, 7, n.Domain)
	}
	return b
}

func (a *Attr) marshal() []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	typ := 0
	switch {
	case a.RefAttr != "":
		b = appendString(b, 21, a.RefAttr)
	case a.Float != nil:
		typ = 1
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(*a.Float))
	case a.Int != nil:
		typ = 2
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(*a.Int))
	case a.String != nil:
		typ = 3
		b = appendString(b, 4, *a.String)
	case a.Tensor != nil:
		typ = 4
		b = appendMsg(b, 5, a.Tensor.Marshal())
	case a.Graph != nil:
		typ = 5
		b = appendMsg(b, 6, a.Graph.marshal())
	case a.Floats != nil:
		typ = 6
		var p []byte
		for _, f := range a.Floats {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		b = appendMsg(b, 7, p)
	case a.Ints != nil:
		typ = 7
		var p []byte
		for _, v := range a.Ints {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = appendMsg(b, 8, p)
	}
	if typ != 0 {
		b = protowire.AppendTag(b, 20, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(typ))
	}
	return b
}

// Marshal serializes the tensor.
func (t *Tensor) Marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		var p []byte
		for _, d := range t.Dims {
			p = protowire.AppendVarint(p, uint64(d))
		}
		b = appendMsg(b, 1, p)
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.DataType))
	if len(t.Floats) > 0 {
		var p []byte
		for _, f := range t.Floats {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		b = appendMsg(b, 4, p)
	}
	if len(t.Int64s) > 0 {
		var p []byte
		for _, v := range t.Int64s {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = appendMsg(b, 7, p)
	}
	if t.Name != "" {
		b = appendString(b, 8, t.Name)
	}
	if t.Raw != nil {
		b = appendMsg(b, 9, t.Raw)
	}
	if t.External != nil {
		for _, k := range []string{"location", "offset", "length", "checksum"} {
			v, ok := t.External[k]
			if !ok {
				continue
			}
			var e []byte
			e = appendString(e, 1, k)
			e = appendString(e, 2, v)
			b = appendMsg(b, 13, e)
		}
		b = protowire.AppendTag(b, 14, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
	}
	return b
}

func (v *ValueInfo) marshal() []byte {
	var b []byte
	b = appendString(b, 1, v.Name)
	if v.NoType {
		return b
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, uint64(v.DataType))
	if v.Dims != nil {
		var sh []byte
		for _, d := range v.Dims {
			var dim []byte
			switch d := d.(type) {
			case int:
				if d >= 0 {
					dim = protowire.AppendTag(dim, 1, protowire.VarintType)
					dim = protowire.AppendVarint(dim, uint64(d))
				}
			case int64:
				if d >= 0 {
					dim = protowire.AppendTag(dim, 1, protowire.VarintType)
					dim = protowire.AppendVarint(dim, uint64(d))
				}
			case string:
				dim = appendString(dim, 2, d)
			}
			sh = appendMsg(sh, 1, dim)
		}
		tt = appendMsg(tt, 2, sh)
	}
	var typ []byte
	typ = appendMsg(typ, 1, tt)
	b = appendMsg(b, 2, typ)
	return b
}

func (f *Function) marshal() []byte {
	var b []byte
	b = appendString(b, 1, f.Name)
	for _, s := range f.Inputs {
		b = appendString(b, 4, s)
	}
	for _, s := range f.Outputs {
		b = appendString(b, 5, s)
	}
	for _, s := range f.Attributes {
		b = appendString(b, 6, s)
	}
	for _, n := range f.Nodes {
		b = appendMsg(b, 7, n.marshal())
	}
	for d, v := range f.Opsets {
		var o []byte
		if d != "" {
			o = appendString(o, 1, d)
		}
		o = protowire.AppendTag(o, 2, protowire.VarintType)
		o = protowire.AppendVarint(o, uint64(v))
		b = appendMsg(b, 9, o)
	}
	b = appendString(b, 10, f.Domain)
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMsg(b []byte, num protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

// I returns a pointer to an int64 (for Attr.Int).
func I(v int64) *int64 { return &v }

// F returns a pointer to a float32 (for Attr.Float).
func F(v float32) *float32 { return &v }

// S returns a pointer to a string (for Attr.String).
func S(v string) *string { return &v }

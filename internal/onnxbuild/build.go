// Package onnxbuild serializes small ONNX models for tests and benchmarks.
//
// It writes the subset of onnx.proto that greenai reads, field by field with
// protowire, so tests can make models (including malformed ones) without
// Python or checked-in binaries.
package onnxbuild

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/greenai/greenai/internal/onnxproto"
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
	b = appendMsg(b, pb.SparseValues, t.Values.Marshal())
	b = appendMsg(b, pb.SparseIndices, t.Indices.Marshal())
	return appendMsg(b, pb.SparseDims, packedInts(t.Dims))
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
	Strings []string
	Tensor  *Tensor
	Graph   *Graph
	RefAttr string
}

// Tensor describes a TensorProto. Raw is written as raw_data; External
// (location, offset, length) as external data; Int64s as int64_data,
// Floats as float_data, Strings as string_data.
type Tensor struct {
	Name     string
	DataType int32
	Dims     []int64
	Raw      []byte
	Int64s   []int64
	Floats   []float32
	Strings  []string
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
	b = appendVarint(b, pb.ModelIRVersion, ir)
	if m.Producer != "" {
		b = appendString(b, pb.ModelProducerName, m.Producer)
	}
	b = appendMsg(b, pb.ModelGraph, m.Graph.marshal())
	opsets := m.Opsets
	if opsets == nil {
		opsets = map[string]int64{"": 17}
	}
	b = appendOpsets(b, pb.ModelOpsetImport, opsets)
	for _, f := range m.Functions {
		b = appendMsg(b, pb.ModelFunctions, f.marshal())
	}
	return b
}

func (g *Graph) marshal() []byte {
	var b []byte
	for _, n := range g.Nodes {
		b = appendMsg(b, pb.GraphNode, n.marshal())
	}
	if g.Name != "" {
		b = appendString(b, pb.GraphName, g.Name)
	}
	for _, t := range g.Initializers {
		b = appendMsg(b, pb.GraphInitializer, t.Marshal())
	}
	for _, t := range g.Sparse {
		b = appendMsg(b, pb.GraphSparseInitializer, t.marshal())
	}
	for _, v := range g.Inputs {
		b = appendMsg(b, pb.GraphInput, v.marshal())
	}
	for _, v := range g.Outputs {
		b = appendMsg(b, pb.GraphOutput, v.marshal())
	}
	for _, v := range g.ValueInfo {
		b = appendMsg(b, pb.GraphValueInfo, v.marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = appendString(b, pb.NodeInput, s)
	}
	for _, s := range n.Outputs {
		b = appendString(b, pb.NodeOutput, s)
	}
	if n.Name != "" {
		b = appendString(b, pb.NodeName, n.Name)
	}
	b = appendString(b, pb.NodeOpType, n.OpType)
	for _, a := range n.Attrs {
		b = appendMsg(b, pb.NodeAttribute, a.marshal())
	}
	if n.Domain != "" {
		b = appendString(b, pb.NodeDomain, n.Domain)
	}
	return b
}

func (a *Attr) marshal() []byte {
	var b []byte
	b = appendString(b, pb.AttrName, a.Name)
	typ := 0 // AttributeProto.AttributeType
	switch {
	case a.RefAttr != "":
		b = appendString(b, pb.AttrRefAttrName, a.RefAttr)
	case a.Float != nil:
		typ = 1
		b = protowire.AppendTag(b, pb.AttrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(*a.Float))
	case a.Int != nil:
		typ = 2
		b = appendVarint(b, pb.AttrI, *a.Int)
	case a.String != nil:
		typ = 3
		b = appendString(b, pb.AttrS, *a.String)
	case a.Tensor != nil:
		typ = 4
		b = appendMsg(b, pb.AttrT, a.Tensor.Marshal())
	case a.Graph != nil:
		typ = 5
		b = appendMsg(b, pb.AttrG, a.Graph.marshal())
	case a.Floats != nil:
		typ = 6
		b = appendMsg(b, pb.AttrFloats, packedFloats(a.Floats))
	case a.Ints != nil:
		typ = 7
		b = appendMsg(b, pb.AttrInts, packedInts(a.Ints))
	case a.Strings != nil:
		typ = 8
		for _, v := range a.Strings {
			b = appendString(b, pb.AttrStrings, v)
		}
	}
	if typ != 0 {
		b = appendVarint(b, pb.AttrType, int64(typ))
	}
	return b
}

// Marshal serializes the tensor.
func (t *Tensor) Marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		b = appendMsg(b, pb.TensorDims, packedInts(t.Dims))
	}
	b = appendVarint(b, pb.TensorDataType, int64(t.DataType))
	if len(t.Floats) > 0 {
		b = appendMsg(b, pb.TensorFloatData, packedFloats(t.Floats))
	}
	if len(t.Int64s) > 0 {
		b = appendMsg(b, pb.TensorInt64Data, packedInts(t.Int64s))
	}
	for _, s := range t.Strings {
		b = appendString(b, pb.TensorStringData, s)
	}
	if t.Name != "" {
		b = appendString(b, pb.TensorName, t.Name)
	}
	if t.Raw != nil {
		b = appendMsg(b, pb.TensorRawData, t.Raw)
	}
	if t.External != nil {
		for _, k := range []string{"location", "offset", "length", "checksum"} {
			v, ok := t.External[k]
			if !ok {
				continue
			}
			var e []byte
			e = appendString(e, pb.EntryKey, k)
			e = appendString(e, pb.EntryValue, v)
			b = appendMsg(b, pb.TensorExternalData, e)
		}
		b = appendVarint(b, pb.TensorDataLocation, pb.TensorLocationExternal)
	}
	return b
}

func (v *ValueInfo) marshal() []byte {
	var b []byte
	b = appendString(b, pb.ValueInfoName, v.Name)
	if v.NoType {
		return b
	}
	var tt []byte // TypeProto.Tensor
	tt = appendVarint(tt, pb.TypeTensorElemType, int64(v.DataType))
	if v.Dims != nil {
		var sh []byte
		for _, d := range v.Dims {
			var dim []byte
			switch d := d.(type) {
			case int:
				if d >= 0 {
					dim = appendVarint(dim, pb.DimValue, int64(d))
				}
			case int64:
				if d >= 0 {
					dim = appendVarint(dim, pb.DimValue, d)
				}
			case string:
				dim = appendString(dim, pb.DimParam, d)
			}
			sh = appendMsg(sh, pb.ShapeDim, dim)
		}
		tt = appendMsg(tt, pb.TypeTensorShape, sh)
	}
	var typ []byte
	typ = appendMsg(typ, pb.TypeTensorType, tt)
	b = appendMsg(b, pb.ValueInfoType, typ)
	return b
}

func (f *Function) marshal() []byte {
	var b []byte
	b = appendString(b, pb.FunctionName, f.Name)
	for _, s := range f.Inputs {
		b = appendString(b, pb.FunctionInput, s)
	}
	for _, s := range f.Outputs {
		b = appendString(b, pb.FunctionOutput, s)
	}
	for _, s := range f.Attributes {
		b = appendString(b, pb.FunctionAttribute, s)
	}
	for _, n := range f.Nodes {
		b = appendMsg(b, pb.FunctionNode, n.marshal())
	}
	b = appendOpsets(b, pb.FunctionOpsetImport, f.Opsets)
	b = appendString(b, pb.FunctionDomain, f.Domain)
	return b
}

// appendOpsets appends one OperatorSetIdProto per domain.
func appendOpsets(b []byte, num protowire.Number, opsets map[string]int64) []byte {
	for d, v := range opsets {
		var o []byte
		if d != "" {
			o = appendString(o, pb.OpsetDomain, d)
		}
		o = appendVarint(o, pb.OpsetVersion, v)
		b = appendMsg(b, num, o)
	}
	return b
}

func appendVarint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// packedInts is the payload of a packed repeated int64 field.
func packedInts(vs []int64) []byte {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	return p
}

// packedFloats is the payload of a packed repeated float field.
func packedFloats(fs []float32) []byte {
	var p []byte
	for _, f := range fs {
		p = protowire.AppendFixed32(p, math.Float32bits(f))
	}
	return p
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

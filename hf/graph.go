package hf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/greenai/greenai/onnx"
)

// builder appends nodes and shape-only initializers to an ONNX graph. Node
// names follow torch.onnx's module paths (/model/layers.0/self_attn/MatMul_1)
// so that the fpo scope breakdown, pprof and freezing by node name work as on
// an exported model. No weight data is ever allocated: an initializer is a
// name, a data type and dims.
type builder struct {
	g      *onnx.Graph
	dt     onnx.DataType
	names  map[string]int // node-name uses, for torch-style _N suffixes
	values int
	consts map[string]string // cached Constant nodes by key
	params map[string]bool
	dims   map[[4]int64][]int64 // shared initializer dims by shape
}

func newBuilder(dt onnx.DataType) *builder {
	return &builder{g: &onnx.Graph{Name: "main_graph"}, dt: dt, names: map[string]int{}, consts: map[string]string{}, params: map[string]bool{}, dims: map[[4]int64][]int64{}}
}

// scopeOf turns a module path such as model.layers.0.self_attn into the
// torch.onnx node scope /model/layers.0/self_attn.
func scopeOf(module string) string {
	if module == "" {
		return ""
	}
	parts := strings.Split(module, ".")
	var out []string
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err == nil && len(out) > 0 {
			out[len(out)-1] += "." + p
			continue
		}
		out = append(out, p)
	}
	return "/" + strings.Join(out, "/")
}

// param adds a shape-only initializer named as in the Hugging Face state
// dict (once: a tied weight is one tensor) and returns its name.
func (b *builder) param(name string, dims ...int64) string {
	if !b.params[name] {
		b.params[name] = true
		b.g.Initializers = append(b.g.Initializers, &onnx.Tensor{Name: name, DataType: b.dt, Dims: b.shape(dims)})
	}
	return name
}

// shape returns one shared dims slice per distinct shape: a model's tensors
// have a handful of shapes (DeepSeek-V3's 45,395 have 26), so the graph
// holds one slice per shape instead of one per tensor. Nothing modifies
// initializer dims.
func (b *builder) shape(dims []int64) []int64 {
	var key [4]int64
	if len(dims) == 0 || len(dims) > len(key) {
		return dims
	}
	copy(key[:], dims)
	key[len(dims)-1] |= int64(len(dims)) << 56 // tell [n] from [n, 0] (dims are < 2^40)
	if d, ok := b.dims[key]; ok {
		return d
	}
	b.dims[key] = dims
	return dims
}

// node adds one node in a module scope and returns its outputs.
func (b *builder) node(module, op string, ins []string, nout int, attrs ...*onnx.Attribute) []string {
	scope := scopeOf(module)
	base := scope + "/" + op
	name := base
	if k := b.names[base]; k > 0 {
		name = fmt.Sprintf("%s_%d", base, k)
	}
	b.names[base]++
	outs := make([]string, nout)
	for i := range outs {
		b.values++
		outs[i] = fmt.Sprintf("%s_output_%d", name, i)
	}
	b.g.Nodes = append(b.g.Nodes, &onnx.Node{Name: name, OpType: op, Inputs: ins, Outputs: outs, Attrs: attrs})
	return outs
}

// op adds a one-output node.
func (b *builder) op(module, op string, ins []string, attrs ...*onnx.Attribute) string {
	return b.node(module, op, ins, 1, attrs...)[0]
}

func aInt(name string, v int64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrInt, I: v}
}

func aInts(name string, v ...int64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrInts, Ints: v}
}

func aFloat(name string, v float64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrFloat, F: float32(v)}
}

func aString(name, v string) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrString, S: v}
}

// ints is an int64 vector Constant (shared by every node that needs it).
func (b *builder) ints(v ...int64) string {
	return b.constant(fmt.Sprint("i", v), func() *onnx.Attribute { return aInts("value_ints", v...) })
}

// int0 is an int64 scalar Constant.
func (b *builder) int0(v int64) string {
	return b.constant(fmt.Sprint("s", v), func() *onnx.Attribute { return aInt("value_int", v) })
}

// scalar is a float scalar Constant. Elementwise nodes take the element type
// of their first input, so activations keep the model's dtype.
func (b *builder) scalar(v float64) string {
	return b.constant(fmt.Sprint("f", v), func() *onnx.Attribute { return aFloat("value_float", v) })
}

// constant returns the Constant node cached under key, adding it once.
func (b *builder) constant(key string, value func() *onnx.Attribute) string {
	if n, ok := b.consts[key]; ok {
		return n
	}
	n := b.op("", "Constant", nil, value())
	b.consts[key] = n
	return n
}

func (b *builder) input(name string, dt onnx.DataType, dims ...any) {
	b.g.Inputs = append(b.g.Inputs, valueInfo(name, dt, dims...))
}

func (b *builder) output(name string, dt onnx.DataType, from string) {
	b.op("", "Identity", []string{from})
	// The Identity's output takes the graph output's name.
	b.g.Nodes[len(b.g.Nodes)-1].Outputs[0] = name
	b.g.Outputs = append(b.g.Outputs, &onnx.ValueInfo{Name: name})
}

func valueInfo(name string, dt onnx.DataType, dims ...any) *onnx.ValueInfo {
	s := &onnx.Shape{}
	for _, d := range dims {
		switch d := d.(type) {
		case string:
			s.Dims = append(s.Dims, onnx.Dim{Param: d})
		case int64:
			s.Dims = append(s.Dims, onnx.Dim{Value: d, HasValue: true})
		case int:
			s.Dims = append(s.Dims, onnx.Dim{Value: int64(d), HasValue: true})
		}
	}
	return &onnx.ValueInfo{Name: name, Type: &onnx.Type{Kind: onnx.KindTensor, Elem: dt, Shape: s}}
}

package train

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
	"github.com/greenai/greenai/sym"
)

// testOpsets are the opsets of the test models.
var testOpsets = map[string]int64{"": 21, "com.microsoft": 1}

// arg is one input of a test node: a trainable float initializer (param), a
// float graph input that needs no gradient (data), a constant (konst), or
// omitted (nil).
type arg struct {
	init bool
	val  *shape.Value
}

// param is a float initializer: a trainable weight, so its gradient is needed.
func param(dims ...int64) *arg { return &arg{init: true, val: shape.TensorDims(onnx.Float, dims...)} }

// data is a float graph input: the model's data, which needs no gradient.
func data(dims ...int64) *arg { return &arg{val: shape.TensorDims(onnx.Float, dims...)} }

// intsArg is a 1-D int64 graph input with known contents.
func intsArg(vals ...int64) *arg {
	v := shape.TensorDims(onnx.Int64, int64(len(vals)))
	v.Const = &shape.Const{Ints: shape.Dims(vals...)}
	return &arg{val: v}
}

// indices is an int64 graph input of a shape (unknown contents).
func indices(dims ...int64) *arg { return &arg{val: shape.TensorDims(onnx.Int64, dims...)} }

// boolConst is a scalar bool graph input with known contents.
func boolConst(b bool) *arg {
	v := shape.TensorDims(onnx.Bool)
	x := int64(0)
	if b {
		x = 1
	}
	v.Const = &shape.Const{Ints: shape.Dims(x)}
	return &arg{val: v}
}

// floatConst is a scalar float graph input with known contents (not a parameter).
func floatConst(x float64) *arg {
	v := shape.TensorDims(onnx.Float)
	v.Const = &shape.Const{Floats: []float64{x}}
	return &arg{val: v}
}

// node builds a node of a domain with attributes.
func node(domain, op string, attrs ...*onnx.Attribute) *onnx.Node {
	return &onnx.Node{OpType: op, Domain: domain, Name: "/" + strings.ToLower(op) + "/" + op, Attrs: attrs}
}

func aInt(name string, v int64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrInt, I: v}
}

func aInts(name string, v ...int64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrInts, Ints: v}
}

func aFloat(name string, v float32) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrFloat, F: v}
}

func aString(name, v string) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrString, S: v}
}

// oneNode is an inferred one-node model and its node.
type oneNode struct {
	res  *shape.Result
	nr   *shape.NodeResult
	need []bool
}

// buildOne makes a one-node model from n and its inputs (bound by
// position), infers it and says which inputs need a gradient (the
// initializers).
func buildOne(t *testing.T, opsets map[string]int64, n *onnx.Node, args ...*arg) oneNode {
	t.Helper()
	g := &onnx.Graph{Name: "test"}
	opts := shape.Options{InputValues: map[string]*shape.Value{}}
	n.Inputs = make([]string, len(args))
	need := make([]bool, len(args))
	for i, a := range args {
		if a == nil {
			continue
		}
		name := fmt.Sprintf("in%d", i)
		n.Inputs[i] = name
		if a.init {
			dims, _ := a.val.Dims()
			g.Initializers = append(g.Initializers, &onnx.Tensor{Name: name, DataType: a.val.DType, Dims: dims})
			need[i] = gradSlot(n.Domain, n.OpType, i)
			continue
		}
		g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: name})
		opts.InputValues[name] = a.val
	}
	if len(n.Outputs) == 0 {
		n.Outputs = []string{"y"}
	}
	for _, o := range n.Outputs {
		if o != "" {
			g.Outputs = append(g.Outputs, &onnx.ValueInfo{Name: o})
		}
	}
	g.Nodes = []*onnx.Node{n}
	res := inferWith(t, opsets, g, opts)
	return oneNode{res: res, nr: res.Graph.Nodes[0], need: need}
}

// infer runs shape inference over a graph and fails the test on any failure.
func infer(t *testing.T, g *onnx.Graph, opts shape.Options) *shape.Result {
	t.Helper()
	return inferWith(t, nil, g, opts)
}

// inferWith is infer with other opsets (nil: testOpsets).
func inferWith(t *testing.T, opsets map[string]int64, g *onnx.Graph, opts shape.Options) *shape.Result {
	t.Helper()
	if opsets == nil {
		opsets = testOpsets
	}
	m := &onnx.Model{IRVersion: 8, Opsets: opsets, Graph: g}
	res, err := shape.Infer(m, opts)
	if err != nil {
		t.Fatalf("infer: %v", err)
	}
	for _, f := range res.Failures {
		t.Fatalf("infer: node %s: %s", f.Node, f.Err)
	}
	return res
}

// counts runs the forward and training counts over an inferred model.
func counts(t *testing.T, res *shape.Result, opts Options) (*fpo.Report, *Report) {
	t.Helper()
	fwd, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range fwd.Uncounted {
		t.Fatalf("forward: %s (%s) not counted: %s", u.Node, u.OpType, u.Reason)
	}
	rep, err := Count(res, fwd, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range rep.Uncounted {
		t.Fatalf("backward: %s (%s) not counted: %s", u.Node, u.OpType, u.Reason)
	}
	return fwd, rep
}

// mac is m multiply-accumulates: m MUL and m ADD.
func mac(m int64) fpo.Ops { return ops(fpo.Mul, m, fpo.Add, m) }

// konst evaluates a count that must be a constant.
func konst(t *testing.T, what string, e sym.Expr) int64 {
	t.Helper()
	v, ok := e.IsConst()
	if !ok {
		t.Fatalf("%s is symbolic: %s", what, e.String())
	}
	return v
}

func fpoOf(o fpo.Ops) int64 {
	tab := fpo.DefaultTable()
	v, _ := o.FPO(&tab).IsConst()
	return v
}

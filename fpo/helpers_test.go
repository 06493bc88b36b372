package fpo_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/internal/onnxtest"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
	"github.com/greenai/greenai/sym"
)

// opsets of the one-node test models: the newest ai.onnx at the time of
// writing unless a case names another.
var testOpsets = map[string]int64{"": 21, "com.microsoft": 1, "ai.onnx.ml": 5, "ai.onnx.preview.training": 1}

// costOf builds a one-node model (domain and opset from the node and
// opsets; nil opsets takes testOpsets), infers it with the inputs bound by
// position (nil omits an input) and counts it. It fails the test when the
// node was not counted.
func costOf(t *testing.T, opsets map[string]int64, n *onnx.Node, inputs ...*shape.Value) fpo.Cost {
	t.Helper()
	nc, err := nodeCostOf(opsets, n, inputs...)
	if err != nil {
		t.Fatalf("%s: %v", n.OpType, err)
	}
	return nc.Cost
}

// nodeCostOf is costOf returning the counted node, or the reason it was not counted.
func nodeCostOf(opsets map[string]int64, n *onnx.Node, inputs ...*shape.Value) (*fpo.NodeCost, error) {
	return nodeCostWith(fpo.Options{}, opsets, n, inputs...)
}

// nodeCostWith is nodeCostOf under counting options (a convention).
func nodeCostWith(count fpo.Options, opsets map[string]int64, n *onnx.Node, inputs ...*shape.Value) (*fpo.NodeCost, error) {
	if opsets == nil {
		opsets = testOpsets
	}
	m, opts := onnxtest.OneNode(opsets, n, inputs...)
	res, err := shape.Infer(m, opts)
	if err != nil {
		return nil, fmt.Errorf("infer: %w", err)
	}
	for _, f := range res.Failures {
		return nil, fmt.Errorf("infer: %s", firstLine(f.Err))
	}
	rep, err := fpo.Count(res, count)
	if err != nil {
		return nil, err
	}
	for _, nc := range rep.Nodes {
		if nc.Node.Node == n {
			if nc.Err != nil {
				return nil, nc.Err
			}
			return nc, nil
		}
	}
	return nil, fmt.Errorf("node not in the report")
}

// opNode builds a node of a domain with attributes and output names (none: one output).
func opNode(domain, op string, outs []string, attrs ...*onnx.Attribute) *onnx.Node {
	return &onnx.Node{OpType: op, Domain: domain, Name: op + "_0", Attrs: attrs, Outputs: outs}
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

func aFloats(name string, v ...float32) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrFloats, Floats: v}
}

func aString(name, v string) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrString, S: v}
}

func aStrings(name string, v ...string) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrStrings, Strings: v}
}

// f32 is a float32 tensor input of a concrete shape.
func f32(dims ...int64) *shape.Value { return shape.TensorDims(onnx.Float, dims...) }

// typed is a tensor input of a type and concrete shape.
func typed(dt onnx.DataType, dims ...int64) *shape.Value { return shape.TensorDims(dt, dims...) }

// symF32 is a float32 input whose dims are parsed: "batch", "3", "seq".
func symF32(dims ...string) *shape.Value {
	s := make([]sym.Expr, len(dims))
	for i, d := range dims {
		s[i] = sym.MustParse(d)
	}
	return shape.Tensor(onnx.Float, s...)
}

// ints is a 1-D int64 input with known contents.
func ints(vals ...int64) *shape.Value {
	v := shape.TensorDims(onnx.Int64, int64(len(vals)))
	v.Const = &shape.Const{Ints: shape.Dims(vals...)}
	return v
}

// scalarInt is a scalar int64 input with known contents.
func scalarInt(x int64) *shape.Value {
	v := shape.TensorDims(onnx.Int64)
	v.Const = &shape.Const{Ints: shape.Dims(x)}
	return v
}

// opsCase is one hand-derived expectation: the primitive counts as
// Ops.String prints them, and the MACs.
type opsCase struct {
	name   string
	opsets map[string]int64
	node   *onnx.Node
	inputs []*shape.Value
	ops    string // "add=…, mul=…" (primitives with a zero count left out)
	macs   int64
	kind   fpo.Kind
	bytes  int64  // checked when kind is Movement
	bound  string // a word of Cost.Bound; "" for an exact count (no Bound)
}

func runOpsCases(t *testing.T, cases []opsCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cost := costOf(t, c.opsets, c.node, c.inputs...)
			if got := cost.Ops.String(); got != c.ops {
				t.Errorf("ops = %q, want %q", got, c.ops)
			}
			macs := int64(0)
			if !cost.MACs.Equal(sym.Expr{}) {
				v, ok := cost.MACs.IsConst()
				if !ok {
					t.Fatalf("MACs symbolic: %s", cost.MACs)
				}
				macs = v
			}
			if macs != c.macs {
				t.Errorf("MACs = %d, want %d", macs, c.macs)
			}
			if cost.Kind != c.kind {
				t.Errorf("kind = %d, want %d", cost.Kind, c.kind)
			}
			if c.kind == fpo.Movement {
				if b, _ := cost.Bytes.IsConst(); b != c.bytes {
					t.Errorf("bytes = %s, want %d", cost.Bytes, c.bytes)
				}
			}
			switch {
			case c.bound == "" && cost.Bound != "":
				t.Errorf("an exact count says it is a bound: %q", cost.Bound)
			case c.bound != "" && !strings.Contains(cost.Bound, c.bound):
				t.Errorf("bound %q does not say %q", cost.Bound, c.bound)
			}
		})
	}
}

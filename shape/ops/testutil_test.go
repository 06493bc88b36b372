package ops

import (
	"testing"

	"github.com/greenai/greenai/internal/onnxtest"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// inferNode runs inference on a one-node model at the given ai.onnx opset.
// Inputs are bound by position (nil means the input is omitted); the node's
// outputs are returned in order (nil for omitted ones).
func inferNode(t *testing.T, opset int64, n *onnx.Node, inputs ...*shape.Value) ([]*shape.Value, *shape.Result) {
	t.Helper()
	return inferNodeDomains(t, map[string]int64{"": opset}, n, inputs...)
}

// inferNodeDomains is inferNode with explicit opset imports (for other domains).
func inferNodeDomains(t *testing.T, opsets map[string]int64, n *onnx.Node, inputs ...*shape.Value) ([]*shape.Value, *shape.Result) {
	t.Helper()
	m, opts := onnxtest.OneNode(opsets, n, inputs...)
	res, err := shape.Infer(m, opts)
	if err != nil {
		t.Fatalf("infer %s: %v", n.OpType, err)
	}
	outs := make([]*shape.Value, len(n.Outputs))
	for i, o := range n.Outputs {
		if o != "" {
			outs[i] = res.Graph.Values[o]
		}
	}
	return outs, res
}

// node builds a node with attributes.
func node(op string, attrs ...*onnx.Attribute) *onnx.Node {
	return &onnx.Node{OpType: op, Name: op + "_0", Attrs: attrs}
}

func attrInt(name string, v int64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrInt, I: v}
}

func attrInts(name string, v ...int64) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrInts, Ints: v}
}

func attrFloat(name string, v float32) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrFloat, F: v}
}

func attrString(name, v string) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrString, S: v}
}

// constInts makes a 1-D int64 input with known contents.
func constInts(vals ...int64) *shape.Value {
	v := shape.TensorDims(onnx.Int64, int64(len(vals)))
	c := &shape.Const{Ints: shape.Dims(vals...)}
	v.Const = c
	return v
}

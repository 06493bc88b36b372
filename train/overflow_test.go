package train

import (
	"errors"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// TestBackwardOverflowNamesNode: a backward that does not fit in 64 bits
// (the forward does) is an error naming the node, the value and the
// remedy, not a partial total.
func TestBackwardOverflowNamesNode(t *testing.T) {
	const n, k = 1 << 31, 30000 // forward 4·n·k² ≈ 7.7e18 fits; backward 6·n·k² does not
	g := &onnx.Graph{Name: "mlp",
		Inputs:       []*onnx.ValueInfo{{Name: "x"}},
		Initializers: []*onnx.Tensor{{Name: "w1", DataType: onnx.Float, Dims: []int64{k, k}}, {Name: "w2", DataType: onnx.Float, Dims: []int64{k, k}}},
		Nodes: []*onnx.Node{
			{Name: "/fc1/MatMul", OpType: "MatMul", Inputs: []string{"x", "w1"}, Outputs: []string{"h"}},
			{Name: "/fc2/MatMul", OpType: "MatMul", Inputs: []string{"h", "w2"}, Outputs: []string{"y"}},
		},
		Outputs: []*onnx.ValueInfo{{Name: "y"}},
	}
	m := &onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": 21}, Graph: g}
	res, err := shape.Infer(m, shape.Options{InputValues: map[string]*shape.Value{"x": shape.TensorDims(onnx.Float, n, k)}})
	if err != nil {
		t.Fatal(err)
	}
	fwd, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatalf("forward: %v", err)
	}
	rep, err := Count(res, fwd, Options{})
	if err == nil {
		t.Fatalf("no error; backward %s", rep.Backward)
	}
	t.Log(err)
	var oe *fpo.OverflowError
	if !errors.As(err, &oe) {
		t.Errorf("%v is not an *fpo.OverflowError", err)
	}
	for _, w := range []string{`node "/fc2/MatMul" (MatMul)`, "the backward totals through it", "overflows 64-bit integers", "integer overflow in", "count at smaller dims"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q", w)
		}
	}
}

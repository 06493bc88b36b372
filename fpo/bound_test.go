package fpo_test

import (
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// TestBoundsInNotes: a count that is a bound says so in the report's
// notes, once per operator and kind of bound, naming the first node.
func TestBoundsInNotes(t *testing.T) {
	mb := onnxbuild.Model{Opsets: map[string]int64{"": 17}, Graph: onnxbuild.Graph{
		Name:         "topk",
		Inputs:       []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2, 10}}},
		Outputs:      []onnxbuild.ValueInfo{{Name: "v2", DataType: 1}, {Name: "y", DataType: 1}},
		Initializers: []onnxbuild.Tensor{{Name: "k", DataType: 7, Dims: []int64{1}, Int64s: []int64{3}}},
		Nodes: []onnxbuild.Node{
			{Name: "first", OpType: "TopK", Inputs: []string{"x", "k"}, Outputs: []string{"v1", "i1"}},
			{Name: "second", OpType: "TopK", Inputs: []string{"x", "k"}, Outputs: []string{"v2", "i2"}},
			{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}},
		},
	}}
	m, err := onnx.Decode(mb.Marshal(), "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Notes) != 1 || !strings.HasPrefix(rep.Notes[0], "TopK, 2 nodes (first first): upper bound: ") {
		t.Errorf("notes %q, want one upper-bound note for the two TopK nodes", rep.Notes)
	}
}

package fpo_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// chain builds a graph input "x" read by the given nodes in sequence
// (each reads the previous one's output).
func chain(x *shape.Value, nodes ...*onnx.Node) (*shape.Result, error) {
	g := &onnx.Graph{Name: "test", Inputs: []*onnx.ValueInfo{{Name: "x"}}}
	prev := "x"
	for _, n := range nodes {
		n.Inputs = []string{prev}
		prev = n.Outputs[0]
		g.Nodes = append(g.Nodes, n)
	}
	g.Outputs = []*onnx.ValueInfo{{Name: prev}}
	m := &onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": 21}, Graph: g}
	return shape.Infer(m, shape.Options{InputValues: map[string]*shape.Value{"x": x}})
}

// TestOverflowNamesNode: every integer overflow while counting names the
// node (name and operator type, or the graph input), the value being
// computed, and the remedy; none leaves a partial total.
func TestOverflowNamesNode(t *testing.T) {
	cases := []struct {
		name  string
		x     *shape.Value
		nodes []*onnx.Node
		want  []string
	}{
		{"a node's cost", f32(1<<62, 3, 8, 8), []*onnx.Node{
			{Name: "/stem/Softmax", OpType: "Softmax", Outputs: []string{"y"}},
		}, []string{`node "/stem/Softmax" (Softmax)`, "its cost", "integer overflow in"}},
		{"the running total", f32(1<<61, 3), []*onnx.Node{
			{Name: "/a/Relu", OpType: "Relu", Outputs: []string{"a"}},
			{Name: "/b/Relu", OpType: "Relu", Outputs: []string{"b"}},
		}, []string{`node "/b/Relu" (Relu)`, "the Relu operators' total through it (6917529027641081856 FPO added)", "6917529027641081856 + 6917529027641081856"}},
		{"an unnamed node", f32(1<<62, 3, 8, 8), []*onnx.Node{
			{OpType: "Softmax", Outputs: []string{"probs"}},
		}, []string{`unnamed Softmax node (output "probs")`}},
		{"a graph input's size", f32(1<<61, 8), []*onnx.Node{
			{Name: "/shape", OpType: "Shape", Outputs: []string{"s"}},
		}, []string{`activation memory: graph input "x": its size in bytes (float32[2305843009213693952, 8])`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := chain(c.x, c.nodes...)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := fpo.Count(res, fpo.Options{})
			if err == nil {
				t.Fatalf("no error; FPO %s", rep.FPO)
			}
			t.Log(err)
			var oe *fpo.OverflowError
			if !errors.As(err, &oe) {
				t.Errorf("%v is not an *fpo.OverflowError", err)
			}
			for _, w := range append(c.want, "overflows 64-bit integers", "count at smaller dims (--dim, --input)") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q", w)
				}
			}
		})
	}
}

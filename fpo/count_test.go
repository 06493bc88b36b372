package fpo_test

import (
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func tensorType(dt onnx.DataType, dims ...int64) *onnx.Type {
	s := &onnx.Shape{}
	for _, d := range dims {
		s.Dims = append(s.Dims, onnx.Dim{Value: d, HasValue: true})
	}
	return &onnx.Type{Kind: onnx.KindTensor, Elem: dt, Shape: s}
}

func countModel(t *testing.T, g *onnx.Graph, opts shape.Options) *fpo.Report {
	t.Helper()
	res, err := shape.Infer(&onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": 17}, Graph: g}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Failures {
		t.Fatalf("inference failed at %s: %s", f.Node, f.Err)
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func constInt(v int64) *shape.Value {
	x := shape.TensorDims(onnx.Int64)
	x.Const = &shape.Const{Ints: []sym.Expr{sym.Const(v)}}
	return x
}

// A Loop's body is counted once per iteration.
func TestLoopMultipliesBody(t *testing.T) {
	body := &onnx.Graph{
		Name: "body",
		Inputs: []*onnx.ValueInfo{{Name: "i", Type: tensorType(onnx.Int64)}, {Name: "c", Type: tensorType(onnx.Bool)},
			{Name: "h", Type: tensorType(onnx.Float, 4, 8)}},
		Outputs: []*onnx.ValueInfo{{Name: "c_out"}, {Name: "h_out"}},
		Nodes: []*onnx.Node{
			{OpType: "Identity", Inputs: []string{"c"}, Outputs: []string{"c_out"}},
			{Name: "mm", OpType: "MatMul", Inputs: []string{"h", "w"}, Outputs: []string{"h_out"}},
		},
	}
	g := &onnx.Graph{
		Inputs:  []*onnx.ValueInfo{{Name: "M", Type: tensorType(onnx.Int64)}, {Name: "x", Type: tensorType(onnx.Float, 4, 8)}, {Name: "w", Type: tensorType(onnx.Float, 8, 8)}},
		Outputs: []*onnx.ValueInfo{{Name: "y"}},
		Nodes: []*onnx.Node{{Name: "loop", OpType: "Loop", Inputs: []string{"M", "", "x"}, Outputs: []string{"y"},
			Attrs: []*onnx.Attribute{{Name: "body", Type: onnx.AttrGraph, G: body}}}},
	}
	rep := countModel(t, g, shape.Options{InputValues: map[string]*shape.Value{"M": constInt(5)}})
	if v, ok := rep.MACs.IsConst(); !ok || v != 5*4*8*8 {
		t.Errorf("loop MACs = %s, want 5 × 256", rep.MACs)
	}
	// With an unknown trip count the total is a polynomial in the trip symbol.
	rep = countModel(t, g, shape.Options{})
	if _, ok := rep.MACs.IsConst(); ok || len(rep.MACs.Vars()) != 1 {
		t.Errorf("unknown trip count: MACs = %s, want 256·trips", rep.MACs)
	}
}

// An If whose condition is unknown reports both branches.
func TestIfUnknownConditionReportsBothBranches(t *testing.T) {
	then := &onnx.Graph{Name: "then", Outputs: []*onnx.ValueInfo{{Name: "t"}},
		Nodes: []*onnx.Node{{Name: "mm", OpType: "MatMul", Inputs: []string{"x", "w"}, Outputs: []string{"t"}}}}
	els := &onnx.Graph{Name: "else", Outputs: []*onnx.ValueInfo{{Name: "e"}},
		Nodes: []*onnx.Node{{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"e"}}}}
	g := &onnx.Graph{
		Inputs: []*onnx.ValueInfo{{Name: "cond", Type: tensorType(onnx.Bool)}, {Name: "x", Type: tensorType(onnx.Float, 8, 8)},
			{Name: "w", Type: tensorType(onnx.Float, 8, 8)}},
		Outputs: []*onnx.ValueInfo{{Name: "y"}},
		Nodes: []*onnx.Node{{Name: "if", OpType: "If", Inputs: []string{"cond"}, Outputs: []string{"y"},
			Attrs: []*onnx.Attribute{{Name: "then_branch", Type: onnx.AttrGraph, G: then}, {Name: "else_branch", Type: onnx.AttrGraph, G: els}}}},
	}
	rep := countModel(t, g, shape.Options{})
	if v, _ := rep.FPO.IsConst(); v != 2*8*8*8 {
		t.Errorf("max FPO = %s, want the MatMul branch's %d", rep.FPO, 2*8*8*8)
	}
	if v, _ := rep.FPOMin.IsConst(); v != 64 {
		t.Errorf("min FPO = %s, want the Relu branch's 64", rep.FPOMin)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "condition unknown") {
		t.Errorf("notes = %v", rep.Notes)
	}
	// A known condition counts only the branch taken.
	c := shape.TensorDims(onnx.Bool)
	c.Const = &shape.Const{Ints: []sym.Expr{sym.Const(0)}}
	rep = countModel(t, g, shape.Options{InputValues: map[string]*shape.Value{"cond": c}})
	if v, _ := rep.FPO.IsConst(); v != 64 || !rep.FPO.Equal(rep.FPOMin) {
		t.Errorf("known false condition: FPO %s (min %s), want 64", rep.FPO, rep.FPOMin)
	}
}

func TestActivationMemory(t *testing.T) {
	g := &onnx.Graph{
		Inputs:  []*onnx.ValueInfo{{Name: "x", Type: tensorType(onnx.Float, 1000)}},
		Outputs: []*onnx.ValueInfo{{Name: "c"}},
		Nodes: []*onnx.Node{
			{Name: "a", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"a"}},
			{Name: "b", OpType: "Relu", Inputs: []string{"a"}, Outputs: []string{"b"}},
			{Name: "c", OpType: "Relu", Inputs: []string{"b"}, Outputs: []string{"c"}},
		},
	}
	rep := countModel(t, g, shape.Options{})
	// Three intermediates of 4 kB; at most the input and two values are alive.
	if v, _ := rep.ActivationBytes.IsConst(); v != 12000 {
		t.Errorf("sum = %s", rep.ActivationBytes)
	}
	if v, _ := rep.ActivationPeak.IsConst(); v != 8000 {
		t.Errorf("peak = %s, want 8000 (input and first output alive together)", rep.ActivationPeak)
	}
}

// A Loop whose carried value grows is counted iteration by iteration.
func TestLoopWithGrowingShapes(t *testing.T) {
	body := &onnx.Graph{
		Name: "body",
		Inputs: []*onnx.ValueInfo{{Name: "i", Type: tensorType(onnx.Int64)}, {Name: "c", Type: tensorType(onnx.Bool)},
			{Name: "x", Type: &onnx.Type{Kind: onnx.KindTensor, Elem: onnx.Float}}},
		Outputs: []*onnx.ValueInfo{{Name: "c_out"}, {Name: "x_out"}},
		Nodes: []*onnx.Node{
			{OpType: "Identity", Inputs: []string{"c"}, Outputs: []string{"c_out"}},
			{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"r"}},
			{Name: "grow", OpType: "Concat", Inputs: []string{"r", "row"}, Outputs: []string{"x_out"},
				Attrs: []*onnx.Attribute{{Name: "axis", Type: onnx.AttrInt, I: 0}}},
		},
	}
	g := &onnx.Graph{
		Inputs: []*onnx.ValueInfo{{Name: "M", Type: tensorType(onnx.Int64)}, {Name: "x", Type: tensorType(onnx.Float, 1, 2)},
			{Name: "row", Type: tensorType(onnx.Float, 1, 2)}},
		Outputs: []*onnx.ValueInfo{{Name: "y"}},
		Nodes: []*onnx.Node{{Name: "loop", OpType: "Loop", Inputs: []string{"M", "", "x"}, Outputs: []string{"y"},
			Attrs: []*onnx.Attribute{{Name: "body", Type: onnx.AttrGraph, G: body}}}},
	}
	rep := countModel(t, g, shape.Options{InputValues: map[string]*shape.Value{"M": constInt(3)}})
	// Relu on [1,2], [2,2], [3,2]: 2 + 4 + 6 comparisons.
	if v, ok := rep.FPO.IsConst(); !ok || v != 12 {
		t.Errorf("FPO = %s, want 12", rep.FPO)
	}
}

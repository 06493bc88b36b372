package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// Tests of model-local function expansion (shape/function.go), with bodies
// made of the test-domain operators of control_test.go.

const fnDomain = "local.fn"

func refAttr(name, ref string, typ onnx.AttrType) *onnx.Attribute {
	return &onnx.Attribute{Name: name, RefAttrName: ref, Type: typ}
}

// inferFunctionCall runs a model whose main graph calls f once with the
// given inputs (nil omits one) and caller attributes.
func inferFunctionCall(t *testing.T, fns []*onnx.Function, callee string, attrs []*onnx.Attribute, inputs ...*shape.Value) (*shape.Value, *shape.Result) {
	t.Helper()
	call := &onnx.Node{OpType: callee, Domain: fnDomain, Name: "call", Attrs: attrs, Outputs: []string{"y"}}
	g := &onnx.Graph{Name: "main", Nodes: []*onnx.Node{call}, Outputs: vis("y")}
	opts := shape.Options{InputValues: map[string]*shape.Value{}}
	for i, v := range inputs {
		name := ""
		if v != nil {
			name = string(rune('a' + i))
			g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: name})
			opts.InputValues[name] = v
		}
		call.Inputs = append(call.Inputs, name)
	}
	m := &onnx.Model{IRVersion: 10, Opsets: map[string]int64{"": 18, testDomain: 1, fnDomain: 1}, Graph: g, Functions: fns}
	res, err := shape.Infer(m, opts)
	if err != nil {
		t.Fatalf("infer: %v", err)
	}
	return res.Graph.Values["y"], res
}

// growPick is F(X, B) = Pick(Grow[n=@k](X), B): X grown by the caller's k,
// or B when given.
func growPick(defaults ...*onnx.Attribute) *onnx.Function {
	return &onnx.Function{
		Name: "GrowPick", Domain: fnDomain,
		Inputs: []string{"X", "B"}, Outputs: []string{"Y"},
		Attributes: []string{"k"}, AttrProtos: defaults,
		Opsets: map[string]int64{testDomain: 1},
		Nodes: []*onnx.Node{
			{OpType: "Grow", Domain: testDomain, Inputs: []string{"X"}, Outputs: []string{"T"}, Attrs: []*onnx.Attribute{refAttr("n", "k", onnx.AttrInt)}},
			{OpType: "Pick", Domain: testDomain, Inputs: []string{"T", "B"}, Outputs: []string{"Y"}},
		},
	}
}

func TestFunctionAttributeReferences(t *testing.T) {
	x := f32(3, 4)
	for _, tc := range []struct {
		name     string
		defaults []*onnx.Attribute
		attrs    []*onnx.Attribute
		want     string
	}{
		{"caller attribute", nil, []*onnx.Attribute{attrInt("k", 2)}, "float32[5, 4]"},
		{"caller attribute over the default", []*onnx.Attribute{attrInt("k", 5)}, []*onnx.Attribute{attrInt("k", 2)}, "float32[5, 4]"},
		{"function default", []*onnx.Attribute{attrInt("k", 5)}, nil, "float32[8, 4]"},
		{"neither: the operator's default", nil, nil, "float32[4, 4]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y, res := inferFunctionCall(t, []*onnx.Function{growPick(tc.defaults...)}, "GrowPick", tc.attrs, x)
			wantNoFailure(t, res)
			wantShape(t, "y", y, tc.want)
			nr := nodeResult(res)
			if len(nr.Subgraphs) != 1 || nr.Subgraphs[0].Attr != "function" || nr.Subgraphs[0].Trips.String() != "1" {
				t.Errorf("subgraphs %+v, want the function body once", nr.Subgraphs)
			}
			// The body's node got the bound attribute, not the reference.
			body := nr.Subgraphs[0].Graph
			if a := body.Nodes[0].Node.Attr("n"); a != nil && a.RefAttrName != "" {
				t.Errorf("body attribute still refers to %q", a.RefAttrName)
			}
		})
	}
}

func TestFunctionOptionalInputs(t *testing.T) {
	x := f32(3, 4)
	// B given: Pick takes it.
	y, res := inferFunctionCall(t, []*onnx.Function{growPick()}, "GrowPick", []*onnx.Attribute{attrInt("k", 1)}, x, f32(7))
	wantNoFailure(t, res)
	wantShape(t, "y", y, "float32[7]")
	// B omitted as a trailing input, and omitted with an empty name.
	y, res = inferFunctionCall(t, []*onnx.Function{growPick()}, "GrowPick", []*onnx.Attribute{attrInt("k", 1)}, x)
	wantNoFailure(t, res)
	wantShape(t, "y", y, "float32[4, 4]")
	y, res = inferFunctionCall(t, []*onnx.Function{growPick()}, "GrowPick", []*onnx.Attribute{attrInt("k", 1)}, x, nil)
	wantNoFailure(t, res)
	wantShape(t, "y", y, "float32[4, 4]")
	if body := nodeResult(res).Subgraphs[0].Graph; body.Nodes[1].Inputs[1] != nil {
		t.Errorf("the omitted input reached the body: %s", shape.TypeString(body.Nodes[1].Inputs[1]))
	}
}

func TestFunctionOmittedMiddleInput(t *testing.T) {
	// F(X, B, C) = Pick(Pick(X, B), C): B omitted in the middle, C given.
	f := &onnx.Function{
		Name: "Pick3", Domain: fnDomain, Inputs: []string{"X", "B", "C"}, Outputs: []string{"Y"},
		Opsets: map[string]int64{testDomain: 1},
		Nodes: []*onnx.Node{
			{OpType: "Pick", Domain: testDomain, Inputs: []string{"X", "B"}, Outputs: []string{"T"}},
			{OpType: "Grow", Domain: testDomain, Inputs: []string{"T"}, Outputs: []string{"U"}},
			{OpType: "Pick", Domain: testDomain, Inputs: []string{"U", "C"}, Outputs: []string{"Y"}},
		},
	}
	y, res := inferFunctionCall(t, []*onnx.Function{f}, "Pick3", nil, f32(2), nil, nil)
	wantNoFailure(t, res)
	wantShape(t, "y", y, "float32[3]")
	y, res = inferFunctionCall(t, []*onnx.Function{f}, "Pick3", nil, f32(2), nil, f32(9, 9))
	wantNoFailure(t, res)
	wantShape(t, "y", y, "float32[9, 9]")
}

func TestFunctionCallsFunction(t *testing.T) {
	// Outer(X) = GrowPick[k=@m](X) — a reference forwarded to a nested call.
	outer := &onnx.Function{
		Name: "Outer", Domain: fnDomain, Inputs: []string{"X"}, Outputs: []string{"Y"}, Attributes: []string{"m"},
		Opsets: map[string]int64{fnDomain: 1},
		Nodes: []*onnx.Node{{OpType: "GrowPick", Domain: fnDomain, Inputs: []string{"X"}, Outputs: []string{"Y"},
			Attrs: []*onnx.Attribute{refAttr("k", "m", onnx.AttrInt)}}},
	}
	y, res := inferFunctionCall(t, []*onnx.Function{outer, growPick()}, "Outer", []*onnx.Attribute{attrInt("m", 3)}, f32(1))
	wantNoFailure(t, res)
	wantShape(t, "y", y, "float32[4]")
}

func TestFunctionRecursionIsBounded(t *testing.T) {
	self := &onnx.Function{
		Name: "Self", Domain: fnDomain, Inputs: []string{"X"}, Outputs: []string{"Y"},
		Nodes: []*onnx.Node{{OpType: "Self", Domain: fnDomain, Inputs: []string{"X"}, Outputs: []string{"Y"}}},
	}
	_, res := inferFunctionCall(t, []*onnx.Function{self}, "Self", nil, f32(1))
	wantFailure(t, res, "nested deeper")
}

// A reference inside a control-flow body of a function body must be bound
// too (the ONNX spec allows ref_attr_name in nested graphs of a function).
func TestFunctionAttributeReferenceInNestedBody(t *testing.T) {
	then := graphOf("then", nil, []string{"t"},
		&onnx.Node{OpType: "Grow", Domain: testDomain, Inputs: []string{"X"}, Outputs: []string{"t"}, Attrs: []*onnx.Attribute{refAttr("n", "k", onnx.AttrInt)}})
	f := &onnx.Function{
		Name: "CondGrow", Domain: fnDomain, Inputs: []string{"C", "X"}, Outputs: []string{"Y"}, Attributes: []string{"k"},
		Opsets: map[string]int64{"": 18, testDomain: 1},
		Nodes: []*onnx.Node{{OpType: "If", Inputs: []string{"C"}, Outputs: []string{"Y"},
			Attrs: []*onnx.Attribute{attrGraph("then_branch", then), attrGraph("else_branch", then)}}},
	}
	y, res := inferFunctionCall(t, []*onnx.Function{f}, "CondGrow", []*onnx.Attribute{attrInt("k", 2)}, boolVal(true), f32(3))
	wantNoFailure(t, res)
	if got := shape.TypeString(y); got != "float32[5]" {
		t.Errorf("got %s, want float32[5] (attribute references inside nested bodies must be bound)", got)
	}
}

// An omitted optional input read inside a nested body of a function body.
func TestFunctionOmittedInputInNestedBody(t *testing.T) {
	then := graphOf("then", nil, []string{"t"},
		&onnx.Node{OpType: "Pick", Domain: testDomain, Inputs: []string{"X", "B"}, Outputs: []string{"t"}})
	f := &onnx.Function{
		Name: "CondPick", Domain: fnDomain, Inputs: []string{"C", "X", "B"}, Outputs: []string{"Y"},
		Opsets: map[string]int64{"": 18, testDomain: 1},
		Nodes: []*onnx.Node{{OpType: "If", Inputs: []string{"C"}, Outputs: []string{"Y"},
			Attrs: []*onnx.Attribute{attrGraph("then_branch", then), attrGraph("else_branch", then)}}},
	}
	y, res := inferFunctionCall(t, []*onnx.Function{f}, "CondPick", nil, boolVal(true), f32(3))
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
	wantShape(t, "y", y, "float32[3]")
}

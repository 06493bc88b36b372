package ops

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// The control-flow tests build bodies from a few operators of a private test
// domain, so they do not depend on other operator families.
const testDomain = "test.cf"

var testOpsets = map[string]int64{"": 17, testDomain: 1}

func init() {
	shape.Register(
		// Id: identity (contents, items and optional state included).
		shape.Op{Domain: testDomain, Type: "Id", Since: 1, Infer: func(c *shape.Ctx) error {
			c.SetOutput(0, c.Input(0).Clone())
			return nil
		}},
		// AddI: int64 elementwise addition of two same-shape tensors.
		shape.Op{Domain: testDomain, Type: "AddI", Since: 1, Infer: func(c *shape.Ctx) error {
			return c.SameAsInput(0, 0)
		}, Eval: func(c *shape.Ctx) error {
			a, b := c.Const(0), c.Const(1)
			dims, _ := c.Input(0).Dims()
			out := make([]sym.Expr, len(a.Ints))
			for i := range out {
				out[i] = a.Ints[i].Add(b.Ints[i%len(b.Ints)])
			}
			return c.SetConst(0, onnx.Int64, dims, &shape.Const{Ints: out})
		}},
		// Less: bool scalar a < b of two int64 scalars.
		shape.Op{Domain: testDomain, Type: "Less", Since: 1, Infer: func(c *shape.Ctx) error {
			c.SetOutput(0, shape.Tensor(onnx.Bool))
			return nil
		}, Eval: func(c *shape.Ctx) error {
			a, _ := c.Const(0).Ints[0].IsConst()
			b, _ := c.Const(1).Ints[0].IsConst()
			v := int64(0)
			if a < b {
				v = 1
			}
			return c.SetConst(0, onnx.Bool, nil, &shape.Const{Ints: []sym.Expr{sym.Const(v)}})
		}},
		// Grow: axis 0 grows by the attribute n (default 1).
		shape.Op{Domain: testDomain, Type: "Grow", Since: 1, Infer: func(c *shape.Ctx) error {
			v := c.Input(0)
			if !v.HasShape() || v.Rank == 0 {
				c.SetOutput(0, shape.UnknownRank(v.DType))
				return nil
			}
			s := append([]sym.Expr{}, v.Shape...)
			s[0] = s[0].AddInt(c.AttrInt("n", 1))
			c.SetOutput(0, shape.Tensor(v.DType, s...))
			return nil
		}},
		// Pick: input 1 when present, else input 0 (without contents).
		shape.Op{Domain: testDomain, Type: "Pick", Since: 1, Infer: func(c *shape.Ctx) error {
			if c.HasInput(1) {
				return c.SameAsInput(0, 1)
			}
			return c.SameAsInput(0, 0)
		}},
		// Fail: always fails.
		shape.Op{Domain: testDomain, Type: "Fail", Since: 1, Infer: func(c *shape.Ctx) error {
			return fmt.Errorf("test failure")
		}},
	)
}

// tn builds a node of the test domain (or of ai.onnx when op has no dot
// prefix "ai:").
func tn(op string, ins, outs []string, attrs ...*onnx.Attribute) *onnx.Node {
	n := &onnx.Node{OpType: op, Domain: testDomain, Name: op + "_" + strings.Join(outs, "_"), Inputs: ins, Outputs: outs, Attrs: attrs}
	if rest, ok := strings.CutPrefix(op, "ai:"); ok {
		n.OpType, n.Domain = rest, ""
	}
	return n
}

func vis(names ...string) []*onnx.ValueInfo {
	out := make([]*onnx.ValueInfo, len(names))
	for i, n := range names {
		out[i] = &onnx.ValueInfo{Name: n}
	}
	return out
}

func graphOf(name string, ins, outs []string, nodes ...*onnx.Node) *onnx.Graph {
	return &onnx.Graph{Name: name, Inputs: vis(ins...), Outputs: vis(outs...), Nodes: nodes}
}

func attrGraph(name string, g *onnx.Graph) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrGraph, G: g}
}

func scalarI64(v int64) *shape.Value { return scalarInt(sym.Const(v), true) }

func boolVal(b bool) *shape.Value { return scalarBool(b) }

func unknownBool() *shape.Value { return shape.Tensor(onnx.Bool) }

func f32(dims ...int64) *shape.Value { return shape.TensorDims(onnx.Float, dims...) }

func f32s(dims ...sym.Expr) *shape.Value { return shape.Tensor(onnx.Float, dims...) }

// infer runs one node with the test opsets.
func infer(t *testing.T, n *onnx.Node, inputs ...*shape.Value) ([]*shape.Value, *shape.Result) {
	t.Helper()
	return inferNodeDomains(t, testOpsets, n, inputs...)
}

// inferOuter is infer with extra main-graph inputs that the node does not
// take (values its bodies read from the outer scope).
func inferOuter(t *testing.T, n *onnx.Node, outer map[string]*shape.Value, inputs ...*shape.Value) ([]*shape.Value, *shape.Result) {
	t.Helper()
	g := &onnx.Graph{Name: "test", Nodes: []*onnx.Node{n}}
	opts := shape.Options{InputValues: map[string]*shape.Value{}}
	n.Inputs = make([]string, len(inputs))
	for i, v := range inputs {
		if v == nil {
			continue
		}
		name := fmt.Sprintf("in%d", i)
		n.Inputs[i] = name
		g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: name})
		opts.InputValues[name] = v
	}
	for name, v := range outer {
		g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: name})
		opts.InputValues[name] = v
	}
	for _, o := range n.Outputs {
		if o != "" {
			g.Outputs = append(g.Outputs, &onnx.ValueInfo{Name: o})
		}
	}
	res, err := shape.Infer(&onnx.Model{IRVersion: 8, Opsets: testOpsets, Graph: g}, opts)
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

// nodeResult returns the result of the main graph's only node.
func nodeResult(res *shape.Result) *shape.NodeResult { return res.Graph.Nodes[0] }

func wantShape(t *testing.T, what string, v *shape.Value, want string) {
	t.Helper()
	if got := shape.TypeString(v); got != want {
		t.Errorf("%s: got %s, want %s", what, got, want)
	}
}

func wantInts(t *testing.T, what string, v *shape.Value, want ...int64) {
	t.Helper()
	if v == nil || v.Const == nil {
		t.Errorf("%s: contents unknown, want %v", what, want)
		return
	}
	got := fmt.Sprint(v.Const.Ints)
	if w := fmt.Sprint(shape.Dims(want...)); got != w {
		t.Errorf("%s: contents %s, want %s", what, got, w)
	}
}

func wantNoFailure(t *testing.T, res *shape.Result) {
	t.Helper()
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
}

func wantFailure(t *testing.T, res *shape.Result, substr string) {
	t.Helper()
	for _, f := range res.Failures {
		if strings.Contains(f.Err, substr) {
			return
		}
	}
	t.Errorf("want a failure containing %q, got %+v", substr, res.Failures)
}

func hasNote(nr *shape.NodeResult, substr string) bool {
	for _, n := range nr.Notes {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- If

func ifNode(thenG, elseG *onnx.Graph, outs ...string) *onnx.Node {
	n := node("If", attrGraph("then_branch", thenG), attrGraph("else_branch", elseG))
	n.Outputs = outs
	return n
}

func TestIfKnownCondition(t *testing.T) {
	// Branches read outer values in1 and in2.
	thenG := graphOf("then", nil, []string{"t"}, tn("Id", []string{"in1"}, []string{"t"}))
	elseG := graphOf("else", nil, []string{"e"}, tn("Id", []string{"in2"}, []string{"e"}))
	x := constInts(1, 2, 3)
	y := f32(4, 5)
	for _, tc := range []struct {
		cond     bool
		want     string
		attr     string
		contents bool
	}{
		{true, "int64[3]", "then_branch", true},
		{false, "float32[4, 5]", "else_branch", false},
	} {
		outs, res := infer(t, ifNode(thenG, elseG, "out0"), boolVal(tc.cond), x, y)
		wantNoFailure(t, res)
		wantShape(t, fmt.Sprint("cond ", tc.cond), outs[0], tc.want)
		if tc.contents {
			wantInts(t, "then contents", outs[0], 1, 2, 3)
		}
		subs := nodeResult(res).Subgraphs
		if len(subs) != 1 || subs[0].Attr != tc.attr || subs[0].Taken != 1 {
			t.Errorf("cond %v: subgraphs %+v, want only %s taken", tc.cond, subs, tc.attr)
		}
	}
}

func TestIfUnknownConditionMerges(t *testing.T) {
	thenG := graphOf("then", nil, []string{"a", "b", "c", "d"},
		tn("Id", []string{"in1"}, []string{"a"}),
		tn("Id", []string{"in1"}, []string{"b"}),
		tn("Id", []string{"in1"}, []string{"c"}),
		tn("Id", []string{"in3"}, []string{"d"}))
	elseG := graphOf("else", nil, []string{"a", "b", "c", "d"},
		tn("Id", []string{"in1"}, []string{"a"}),
		tn("Id", []string{"in2"}, []string{"b"}),
		tn("Id", []string{"in4"}, []string{"c"}),
		tn("Id", []string{"in3"}, []string{"d"}))
	n := sym.Var("n")
	x := f32s(n, sym.Const(3))
	y := f32s(n, sym.Const(4))
	z := f32(2)
	k := constInts(7, 8)
	outs, res := infer(t, ifNode(thenG, elseG, "o1", "o2", "o3", "o4"), unknownBool(), x, y, k, z)
	wantNoFailure(t, res)
	wantShape(t, "equal outputs", outs[0], "float32[n, 3]")
	if got := outs[1]; got.Rank != 2 || !got.Shape[0].Equal(n) || got.Shape[1].Equal(sym.Const(3)) || got.Shape[1].Equal(sym.Const(4)) {
		t.Errorf("differing dim: got %s, want [n, fresh]", shape.TypeString(got))
	}
	wantShape(t, "differing ranks", outs[2], "float32?")
	wantInts(t, "same contents kept", outs[3], 7, 8)
	nr := nodeResult(res)
	if !hasNote(nr, "condition unknown: both branches kept") {
		t.Errorf("notes %v: want the unknown-condition note", nr.Notes)
	}
	if len(nr.Subgraphs) != 2 || nr.Subgraphs[0].Taken != -1 || nr.Subgraphs[1].Taken != -1 {
		t.Errorf("want both branches with Taken -1, got %+v", nr.Subgraphs)
	}
}

func TestIfSequenceAndOptionalBranches(t *testing.T) {
	// then: a sequence of two items; else: one item → length unknown.
	thenG := graphOf("then", nil, []string{"s"}, tn("ai:SequenceConstruct", []string{"in1", "in1"}, []string{"s"}))
	elseG := graphOf("else", nil, []string{"s"}, tn("ai:SequenceConstruct", []string{"in1"}, []string{"s"}))
	outs, res := infer(t, ifNode(thenG, elseG, "out0"), unknownBool(), f32(3))
	wantNoFailure(t, res)
	if v := outs[0]; v.Kind != onnx.KindSequence || v.SeqKnown || shape.TypeString(v.Elem) != "float32[3]" {
		t.Errorf("got %s (known %v), want seq(float32[3]) of unknown length", shape.TypeString(v), v.SeqKnown)
	}
	// Optional: present in one branch, empty in the other.
	tp := &onnx.Type{Kind: onnx.KindTensor, Elem: onnx.Float, Shape: &onnx.Shape{Dims: []onnx.Dim{{Value: 3, HasValue: true}}}}
	thenG = graphOf("then", nil, []string{"o"}, tn("ai:Optional", []string{"in1"}, []string{"o"}))
	elseG = graphOf("else", nil, []string{"o"}, tn("ai:Optional", nil, []string{"o"}, &onnx.Attribute{Name: "type", Type: onnx.AttrTypeProto, TP: tp}))
	outs, res = infer(t, ifNode(thenG, elseG, "out0"), unknownBool(), f32(3))
	wantNoFailure(t, res)
	if v := outs[0]; v.Kind != onnx.KindOptional || v.Opt != shape.OptUnknown || shape.TypeString(v.Elem) != "float32[3]" {
		t.Errorf("got %s state %d, want optional(float32[3]) of unknown state", shape.TypeString(v), v.Opt)
	}
}

func TestIfErrors(t *testing.T) {
	one := graphOf("one", nil, []string{"a"}, tn("Id", []string{"in1"}, []string{"a"}))
	two := graphOf("two", nil, []string{"a", "b"}, tn("Id", []string{"in1"}, []string{"a"}), tn("Id", []string{"in1"}, []string{"b"}))
	_, res := infer(t, ifNode(one, two, "o1"), unknownBool(), f32(1))
	wantFailure(t, res, "then_branch has 1 outputs, else_branch 2")
	_, res = infer(t, ifNode(one, one, "o1", "o2"), boolVal(true), f32(1))
	wantFailure(t, res, "then_branch has 1 outputs, the node 2")
	n := node("If", attrGraph("then_branch", one))
	n.Outputs = []string{"o"}
	_, res = infer(t, n, boolVal(true), f32(1))
	wantFailure(t, res, "else_branch")
	// A failure inside the taken branch is reported, its output is unknown.
	bad := graphOf("bad", nil, []string{"a"}, tn("Fail", []string{"in1"}, []string{"a"}))
	_, res = infer(t, ifNode(bad, one, "o"), boolVal(true), f32(1))
	wantFailure(t, res, "test failure")
}

// ---------------------------------------------------------------- Loop

// counterBody: acc_out = acc + i; cond_out = cond_in (or i+one < limit,
// both read from the outer scope, when limit is set); scan = acc_out.
func counterBody(limit string) *onnx.Graph {
	nodes := []*onnx.Node{
		tn("AddI", []string{"acc", "i"}, []string{"acc_out"}),
		tn("Id", []string{"acc_out"}, []string{"scan"}),
	}
	if limit == "" {
		nodes = append(nodes, tn("Id", []string{"cond_in"}, []string{"cond_out"}))
	} else {
		nodes = append(nodes, tn("AddI", []string{"i", "one"}, []string{"next"}),
			tn("Less", []string{"next", limit}, []string{"cond_out"}))
	}
	return graphOf("body", []string{"i", "cond_in", "acc"}, []string{"cond_out", "acc_out", "scan"}, nodes...)
}

func loopNode(body *onnx.Graph, outs ...string) *onnx.Node {
	n := node("Loop", attrGraph("body", body))
	n.Outputs = outs
	return n
}

func TestLoopExactTripCount(t *testing.T) {
	outs, res := infer(t, loopNode(counterBody(""), "acc", "scan"), scalarI64(4), boolVal(true), scalarI64(10))
	wantNoFailure(t, res)
	wantShape(t, "acc", outs[0], "int64[]")
	wantInts(t, "acc", outs[0], 16)
	wantShape(t, "scan", outs[1], "int64[4]")
	wantInts(t, "scan", outs[1], 10, 11, 13, 16)
	subs := nodeResult(res).Subgraphs
	if len(subs) != 1 || subs[0].Trips.String() != "4" || subs[0].Taken != 1 {
		t.Errorf("want one body run 4 times, got %d: %+v", len(subs), subs)
	}
}

func TestLoopConditionStops(t *testing.T) {
	// while i+1 < 3 (limit in3 from the outer scope), no trip count.
	outer := map[string]*shape.Value{"limit": scalarI64(3), "one": scalarI64(1)}
	outs, res := inferOuter(t, loopNode(counterBody("limit"), "acc", "scan"), outer, nil, boolVal(true), scalarI64(0))
	wantNoFailure(t, res)
	wantInts(t, "acc", outs[0], 3)
	wantShape(t, "scan", outs[1], "int64[3]")
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 || subs[0].Trips.String() != "3" {
		t.Errorf("subgraphs %+v, want one with 3 trips", subs)
	}
	// M smaller than the condition's count.
	outs, res = inferOuter(t, loopNode(counterBody("limit"), "acc", "scan"), outer, scalarI64(2), boolVal(true), scalarI64(0))
	wantNoFailure(t, res)
	wantShape(t, "scan", outs[1], "int64[2]")
	// cond false on entry: no iteration, even with M unknown.
	outs, res = infer(t, loopNode(counterBody(""), "acc", "scan"), shape.Tensor(onnx.Int64), boolVal(false), scalarI64(5))
	wantNoFailure(t, res)
	wantInts(t, "acc", outs[0], 5)
	wantShape(t, "scan", outs[1], "int64[0]")
}

func TestLoopZeroTrips(t *testing.T) {
	outs, res := infer(t, loopNode(counterBody(""), "acc", "scan"), scalarI64(0), nil, scalarI64(5))
	wantNoFailure(t, res)
	wantInts(t, "acc", outs[0], 5)
	wantShape(t, "scan", outs[1], "int64[0]")
	subs := nodeResult(res).Subgraphs
	if len(subs) != 1 || subs[0].Trips.String() != "0" || subs[0].Taken != 0 {
		t.Errorf("want one body with 0 trips, not taken: %+v", subs)
	}
}

func TestLoopSymbolicTripCount(t *testing.T) {
	m := scalarInt(sym.Var("n"), true) // known symbolically (Shape → Gather)
	outs, res := infer(t, loopNode(counterBody(""), "acc", "scan"), m, nil, scalarI64(0))
	wantNoFailure(t, res)
	wantShape(t, "acc", outs[0], "int64[]")
	if outs[0].Const != nil {
		t.Errorf("acc: contents %v, want unknown", outs[0].Const.Ints)
	}
	wantShape(t, "scan", outs[1], "int64[n]")
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 || subs[0].Trips.String() != "n" {
		t.Errorf("subgraphs %+v, want one with n trips", subs)
	}
	// cond given and known to stay true: still M.
	outs, res = infer(t, loopNode(counterBody(""), "acc", "scan"), m, boolVal(true), scalarI64(0))
	wantNoFailure(t, res)
	wantShape(t, "scan", outs[1], "int64[n]")
}

func TestLoopUnknownTripCount(t *testing.T) {
	// M unknown: the count is a fresh symbol.
	outs, res := infer(t, loopNode(counterBody(""), "acc", "scan"), shape.Tensor(onnx.Int64), boolVal(true), scalarI64(0))
	wantNoFailure(t, res)
	nr := nodeResult(res)
	if len(nr.Subgraphs) != 1 {
		t.Fatalf("want one recorded body, got %d", len(nr.Subgraphs))
	}
	trips := nr.Subgraphs[0].Trips
	if _, ok := trips.IsConst(); ok || nr.Subgraphs[0].Taken != 1 {
		t.Errorf("trips %s taken %d, want a fresh symbol, 1 (the body runs trips times)", trips, nr.Subgraphs[0].Taken)
	}
	if outs[1].Rank != 1 || !outs[1].Shape[0].Equal(trips) {
		t.Errorf("scan %s, want [%s]", shape.TypeString(outs[1]), trips)
	}
	if !hasNote(nr, "number of iterations is not known") {
		t.Errorf("notes %v", nr.Notes)
	}
	// M known but the condition is computed from data: unknown count too.
	outer := map[string]*shape.Value{"limit": scalarI64(3), "one": scalarI64(1)}
	body := counterBody("limit")
	body.Nodes[len(body.Nodes)-1].Inputs[0] = "acc_out" // acc_out < limit, acc unknown
	outs, _ = inferOuter(t, loopNode(body, "acc", "scan"), outer, scalarI64(5), boolVal(true), shape.Tensor(onnx.Int64))
	if _, ok := outs[1].Shape[0].IsConst(); ok {
		t.Errorf("scan %s: want a fresh leading dim", shape.TypeString(outs[1]))
	}
}

func growBody() *onnx.Graph {
	return graphOf("body", []string{"i", "cond_in", "x"}, []string{"cond_out", "x_out", "scan"},
		tn("Id", []string{"cond_in"}, []string{"cond_out"}),
		tn("Grow", []string{"x"}, []string{"x_out"}),
		tn("Id", []string{"x"}, []string{"scan"}))
}

func TestLoopCarriedShapeChanges(t *testing.T) {
	// Exact: x grows by one per iteration; the scan output's items differ.
	outs, res := infer(t, loopNode(growBody(), "x", "scan"), scalarI64(3), nil, f32(1, 2))
	wantNoFailure(t, res)
	wantShape(t, "x", outs[0], "float32[4, 2]")
	if v := outs[1]; v.Rank != 3 || v.Shape[0].String() != "3" || v.Shape[2].String() != "2" {
		t.Errorf("scan %s, want [3, fresh, 2]", shape.TypeString(v))
	}
	nr := nodeResult(res)
	// Each iteration's body is kept, once each, so its cost is exact.
	if len(nr.Subgraphs) != 3 || !hasNote(nr, "each iteration's body is recorded") {
		t.Errorf("subgraphs %+v notes %v: want the 3 iterations' bodies", nr.Subgraphs, nr.Notes)
	}
	for i, sg := range nr.Subgraphs {
		if sg.Trips.String() != "1" || sg.Taken != 1 {
			t.Errorf("body %d: trips %s taken %d, want 1, 1", i, sg.Trips, sg.Taken)
		}
		if got := shape.ShapeString(sg.Graph.Inputs[2]); got != fmt.Sprintf("[%d, 2]", i+1) {
			t.Errorf("body %d: x %s, want [%d, 2]", i, got, i+1)
		}
	}
	// Symbolic: the growing dim becomes unknown, the others stay.
	outs, res = infer(t, loopNode(growBody(), "x", "scan"), shape.Tensor(onnx.Int64), nil, f32(1, 2))
	wantNoFailure(t, res)
	if v := outs[0]; v.Rank != 2 || v.Shape[1].String() != "2" {
		t.Errorf("x %s, want [fresh, 2]", shape.TypeString(v))
	} else if _, ok := v.Shape[0].IsConst(); ok {
		t.Errorf("x %s: want a fresh dim 0", shape.TypeString(v))
	}
	if len(nodeResult(res).Subgraphs) != 1 {
		t.Errorf("want one recorded body, got %d", len(nodeResult(res).Subgraphs))
	}
}

func TestLoopCarriedSequence(t *testing.T) {
	body := graphOf("body", []string{"i", "cond_in", "s"}, []string{"cond_out", "s_out"},
		tn("Id", []string{"cond_in"}, []string{"cond_out"}),
		tn("ai:SequenceInsert", []string{"s", "i"}, []string{"s_out"}))
	empty := knownSeqValue(nil, shape.UnknownRank(onnx.Int64))
	outs, res := infer(t, loopNode(body, "s"), scalarI64(3), boolVal(true), empty)
	wantNoFailure(t, res)
	s := outs[0]
	if s.Kind != onnx.KindSequence || !s.SeqKnown || len(s.Seq) != 3 {
		t.Fatalf("got %s known=%v len %d, want 3 known items", shape.TypeString(s), s.SeqKnown, len(s.Seq))
	}
	for i, it := range s.Seq {
		wantInts(t, fmt.Sprint("item ", i), it, int64(i))
	}
	// Unknown count: a sequence of unknown length with the item type.
	outs, res = infer(t, loopNode(body, "s"), shape.Tensor(onnx.Int64), boolVal(true), empty)
	wantNoFailure(t, res)
	if s := outs[0]; s.Kind != onnx.KindSequence || s.SeqKnown || shape.TypeString(s.Elem) != "int64[]" {
		t.Errorf("got %s known=%v, want seq(int64[]) of unknown length", shape.TypeString(s), s.SeqKnown)
	}
}

func TestLoopErrors(t *testing.T) {
	_, res := infer(t, loopNode(counterBody(""), "acc", "scan"), scalarI64(1), nil)
	wantFailure(t, res, "body has 3 inputs, want 2")
	_, res = infer(t, loopNode(counterBody(""), "a", "b", "c"), scalarI64(1), nil, scalarI64(0))
	wantFailure(t, res, "the node has 3 outputs, the body gives 2")
	_, res = infer(t, loopNode(counterBody(""), "a"), f32(2, 2), nil, scalarI64(0))
	wantFailure(t, res, "input 0 (M): rank 2")
	// A body failing at every iteration stops iterating.
	bad := graphOf("body", []string{"i", "c", "x"}, []string{"c_out", "x_out"},
		tn("Id", []string{"c"}, []string{"c_out"}), tn("Fail", []string{"x"}, []string{"x_out"}))
	_, res = infer(t, loopNode(bad, "x"), scalarI64(100), nil, f32(1))
	if len(res.Failures) == 0 || len(res.Failures) > 4 {
		t.Errorf("want a few failures (not one per iteration), got %d", len(res.Failures))
	}
}

// ---------------------------------------------------------------- Scan

func scanBody() *onnx.Graph {
	return graphOf("body", []string{"sum_in", "next"}, []string{"sum_out", "scan_out"},
		tn("Id", []string{"sum_in"}, []string{"sum_out"}),
		tn("Id", []string{"next"}, []string{"scan_out"}))
}

func TestScan9(t *testing.T) {
	b := sym.Var("b")
	for _, tc := range []struct {
		name      string
		attrs     []*onnx.Attribute
		x         *shape.Value
		wantState string
		wantScan  string
		trips     string
	}{
		{"default axes", nil, f32(3, 2), "float32[2]", "float32[3, 2]", "3"},
		{"input axis 1", []*onnx.Attribute{attrInts("scan_input_axes", 1)}, f32(2, 5), "float32[2]", "float32[5, 2]", "5"},
		{"negative axes", []*onnx.Attribute{attrInts("scan_input_axes", -1), attrInts("scan_output_axes", -1)}, f32(2, 5), "float32[2]", "float32[2, 5]", "5"},
		{"symbolic length", []*onnx.Attribute{attrInts("scan_input_directions", 1), attrInts("scan_output_directions", 1)}, f32s(b, sym.Const(2)), "float32[2]", "float32[b, 2]", "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := node("Scan", append([]*onnx.Attribute{attrGraph("body", scanBody()), attrInt("num_scan_inputs", 1)}, tc.attrs...)...)
			n.Outputs = []string{"y", "z"}
			outs, res := infer(t, n, f32(2), tc.x)
			wantNoFailure(t, res)
			wantShape(t, "state", outs[0], tc.wantState)
			wantShape(t, "scan", outs[1], tc.wantScan)
			if subs := nodeResult(res).Subgraphs; len(subs) != 1 || subs[0].Trips.String() != tc.trips {
				t.Errorf("subgraphs %+v, want trips %s", subs, tc.trips)
			}
		})
	}
}

func TestScan9Errors(t *testing.T) {
	body2 := graphOf("body", []string{"s", "a", "b"}, []string{"s_out"},
		tn("Id", []string{"s"}, []string{"s_out"}))
	n := node("Scan", attrGraph("body", body2), attrInt("num_scan_inputs", 2))
	n.Outputs = []string{"y"}
	_, res := infer(t, n, f32(2), f32(3, 2), f32(4, 2))
	wantFailure(t, res, "lengths 3 and 4")
	n = node("Scan", attrGraph("body", scanBody()), attrInt("num_scan_inputs", 1), attrInts("scan_input_axes", 2))
	n.Outputs = []string{"y", "z"}
	_, res = infer(t, n, f32(2), f32(3, 2))
	wantFailure(t, res, "axis 2 out of range")
	n = node("Scan", attrGraph("body", scanBody()), attrInt("num_scan_inputs", 1), attrInts("scan_input_axes", 0, 0))
	n.Outputs = []string{"y", "z"}
	_, res = infer(t, n, f32(2), f32(3, 2))
	wantFailure(t, res, "scan_input_axes has 2 entries")
	n = node("Scan", attrGraph("body", scanBody()), attrInt("num_scan_inputs", 1), attrInts("scan_output_directions", 0, 1))
	n.Outputs = []string{"y", "z"}
	_, res = infer(t, n, f32(2), f32(3, 2))
	wantFailure(t, res, "scan_output_directions has 2 entries for 1 scan outputs")
	n = node("Scan", attrGraph("body", scanBody()), attrInt("num_scan_inputs", 3))
	n.Outputs = []string{"y", "z"}
	_, res = infer(t, n, f32(2), f32(3, 2))
	wantFailure(t, res, "num_scan_inputs 3")
}

func TestScan8(t *testing.T) {
	b, l := sym.Var("B"), sym.Var("L")
	n := node("Scan", attrGraph("body", scanBody()), attrInt("num_scan_inputs", 1))
	n.Outputs = []string{"y", "z"}
	outs, res := inferNodeDomains(t, map[string]int64{"": 8, testDomain: 1}, n, nil, f32s(b, sym.Const(2)), f32s(b, l, sym.Const(2)))
	wantNoFailure(t, res)
	wantShape(t, "state", outs[0], "float32[B, 2]")
	wantShape(t, "scan", outs[1], "float32[B, L, 2]")
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 || !subs[0].Trips.Equal(b.Mul(l)) {
		t.Errorf("subgraphs %+v, want B*L trips", subs)
	}
	// With known sequence lengths, the trips are their sum.
	n = node("Scan", attrGraph("body", scanBody()), attrInt("num_scan_inputs", 1))
	n.Outputs = []string{"y", "z"}
	outs, res = inferNodeDomains(t, map[string]int64{"": 8, testDomain: 1}, n, constInts(2, 3), f32(2, 2), f32(2, 3, 2))
	wantNoFailure(t, res)
	wantShape(t, "scan", outs[1], "float32[2, 3, 2]")
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 || subs[0].Trips.String() != "5" {
		t.Errorf("subgraphs %+v, want 5 trips", subs)
	}
	_, res = inferNodeDomains(t, map[string]int64{"": 8, testDomain: 1}, n, nil, f32(2, 2), f32(2))
	wantFailure(t, res, "want at least 2")
}

// ---------------------------------------------------------------- merging

func TestMergeValues(t *testing.T) {
	n := sym.Var("n")
	seq := func(items ...*shape.Value) *shape.Value { return knownSeqValue(items, nil) }
	cases := []struct {
		name string
		a, b *shape.Value
		want string
	}{
		{"same", f32s(n, sym.Const(2)), f32s(n, sym.Const(2)), "float32[n, 2]"},
		{"kinds differ", f32(1), seq(f32(1)), "?"},
		{"dtypes differ", f32(1), shape.TensorDims(onnx.Int64, 1), "undefined[1]"},
		{"unknown rank", f32(1), shape.UnknownRank(onnx.Float), "float32?"},
		{"sequences", seq(f32(1), f32(2)), seq(f32(1), f32(2)), "seq(float32[$])"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got *shape.Value
			runCtx(t, func(c *shape.Ctx) { got = mergeValues(c, []*shape.Value{tc.a, tc.b}, "m") })
			s := shape.TypeString(got)
			if strings.Contains(tc.want, "$") {
				if got.Elem.Rank != 1 {
					t.Errorf("got %s, want %s", s, tc.want)
				}
				if !got.SeqKnown || len(got.Seq) != 2 || shape.TypeString(got.Seq[1]) != "float32[2]" {
					t.Errorf("items lost: %s", s)
				}
				return
			}
			if s != tc.want {
				t.Errorf("got %s, want %s", s, tc.want)
			}
		})
	}
}

var ctxOps int

// runCtx calls fn with the Ctx of a one-node model (a test-domain rule).
func runCtx(t *testing.T, fn func(c *shape.Ctx)) {
	t.Helper()
	ctxOps++
	name := fmt.Sprintf("Ctx%d", ctxOps)
	shape.Register(shape.Op{Domain: testDomain, Type: name, Since: 1, Infer: func(c *shape.Ctx) error {
		fn(c)
		c.SetOutput(0, shape.Unknown())
		return nil
	}})
	n := tn(name, nil, []string{"out0"})
	_, res := infer(t, n)
	wantNoFailure(t, res)
}

// knownSeqValue builds a sequence of known items.
func knownSeqValue(items []*shape.Value, elem *shape.Value) *shape.Value {
	if items == nil {
		items = []*shape.Value{}
	}
	if elem == nil && len(items) > 0 {
		elem = stripConst(items[0])
	}
	return &shape.Value{Kind: onnx.KindSequence, Rank: -1, Seq: items, SeqKnown: true, Elem: elem}
}

func TestSameValue(t *testing.T) {
	a := constInts(1, 2)
	b := constInts(1, 2)
	c := constInts(1, 3)
	if !sameValue(a, b) || sameValue(a, c) || sameValue(a, nil) || !sameValue(nil, nil) {
		t.Error("sameValue on contents")
	}
	if sameValue(knownSeqValue([]*shape.Value{a}, nil), knownSeqValue([]*shape.Value{c}, nil)) {
		t.Error("sameValue on items")
	}
	if !sameConst(&shape.Const{Floats: []float64{1}}, &shape.Const{Floats: []float64{1}}) || sameConst(&shape.Const{Strs: []string{"a"}}, &shape.Const{Strs: []string{"b"}}) {
		t.Error("sameConst")
	}
}

func TestLoopIterationCap(t *testing.T) {
	// Too many iterations to run one by one: the count is still M.
	outs, res := infer(t, loopNode(counterBody(""), "acc", "scan"), scalarI64(maxLoopIterations+5), boolVal(true), scalarI64(0))
	wantNoFailure(t, res)
	wantShape(t, "scan", outs[1], fmt.Sprintf("int64[%d]", maxLoopIterations+5))
	if outs[0].Const != nil {
		t.Errorf("acc: contents %v, want unknown", outs[0].Const.Ints)
	}
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 || subs[0].Trips.String() != fmt.Sprint(maxLoopIterations+5) {
		t.Errorf("want one recorded body, got %+v", subs)
	}
}

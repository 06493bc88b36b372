package ops

import (
	"strings"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// seqString describes a sequence: its items when known, else its item type.
func seqString(v *shape.Value) string {
	if v == nil || v.Kind != onnx.KindSequence {
		return shape.TypeString(v)
	}
	if !v.SeqKnown {
		return "seq?(" + shape.TypeString(v.Elem) + ")"
	}
	items := make([]string, len(v.Seq))
	for i, it := range v.Seq {
		items[i] = shape.TypeString(it)
	}
	return "[" + strings.Join(items, " ") + "]"
}

func seqOf(items ...*shape.Value) *shape.Value { return knownSeqValue(items, nil) }

func unknownSeq(elem *shape.Value) *shape.Value { return shape.SequenceOf(elem) }

func i64(dims ...int64) *shape.Value { return shape.TensorDims(onnx.Int64, dims...) }

func i32scalar(v int64) *shape.Value {
	s := shape.Tensor(onnx.Int32)
	s.Const = &shape.Const{Ints: []sym.Expr{sym.Const(v)}}
	return s
}

type seqCase struct {
	name   string
	opset  int64
	n      *onnx.Node
	inputs []*shape.Value
	want   string // seqString of output 0, or "error: ..." for a failure
}

func runSeqCases(t *testing.T, cases []seqCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opset := tc.opset
			if opset == 0 {
				opset = 17
			}
			outs, res := inferNodeDomains(t, map[string]int64{"": opset, testDomain: 1}, tc.n, tc.inputs...)
			if msg, ok := strings.CutPrefix(tc.want, "error: "); ok {
				wantFailure(t, res, msg)
				return
			}
			wantNoFailure(t, res)
			if got := seqString(outs[0]); !matchFresh(got, tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSequenceOps(t *testing.T) {
	a, b, c := f32(1, 2), f32(3, 2), f32(5)
	s3 := seqOf(a, b, c)
	n := sym.Var("n")
	runSeqCases(t, []seqCase{
		{"empty default", 0, node("SequenceEmpty"), nil, "[]"},
		{"construct", 0, node("SequenceConstruct"), []*shape.Value{a, b}, "[float32[1, 2] float32[3, 2]]"},
		{"construct types differ", 0, node("SequenceConstruct"), []*shape.Value{a, i64(1)}, "error: items must share their type"},
		{"construct from a sequence", 0, node("SequenceConstruct"), []*shape.Value{s3}, "error: want a tensor"},

		{"insert at back", 0, node("SequenceInsert"), []*shape.Value{s3, f32(7)}, "[float32[1, 2] float32[3, 2] float32[5] float32[7]]"},
		{"insert at front", 0, node("SequenceInsert"), []*shape.Value{s3, f32(7), scalarI64(0)}, "[float32[7] float32[1, 2] float32[3, 2] float32[5]]"},
		{"insert at -1", 0, node("SequenceInsert"), []*shape.Value{s3, f32(7), i32scalar(-1)}, "[float32[1, 2] float32[3, 2] float32[7] float32[5]]"},
		{"insert at n", 0, node("SequenceInsert"), []*shape.Value{s3, f32(7), constInts(3)}, "[float32[1, 2] float32[3, 2] float32[5] float32[7]]"},
		{"insert out of range", 0, node("SequenceInsert"), []*shape.Value{s3, f32(7), scalarI64(4)}, "error: position 4 out of range"},
		{"insert unknown position", 0, node("SequenceInsert"), []*shape.Value{seqOf(f32(2)), f32(3), shape.Tensor(onnx.Int64)}, "seq?(float32[$])"},
		{"insert into unknown", 0, node("SequenceInsert"), []*shape.Value{unknownSeq(f32s(n)), f32s(n)}, "seq?(float32[n])"},
		{"insert wrong type", 0, node("SequenceInsert"), []*shape.Value{s3, i64(1)}, "error: tensor of int64 into a sequence of float32"},
		{"insert float position", 0, node("SequenceInsert"), []*shape.Value{s3, f32(1), f32()}, "error: want int32 or int64"},
		{"insert position of 2 elements", 0, node("SequenceInsert"), []*shape.Value{s3, f32(1), constInts(0, 1)}, "error: want a scalar"},
		{"insert into a tensor", 0, node("SequenceInsert"), []*shape.Value{f32(1), f32(1)}, "error: want a sequence"},

		{"erase last", 0, node("SequenceErase"), []*shape.Value{s3}, "[float32[1, 2] float32[3, 2]]"},
		{"erase 0", 0, node("SequenceErase"), []*shape.Value{s3, scalarI64(0)}, "[float32[3, 2] float32[5]]"},
		{"erase -2", 0, node("SequenceErase"), []*shape.Value{s3, scalarI64(-2)}, "[float32[1, 2] float32[5]]"},
		{"erase out of range", 0, node("SequenceErase"), []*shape.Value{s3, scalarI64(3)}, "error: position 3 out of range"},
		{"erase from empty", 0, node("SequenceErase"), []*shape.Value{seqOf()}, "error: empty sequence"},
		{"erase unknown position", 0, node("SequenceErase"), []*shape.Value{seqOf(a, f32(1, 2)), shape.Tensor(onnx.Int64)}, "seq?(float32[1, 2])"},

		{"at 1", 0, node("SequenceAt"), []*shape.Value{s3, scalarI64(1)}, "float32[3, 2]"},
		{"at -1", 0, node("SequenceAt"), []*shape.Value{s3, scalarI64(-1)}, "float32[5]"},
		{"at out of range", 0, node("SequenceAt"), []*shape.Value{s3, scalarI64(-4)}, "error: position -4 out of range"},
		{"at of empty", 0, node("SequenceAt"), []*shape.Value{seqOf(), shape.Tensor(onnx.Int64)}, "error: the sequence is empty"},
		{"at unknown position, same shapes", 0, node("SequenceAt"), []*shape.Value{seqOf(a, f32(1, 2)), shape.Tensor(onnx.Int64)}, "float32[1, 2]"},
		{"at unknown position, ranks differ", 0, node("SequenceAt"), []*shape.Value{s3, shape.Tensor(onnx.Int64)}, "float32?"},
		{"at of unknown sequence", 0, node("SequenceAt"), []*shape.Value{unknownSeq(f32s(n, sym.Const(2))), scalarI64(7)}, "float32[n, 2]"},
		{"at missing position", 0, node("SequenceAt"), []*shape.Value{s3}, "error: required input 1"},

		{"length known", 0, node("SequenceLength"), []*shape.Value{s3}, "int64[]"},
		{"length unknown", 0, node("SequenceLength"), []*shape.Value{unknownSeq(a)}, "int64[]"},
	})
}

func TestSequenceContents(t *testing.T) {
	// Items keep their contents through construct, insert, erase and at.
	one, two := constInts(1), constInts(2, 3)
	outs, res := infer(t, node("SequenceConstruct"), one, two)
	wantNoFailure(t, res)
	s := outs[0]
	outs, _ = infer(t, node("SequenceInsert"), s, constInts(9), scalarI64(1))
	outs, _ = infer(t, node("SequenceAt"), outs[0], scalarI64(1))
	wantInts(t, "inserted item", outs[0], 9)
	outs, _ = infer(t, node("SequenceErase"), s, scalarI64(0))
	outs, _ = infer(t, node("SequenceAt"), outs[0], scalarI64(0))
	wantInts(t, "after erase", outs[0], 2, 3)
	outs, _ = infer(t, node("SequenceLength"), s)
	wantInts(t, "length", outs[0], 2)
	outs, _ = infer(t, node("SequenceLength"), unknownSeq(f32(1)))
	if outs[0].Const != nil {
		t.Errorf("length of an unknown sequence: %v", outs[0].Const.Ints)
	}
	outs, _ = infer(t, node("SequenceEmpty", attrInt("dtype", int64(onnx.Int32))))
	if e := outs[0].Elem; e == nil || e.DType != onnx.Int32 {
		t.Errorf("SequenceEmpty dtype: item type %s", shape.TypeString(e))
	}
}

func TestSplitToSequence(t *testing.T) {
	x := f32(6, 4)
	n := sym.Var("n")
	runSeqCases(t, []seqCase{
		{"default split", 0, node("SplitToSequence", attrInt("axis", 1)), []*shape.Value{f32(2, 3)}, "[float32[2, 1] float32[2, 1] float32[2, 1]]"},
		{"keepdims 0", 0, node("SplitToSequence", attrInt("axis", -1), attrInt("keepdims", 0)), []*shape.Value{f32(2, 3)}, "[float32[2] float32[2] float32[2]]"},
		{"scalar split with remainder", 0, node("SplitToSequence"), []*shape.Value{x, scalarI64(4)}, "[float32[4, 4] float32[2, 4]]"},
		{"scalar split divides", 0, node("SplitToSequence"), []*shape.Value{x, i32scalar(3)}, "[float32[3, 4] float32[3, 4]]"},
		{"1-D split", 0, node("SplitToSequence", attrInt("keepdims", 0)), []*shape.Value{x, constInts(1, 5)}, "[float32[1, 4] float32[5, 4]]"},
		{"1-D split bad sum", 0, node("SplitToSequence"), []*shape.Value{x, constInts(1, 4)}, "error: split sums to 5, the axis has 6"},
		{"1-D split negative", 0, node("SplitToSequence"), []*shape.Value{x, constInts(7, -1)}, "error: must not be negative"},
		{"scalar split zero", 0, node("SplitToSequence"), []*shape.Value{x, scalarI64(0)}, "error: must be positive"},
		{"split values unknown", 0, node("SplitToSequence"), []*shape.Value{x, i64(3)}, "[float32[$, 4] float32[$, 4] float32[$, 4]]"},
		{"symbolic axis", 0, node("SplitToSequence"), []*shape.Value{f32s(n, sym.Const(4))}, "seq?(float32[1, 4])"},
		{"symbolic axis, keepdims 0", 0, node("SplitToSequence", attrInt("keepdims", 0)), []*shape.Value{f32s(n, sym.Const(4))}, "seq?(float32[4])"},
		{"symbolic 1-D split", 0, node("SplitToSequence"), []*shape.Value{f32s(n), constSym(sym.Const(2), n.AddInt(-2))}, "[float32[2] float32[n - 2]]"},
		{"unknown rank", 0, node("SplitToSequence"), []*shape.Value{shape.UnknownRank(onnx.Float)}, "seq?(float32?)"},
		{"scalar input", 0, node("SplitToSequence"), []*shape.Value{f32()}, "error: a scalar cannot be split"},
		{"bad axis", 0, node("SplitToSequence", attrInt("axis", 2)), []*shape.Value{x}, "error: axis 2 out of range"},
		{"2-D split", 0, node("SplitToSequence"), []*shape.Value{x, i64(1, 2)}, "error: rank 2, want 0 or 1"},
	})
	// Contents are split too.
	v := shape.TensorDims(onnx.Int64, 2, 3)
	v.Const = &shape.Const{Ints: shape.Dims(1, 2, 3, 4, 5, 6)}
	outs, res := infer(t, node("SplitToSequence", attrInt("axis", 1)), v, constInts(2, 1))
	wantNoFailure(t, res)
	wantInts(t, "item 0", outs[0].Seq[0], 1, 2, 4, 5)
	wantInts(t, "item 1", outs[0].Seq[1], 3, 6)
}

// constSym is a 1-D int64 input of known (possibly symbolic) contents.
func constSym(xs ...sym.Expr) *shape.Value {
	v := shape.TensorDims(onnx.Int64, int64(len(xs)))
	v.Const = &shape.Const{Ints: xs}
	return v
}

func TestConcatFromSequence(t *testing.T) {
	n := sym.Var("n")
	s := seqOf(f32(2, 3), f32(2, 5))
	same := seqOf(f32(2, 3), f32(2, 3), f32(2, 3))
	runSeqCases(t, []seqCase{
		{"axis 1", 0, node("ConcatFromSequence", attrInt("axis", 1)), []*shape.Value{s}, "float32[2, 8]"},
		{"axis -1", 0, node("ConcatFromSequence", attrInt("axis", -1)), []*shape.Value{s}, "float32[2, 8]"},
		{"mismatch", 0, node("ConcatFromSequence", attrInt("axis", 0)), []*shape.Value{s}, "error: item 1: axis 1 has 5, item 0 3"},
		{"new axis 0", 0, node("ConcatFromSequence", attrInt("axis", 0), attrInt("new_axis", 1)), []*shape.Value{same}, "float32[3, 2, 3]"},
		{"new axis at the end", 0, node("ConcatFromSequence", attrInt("axis", -1), attrInt("new_axis", 1)), []*shape.Value{same}, "float32[2, 3, 3]"},
		{"new axis out of range", 0, node("ConcatFromSequence", attrInt("axis", 3), attrInt("new_axis", 1)), []*shape.Value{same}, "error: axis 3 out of range"},
		{"symbolic dims", 0, node("ConcatFromSequence", attrInt("axis", 0)), []*shape.Value{seqOf(f32s(n, sym.Const(2)), f32s(sym.Const(3), sym.Const(2)))}, "float32[n + 3, 2]"},
		{"unknown length", 0, node("ConcatFromSequence", attrInt("axis", 1)), []*shape.Value{unknownSeq(f32(2, 3))}, "float32[2, $]"},
		{"unknown length, new axis", 0, node("ConcatFromSequence", attrInt("axis", 1), attrInt("new_axis", 1)), []*shape.Value{unknownSeq(f32(2, 3))}, "float32[2, $, 3]"},
		{"unknown item rank", 0, node("ConcatFromSequence", attrInt("axis", 1)), []*shape.Value{unknownSeq(shape.UnknownRank(onnx.Float))}, "float32?"},
		{"empty", 0, node("ConcatFromSequence", attrInt("axis", 0)), []*shape.Value{seqOf()}, "error: empty sequence"},
		{"ranks differ", 0, node("ConcatFromSequence", attrInt("axis", 0)), []*shape.Value{seqOf(f32(1), f32(1, 1))}, "error: rank 2, item 0 rank 1"},
		{"no axis", 0, node("ConcatFromSequence"), []*shape.Value{same}, "error: attribute axis is required"},
	})
	// Contents.
	a := shape.TensorDims(onnx.Int64, 2, 1)
	a.Const = &shape.Const{Ints: shape.Dims(1, 2)}
	b := shape.TensorDims(onnx.Int64, 2, 2)
	b.Const = &shape.Const{Ints: shape.Dims(3, 4, 5, 6)}
	outs, res := infer(t, node("ConcatFromSequence", attrInt("axis", 1)), seqOf(a, b))
	wantNoFailure(t, res)
	wantShape(t, "concat", outs[0], "int64[2, 3]")
	wantInts(t, "concat", outs[0], 1, 3, 4, 2, 5, 6)
	outs, _ = infer(t, node("ConcatFromSequence", attrInt("axis", 1), attrInt("new_axis", 1)), seqOf(constInts(1, 2), constInts(3, 4)))
	wantShape(t, "stack", outs[0], "int64[2, 2]")
	wantInts(t, "stack", outs[0], 1, 3, 2, 4)
}

// matchFresh compares type strings, "$" in want standing for any symbol name.
func matchFresh(got, want string) bool {
	parts := strings.Split(want, "$")
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	rest := got[len(parts[0]):]
	for _, p := range parts[1:] {
		i := 0
		if rest == "" || rest[0] >= '0' && rest[0] <= '9' {
			return false
		}
		for i < len(rest) && (rest[i] == '_' || rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= 'A' && rest[i] <= 'Z' || rest[i] >= '0' && rest[i] <= '9') {
			i++
		}
		if i == 0 || !strings.HasPrefix(rest[i:], p) {
			return false
		}
		rest = rest[i+len(p):]
	}
	return rest == ""
}

func TestSequenceMap(t *testing.T) {
	// body(x, y) = (Grow(x), Pick(x, y)).
	body := graphOf("body", []string{"x", "y"}, []string{"g", "p"},
		tn("Grow", []string{"x"}, []string{"g"}),
		tn("Pick", []string{"x", "y"}, []string{"p"}))
	mk := func() *onnx.Node {
		n := node("SequenceMap", attrGraph("body", body))
		n.Outputs = []string{"o1", "o2"}
		return n
	}
	// Per item, with a tensor as the additional input.
	outs, res := infer(t, mk(), seqOf(f32(1), f32(2, 2)), f32(9))
	wantNoFailure(t, res)
	if got := seqString(outs[0]); got != "[float32[2] float32[3, 2]]" {
		t.Errorf("o1 %s", got)
	}
	if got := seqString(outs[1]); got != "[float32[9] float32[9]]" {
		t.Errorf("o2 %s", got)
	}
	nr := nodeResult(res)
	// The items differ in shape: each item's run is kept, once each.
	if len(nr.Subgraphs) != 2 || nr.Subgraphs[0].Trips.String() != "1" || nr.Subgraphs[1].Trips.String() != "1" {
		t.Errorf("subgraphs %+v, want the two items' bodies, once each", nr.Subgraphs)
	}
	// Two sequences zipped.
	outs, res = infer(t, mk(), seqOf(f32(1), f32(2)), seqOf(f32(5), f32(6)))
	wantNoFailure(t, res)
	if got := seqString(outs[1]); got != "[float32[5] float32[6]]" {
		t.Errorf("zipped o2 %s", got)
	}
	// Same shapes: the first run is kept, no generalization note.
	_, res = infer(t, mk(), seqOf(f32(3), f32(3)), f32(1))
	if nr := nodeResult(res); hasNote(nr, "generalized") || len(nr.Subgraphs) != 1 {
		t.Errorf("notes %v subgraphs %d", nr.Notes, len(nr.Subgraphs))
	}
	// Unknown length: one run with the item type.
	outs, res = infer(t, mk(), unknownSeq(f32(4)), f32(1))
	wantNoFailure(t, res)
	if got := seqString(outs[0]); got != "seq?(float32[5])" {
		t.Errorf("unknown length o1 %s", got)
	}
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 {
		t.Errorf("want one body, got %d", len(subs))
	} else if _, ok := subs[0].Trips.IsConst(); ok {
		t.Errorf("trips %s, want a fresh symbol", subs[0].Trips)
	}
	// Empty sequence: known empty outputs, body not run.
	outs, res = infer(t, mk(), seqOf(), f32(1))
	wantNoFailure(t, res)
	if got := seqString(outs[0]); got != "[]" {
		t.Errorf("empty o1 %s", got)
	}
	if subs := nodeResult(res).Subgraphs; len(subs) != 1 || subs[0].Taken != 0 {
		t.Errorf("empty: subgraphs %+v, want one not taken", subs)
	}
	// Errors.
	_, res = infer(t, mk(), seqOf(f32(1)), seqOf(f32(1), f32(2)))
	wantFailure(t, res, "input 1 has 2 items, input 0 1")
	_, res = infer(t, mk(), seqOf(f32(1)))
	wantFailure(t, res, "body has 2 inputs, the node 1")
	_, res = infer(t, mk(), f32(1), f32(1))
	wantFailure(t, res, "want a sequence")
}

func TestMatchFresh(t *testing.T) {
	if !matchFresh("float32[Split_split_3, 4]", "float32[$, 4]") || matchFresh("float32[3, 4]", "float32[$, 4]") || !matchFresh("int64[2]", "int64[2]") {
		t.Error("matchFresh")
	}
}

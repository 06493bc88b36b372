package ops

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// tmCase is one inference of a single node: the type of each output (as
// shape.TypeString prints it; "" skips), the contents of each output ("-"
// for none, "" skips), or a failure containing err.
type tmCase struct {
	name   string
	opset  int64
	node   *onnx.Node
	in     []*shape.Value
	want   []string
	consts []string
	err    string
}

func tmRunCases(t *testing.T, cases []tmCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := *tc.node
			if len(tc.want) > 1 || len(tc.consts) > 1 {
				k := max(len(tc.want), len(tc.consts))
				n.Outputs = make([]string, k)
				for i := range n.Outputs {
					n.Outputs[i] = fmt.Sprintf("out%d", i)
				}
			}
			in := make([]*shape.Value, len(tc.in))
			for i, v := range tc.in {
				if v != nil {
					in[i] = v.Clone()
				}
			}
			outs, res := inferNode(t, tc.opset, &n, in...)
			if tc.err != "" {
				for _, f := range res.Failures {
					if strings.Contains(f.Err, tc.err) {
						return
					}
				}
				t.Fatalf("want a failure containing %q, got %+v (outputs %s)", tc.err, res.Failures, tmTypes(outs))
			}
			if len(res.Failures) > 0 {
				t.Fatalf("failure: %s", res.Failures[0].Err)
			}
			for i, w := range tc.want {
				if got := shape.TypeString(outs[i]); w != "" && got != w {
					t.Errorf("output %d: got %s, want %s", i, got, w)
				}
			}
			for i, w := range tc.consts {
				if got := tmConstString(outs[i]); w != "" && got != w {
					t.Errorf("output %d contents: got %s, want %s", i, got, w)
				}
			}
		})
	}
}

func tmTypes(vs []*shape.Value) string {
	var s []string
	for _, v := range vs {
		s = append(s, shape.TypeString(v))
	}
	return strings.Join(s, ", ")
}

func tmConstString(v *shape.Value) string {
	if v == nil || v.Const == nil {
		return "-"
	}
	switch {
	case v.Const.Ints != nil:
		return fmt.Sprint(v.Const.Ints)
	case v.Const.Floats != nil:
		return fmt.Sprint(v.Const.Floats)
	case v.Const.Strs != nil:
		return fmt.Sprintf("%q", v.Const.Strs)
	}
	return "[]"
}

// tmT is a tensor whose dims are expressions such as "batch" or "2*seq".
func tmT(dt onnx.DataType, dims ...string) *shape.Value {
	s := make([]sym.Expr, len(dims))
	for i, d := range dims {
		s[i] = sym.MustParse(d)
	}
	return shape.Tensor(dt, s...)
}

// tmI is a 1-D int64 tensor with known (possibly symbolic) contents.
func tmI(vals ...string) *shape.Value {
	v := shape.TensorDims(onnx.Int64, int64(len(vals)))
	c := &shape.Const{Ints: make([]sym.Expr, len(vals))}
	for i, x := range vals {
		c.Ints[i] = sym.MustParse(x)
	}
	v.Const = c
	return v
}

// tmScalar is a 0-D int64 tensor with known contents.
func tmScalar(x string) *shape.Value {
	v := shape.Tensor(onnx.Int64)
	v.Const = &shape.Const{Ints: []sym.Expr{sym.MustParse(x)}}
	return v
}

// tmInts is an int64 tensor of the given shape and contents.
func tmInts(dims []int64, vals ...int64) *shape.Value {
	v := shape.TensorDims(onnx.Int64, dims...)
	v.Const = &shape.Const{Ints: shape.Dims(vals...)}
	return v
}

// tmFloats is a float32 tensor of the given shape and contents.
func tmFloats(dims []int64, vals ...float64) *shape.Value {
	v := shape.TensorDims(onnx.Float, dims...)
	v.Const = &shape.Const{Floats: vals}
	return v
}

// tmStrs is a string tensor of the given shape and contents.
func tmStrs(dims []int64, vals ...string) *shape.Value {
	v := shape.TensorDims(onnx.String, dims...)
	v.Const = &shape.Const{Strs: vals}
	return v
}

// tmLen is a 1-D int64 tensor of n elements with unknown contents.
func tmLen(n int64) *shape.Value { return shape.TensorDims(onnx.Int64, n) }

func dims(d ...int64) []int64 { return d }

var (
	f32bsd  = tmT(onnx.Float, "batch", "seq", "768")
	noShape = shape.UnknownRank(onnx.Float)
)

func TestShapeSize(t *testing.T) {
	x := tmT(onnx.Float, "batch", "3", "seq")
	tmRunCases(t, []tmCase{
		{name: "symbolic", opset: 13, node: node("Shape"), in: []*shape.Value{x},
			want: []string{"int64[3]"}, consts: []string{"[batch 3 seq]"}},
		{name: "attrs ignored before 15", opset: 13, node: node("Shape", attrInt("start", 1)), in: []*shape.Value{x},
			want: []string{"int64[3]"}},
		{name: "start", opset: 15, node: node("Shape", attrInt("start", 1)), in: []*shape.Value{x},
			consts: []string{"[3 seq]"}},
		{name: "negative end", opset: 15, node: node("Shape", attrInt("end", -1)), in: []*shape.Value{x},
			consts: []string{"[batch 3]"}},
		{name: "clipped", opset: 15, node: node("Shape", attrInt("start", -10), attrInt("end", 10)), in: []*shape.Value{x},
			consts: []string{"[batch 3 seq]"}},
		{name: "empty", opset: 15, node: node("Shape", attrInt("start", 2), attrInt("end", 1)), in: []*shape.Value{x},
			want: []string{"int64[0]"}, consts: []string{"[]"}},
		{name: "scalar", opset: 15, node: node("Shape"), in: []*shape.Value{tmT(onnx.Float)},
			want: []string{"int64[0]"}, consts: []string{"[]"}},
		{name: "unknown rank", opset: 15, node: node("Shape"), in: []*shape.Value{noShape},
			consts: []string{"-"}},
		{name: "size", opset: 13, node: node("Size"), in: []*shape.Value{x},
			want: []string{"int64[]"}, consts: []string{"[3*batch*seq]"}},
		{name: "size unknown", opset: 13, node: node("Size"), in: []*shape.Value{noShape},
			want: []string{"int64[]"}, consts: []string{"-"}},
	})
}

func TestReshape(t *testing.T) {
	tmRunCases(t, []tmCase{
		{name: "copy zeros", opset: 14, node: node("Reshape"), in: []*shape.Value{f32bsd, tmI("0", "0", "12", "64")},
			want: []string{"float32[batch, seq, 12, 64]"}},
		{name: "infer symbolic", opset: 14, node: node("Reshape"), in: []*shape.Value{f32bsd, tmI("-1", "768")},
			want: []string{"float32[batch*seq, 768]"}},
		{name: "infer exact division", opset: 14, node: node("Reshape"), in: []*shape.Value{f32bsd, tmI("batch", "-1", "64")},
			want: []string{"float32[batch, 12*seq, 64]"}},
		{name: "symbolic target", opset: 14, node: node("Reshape"), in: []*shape.Value{f32bsd, tmI("batch*seq", "12", "64")},
			want: []string{"float32[batch*seq, 12, 64]"}},
		{name: "allowzero", opset: 14, node: node("Reshape", attrInt("allowzero", 1)), in: []*shape.Value{tmT(onnx.Float, "0", "4"), tmI("0", "4")},
			want: []string{"float32[0, 4]"}},
		{name: "allowzero with -1", opset: 14, node: node("Reshape", attrInt("allowzero", 1)), in: []*shape.Value{tmT(onnx.Float, "0", "4"), tmI("0", "-1")},
			err: "next to a 0"},
		{name: "two -1", opset: 14, node: node("Reshape"), in: []*shape.Value{f32bsd, tmI("-1", "-1")},
			err: "more than one -1"},
		{name: "count mismatch", opset: 14, node: node("Reshape"), in: []*shape.Value{tmT(onnx.Float, "2", "3"), tmI("4", "2")},
			err: "6 elements"},
		{name: "not divisible", opset: 14, node: node("Reshape"), in: []*shape.Value{tmT(onnx.Float, "2", "3"), tmI("4", "-1")},
			err: "not a multiple"},
		{name: "zero beyond rank", opset: 14, node: node("Reshape"), in: []*shape.Value{tmT(onnx.Float, "6"), tmI("2", "0")},
			err: "copies dim 1"},
		{name: "unknown target of known length", opset: 14, node: node("Reshape"), in: []*shape.Value{f32bsd, tmLen(3)},
			want: []string{""}},
		{name: "unknown input rank", opset: 14, node: node("Reshape"), in: []*shape.Value{noShape, tmI("2", "-1", "0")},
			want: []string{""}},
		{name: "attribute (opset 1)", opset: 4, node: node("Reshape", attrInts("shape", 0, -1)), in: []*shape.Value{f32bsd},
			want: []string{"float32[batch, 768*seq]"}},
		{name: "contents", opset: 14, node: node("Reshape"), in: []*shape.Value{tmI("a", "b", "c", "d"), tmI("2", "-1")},
			want: []string{"int64[2, 2]"}, consts: []string{"[a b c d]"}},
	})
	// The shapes not known in full get fresh symbols of the right rank.
	outs, _ := inferNode(t, 14, node("Reshape"), f32bsd, tmLen(3))
	if outs[0].Rank != 3 {
		t.Errorf("unknown target of length 3: %s", shape.TypeString(outs[0]))
	}
	outs, _ = inferNode(t, 14, node("Reshape"), noShape, tmI("2", "-1", "0"))
	if outs[0].Rank != 3 || !outs[0].Shape[0].Equal(sym.Const(2)) {
		t.Errorf("unknown input rank: %s", shape.TypeString(outs[0]))
	}
}

func TestFlattenSqueezeUnsqueeze(t *testing.T) {
	x := tmT(onnx.Float, "batch", "1", "seq", "1")
	tmRunCases(t, []tmCase{
		{name: "flatten default", opset: 13, node: node("Flatten"), in: []*shape.Value{x},
			want: []string{"float32[batch, seq]"}},
		{name: "flatten 0", opset: 13, node: node("Flatten", attrInt("axis", 0)), in: []*shape.Value{x},
			want: []string{"float32[1, batch*seq]"}},
		{name: "flatten rank", opset: 13, node: node("Flatten", attrInt("axis", 4)), in: []*shape.Value{x},
			want: []string{"float32[batch*seq, 1]"}},
		{name: "flatten negative", opset: 13, node: node("Flatten", attrInt("axis", -1)), in: []*shape.Value{x},
			want: []string{"float32[batch*seq, 1]"}},
		{name: "flatten out of range", opset: 13, node: node("Flatten", attrInt("axis", 5)), in: []*shape.Value{x},
			err: "out of range"},
		{name: "flatten contents", opset: 13, node: node("Flatten"), in: []*shape.Value{tmStrs(dims(2, 1, 2), "a", "b", "c", "d")},
			want: []string{"string[2, 2]"}, consts: []string{`["a" "b" "c" "d"]`}},
		{name: "squeeze attr", opset: 11, node: node("Squeeze", attrInts("axes", 1, -1)), in: []*shape.Value{x},
			want: []string{"float32[batch, seq]"}},
		{name: "squeeze input", opset: 13, node: node("Squeeze"), in: []*shape.Value{x, tmI("3")},
			want: []string{"float32[batch, 1, seq]"}},
		{name: "squeeze symbolic axis", opset: 13, node: node("Squeeze"), in: []*shape.Value{x, tmI("0")},
			want: []string{"float32[1, seq, 1]"}},
		{name: "squeeze all concrete", opset: 13, node: node("Squeeze"), in: []*shape.Value{tmT(onnx.Float, "1", "3", "1")},
			want: []string{"float32[3]"}},
		{name: "squeeze all symbolic", opset: 13, node: node("Squeeze"), in: []*shape.Value{x},
			want: []string{"float32?"}},
		{name: "squeeze non-1", opset: 13, node: node("Squeeze"), in: []*shape.Value{tmT(onnx.Float, "2", "3"), tmI("0")},
			err: "size 2"},
		{name: "squeeze unknown axes", opset: 13, node: node("Squeeze"), in: []*shape.Value{x, tmLen(2)},
			want: []string{""}},
		{name: "squeeze contents", opset: 13, node: node("Squeeze"), in: []*shape.Value{tmInts(dims(1, 2), 5, 6)},
			want: []string{"int64[2]"}, consts: []string{"[5 6]"}},
		{name: "unsqueeze attr", opset: 11, node: node("Unsqueeze", attrInts("axes", 0, -1)), in: []*shape.Value{f32bsd},
			want: []string{"float32[1, batch, seq, 768, 1]"}},
		{name: "unsqueeze input", opset: 13, node: node("Unsqueeze"), in: []*shape.Value{f32bsd, tmI("1", "3")},
			want: []string{"float32[batch, 1, seq, 1, 768]"}},
		{name: "unsqueeze scalar", opset: 13, node: node("Unsqueeze"), in: []*shape.Value{tmScalar("seq"), tmI("0")},
			want: []string{"int64[1]"}, consts: []string{"[seq]"}},
		{name: "unsqueeze repeated", opset: 13, node: node("Unsqueeze"), in: []*shape.Value{f32bsd, tmI("1", "-4")},
			err: "repeated"},
		{name: "unsqueeze missing axes", opset: 13, node: node("Unsqueeze"), in: []*shape.Value{f32bsd},
			err: "missing"},
	})
}

func TestTransposeConcat(t *testing.T) {
	tmRunCases(t, []tmCase{
		{name: "transpose default", opset: 13, node: node("Transpose"), in: []*shape.Value{f32bsd},
			want: []string{"float32[768, seq, batch]"}},
		{name: "transpose perm", opset: 13, node: node("Transpose", attrInts("perm", 0, 2, 1)), in: []*shape.Value{f32bsd},
			want: []string{"float32[batch, 768, seq]"}},
		{name: "transpose bad perm", opset: 13, node: node("Transpose", attrInts("perm", 0, 0, 1)), in: []*shape.Value{f32bsd},
			err: "repeated"},
		{name: "transpose contents", opset: 13, node: node("Transpose"), in: []*shape.Value{tmInts(dims(2, 3), 1, 2, 3, 4, 5, 6)},
			want: []string{"int64[3, 2]"}, consts: []string{"[1 4 2 5 3 6]"}},
		{name: "concat symbolic", opset: 13, node: node("Concat", attrInt("axis", 1)),
			in:   []*shape.Value{tmT(onnx.Float, "b", "past", "64"), tmT(onnx.Float, "b", "seq", "64")},
			want: []string{"float32[b, past + seq, 64]"}},
		{name: "concat concrete wins", opset: 13, node: node("Concat", attrInt("axis", -1)),
			in:   []*shape.Value{tmT(onnx.Float, "b", "2"), tmT(onnx.Float, "4", "3")},
			want: []string{"float32[4, 5]"}},
		{name: "concat mismatch", opset: 13, node: node("Concat", attrInt("axis", 0)),
			in: []*shape.Value{tmT(onnx.Float, "2", "2"), tmT(onnx.Float, "2", "3")}, err: "differ"},
		{name: "concat rank mismatch", opset: 13, node: node("Concat", attrInt("axis", 0)),
			in: []*shape.Value{tmT(onnx.Float, "2", "2"), tmT(onnx.Float, "2")}, err: "rank"},
		{name: "concat axis required", opset: 13, node: node("Concat"), in: []*shape.Value{tmT(onnx.Float, "2")}, err: "axis"},
		{name: "concat axis default 1", opset: 1, node: node("Concat"),
			in: []*shape.Value{tmT(onnx.Float, "2", "2"), tmT(onnx.Float, "2", "3")}, want: []string{"float32[2, 5]"}},
		{name: "concat shape vectors", opset: 13, node: node("Concat", attrInt("axis", 0)),
			in:   []*shape.Value{tmI("batch"), tmI(), tmI("-1", "seq*2")},
			want: []string{"int64[3]"}, consts: []string{"[batch -1 2*seq]"}},
		{name: "concat 2-D contents", opset: 13, node: node("Concat", attrInt("axis", 1)),
			in:     []*shape.Value{tmFloats(dims(2, 1), 1, 2), tmFloats(dims(2, 2), 3, 4, 5, 6)},
			consts: []string{"[1 3 4 2 5 6]"}},
		{name: "concat unknown rank", opset: 13, node: node("Concat", attrInt("axis", 0)),
			in: []*shape.Value{noShape, tmT(onnx.Float, "2", "3")}, want: []string{""}},
	})
}

func TestSplit(t *testing.T) {
	x := tmT(onnx.Float, "batch", "12", "seq")
	tmRunCases(t, []tmCase{
		{name: "equal", opset: 13, node: node("Split", attrInt("axis", 1)), in: []*shape.Value{x},
			want: []string{"float32[batch, 4, seq]", "float32[batch, 4, seq]", "float32[batch, 4, seq]"}},
		{name: "equal symbolic", opset: 13, node: node("Split", attrInt("axis", -1)), in: []*shape.Value{tmT(onnx.Float, "2*seq")},
			want: []string{"float32[seq]", "float32[seq]"}},
		{name: "not divisible", opset: 13, node: node("Split", attrInt("axis", 1)), in: []*shape.Value{x},
			want: []string{"", "", "", "", ""}, err: "equal parts"},
		{name: "attr v2", opset: 2, node: node("Split", attrInt("axis", 1), attrInts("split", 2, 10)), in: []*shape.Value{x},
			want: []string{"float32[batch, 2, seq]", "float32[batch, 10, seq]"}},
		{name: "input v1", opset: 1, node: node("Split", attrInt("axis", 1)), in: []*shape.Value{x, tmI("5", "7")},
			want: []string{"float32[batch, 5, seq]", "float32[batch, 7, seq]"}},
		{name: "input v13 symbolic", opset: 13, node: node("Split", attrInt("axis", 2)), in: []*shape.Value{x, tmI("1", "seq - 1")},
			want: []string{"float32[batch, 12, 1]", "float32[batch, 12, seq - 1]"}},
		{name: "empty split input", opset: 13, node: node("Split"), in: []*shape.Value{tmT(onnx.Float, "6"), tmI()},
			want: []string{"float32[3]", "float32[3]"}},
		{name: "sum mismatch", opset: 13, node: node("Split", attrInt("axis", 1)), in: []*shape.Value{x, tmI("5", "5")},
			want: []string{"", ""}, err: "sums to 10"},
		{name: "uneven v18", opset: 18, node: node("Split", attrInt("axis", 1), attrInt("num_outputs", 5)), in: []*shape.Value{x},
			want: []string{"float32[batch, 3, seq]", "", "", "", "float32[batch, 0, seq]"}},
		{name: "uneven v18 7/4", opset: 18, node: node("Split", attrInt("num_outputs", 4)), in: []*shape.Value{tmT(onnx.Float, "7")},
			want: []string{"float32[2]", "float32[2]", "float32[2]", "float32[1]"}},
		{name: "num_outputs mismatch", opset: 18, node: node("Split", attrInt("num_outputs", 3)), in: []*shape.Value{tmT(onnx.Float, "6")},
			want: []string{"", ""}, err: "num_outputs"},
		{name: "unknown split", opset: 13, node: node("Split"), in: []*shape.Value{tmT(onnx.Float, "6", "b"), tmLen(2)},
			want: []string{"", ""}},
		{name: "contents", opset: 13, node: node("Split"), in: []*shape.Value{tmI("a", "b", "c"), tmI("1", "2")},
			consts: []string{"[a]", "[b c]"}},
		{name: "contents 2-D", opset: 13, node: node("Split", attrInt("axis", 1)), in: []*shape.Value{tmInts(dims(2, 3), 1, 2, 3, 4, 5, 6), tmI("2", "1")},
			want: []string{"int64[2, 2]", "int64[2, 1]"}, consts: []string{"[1 2 4 5]", "[3 6]"}},
	})
}

func TestExpandTile(t *testing.T) {
	tmRunCases(t, []tmCase{
		{name: "expand", opset: 13, node: node("Expand"), in: []*shape.Value{tmT(onnx.Float, "1", "seq", "1"), tmI("batch", "1", "64")},
			want: []string{"float32[batch, seq, 64]"}},
		{name: "expand rank up", opset: 13, node: node("Expand"), in: []*shape.Value{tmT(onnx.Float, "3", "1"), tmI("2", "1", "6")},
			want: []string{"float32[2, 3, 6]"}},
		{name: "expand mismatch", opset: 13, node: node("Expand"), in: []*shape.Value{tmT(onnx.Float, "3"), tmI("4")},
			err: "broadcast"},
		{name: "expand unknown", opset: 13, node: node("Expand"), in: []*shape.Value{tmT(onnx.Float, "3"), tmLen(2)},
			want: []string{""}},
		{name: "expand contents", opset: 13, node: node("Expand"), in: []*shape.Value{tmInts(dims(2, 1), 1, 2), tmI("2", "2")},
			want: []string{"int64[2, 2]"}, consts: []string{"[1 1 2 2]"}},
		{name: "tile", opset: 13, node: node("Tile"), in: []*shape.Value{tmT(onnx.Float, "batch", "3"), tmI("2", "n")},
			want: []string{"float32[2*batch, 3*n]"}},
		{name: "tile wrong length", opset: 13, node: node("Tile"), in: []*shape.Value{tmT(onnx.Float, "batch", "3"), tmI("2")},
			err: "entries"},
		{name: "tile contents", opset: 13, node: node("Tile"), in: []*shape.Value{tmStrs(dims(1, 2), "a", "b"), tmI("2", "2")},
			want: []string{"string[2, 4]"}, consts: []string{`["a" "b" "a" "b" "a" "b" "a" "b"]`}},
		{name: "tile v1", opset: 1, node: node("Tile"), in: []*shape.Value{tmT(onnx.Float, "batch", "3"), tmI("4"), tmI("1")},
			want: []string{"float32[batch, 12]"}},
	})
}

func TestPad(t *testing.T) {
	x := tmT(onnx.Float, "batch", "3", "h", "w")
	tmRunCases(t, []tmCase{
		{name: "v2 attr", opset: 2, node: node("Pad", attrInts("pads", 0, 0, 1, 1, 0, 0, 1, 1)), in: []*shape.Value{x},
			want: []string{"float32[batch, 3, h + 2, w + 2]"}},
		{name: "v1 paddings", opset: 1, node: node("Pad", attrInts("paddings", 0, 0, 1, 1, 0, 0, 1, 1)), in: []*shape.Value{x},
			want: []string{"float32[batch, 3, h + 2, w + 2]"}},
		{name: "v11 input", opset: 11, node: node("Pad"), in: []*shape.Value{x, tmI("0", "0", "0", "2", "0", "0", "0", "-1")},
			want: []string{"float32[batch, 3, h, w + 1]"}},
		{name: "v18 axes", opset: 18, node: node("Pad"), in: []*shape.Value{x, tmI("1", "2", "3", "4"), nil, tmI("-1", "1")},
			want: []string{"float32[batch, 9, h, w + 4]"}},
		{name: "unknown pads", opset: 18, node: node("Pad"), in: []*shape.Value{x, tmLen(4), nil, tmI("2", "3")},
			want: []string{""}},
		{name: "wrong count", opset: 11, node: node("Pad"), in: []*shape.Value{x, tmI("1", "1")}, err: "pads for 4 axes"},
		{name: "too negative", opset: 11, node: node("Pad"), in: []*shape.Value{tmT(onnx.Float, "2"), tmI("-2", "-1")}, err: "leave"},
		{name: "constant contents", opset: 11, node: node("Pad"), in: []*shape.Value{tmI("a", "b"), tmI("1", "2"), tmScalar("-1")},
			want: []string{"int64[5]"}, consts: []string{"[-1 a b -1 -1]"}},
		{name: "constant default", opset: 2, node: node("Pad", attrInts("pads", 1, 0), attrFloat("value", 2.5)), in: []*shape.Value{tmFloats(dims(1), 7)},
			consts: []string{"[2.5 7]"}},
		{name: "negative pads crop", opset: 11, node: node("Pad"), in: []*shape.Value{tmInts(dims(4), 1, 2, 3, 4), tmI("-1", "1")},
			consts: []string{"[2 3 4 0]"}},
		{name: "edge", opset: 11, node: node("Pad", attrString("mode", "edge")), in: []*shape.Value{tmInts(dims(3), 1, 2, 3), tmI("2", "1")},
			consts: []string{"[1 1 1 2 3 3]"}},
		{name: "reflect", opset: 11, node: node("Pad", attrString("mode", "reflect")), in: []*shape.Value{tmInts(dims(3), 1, 2, 3), tmI("3", "2")},
			consts: []string{"[2 3 2 1 2 3 2 1]"}},
		{name: "wrap", opset: 19, node: node("Pad", attrString("mode", "wrap")), in: []*shape.Value{tmInts(dims(3), 1, 2, 3), tmI("4", "1")},
			consts: []string{"[3 1 2 3 1 2 3 1]"}},
	})
}

func TestCropAndSpaceDepth(t *testing.T) {
	x := tmT(onnx.Float, "batch", "16", "h", "8")
	tmRunCases(t, []tmCase{
		{name: "center crop pad", opset: 18, node: node("CenterCropPad", attrInts("axes", 2, 3)), in: []*shape.Value{x, tmI("5", "s")},
			want: []string{"float32[batch, 16, 5, s]"}},
		{name: "center crop pad no axes", opset: 18, node: node("CenterCropPad"), in: []*shape.Value{tmT(onnx.Float, "3", "4"), tmI("5", "2")},
			want: []string{"float32[5, 2]"}},
		{name: "center crop pad bad length", opset: 18, node: node("CenterCropPad", attrInts("axes", 2)), in: []*shape.Value{x, tmI("5", "2")},
			err: "entries"},
		{name: "depth to space", opset: 13, node: node("DepthToSpace", attrInt("blocksize", 2)), in: []*shape.Value{x},
			want: []string{"float32[batch, 4, 2*h, 16]"}},
		{name: "depth to space indivisible", opset: 13, node: node("DepthToSpace", attrInt("blocksize", 3)), in: []*shape.Value{x},
			err: "multiple"},
		{name: "space to depth", opset: 13, node: node("SpaceToDepth", attrInt("blocksize", 2)), in: []*shape.Value{tmT(onnx.Float, "1", "3", "2*h", "8")},
			want: []string{"float32[1, 12, h, 4]"}},
		{name: "space to depth rank", opset: 13, node: node("SpaceToDepth", attrInt("blocksize", 2)), in: []*shape.Value{tmT(onnx.Float, "1", "3", "2")},
			err: "rank 3"},
	})
}

// TestShapeChain follows a typical exported shape computation: Shape →
// Gather → Unsqueeze → Concat → Reshape with a symbolic batch and sequence.
func TestShapeChain(t *testing.T) {
	g := &onnx.Graph{Name: "chain"}
	g.Inputs = []*onnx.ValueInfo{{Name: "x"}}
	g.Initializers = nil
	mk := func(op string, ins, outs []string, attrs ...*onnx.Attribute) *onnx.Node {
		return &onnx.Node{OpType: op, Name: outs[0], Inputs: ins, Outputs: outs, Attrs: attrs}
	}
	opts := shape.Options{InputValues: map[string]*shape.Value{
		"x":   tmT(onnx.Float, "batch", "seq", "768"),
		"i0":  tmScalar("0"),
		"i1":  tmScalar("1"),
		"ax":  tmI("0"),
		"h":   tmI("12"),
		"m1":  tmI("-1"),
		"two": tmI("2"),
	}}
	for n := range opts.InputValues {
		if n != "x" {
			g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: n})
		}
	}
	g.Nodes = []*onnx.Node{
		mk("Shape", []string{"x"}, []string{"s"}),
		mk("Gather", []string{"s", "i0"}, []string{"b"}),
		mk("Gather", []string{"s", "i1"}, []string{"l"}),
		mk("Unsqueeze", []string{"b", "ax"}, []string{"bu"}),
		mk("Unsqueeze", []string{"l", "ax"}, []string{"lu"}),
		mk("Concat", []string{"bu", "lu", "h", "m1"}, []string{"target"}, attrInt("axis", 0)),
		mk("Reshape", []string{"x", "target"}, []string{"y"}),
		mk("ReduceProd", []string{"s"}, []string{"numel"}, attrInt("keepdims", 0)),
		mk("Slice", []string{"s", "i1", "two"}, []string{"mid"}),
	}
	g.Nodes[8].Inputs = []string{"s", "ax2", "end2"}
	opts.InputValues["ax2"] = tmI("1")
	opts.InputValues["end2"] = tmI("2")
	g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: "ax2"}, &onnx.ValueInfo{Name: "end2"})
	g.Outputs = []*onnx.ValueInfo{{Name: "y"}, {Name: "target"}, {Name: "numel"}, {Name: "mid"}}
	m := &onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": 17}, Graph: g}
	res, err := shape.Infer(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
	v := res.Graph.Values
	for _, c := range []struct{ name, typ, contents string }{
		{"y", "float32[batch, seq, 12, 64]", "-"},
		{"target", "int64[4]", "[batch seq 12 -1]"},
		{"numel", "int64[]", "[768*batch*seq]"},
		{"mid", "int64[1]", "[seq]"},
	} {
		if got := shape.TypeString(v[c.name]); got != c.typ {
			t.Errorf("%s: got %s, want %s", c.name, got, c.typ)
		}
		if got := tmConstString(v[c.name]); got != c.contents {
			t.Errorf("%s contents: got %s, want %s", c.name, got, c.contents)
		}
	}
}

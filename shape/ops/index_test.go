package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestSlice(t *testing.T) {
	x := tmT(onnx.Float, "batch", "seq", "64")
	big, neg := "9223372036854775807", "-9223372036854775808"
	tmRunCases(t, []tmCase{
		{name: "drop last", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("0"), tmI("-1"), tmI("1")},
			want: []string{"float32[batch, seq - 1, 64]"}},
		{name: "from 1 to INT64_MAX", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("1"), tmI(big), tmI("1")},
			want: []string{"float32[batch, seq - 1, 64]"}},
		{name: "from 1 to INT32_MAX", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("1"), tmI("2147483647"), tmI("-2")},
			want: []string{"float32[batch, seq - 1, 64]"}},
		{name: "last one", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("-1"), tmI(big), tmI("1")},
			want: []string{"float32[batch, 1, 64]"}},
		{name: "reverse", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("-1"), tmI(neg), tmI("1"), tmI("-1")},
			want: []string{"float32[batch, seq, 64]"}},
		{name: "prefix of symbolic", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("0"), tmI("3"), tmI("1")},
			want: []string{"float32[batch, min(3, seq), 64]"}},
		{name: "symbolic end on concrete axis", opset: 13, node: node("Slice"), in: []*shape.Value{tmT(onnx.Float, "512", "64"), tmI("0"), tmI("seq"), tmI("0")},
			want: []string{"float32[min(512, seq), 64]"}},
		{name: "symbolic end = dim", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("0"), tmI("seq"), tmI("1")},
			want: []string{"float32[batch, seq, 64]"}},
		{name: "past..past+seq", opset: 13, node: node("Slice"), in: []*shape.Value{tmT(onnx.Float, "past + seq"), tmI("past"), tmI("past + seq")},
			want: []string{"float32[seq]"}},
		{name: "symbolic start", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("seq - 1"), tmI(big), tmI("1")},
			want: []string{"float32[batch, 1, 64]"}},
		{name: "symbolic start of unknown sign", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("seq - past"), tmI(big), tmI("1")},
			want: []string{""}},
		{name: "shape vector", opset: 13, node: node("Slice"), in: []*shape.Value{tmI("batch", "seq", "768"), tmI("0"), tmI("-1")},
			want: []string{"int64[2]"}, consts: []string{"[batch seq]"}},
		{name: "step 2", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("0", "0"), tmI(big, "63"), tmI("1", "2"), tmI("2", "2")},
			want: []string{"float32[batch, ceil(seq/2), 32]"}},
		{name: "negative step concrete", opset: 13, node: node("Slice"), in: []*shape.Value{tmT(onnx.Float, "10"), tmI("8"), tmI("1"), tmI("0"), tmI("-3")},
			want: []string{"float32[3]"}},
		{name: "out of bounds", opset: 13, node: node("Slice"), in: []*shape.Value{tmT(onnx.Float, "10"), tmI("20"), tmI("30")},
			want: []string{"float32[0]"}},
		{name: "start after end", opset: 13, node: node("Slice"), in: []*shape.Value{tmT(onnx.Float, "10"), tmI("5"), tmI("2")},
			want: []string{"float32[0]"}},
		{name: "default axes", opset: 13, node: node("Slice"), in: []*shape.Value{tmT(onnx.Float, "10", "8"), tmI("1", "2"), tmI("4", "-2")},
			want: []string{"float32[3, 4]"}},
		{name: "attrs (opset 1)", opset: 9, node: node("Slice", attrInts("starts", 1), attrInts("ends", 1<<63-1), attrInts("axes", 1)), in: []*shape.Value{x},
			want: []string{"float32[batch, seq - 1, 64]"}},
		{name: "attrs, finite end", opset: 9, node: node("Slice", attrInts("starts", 1), attrInts("ends", 1000), attrInts("axes", 1)), in: []*shape.Value{x},
			want: []string{"float32[batch, min(1000, seq) - 1, 64]"}},
		{name: "step 0", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("0"), tmI("1"), tmI("0"), tmI("0")},
			err: "step cannot be 0"},
		{name: "length mismatch", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmI("0", "1"), tmI("1")},
			err: "ends"},
		{name: "unknown starts with axes", opset: 13, node: node("Slice"), in: []*shape.Value{x, tmLen(1), tmI("5"), tmI("2")},
			want: []string{""}},
		{name: "contents", opset: 13, node: node("Slice"), in: []*shape.Value{tmI("a", "b", "c", "d"), tmI("-1"), tmI(neg), tmI("0"), tmI("-2")},
			want: []string{"int64[2]"}, consts: []string{"[d b]"}},
		{name: "contents 2-D", opset: 13, node: node("Slice"), in: []*shape.Value{tmInts(dims(2, 3), 1, 2, 3, 4, 5, 6), tmI("1"), tmI("3"), tmI("1")},
			want: []string{"int64[2, 2]"}, consts: []string{"[2 3 5 6]"}},
	})
	// With unknown starts, only the sliced axis gets a fresh symbol.
	outs, _ := inferNode(t, 13, node("Slice"), x, tmLen(1), tmI("5"), tmI("2"))
	if outs[0].Rank != 3 || outs[0].Shape[0].String() != "batch" || outs[0].Shape[1].String() != "seq" {
		t.Errorf("unknown starts: %s", shape.TypeString(outs[0]))
	}
}

func TestSliceRange(t *testing.T) {
	for _, c := range []struct{ d, s, e, st, first, n int64 }{
		{10, 0, 10, 1, 0, 10},
		{10, -3, -1, 1, 7, 2},
		{10, -100, 100, 3, 0, 4},
		{10, 9, -100, -1, 9, 10},
		{10, 100, -100, -4, 9, 3},
		{10, -1, -1, -1, 9, 0},
		{0, 0, 5, 1, 0, 0},
		{10, 0, 10, 1 << 62, 0, 1},
		{10, -1 << 63, 1<<63 - 1, 1, 0, 10},
	} {
		first, n := sliceRange(c.d, c.s, c.e, c.st)
		if n != c.n || n > 0 && first != c.first {
			t.Errorf("sliceRange(%d, %d, %d, %d) = %d, %d; want %d, %d", c.d, c.s, c.e, c.st, first, n, c.first, c.n)
		}
	}
}

func TestGather(t *testing.T) {
	shp := tmI("batch", "seq", "768")
	tmRunCases(t, []tmCase{
		{name: "scalar index", opset: 13, node: node("Gather"), in: []*shape.Value{shp, tmScalar("1")},
			want: []string{"int64[]"}, consts: []string{"[seq]"}},
		{name: "negative index", opset: 13, node: node("Gather"), in: []*shape.Value{shp, tmI("-1", "0")},
			want: []string{"int64[2]"}, consts: []string{"[768 batch]"}},
		{name: "out of range", opset: 13, node: node("Gather"), in: []*shape.Value{shp, tmI("3")},
			want: []string{"int64[1]"}, consts: []string{"-"}},
		{name: "embedding", opset: 13, node: node("Gather"), in: []*shape.Value{tmT(onnx.Float, "30522", "768"), tmT(onnx.Int64, "batch", "seq")},
			want: []string{"float32[batch, seq, 768]"}},
		{name: "axis 1", opset: 13, node: node("Gather", attrInt("axis", 1)), in: []*shape.Value{tmT(onnx.Float, "b", "5", "c"), tmT(onnx.Int64, "2", "3")},
			want: []string{"float32[b, 2, 3, c]"}},
		{name: "axis 1 contents", opset: 13, node: node("Gather", attrInt("axis", 1)), in: []*shape.Value{tmFloats(dims(2, 3), 1, 2, 3, 4, 5, 6), tmInts(dims(2), 2, 0)},
			consts: []string{"[3 1 6 4]"}},
		{name: "scalar data", opset: 13, node: node("Gather"), in: []*shape.Value{tmT(onnx.Float), tmI("0")}, err: "scalar"},
		{name: "elements", opset: 13, node: node("GatherElements", attrInt("axis", 1)), in: []*shape.Value{tmT(onnx.Float, "b", "5"), tmT(onnx.Int64, "b", "2")},
			want: []string{"float32[b, 2]"}},
		{name: "elements rank mismatch", opset: 13, node: node("GatherElements"), in: []*shape.Value{tmT(onnx.Float, "b", "5"), tmT(onnx.Int64, "2")},
			err: "rank"},
		{name: "elements contents", opset: 13, node: node("GatherElements", attrInt("axis", 1)), in: []*shape.Value{tmInts(dims(2, 2), 1, 2, 3, 4), tmInts(dims(2, 2), 0, 0, 1, -2)},
			consts: []string{"[1 1 4 3]"}},
		{name: "nd", opset: 13, node: node("GatherND"), in: []*shape.Value{tmT(onnx.Float, "a", "b", "c"), tmT(onnx.Int64, "n", "2")},
			want: []string{"float32[n, c]"}},
		{name: "nd batch dims", opset: 13, node: node("GatherND", attrInt("batch_dims", 1)), in: []*shape.Value{tmT(onnx.Float, "a", "b", "c"), tmT(onnx.Int64, "a", "k", "1")},
			want: []string{"float32[a, k, c]"}},
		{name: "nd symbolic last", opset: 13, node: node("GatherND"), in: []*shape.Value{tmT(onnx.Float, "a", "b", "c"), tmT(onnx.Int64, "n", "m")},
			want: []string{"float32?"}},
		{name: "nd too deep", opset: 13, node: node("GatherND"), in: []*shape.Value{tmT(onnx.Float, "a", "b"), tmT(onnx.Int64, "n", "3")},
			err: "too large"},
		{name: "nd contents", opset: 13, node: node("GatherND", attrInt("batch_dims", 1)), in: []*shape.Value{tmInts(dims(2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7), tmInts(dims(2, 1), 1, 0)},
			want: []string{"int64[2, 2]"}, consts: []string{"[2 3 4 5]"}},
	})
}

func TestScatter(t *testing.T) {
	tmRunCases(t, []tmCase{
		{name: "elements shape", opset: 18, node: node("ScatterElements"), in: []*shape.Value{tmT(onnx.Float, "b", "5"), tmT(onnx.Int64, "b", "2"), tmT(onnx.Float, "b", "2")},
			want: []string{"float32[b, 5]"}},
		{name: "elements add", opset: 18, node: node("ScatterElements", attrInt("axis", 0), attrString("reduction", "add")),
			in:     []*shape.Value{tmI("a", "b", "c"), tmInts(dims(2), 0, 0), tmI("1", "d")},
			consts: []string{"[a + d + 1 b c]"}},
		{name: "elements max", opset: 18, node: node("ScatterElements", attrString("reduction", "max")),
			in:     []*shape.Value{tmFloats(dims(2), 1, 5), tmInts(dims(1), 1), tmFloats(dims(1), 3)},
			consts: []string{"[1 5]"}},
		{name: "legacy scatter", opset: 9, node: node("Scatter"), in: []*shape.Value{tmI("1", "2"), tmInts(dims(1), -1), tmI("n")},
			consts: []string{"[1 n]"}},
		{name: "nd shape", opset: 18, node: node("ScatterND"), in: []*shape.Value{tmT(onnx.Float, "a", "b"), tmT(onnx.Int64, "k", "1"), tmT(onnx.Float, "k", "b")},
			want: []string{"float32[a, b]"}},
		{name: "nd contents", opset: 18, node: node("ScatterND"), in: []*shape.Value{tmInts(dims(2, 2), 1, 2, 3, 4), tmInts(dims(1, 1), 1), tmInts(dims(1, 2), 8, 9)},
			consts: []string{"[1 2 8 9]"}},
		{name: "nd mul", opset: 18, node: node("ScatterND", attrString("reduction", "mul")), in: []*shape.Value{tmI("a", "b"), tmInts(dims(2, 1), 1, 1), tmI("2", "c")},
			consts: []string{"[a 2*b*c]"}},
		{name: "tensor scatter", opset: 24, node: node("TensorScatter"), in: []*shape.Value{tmT(onnx.Float, "b", "h", "max", "d"), tmT(onnx.Float, "b", "h", "s", "d")},
			want: []string{"float32[b, h, max, d]"}},
	})
}

func TestSelect(t *testing.T) {
	tmRunCases(t, []tmCase{
		{name: "nonzero contents", opset: 13, node: node("NonZero"), in: []*shape.Value{tmInts(dims(2, 2), 0, 1, 1, 0)},
			want: []string{"int64[2, 2]"}, consts: []string{"[0 1 1 0]"}},
		{name: "nonzero symbolic", opset: 13, node: node("NonZero"), in: []*shape.Value{tmI("0", "n", "1")},
			want: []string{"int64[1, 2]"}, consts: []string{"[1 2]"}},
		{name: "nonzero floats", opset: 13, node: node("NonZero"), in: []*shape.Value{tmFloats(dims(3), 0, 0.5, 0)},
			consts: []string{"[1]"}},
		{name: "compress known condition", opset: 11, node: node("Compress", attrInt("axis", 1)),
			in:   []*shape.Value{tmT(onnx.Float, "b", "4"), tmInts(dims(3), 1, 0, 1)},
			want: []string{"float32[b, 2]"}},
		{name: "compress flat", opset: 11, node: node("Compress"), in: []*shape.Value{tmT(onnx.Float, "b", "4"), tmInts(dims(3), 1, 0, 1)},
			want: []string{"float32[2]"}},
		{name: "compress contents", opset: 11, node: node("Compress", attrInt("axis", 0)), in: []*shape.Value{tmInts(dims(3, 2), 1, 2, 3, 4, 5, 6), tmInts(dims(2), 0, 1)},
			want: []string{"int64[1, 2]"}, consts: []string{"[3 4]"}},
		{name: "unique contents", opset: 11, node: node("Unique", attrInt("sorted", 0)), in: []*shape.Value{tmInts(dims(6), 2, 1, 1, 3, 4, 3)},
			want:   []string{"int64[4]", "int64[4]", "int64[6]", "int64[4]"},
			consts: []string{"[2 1 3 4]", "[0 1 3 4]", "[0 1 1 2 3 2]", "[1 2 2 1]"}},
		{name: "unique sorted axis", opset: 11, node: node("Unique", attrInt("axis", 0)), in: []*shape.Value{tmInts(dims(3, 3), 1, 0, 0, 1, 0, 0, 2, 3, 4)},
			want:   []string{"int64[2, 3]", "int64[2]", "int64[3]", "int64[2]"},
			consts: []string{"[1 0 0 2 3 4]", "[0 2]", "[0 0 1]", "[2 1]"}},
		{name: "unique strings", opset: 11, node: node("Unique"), in: []*shape.Value{tmStrs(dims(3), "b", "a", "b")},
			consts: []string{`["a" "b"]`}},
		{name: "topk", opset: 11, node: node("TopK"), in: []*shape.Value{tmT(onnx.Float, "b", "100"), tmI("k")},
			want: []string{"float32[b, k]", "int64[b, k]"}},
		{name: "topk axis", opset: 11, node: node("TopK", attrInt("axis", 0)), in: []*shape.Value{tmT(onnx.Float, "b", "100"), tmScalar("5")},
			want: []string{"float32[5, 100]", "int64[5, 100]"}},
		{name: "topk v1", opset: 1, node: node("TopK", attrInt("k", 3)), in: []*shape.Value{tmT(onnx.Float, "b", "100")},
			want: []string{"float32[b, 3]", "int64[b, 3]"}},
		{name: "topk too large", opset: 11, node: node("TopK"), in: []*shape.Value{tmT(onnx.Float, "4"), tmI("5")},
			want: []string{"", ""}, err: "exceeds"},
		{name: "topk contents", opset: 11, node: node("TopK", attrInt("largest", 0)), in: []*shape.Value{tmFloats(dims(2, 3), 3, 1, 2, 5, 5, 4), tmI("2")},
			consts: []string{"[1 2 4 5]", "[1 2 2 0]"}},
		{name: "onehot", opset: 11, node: node("OneHot"), in: []*shape.Value{tmT(onnx.Int64, "b", "s"), tmScalar("10"), tmT(onnx.Float, "2")},
			want: []string{"float32[b, s, 10]"}},
		{name: "onehot axis float depth", opset: 11, node: node("OneHot", attrInt("axis", 0)), in: []*shape.Value{tmT(onnx.Int64, "b"), tmFloats(nil, 3.7), tmT(onnx.Float, "2")},
			want: []string{"float32[3, b]"}},
		{name: "onehot contents", opset: 11, node: node("OneHot"), in: []*shape.Value{tmInts(dims(2), 1, -1), tmScalar("3"), tmInts(dims(2), 0, 7)},
			want: []string{"int64[2, 3]"}, consts: []string{"[0 7 0 0 0 7]"}},
		{name: "reverse sequence", opset: 10, node: node("ReverseSequence"), in: []*shape.Value{tmT(onnx.Float, "t", "b", "4"), tmT(onnx.Int64, "b")},
			want: []string{"float32[t, b, 4]"}},
		{name: "reverse sequence contents", opset: 10, node: node("ReverseSequence", attrInt("batch_axis", 0), attrInt("time_axis", 1)),
			in:     []*shape.Value{tmInts(dims(2, 3), 1, 2, 3, 4, 5, 6), tmInts(dims(2), 2, 3)},
			consts: []string{"[2 1 3 6 5 4]"}},
	})
}

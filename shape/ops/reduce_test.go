package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestReduce(t *testing.T) {
	x := tmT(onnx.Float, "batch", "seq", "768")
	shp := tmI("batch", "seq", "12")
	tmRunCases(t, []tmCase{
		{name: "sum attr keepdims", opset: 11, node: node("ReduceSum", attrInts("axes", -1)), in: []*shape.Value{x},
			want: []string{"float32[batch, seq, 1]"}},
		{name: "sum input", opset: 13, node: node("ReduceSum", attrInt("keepdims", 0)), in: []*shape.Value{x, tmI("1")},
			want: []string{"float32[batch, 768]"}},
		{name: "sum all", opset: 13, node: node("ReduceSum", attrInt("keepdims", 0)), in: []*shape.Value{x},
			want: []string{"float32[]"}},
		{name: "sum all keepdims", opset: 13, node: node("ReduceSum"), in: []*shape.Value{x, tmI()},
			want: []string{"float32[1, 1, 1]"}},
		{name: "sum noop", opset: 13, node: node("ReduceSum", attrInt("noop_with_empty_axes", 1)), in: []*shape.Value{x},
			want: []string{"float32[batch, seq, 768]"}},
		{name: "noop ignored before 13", opset: 11, node: node("ReduceSum", attrInt("noop_with_empty_axes", 1)), in: []*shape.Value{x},
			want: []string{"float32[1, 1, 1]"}},
		{name: "mean attr at 13", opset: 13, node: node("ReduceMean", attrInts("axes", 1), attrInt("keepdims", 0)), in: []*shape.Value{x},
			want: []string{"float32[batch, 768]"}},
		{name: "mean input at 18", opset: 18, node: node("ReduceMean", attrInt("keepdims", 0)), in: []*shape.Value{x, tmI("-2", "0")},
			want: []string{"float32[768]"}},
		{name: "unknown axes keepdims", opset: 18, node: node("ReduceMax"), in: []*shape.Value{x, tmLen(1)},
			want: []string{""}},
		{name: "unknown axes count", opset: 18, node: node("ReduceMax", attrInt("keepdims", 0)), in: []*shape.Value{x, tmLen(2)},
			want: []string{""}},
		{name: "bad axis", opset: 18, node: node("ReduceMax"), in: []*shape.Value{x, tmI("3")}, err: "out of range"},
		{name: "repeated axis", opset: 18, node: node("ReduceMax"), in: []*shape.Value{x, tmI("1", "-2")}, err: "repeated"},
		{name: "unknown rank all", opset: 18, node: node("ReduceL2", attrInt("keepdims", 0)), in: []*shape.Value{noShape},
			want: []string{"float32[]"}},
		{name: "prod of shape", opset: 13, node: node("ReduceProd", attrInt("keepdims", 0)), in: []*shape.Value{shp},
			want: []string{"int64[]"}, consts: []string{"[12*batch*seq]"}},
		{name: "sum of shape", opset: 13, node: node("ReduceSum"), in: []*shape.Value{shp},
			want: []string{"int64[1]"}, consts: []string{"[batch + seq + 12]"}},
		{name: "max of shape", opset: 18, node: node("ReduceMax"), in: []*shape.Value{tmI("seq", "seq + 1")},
			consts: []string{"[seq + 1]"}},
		{name: "min symbolic", opset: 18, node: node("ReduceMin", attrInt("keepdims", 0)), in: []*shape.Value{tmI("a", "b")},
			consts: []string{"[min(a, b)]"}},
		{name: "mean ints truncates", opset: 18, node: node("ReduceMean"), in: []*shape.Value{tmI("3", "4")},
			consts: []string{"[3]"}},
		{name: "mean floats axis", opset: 18, node: node("ReduceMean"), in: []*shape.Value{tmFloats(dims(2, 2), 1, 2, 3, 5), tmI("1")},
			want: []string{"float32[2, 1]"}, consts: []string{"[1.5 4]"}},
		{name: "sum floats axis 0", opset: 13, node: node("ReduceSum", attrInt("keepdims", 0)), in: []*shape.Value{tmFloats(dims(2, 2), 1, 2, 3, 5), tmI("0")},
			consts: []string{"[4 7]"}},
		{name: "l2", opset: 18, node: node("ReduceL2"), in: []*shape.Value{tmFloats(dims(2), 3, 4)},
			consts: []string{"[5]"}},
		{name: "noop contents", opset: 18, node: node("ReduceMax", attrInt("noop_with_empty_axes", 1)), in: []*shape.Value{tmI("a", "b")},
			consts: []string{"[a b]"}},
		{name: "argmax", opset: 13, node: node("ArgMax", attrInt("axis", 1)), in: []*shape.Value{x},
			want: []string{"int64[batch, 1, 768]"}},
		{name: "argmin no keepdims", opset: 13, node: node("ArgMin", attrInt("axis", -1), attrInt("keepdims", 0)), in: []*shape.Value{x},
			want: []string{"int64[batch, seq]"}},
		{name: "argmax contents", opset: 13, node: node("ArgMax", attrInt("keepdims", 0)), in: []*shape.Value{tmFloats(dims(3), 1, 5, 5)},
			want: []string{"int64[]"}, consts: []string{"[1]"}},
		{name: "argmax last index", opset: 13, node: node("ArgMax", attrInt("select_last_index", 1)), in: []*shape.Value{tmFloats(dims(3), 1, 5, 5)},
			want: []string{"int64[1]"}, consts: []string{"[2]"}},
		{name: "argmin symbolic", opset: 13, node: node("ArgMin"), in: []*shape.Value{tmI("seq + 2", "seq", "seq + 1")},
			consts: []string{"[1]"}},
		{name: "argmin undecidable", opset: 13, node: node("ArgMin"), in: []*shape.Value{tmI("a", "b")},
			want: []string{"int64[1]"}, consts: []string{"-"}},
	})
}

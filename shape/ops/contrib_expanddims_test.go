package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestContribExpandDims(t *testing.T) {
	f32, i32 := onnx.Float, onnx.Int32
	x := mltT(f32, "B", 3, 4)
	ax := func(a int64) *shape.Value { return mltI32(nil, a) }
	mltRun(t, msDomain, []mltCase{
		{name: "front", op: "ExpandDims", in: []*shape.Value{x, ax(0)}, want: []string{"float32[1, B, 3, 4]"}},
		{name: "middle", op: "ExpandDims", in: []*shape.Value{x, ax(2)}, want: []string{"float32[B, 3, 1, 4]"}},
		{name: "end", op: "ExpandDims", in: []*shape.Value{x, ax(3)}, want: []string{"float32[B, 3, 4, 1]"}},
		{name: "minus one appends", op: "ExpandDims", in: []*shape.Value{x, ax(-1)}, want: []string{"float32[B, 3, 4, 1]"}},
		{name: "minus rank", op: "ExpandDims", in: []*shape.Value{x, ax(-3)}, want: []string{"float32[B, 1, 3, 4]"}},
		{name: "scalar", op: "ExpandDims", in: []*shape.Value{mltT(onnx.Int64), ax(0)}, want: []string{"int64[1]"}},
		{name: "axis unknown", op: "ExpandDims", in: []*shape.Value{x, mltT(i32)}, want: []string{"float32[*, *, *, *]"}},
		{name: "input unranked", op: "ExpandDims", in: []*shape.Value{shape.UnknownRank(f32), ax(0)}, want: []string{"float32?"}},
		{name: "too far", op: "ExpandDims", in: []*shape.Value{x, ax(4)}, err: "want in [-3, 3]"},
		{name: "too far back", op: "ExpandDims", in: []*shape.Value{x, ax(-4)}, err: "want in [-3, 3]"},
		{name: "axis int64", op: "ExpandDims", in: []*shape.Value{x, constInts(0)}, err: "want int32"},
		{name: "axis vector", op: "ExpandDims", in: []*shape.Value{x, mltI32([]int64{1}, 0)}, err: "want a scalar"},
		{name: "axis missing", op: "ExpandDims", in: []*shape.Value{x}, err: "missing"},
	})
}

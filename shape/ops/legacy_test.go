package ops

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestLegacyShapes(t *testing.T) {
	f32 := onnx.Float
	img := mltT(f32, "N", 3, 224, 224)
	mltRun(t, "", []mltCase{
		{op: "ImageScaler", opset: 8, attrs: []*onnx.Attribute{mltFloats("bias", 1, 2, 3), attrFloat("scale", 0.5)}, in: []*shape.Value{img}, want: []string{"float32[N, 3, 224, 224]"}},
		{name: "imagescaler_bias", op: "ImageScaler", opset: 8, attrs: []*onnx.Attribute{mltFloats("bias", 1, 2)}, in: []*shape.Value{img}, err: "2 values for 3 channels"},
		{name: "imagescaler_rank", op: "ImageScaler", opset: 8, in: []*shape.Value{mltT(f32, 3, 4)}, err: "rank 2"},
		{name: "imagescaler_opset10", op: "ImageScaler", opset: 10, in: []*shape.Value{img}, want: []string{"float32[N, 3, 224, 224]"}},
		{op: "Scale", opset: 7, attrs: []*onnx.Attribute{attrFloat("scale", 2)}, in: []*shape.Value{mltT(onnx.Double, "B", 7)}, want: []string{"float64[B, 7]"}},
		{op: "ScaledTanh", opset: 7, in: []*shape.Value{mltT(onnx.Float16, 2)}, want: []string{"float16[2]"}},
		{op: "ParametricSoftplus", opset: 7, in: []*shape.Value{mltT(f32, 2, 3)}, want: []string{"float32[2, 3]"}},
		{op: "Affine", opset: 7, in: []*shape.Value{shape.UnknownRank(f32)}, want: []string{"float32?"}},
		// Crop
		{name: "crop_border", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 1, 2, 3, 4)}, in: []*shape.Value{mltT(f32, 1, 3, 20, 30)}, want: []string{"float32[1, 3, 14, 26]"}},
		{name: "crop_border_sym", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 1, 2, 3, 4)}, in: []*shape.Value{mltT(f32, "N", 3, "H", "W")}, want: []string{"float32[N, 3, H - 6, W - 4]"}},
		{name: "crop_scale", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 1, 2, 3, 4), attrInts("scale", 10, 12)}, in: []*shape.Value{mltT(f32, 1, 3, 20, 30)}, want: []string{"float32[1, 3, 10, 12]"}},
		{name: "crop_scale_too_big", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 1, 2, 3, 4), attrInts("scale", 19, 12)}, in: []*shape.Value{mltT(f32, 1, 3, 20, 30)}, err: "height 20"},
		{name: "crop_border_too_big", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 1, 12, 3, 10)}, in: []*shape.Value{mltT(f32, 1, 3, 20, 30)}, err: "height"},
		{name: "crop_noborder", op: "Crop", opset: 8, in: []*shape.Value{img}, err: "border"},
		{name: "crop_badscale", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 0, 0, 0, 0), attrInts("scale", 1)}, in: []*shape.Value{img}, err: "scale"},
		{name: "crop_rank", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 0, 0, 0, 0)}, in: []*shape.Value{mltT(f32, 3, 4)}, err: "rank 2"},
		{name: "crop_unknown", op: "Crop", opset: 8, attrs: []*onnx.Attribute{attrInts("border", 0, 0, 0, 0)}, in: []*shape.Value{shape.UnknownRank(f32)}, want: []string{"float32[*, *, *, *]"}},
		// GRUUnit
		{op: "GRUUnit", opset: 8, in: []*shape.Value{mltT(f32, 1, "N", 16), mltT(f32, 1, "N", 48), mltT(f32, "N"), mltT(f32, 1)}, want: []string{"float32[1, N, 16]"}},
		// ConstantFill
		{name: "cfill_shape", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInts("shape", 2, 3), attrInt("dtype", int64(onnx.Int64))}, want: []string{"int64[2, 3]"}},
		{name: "cfill_input", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInts("extra_shape", 4)}, in: []*shape.Value{mltT(onnx.Int32, "N", 2)}, want: []string{"float32[N, 2, 4]"}},
		{name: "cfill_scalar", op: "ConstantFill", opset: 7, want: []string{"float32[]"}},
		{name: "cfill_as_shape_unknown", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInt("input_as_shape", 1)}, in: []*shape.Value{mltT(onnx.Int64, 3)}, want: []string{"float32[*, *, *]"}},
		{name: "cfill_as_shape_unknown_rank", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInt("input_as_shape", 1)}, in: []*shape.Value{mltT(onnx.Int64, "K")}, want: []string{"float32?"}},
		{name: "cfill_both", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInts("shape", 2)}, in: []*shape.Value{mltT(f32, 2)}, err: "cannot be used together"},
		{name: "cfill_extra_noinput", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInts("extra_shape", 2)}, err: "extra_shape"},
		{name: "cfill_dtype", op: "ConstantFill", opset: 7, attrs: []*onnx.Attribute{attrInt("dtype", int64(onnx.Double))}, err: "dtype"},
		// GivenTensorFill
		{name: "gfill_shape", op: "GivenTensorFill", opset: 7, attrs: []*onnx.Attribute{attrInts("shape", 2, 2), mltFloats("values", 1, 2, 3, 4)}, want: []string{"float32[2, 2]"}},
		{name: "gfill_input", op: "GivenTensorFill", opset: 7, attrs: []*onnx.Attribute{mltFloats("values", 1, 2, 3, 4, 5, 6)}, in: []*shape.Value{mltT(onnx.Double, 2, 3)}, want: []string{"float64[2, 3]"}},
		{name: "gfill_count", op: "GivenTensorFill", opset: 7, attrs: []*onnx.Attribute{attrInts("shape", 2, 2), mltFloats("values", 1, 2, 3)}, err: "3 values"},
		// FC
		{op: "FC", opset: 7, in: []*shape.Value{mltT(f32, "N", 3, 4, 4), mltT(f32, 10, 48), mltT(f32, 10)}, want: []string{"float32[N, 10]"}},
		{name: "fc_axis", op: "FC", opset: 7, attrs: []*onnx.Attribute{attrInt("axis", 2), attrInt("axis_w", 2)}, in: []*shape.Value{mltT(f32, 2, 5, 8), mltT(f32, 3, 4, 8), mltT(f32, 12)}, want: []string{"float32[2, 5, 12]"}},
		{name: "fc_mismatch", op: "FC", opset: 7, in: []*shape.Value{mltT(f32, 2, 5), mltT(f32, 3, 4), mltT(f32, 3)}, err: "5 features but W has 4"},
		// DynamicSlice applies Slice-10.
		{op: "DynamicSlice", opset: 8, in: []*shape.Value{mltT(f32, 2, 4), mltInts(1, 0), mltInts(2, 3)}, want: []string{"float32[1, 3]"}},
		{name: "dynslice_axes", op: "DynamicSlice", opset: 8, in: []*shape.Value{mltT(f32, "N", 10), mltInts(1), mltInts(-1), mltInts(1)}, want: []string{"float32[N, 8]"}},
	})
}

func TestLegacyFillContents(t *testing.T) {
	// ConstantFill: the contents only depend on the shape.
	out, cv := mltEval(t, "", 7, node("ConstantFill", attrInts("extra_shape", 2), attrFloat("value", 2.7), attrInt("dtype", int64(onnx.Int32))), mltT(onnx.Float, 2))
	if got := mltIntsOf(cv); shape.TypeString(out) != "int32[2, 2]" || got != "[2 2 2 2]" {
		t.Errorf("ConstantFill int: %s %s", shape.TypeString(out), got)
	}
	_, cv = mltEval(t, "", 7, node("ConstantFill", attrInts("shape", 3), attrFloat("value", 0.5)))
	if cv == nil || fmt.Sprint(cv.Floats) != "[0.5 0.5 0.5]" {
		t.Errorf("ConstantFill float: %v", cv)
	}
	_, cv = mltEval(t, "", 7, node("ConstantFill", attrInts("shape", 2), attrFloat("value", 0.5), attrInt("dtype", int64(onnx.Bool))))
	if got := mltIntsOf(cv); got != "[1 1]" {
		t.Errorf("ConstantFill bool: %s", got)
	}
	// input_as_shape reads the input's contents.
	out, _ = mltEval(t, "", 7, node("ConstantFill", attrInt("input_as_shape", 1), attrInts("extra_shape", 5)), mltInts(2, 3))
	if shape.TypeString(out) != "float32[2, 3, 5]" {
		t.Errorf("ConstantFill input_as_shape: %s", shape.TypeString(out))
	}
	// GivenTensorFill holds its values.
	_, cv = mltEval(t, "", 7, node("GivenTensorFill", attrInts("shape", 2), mltFloats("values", 4, 5)))
	if cv == nil || fmt.Sprint(cv.Floats) != "[4 5]" {
		t.Errorf("GivenTensorFill: %v", cv)
	}
	// Deprecated at opset 10: inferred with a note.
	_, res := mltRunNode(t, "", 10, node("Scale"), 1, mltT(onnx.Float, 2))
	if notes := res.Graph.Nodes[0].Notes; len(notes) == 0 || !strings.Contains(notes[0], "removed from ONNX") {
		t.Errorf("notes: %v", notes)
	}
}

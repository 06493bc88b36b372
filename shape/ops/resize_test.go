package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// tmScales is a 1-D float32 tensor of known contents.
func tmScales(vals ...float64) *shape.Value { return tmFloats(dims(int64(len(vals))), vals...) }

func TestResize(t *testing.T) {
	x := tmT(onnx.Float, "n", "3", "h", "w")
	x7 := tmT(onnx.Float, "1", "3", "7", "7")
	tmRunCases(t, []tmCase{
		{name: "upsample v1", opset: 1, node: node("Upsample", attrFloat("height_scale", 2), attrFloat("width_scale", 3)), in: []*shape.Value{x},
			want: []string{"float32[n, 3, 2*h, 3*w]"}},
		{name: "upsample v7", opset: 7, node: node("Upsample", &onnx.Attribute{Name: "scales", Type: onnx.AttrFloats, Floats: []float32{1, 1, 2, 2}}), in: []*shape.Value{x},
			want: []string{"float32[n, 3, 2*h, 2*w]"}},
		{name: "upsample v9", opset: 9, node: node("Upsample"), in: []*shape.Value{x7, tmScales(1, 1, 1.5, 2.5)},
			want: []string{"float32[1, 3, 10, 17]"}},
		{name: "resize v10", opset: 10, node: node("Resize"), in: []*shape.Value{x, tmScales(1, 1, 0.5, 0.5)},
			want: []string{"float32[n, 3, floor(h/2), floor(w/2)]"}},
		{name: "resize v11 scales", opset: 11, node: node("Resize"), in: []*shape.Value{x, tmScales(), tmScales(1, 1, 1.5, 2)},
			want: []string{"float32[n, 3, floor(h/2) + h, 2*w]"}},
		{name: "resize v11 sizes", opset: 11, node: node("Resize"), in: []*shape.Value{x, tmScales(), tmScales(), tmI("n", "3", "224", "s")},
			want: []string{"float32[n, 3, 224, s]"}},
		{name: "resize v13 sizes only", opset: 13, node: node("Resize"), in: []*shape.Value{x, nil, nil, tmI("1", "3", "4", "5")},
			want: []string{"float32[1, 3, 4, 5]"}},
		{name: "float32 rounding", opset: 13, node: node("Resize"), in: []*shape.Value{tmT(onnx.Float, "10"), nil, tmScales(0.3)},
			want: []string{"float32[3]"}},
		{name: "inexact scale of symbolic dim", opset: 13, node: node("Resize"), in: []*shape.Value{tmT(onnx.Float, "h"), nil, tmScales(0.3)},
			want: []string{""}},
		{name: "axes v18", opset: 18, node: node("Resize", attrInts("axes", -1, 2)), in: []*shape.Value{x, nil, tmScales(4, 2)},
			want: []string{"float32[n, 3, 2*h, 4*w]"}},
		{name: "not larger", opset: 18, node: node("Resize", attrString("keep_aspect_ratio_policy", "not_larger"), attrInts("axes", 2, 3)),
			in: []*shape.Value{tmT(onnx.Float, "1", "3", "200", "100"), nil, nil, tmI("50", "50")}, want: []string{"float32[1, 3, 50, 25]"}},
		{name: "not smaller", opset: 18, node: node("Resize", attrString("keep_aspect_ratio_policy", "not_smaller"), attrInts("axes", 2, 3)),
			in: []*shape.Value{tmT(onnx.Float, "1", "3", "200", "100"), nil, nil, tmI("50", "50")}, want: []string{"float32[1, 3, 100, 50]"}},
		{name: "policy ignored for scales", opset: 18, node: node("Resize", attrString("keep_aspect_ratio_policy", "not_larger")),
			in: []*shape.Value{x7, nil, tmScales(1, 1, 2, 1)}, want: []string{"float32[1, 3, 14, 7]"}},
		{name: "wrong count", opset: 13, node: node("Resize"), in: []*shape.Value{x, nil, tmScales(2, 2)}, err: "for 4 axes"},
		{name: "neither", opset: 13, node: node("Resize"), in: []*shape.Value{x}, err: "neither"},
		{name: "unknown scales", opset: 13, node: node("Resize"), in: []*shape.Value{x, nil, shape.TensorDims(onnx.Float, 4)},
			want: []string{""}},
	})
	outs, _ := inferNode(t, 13, node("Resize"), tmT(onnx.Float, "h"), nil, tmScales(0.3))
	if outs[0].Rank != 1 {
		t.Errorf("inexact scale: %s", shape.TypeString(outs[0]))
	}
}

func TestScaledDim(t *testing.T) {
	for _, c := range []struct {
		d     string
		s     float32
		want  string
		exact bool
	}{
		{"7", 1.5, "10", true},
		{"10", 0.7, "7", true}, // 6.99999988 in float64, 7 once rounded to float32
		{"10", 0.3, "3", true},
		{"h", 2, "2*h", true},
		{"h", 0.25, "floor(h/4)", true},
		{"h", 0.75, "floor(3*h/4)", true},
		{"h", 0.3, "", false},
		{"h", 0, "", false},
	} {
		got, ok := scaledDim(sym.MustParse(c.d), c.s)
		if ok != c.exact || ok && got.String() != c.want {
			t.Errorf("scaledDim(%s, %g) = %s, %v; want %s, %v", c.d, c.s, got, ok, c.want, c.exact)
		}
	}
}

func TestGridAndCol2Im(t *testing.T) {
	tmRunCases(t, []tmCase{
		{name: "grid sample", opset: 16, node: node("GridSample"), in: []*shape.Value{tmT(onnx.Float, "n", "c", "h", "w"), tmT(onnx.Float, "n", "ho", "wo", "2")},
			want: []string{"float32[n, c, ho, wo]"}},
		{name: "grid sample 3-D", opset: 20, node: node("GridSample"), in: []*shape.Value{tmT(onnx.Float, "n", "c", "d", "h", "w"), tmT(onnx.Float, "2", "4", "5", "6", "3")},
			want: []string{"float32[2, c, 4, 5, 6]"}},
		{name: "grid sample mismatch", opset: 20, node: node("GridSample"), in: []*shape.Value{tmT(onnx.Float, "n", "c", "h", "w"), tmT(onnx.Float, "n", "4", "5", "3")},
			err: "last dim"},
		{name: "affine grid", opset: 20, node: node("AffineGrid"), in: []*shape.Value{tmT(onnx.Float, "n", "2", "3"), tmI("n", "3", "h", "w")},
			want: []string{"float32[n, h, w, 2]"}},
		{name: "affine grid 3-D", opset: 20, node: node("AffineGrid"), in: []*shape.Value{tmT(onnx.Float, "n", "3", "4"), tmI("2", "3", "4", "5", "6")},
			want: []string{"float32[2, 4, 5, 6, 3]"}},
		{name: "affine grid unknown size", opset: 20, node: node("AffineGrid"), in: []*shape.Value{tmT(onnx.Float, "n", "2", "3"), tmLen(4)},
			want: []string{""}},
		{name: "col2im", opset: 18, node: node("Col2Im"), in: []*shape.Value{tmT(onnx.Float, "n", "12", "l"), tmI("5", "6"), tmI("2", "2")},
			want: []string{"float32[n, 3, 5, 6]"}},
		{name: "col2im indivisible", opset: 18, node: node("Col2Im"), in: []*shape.Value{tmT(onnx.Float, "n", "10", "l"), tmI("5", "6"), tmI("2", "2")},
			err: "multiple"},
	})
}

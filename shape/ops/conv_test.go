package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestConvShapes(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		x, w  string
		want  string
	}{
		{"2d default", nil, "1, 3, 32, 32", "8, 3, 3, 3", "1, 8, 30, 30"},
		{"2d symbolic pads strides", []*onnx.Attribute{attrInts("pads", 1, 1, 1, 1), attrInts("strides", 2, 2)},
			"N, 3, H, W", "8, 3, 3, 3", "N, 8, floor((H - 1)/2) + 1, floor((W - 1)/2) + 1"},
		{"resnet stem", []*onnx.Attribute{attrInts("pads", 3, 3, 3, 3), attrInts("strides", 2, 2), attrInts("kernel_shape", 7, 7)},
			"N, 3, H, W", "64, 3, 7, 7", "N, 64, floor((H + 1)/2), floor((W + 1)/2)"},
		{"dilation", []*onnx.Attribute{attrInts("dilations", 2, 3)}, "1, 3, H, 20", "4, 3, 3, 3", "1, 4, H - 4, 14"},
		{"asymmetric pads", []*onnx.Attribute{attrInts("pads", 1, 0, 2, 0), attrInts("strides", 2, 1)}, "1, 1, 7, 5", "1, 1, 3, 3", "1, 1, 4, 3"},
		{"same upper", []*onnx.Attribute{attrString("auto_pad", "SAME_UPPER"), attrInts("strides", 2, 2)}, "1, 3, H, 7", "8, 3, 3, 3", "1, 8, ceil(H/2), 4"},
		{"same lower", []*onnx.Attribute{attrString("auto_pad", "SAME_LOWER")}, "1, 3, H, 7", "8, 3, 3, 3", "1, 8, H, 7"},
		{"valid", []*onnx.Attribute{attrString("auto_pad", "VALID"), attrInts("strides", 2, 2)}, "1, 3, H, 8", "8, 3, 3, 3", "1, 8, floor((H - 3)/2) + 1, 3"},
		{"1d", nil, "2, 4, L", "6, 4, 5", "2, 6, L - 4"},
		{"3d groups", []*onnx.Attribute{attrInt("group", 2)}, "1, 4, 5, 6, 7", "6, 2, 1, 2, 3", "1, 6, 5, 5, 5"},
		{"depthwise", []*onnx.Attribute{attrInt("group", 32), attrInts("pads", 1, 1, 1, 1)}, "B, 32, 56, 56", "32, 1, 3, 3", "B, 32, 56, 56"},
		{"symbolic kernel", nil, "1, 3, H, W", "8, 3, K, K", "1, 8, H - K + 1, W - K + 1"},
		{"unknown input rank", nil, "?", "8, 3, 3, 3", "?"},
		{"unknown weight with kernel_shape", []*onnx.Attribute{attrInts("kernel_shape", 3, 3)}, "1, 3, 10, 10", "?", "1, *, 8, 8"},
		{"unknown weight", nil, "1, 3, 10, 10", "?", "1, *, *, *"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs, res := inferNode(t, 11, node("Conv", tc.attrs...), nnT(f, tc.x), nnT(f, tc.w))
			nnOK(t, res)
			nnCheck(t, "Y", outs[0], f, tc.want)
		})
	}
}

func TestConvErrors(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		x, w  string
		want  string
	}{
		{"channels", nil, "1, 4, 8, 8", "8, 3, 3, 3", "channels"},
		{"groups", []*onnx.Attribute{attrInt("group", 2)}, "1, 4, 8, 8", "3, 2, 3, 3", "divisible"},
		{"weight rank", nil, "1, 3, 8, 8", "8, 3, 3", "rank"},
		{"input rank", nil, "3, 8", "8, 3, 3", "rank 2"},
		{"pads length", []*onnx.Attribute{attrInts("pads", 1, 1)}, "1, 3, 8, 8", "8, 3, 3, 3", "pads"},
		{"strides", []*onnx.Attribute{attrInts("strides", 0, 1)}, "1, 3, 8, 8", "8, 3, 3, 3", "positive"},
		{"auto_pad", []*onnx.Attribute{attrString("auto_pad", "SAME")}, "1, 3, 8, 8", "8, 3, 3, 3", "auto_pad"},
		{"too small", nil, "1, 3, 2, 8", "8, 3, 5, 3", "too small"},
		{"kernel_shape length", []*onnx.Attribute{attrInts("kernel_shape", 3)}, "1, 3, 8, 8", "8, 3, 3, 3", "kernel_shape"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := inferNode(t, 11, node("Conv", tc.attrs...), nnT(f, tc.x), nnT(f, tc.w))
			nnFails(t, res, tc.want)
		})
	}
	_, res := inferNode(t, 11, node("Conv"), nnT(f, "1, 3, 8, 8"))
	nnFails(t, res, "missing")
}

func TestConvIntegerAndQLinearConv(t *testing.T) {
	u8, i8 := onnx.Uint8, onnx.Int8
	outs, res := inferNode(t, 10, node("ConvInteger", attrInts("pads", 1, 1, 1, 1)), nnT(u8, "1, 1, 3, 3"), nnT(u8, "1, 1, 2, 2"), nnT(u8, ""))
	nnOK(t, res)
	nnCheck(t, "ConvInteger", outs[0], onnx.Int32, "1, 1, 4, 4")

	scale := nnT(onnx.Float, "")
	outs, res = inferNode(t, 10, node("QLinearConv", attrInts("strides", 2, 2)),
		nnT(u8, "N, 3, 9, 9"), scale, nnT(u8, ""), nnT(i8, "4, 3, 3, 3"), scale, nnT(i8, ""), scale, nnT(i8, ""), nnT(onnx.Int32, "4"))
	nnOK(t, res)
	nnCheck(t, "QLinearConv", outs[0], i8, "N, 4, 4, 4")
}

func TestDeformConv(t *testing.T) {
	f := onnx.Float
	outs, res := inferNode(t, 19, node("DeformConv", attrInts("pads", 1, 1, 1, 1), attrInt("offset_group", 1)),
		nnT(f, "N, 4, H, W"), nnT(f, "6, 4, 3, 3"), nnT(f, "N, 18, H, W"), nnT(f, "6"), nnT(f, "N, 9, H, W"))
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], f, "N, 6, H, W")
	_, res = inferNode(t, 19, node("DeformConv", attrString("auto_pad", "SAME_UPPER")), nnT(f, "1, 1, 4, 4"), nnT(f, "1, 1, 2, 2"), nnT(f, "1, 8, 3, 3"))
	nnFails(t, res, "auto_pad")
}

func TestConvTranspose(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		x, w  string
		want  string
	}{
		{"default", nil, "1, 1, 3, 3", "1, 2, 3, 3", "1, 2, 5, 5"},
		{"strides output_padding", []*onnx.Attribute{attrInts("strides", 3, 2), attrInts("output_padding", 1, 1)}, "1, 1, 3, 3", "1, 2, 3, 3", "1, 2, 10, 8"},
		{"pads", []*onnx.Attribute{attrInts("strides", 3, 2), attrInts("pads", 1, 2, 1, 2)}, "1, 1, 3, 3", "1, 2, 3, 3", "1, 2, 7, 3"},
		{"output_shape", []*onnx.Attribute{attrInts("strides", 3, 2), attrInts("output_shape", 10, 8)}, "1, 1, 3, 3", "1, 2, 3, 3", "1, 2, 10, 8"},
		{"output_shape with N and C", []*onnx.Attribute{attrInts("output_shape", 1, 2, 10, 8)}, "1, 1, 3, 3", "1, 2, 3, 3", "1, 2, 10, 8"},
		{"same upper", []*onnx.Attribute{attrString("auto_pad", "SAME_UPPER"), attrInts("strides", 2, 2)}, "N, 1, H, 3", "1, 2, 3, 3", "N, 2, 2*H, 6"},
		{"valid", []*onnx.Attribute{attrString("auto_pad", "VALID"), attrInts("pads", 1, 1, 1, 1)}, "1, 1, 3, 3", "1, 2, 3, 3", "1, 2, 5, 5"},
		{"dilations symbolic", []*onnx.Attribute{attrInts("dilations", 2, 2), attrInts("strides", 2, 2)}, "N, 1, H, W", "1, 2, 2, 2", "N, 2, 2*H + 1, 2*W + 1"},
		{"groups", []*onnx.Attribute{attrInt("group", 2)}, "1, 4, 3", "4, 3, 2", "1, 6, 4"},
		{"3d", nil, "1, 1, 3, 4, 5", "1, 2, 3, 3, 3", "1, 2, 5, 6, 7"},
		{"unknown rank", nil, "?", "1, 2, 3, 3", "?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs, res := inferNode(t, 11, node("ConvTranspose", tc.attrs...), nnT(f, tc.x), nnT(f, tc.w))
			nnOK(t, res)
			nnCheck(t, "Y", outs[0], f, tc.want)
		})
	}
	_, res := inferNode(t, 11, node("ConvTranspose"), nnT(f, "1, 2, 3, 3"), nnT(f, "1, 2, 3, 3"))
	nnFails(t, res, "channels")
	_, res = inferNode(t, 1, node("ConvTranspose", attrInts("output_shape", 5)), nnT(f, "1, 1, 3, 3"), nnT(f, "1, 2, 3, 3"))
	nnFails(t, res, "output_shape")
	_, res = inferNode(t, 1, node("ConvTranspose", attrInts("pads", 5, 5, 5, 5)), nnT(f, "1, 1, 3, 3"), nnT(f, "1, 2, 3, 3"))
	nnFails(t, res, "negative")
}

func TestCausalConvWithState(t *testing.T) {
	f := onnx.Float
	n := node("CausalConvWithState")
	n.Outputs = nnOuts(2)
	outs, res := inferNode(t, 27, n, nnT(f, "B, 64, L"), nnT(f, "64, 1, 4"), nnT(f, "64"), nnT(f, "B, 64, 3"))
	nnOK(t, res)
	nnCheck(t, "output", outs[0], f, "B, 64, L")
	nnCheck(t, "present_state", outs[1], f, "B, 64, 3")

	n = node("CausalConvWithState")
	n.Outputs = nnOuts(2)
	_, res = inferNode(t, 27, n, nnT(f, "B, 64"), nnT(f, "64, 1, 4"))
	nnFails(t, res, "rank 2")
}

// The window arithmetic must equal the formula for every size, not just
// the simplified symbolic form.
func TestWindowOutDimMatchesFormula(t *testing.T) {
	for k := int64(1); k <= 4; k++ {
		for s := int64(1); s <= 3; s++ {
			for pb := int64(0); pb < k; pb++ {
				for pe := int64(0); pe < k+2; pe++ {
					w := &window{kernel: shape.Dims(k), strides: []int64{s}, dilations: []int64{1}, pads: []int64{pb, pe}, autoPad: "NOTSET"}
					for in := k; in < k+9; in++ {
						got, err := w.outDim(0, nnT(onnx.Float, "H").Shape[0], true)
						if err != nil {
							t.Fatal(err)
						}
						v, err := got.Eval(map[string]int64{"H": in})
						if err != nil {
							t.Fatal(err)
						}
						// PyTorch's rule: ceil, then drop a window starting in the end padding.
						want := (in+pb+pe-k+s-1)/s + 1
						if (want-1)*s >= in+pb {
							want--
						}
						if v != want {
							t.Errorf("k=%d s=%d pads=%d,%d in=%d: %d (%s), want %d", k, s, pb, pe, in, v, got, want)
						}
					}
				}
			}
		}
	}
}

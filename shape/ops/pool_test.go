package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
)

func TestPoolShapes(t *testing.T) {
	f := onnx.Float
	k := func(v ...int64) *onnx.Attribute { return attrInts("kernel_shape", v...) }
	cases := []struct {
		name  string
		op    string
		opset int64
		attrs []*onnx.Attribute
		x     string
		want  string
	}{
		{"avg default", "AveragePool", 7, []*onnx.Attribute{k(2, 2)}, "1, 3, 32, 32", "1, 3, 31, 31"},
		{"avg 1d", "AveragePool", 11, []*onnx.Attribute{k(2)}, "1, 3, 32", "1, 3, 31"},
		{"avg 3d", "AveragePool", 11, []*onnx.Attribute{k(2, 2, 2)}, "1, 3, 32, 32, 32", "1, 3, 31, 31, 31"},
		{"avg strides symbolic", "AveragePool", 11, []*onnx.Attribute{k(2, 2), attrInts("strides", 2, 2)}, "N, C, H, W", "N, C, floor(H/2), floor(W/2)"},
		{"avg same upper", "AveragePool", 11, []*onnx.Attribute{k(3, 3), attrInts("strides", 2, 2), attrString("auto_pad", "SAME_UPPER")}, "1, 3, 5, H", "1, 3, 3, ceil(H/2)"},
		{"avg same lower", "AveragePool", 11, []*onnx.Attribute{k(2, 2), attrString("auto_pad", "SAME_LOWER")}, "1, 3, 32, 32", "1, 3, 32, 32"},
		{"avg valid", "AveragePool", 11, []*onnx.Attribute{k(3, 3), attrInts("strides", 2, 2), attrString("auto_pad", "VALID")}, "1, 3, 6, 7", "1, 3, 2, 3"},
		{"avg ceil", "AveragePool", 10, []*onnx.Attribute{k(3, 3), attrInts("strides", 2, 2), attrInt("ceil_mode", 1)}, "1, 1, 4, 4", "1, 1, 2, 2"},
		{"avg ceil drops window in end pad", "AveragePool", 19, []*onnx.Attribute{k(2), attrInts("strides", 2), attrInts("pads", 1, 1), attrInt("ceil_mode", 1)}, "1, 1, 5", "1, 1, 3"},
		{"avg ceil symbolic", "AveragePool", 19, []*onnx.Attribute{k(3), attrInts("strides", 2), attrInt("ceil_mode", 1)}, "1, 1, H", "1, 1, ceil((H - 1)/2)"},
		{"avg ceil vs valid", "AveragePool", 19, []*onnx.Attribute{k(3), attrInts("strides", 2), attrInt("ceil_mode", 1), attrString("auto_pad", "VALID")}, "1, 1, 6", "1, 1, 2"},
		{"avg dilations", "AveragePool", 19, []*onnx.Attribute{k(2, 2), attrInts("dilations", 2, 2)}, "1, 1, 4, 4", "1, 1, 2, 2"},
		{"max pads", "MaxPool", 12, []*onnx.Attribute{k(5, 5), attrInts("pads", 2, 2, 2, 2)}, "1, 3, 28, 28", "1, 3, 28, 28"},
		{"max dilations", "MaxPool", 12, []*onnx.Attribute{k(2, 2), attrInts("dilations", 2, 2)}, "1, 1, 4, 4", "1, 1, 2, 2"},
		{"max uint8", "MaxPool", 12, []*onnx.Attribute{k(5, 5), attrInts("pads", 2, 2, 2, 2)}, "1, 1, 5, 5", "1, 1, 5, 5"},
		{"max stem", "MaxPool", 8, []*onnx.Attribute{k(3, 3), attrInts("strides", 2, 2), attrInts("pads", 1, 1, 1, 1)}, "N, 64, floor((H + 1)/2), 112", "N, 64, floor((H + 3)/4), 56"},
		{"lp", "LpPool", 18, []*onnx.Attribute{k(2, 2), attrInt("p", 3)}, "1, 3, 32, 32", "1, 3, 31, 31"},
		{"lp v1", "LpPool", 1, []*onnx.Attribute{k(2, 2), attrInts("strides", 2, 2)}, "1, 3, 32, 32", "1, 3, 16, 16"},
		{"unknown rank", "MaxPool", 12, []*onnx.Attribute{k(2, 2)}, "?", "?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs, res := inferNode(t, tc.opset, node(tc.op, tc.attrs...), nnT(f, tc.x))
			nnOK(t, res)
			nnCheck(t, "Y", outs[0], f, tc.want)
		})
	}
}

func TestMaxPoolIndices(t *testing.T) {
	f := onnx.Float
	n := node("MaxPool", attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2), attrInt("storage_order", 1))
	n.Outputs = nnOuts(2)
	outs, res := inferNode(t, 12, n, nnT(f, "N, 3, H, 8"))
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], f, "N, 3, floor(H/2), 4")
	nnCheck(t, "Indices", outs[1], onnx.Int64, "N, 3, floor(H/2), 4")
}

func TestPoolErrors(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		x     string
		want  string
	}{
		{"no kernel", nil, "1, 3, 8, 8", "kernel_shape is required"},
		{"kernel length", []*onnx.Attribute{attrInts("kernel_shape", 2)}, "1, 3, 8, 8", "spatial axes"},
		{"zero kernel", []*onnx.Attribute{attrInts("kernel_shape", 0, 2)}, "1, 3, 8, 8", "positive"},
		{"rank", []*onnx.Attribute{attrInts("kernel_shape", 2)}, "3, 8", "rank 2"},
		{"too small", []*onnx.Attribute{attrInts("kernel_shape", 10, 2)}, "1, 3, 8, 8", "too small"},
		{"dilations length", []*onnx.Attribute{attrInts("kernel_shape", 2, 2), attrInts("dilations", 2)}, "1, 3, 8, 8", "dilations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := inferNode(t, 12, node("MaxPool", tc.attrs...), nnT(f, tc.x))
			nnFails(t, res, tc.want)
		})
	}
}

func TestGlobalPools(t *testing.T) {
	f := onnx.Float
	for _, op := range []string{"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"} {
		outs, res := inferNode(t, 2, node(op), nnT(f, "N, 512, H, W"))
		nnOK(t, res)
		nnCheck(t, op, outs[0], f, "N, 512, 1, 1")
		outs, _ = inferNode(t, 22, node(op), nnT(f, "N, 8, D, H, W"))
		nnCheck(t, op+" 3d", outs[0], f, "N, 8, 1, 1, 1")
		outs, _ = inferNode(t, 22, node(op), nnT(f, "?"))
		nnCheck(t, op+" unknown", outs[0], f, "?")
		_, res = inferNode(t, 22, node(op), nnT(f, "5"))
		nnFails(t, res, "rank 1")
	}
}

func TestRoiPools(t *testing.T) {
	f := onnx.Float
	outs, res := inferNode(t, 1, node("MaxRoiPool", attrInts("pooled_shape", 7, 7), attrFloat("spatial_scale", 0.5)), nnT(f, "N, 256, H, W"), nnT(f, "R, 5"))
	nnOK(t, res)
	nnCheck(t, "MaxRoiPool", outs[0], f, "R, 256, 7, 7")
	_, res = inferNode(t, 1, node("MaxRoiPool"), nnT(f, "N, 256, H, W"), nnT(f, "R, 5"))
	nnFails(t, res, "pooled_shape")

	outs, res = inferNode(t, 16, node("RoiAlign", attrInt("output_height", 5), attrInt("output_width", 6)), nnT(f, "1, 3, 10, 10"), nnT(f, "R, 4"), nnT(onnx.Int64, "R"))
	nnOK(t, res)
	nnCheck(t, "RoiAlign", outs[0], f, "R, 3, 5, 6")
	outs, res = inferNode(t, 10, node("RoiAlign"), nnT(f, "1, 3, 10, 10"), nnT(f, "?"), nnT(onnx.Int64, "4"))
	nnOK(t, res)
	nnCheck(t, "RoiAlign defaults", outs[0], f, "4, 3, 1, 1")
	_, res = inferNode(t, 10, node("RoiAlign"), nnT(f, "3, 10, 10"), nnT(f, "R, 4"), nnT(onnx.Int64, "R"))
	nnFails(t, res, "rank 3")
}

func TestMaxUnpool(t *testing.T) {
	f, i64 := onnx.Float, onnx.Int64
	k := attrInts("kernel_shape", 2, 2)
	s := attrInts("strides", 2, 2)
	outs, res := inferNode(t, 11, node("MaxUnpool", k, s), nnT(f, "1, 1, 2, 2"), nnT(i64, "1, 1, 2, 2"))
	nnOK(t, res)
	nnCheck(t, "no output_shape", outs[0], f, "1, 1, 4, 4")
	outs, _ = inferNode(t, 11, node("MaxUnpool", k, s, attrInts("pads", 1, 0, 1, 0)), nnT(f, "N, C, H, W"), nnT(i64, "N, C, H, W"))
	nnCheck(t, "symbolic pads", outs[0], f, "N, C, 2*H - 2, 2*W")
	outs, res = inferNode(t, 11, node("MaxUnpool", k, s), nnT(f, "1, 1, 2, 2"), nnT(i64, "1, 1, 2, 2"), constInts(1, 1, 5, 5))
	nnOK(t, res)
	nnCheck(t, "output_shape", outs[0], f, "1, 1, 5, 5")
	outs, _ = inferNode(t, 11, node("MaxUnpool", k, s), nnT(f, "N, 3, 2, 2"), nnT(i64, "N, 3, 2, 2"), nnT(i64, "4"))
	nnCheck(t, "unknown output_shape", outs[0], f, "N, 3, *, *")
	_, res = inferNode(t, 11, node("MaxUnpool", k, s), nnT(f, "1, 1, 2, 2"), nnT(i64, "1, 1, 2, 2"), constInts(5, 5))
	nnFails(t, res, "output_shape")
	_, res = inferNode(t, 11, node("MaxUnpool", s), nnT(f, "1, 1, 2, 2"), nnT(i64, "1, 1, 2, 2"))
	nnFails(t, res, "kernel_shape")
}

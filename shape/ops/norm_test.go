package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestBatchNormalization(t *testing.T) {
	f, h := onnx.Float, onnx.Float16
	c := nnT(f, "C")
	// Opset 15: running statistics typed like input_mean.
	n := node("BatchNormalization", attrInt("training_mode", 1))
	n.Outputs = nnOuts(3)
	outs, res := inferNode(t, 15, n, nnT(h, "N, 3, H, W"), nnT(f, "3"), nnT(f, "3"), nnT(f, "3"), nnT(f, "3"))
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], h, "N, 3, H, W")
	nnCheck(t, "running_mean", outs[1], f, "3")
	nnCheck(t, "running_var", outs[2], f, "3")

	// Opset 9: five outputs, the saved statistics like the mean.
	n = node("BatchNormalization")
	n.Outputs = nnOuts(5)
	outs, res = inferNode(t, 9, n, nnT(f, "N, C, L"), c, c, c, c)
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], f, "N, C, L")
	for i := 1; i < 5; i++ {
		nnCheck(t, "stat", outs[i], f, "C")
	}

	// Opset 6 with spatial=0: statistics per channel and position.
	n = node("BatchNormalization", attrInt("spatial", 0), attrInt("is_test", 0))
	n.Outputs = []string{"y", "", "", "sm", "sv"}
	cf := nnT(f, "3, 4")
	outs, res = inferNode(t, 6, n, nnT(f, "2, 3, 4"), cf, cf, cf, cf)
	nnOK(t, res)
	nnCheck(t, "saved_mean", outs[3], f, "3, 4")
	if outs[1] != nil {
		t.Errorf("omitted output got %v", outs[1])
	}

	// Unknown statistics fall back to (C).
	n = node("BatchNormalization")
	n.Outputs = nnOuts(3)
	outs, _ = inferNode(t, 14, n, nnT(f, "N, 5, H"), nnT(f, "?"), nnT(f, "?"), nnT(f, "?"), nnT(f, "?"))
	nnCheck(t, "running_mean from X", outs[1], f, "5")

	_, res = inferNode(t, 15, node("BatchNormalization"), nnT(f, "N, 3"), c, c)
	nnFails(t, res, "missing")
}

func TestLayerNormalization(t *testing.T) {
	f, h, d := onnx.Float, onnx.Float16, onnx.Double
	cases := []struct {
		axis  int64
		stats string
	}{
		{-1, "N, S, 1"}, {-2, "N, 1, 1"}, {-3, "1, 1, 1"}, {0, "1, 1, 1"}, {1, "N, 1, 1"}, {2, "N, S, 1"},
	}
	for _, tc := range cases {
		n := node("LayerNormalization", attrInt("axis", tc.axis))
		n.Outputs = nnOuts(3)
		outs, res := inferNode(t, 17, n, nnT(h, "N, S, 768"), nnT(h, "768"), nnT(h, "768"))
		nnOK(t, res)
		nnCheck(t, "Y", outs[0], h, "N, S, 768")
		nnCheck(t, "Mean", outs[1], f, tc.stats)
		nnCheck(t, "InvStdDev", outs[2], f, tc.stats)
	}
	n := node("LayerNormalization", attrInt("stash_type", int64(d)))
	n.Outputs = []string{"y", "", "inv"}
	outs, res := inferNode(t, 17, n, nnT(f, "4, 5"), nnT(f, "5"))
	nnOK(t, res)
	nnCheck(t, "InvStdDev", outs[2], d, "4, 1")

	_, res = inferNode(t, 17, node("LayerNormalization", attrInt("axis", 3)), nnT(f, "4, 5"), nnT(f, "5"))
	nnFails(t, res, "axis")
	_, res = inferNode(t, 17, node("LayerNormalization", attrInt("stash_type", int64(onnx.Int32))), nnT(f, "4, 5"), nnT(f, "5"))
	nnFails(t, res, "stash_type")
	n = node("LayerNormalization")
	n.Outputs = nnOuts(2)
	outs, _ = inferNode(t, 17, n, nnT(f, "?"), nnT(f, "5"))
	nnCheck(t, "unknown rank", outs[1], f, "?")
}

func TestSameShapeNormalizations(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		op    string
		opset int64
		attrs []*onnx.Attribute
		ins   int
	}{
		{"InstanceNormalization", 6, nil, 3},
		{"LRN", 13, []*onnx.Attribute{attrInt("size", 3)}, 1},
		{"LpNormalization", 1, []*onnx.Attribute{attrInt("axis", 1), attrInt("p", 2)}, 1},
		{"MeanVarianceNormalization", 13, []*onnx.Attribute{attrInts("axes", 0, 2, 3)}, 1},
		{"GroupNormalization", 18, []*onnx.Attribute{attrInt("num_groups", 2)}, 3},
		{"GroupNormalization", 21, []*onnx.Attribute{attrInt("num_groups", 4)}, 3},
	}
	for _, tc := range cases {
		ins := []*shape.Value{nnT(f, "N, 8, H, W")}
		for range tc.ins - 1 {
			ins = append(ins, nnT(f, "8"))
		}
		outs, res := inferNode(t, tc.opset, node(tc.op, tc.attrs...), ins...)
		nnOK(t, res)
		nnCheck(t, tc.op, outs[0], f, "N, 8, H, W")
	}
	_, res := inferNode(t, 18, node("GroupNormalization", attrInt("num_groups", 3)), nnT(f, "N, 8, H"), nnT(f, "3"), nnT(f, "3"))
	nnFails(t, res, "divisible")
	_, res = inferNode(t, 18, node("GroupNormalization"), nnT(f, "N, 8, H"), nnT(f, "3"), nnT(f, "3"))
	nnFails(t, res, "num_groups")
	_, res = inferNode(t, 1, node("LpNormalization", attrInt("axis", 2)), nnT(f, "N, 8"))
	nnFails(t, res, "axis")
}

func TestRMSNormalization(t *testing.T) {
	outs, res := inferNode(t, 23, node("RMSNormalization", attrInt("axis", -1)), nnT(onnx.Float16, "B, S, D"), nnT(onnx.Float, "D"))
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], onnx.Float, "B, S, D")
	_, res = inferNode(t, 23, node("RMSNormalization", attrInt("axis", 3)), nnT(onnx.Float, "B, S, D"), nnT(onnx.Float, "D"))
	nnFails(t, res, "axis")
}

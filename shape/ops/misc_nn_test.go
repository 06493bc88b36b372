package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func TestNonMaxSuppressionInfer(t *testing.T) {
	f := onnx.Float
	outs, res := inferNode(t, 11, node("NonMaxSuppression"), nnT(f, "B, S, 4"), nnT(f, "B, C, S"), nnT(onnx.Int64, ""))
	nnOK(t, res)
	nnCheck(t, "unknown data", outs[0], onnx.Int64, "*, 3")
	outs, _ = inferNode(t, 11, node("NonMaxSuppression"), nnT(f, "B, S, 4"), nnT(f, "B, C, S"))
	nnCheck(t, "no max_output_boxes_per_class", outs[0], onnx.Int64, "0, 3")
	outs, _ = inferNode(t, 11, node("NonMaxSuppression"), nnT(f, "B, S, 4"), nnT(f, "B, C, S"), nnScalar(0))
	nnCheck(t, "zero max_output_boxes_per_class", outs[0], onnx.Int64, "0, 3")
	_, res = inferNode(t, 11, node("NonMaxSuppression"), nnT(f, "B, S, 5"), nnT(f, "B, C, S"))
	nnFails(t, res, "boxes")
	_, res = inferNode(t, 11, node("NonMaxSuppression"), nnT(f, "B, S, 4"), nnT(f, "B, S"))
	nnFails(t, res, "scores")
}

func TestNonMaxSuppressionEval(t *testing.T) {
	// Six boxes of one class: three overlapping near the origin, two near
	// y=10, one far away (center-point format here: x, y, w, h).
	boxes := nnFloats([]int64{1, 6, 4},
		0.5, 0.5, 1, 1,
		0.5, 0.6, 1, 1,
		0.5, 0.4, 1, 1,
		0.5, 10.5, 1, 1,
		0.5, 10.6, 1, 1,
		0.5, 100.5, 1, 1)
	scores := nnFloats([]int64{1, 1, 6}, 0.9, 0.75, 0.6, 0.95, 0.5, 0.3)
	iou := nnFloats(nil, 0.5)
	cases := []struct {
		name   string
		max    int64
		thr    *shape.Value
		expect []int64 // selected box indices, in order
	}{
		{"all", 10, nil, []int64{3, 0, 5}},
		{"limit", 2, nil, []int64{3, 0}},
		{"score threshold", 10, nnFloats(nil, 0.4), []int64{3, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ins := []*shape.Value{boxes, scores, nnScalar(tc.max), iou}
			if tc.thr != nil {
				ins = append(ins, tc.thr)
			}
			outs, res := inferNode(t, 11, node("NonMaxSuppression", attrInt("center_point_box", 1)), ins...)
			nnOK(t, res)
			nnCheck(t, "selected", outs[0], onnx.Int64, sym.Const(int64(len(tc.expect))).String()+", 3")
			if outs[0].Const == nil {
				t.Fatal("contents not computed")
			}
			for i, want := range tc.expect {
				got := outs[0].Const.Ints[3*i : 3*i+3]
				if !got[0].Equal(sym.Const(0)) || !got[1].Equal(sym.Const(0)) || !got[2].Equal(sym.Const(want)) {
					t.Errorf("row %d: %v, want [0 0 %d]", i, got, want)
				}
			}
		})
	}
	// Corner format with flipped corners, two batches and two classes.
	boxes = nnFloats([]int64{2, 2, 4}, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 5, 5, 6, 6)
	scores = nnFloats([]int64{2, 2, 2}, 0.9, 0.8, 0.1, 0.2, 0.5, 0.6, 0.7, 0.1)
	outs, res := inferNode(t, 10, node("NonMaxSuppression"), boxes, scores, nnScalar(5), nnFloats(nil, 0.5), nnFloats(nil, 0.15))
	nnOK(t, res)
	want := []int64{0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0}
	nnCheck(t, "batches", outs[0], onnx.Int64, "5, 3")
	for i, w := range want {
		if outs[0].Const == nil || !outs[0].Const.Ints[i].Equal(sym.Const(w)) {
			t.Fatalf("contents %v, want %v", outs[0].Const, want)
		}
	}
}

func TestLosses(t *testing.T) {
	f, i64 := onnx.Float, onnx.Int64
	for _, op := range []string{"NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"} {
		outs, res := inferNode(t, 13, node(op, attrString("reduction", "none")), nnT(f, "N, C, D1, D2"), nnT(i64, "N, D1, D2"), nnT(f, "C"))
		nnOK(t, res)
		nnCheck(t, op+" none", outs[0], f, "N, D1, D2")
		outs, _ = inferNode(t, 13, node(op, attrString("reduction", "none")), nnT(f, "N, C, D1"), nnT(i64, "?"))
		nnCheck(t, op+" none from input", outs[0], f, "N, D1")
		outs, _ = inferNode(t, 12, node(op), nnT(f, "N, C"), nnT(i64, "N"))
		nnCheck(t, op+" mean", outs[0], f, "")
		outs, _ = inferNode(t, 12, node(op, attrString("reduction", "sum"), attrInt("ignore_index", -1)), nnT(onnx.Double, "N, C"), nnT(i64, "N"))
		nnCheck(t, op+" sum", outs[0], onnx.Double, "")
		_, res = inferNode(t, 13, node(op, attrString("reduction", "max")), nnT(f, "N, C"), nnT(i64, "N"))
		nnFails(t, res, "reduction")
		_, res = inferNode(t, 13, node(op), nnT(f, "N, C"), nnT(i64, "N, 3"))
		nnFails(t, res, "target has rank 2")
	}
	n := node("SoftmaxCrossEntropyLoss")
	n.Outputs = nnOuts(2)
	outs, res := inferNode(t, 13, n, nnT(f, "N, C, D"), nnT(i64, "N, D"))
	nnOK(t, res)
	nnCheck(t, "loss", outs[0], f, "")
	nnCheck(t, "log_prob", outs[1], f, "N, C, D")
}

func TestTrainingOptimizers(t *testing.T) {
	f := onnx.Float
	dom := map[string]int64{"": 17, trainingDomain: 1}
	r, tt := nnT(f, ""), nnT(onnx.Int64, "")
	a, b := nnT(f, "3, 4"), nnT(onnx.Double, "5")

	n := node("Adagrad")
	n.Domain = trainingDomain
	n.Outputs = nnOuts(4)
	outs, res := inferNodeDomains(t, dom, n, r, tt, a, b, a, b, nnT(f, "3, 4"), nnT(onnx.Double, "5"))
	nnOK(t, res)
	nnCheck(t, "X1", outs[0], f, "3, 4")
	nnCheck(t, "X2", outs[1], onnx.Double, "5")
	nnCheck(t, "H1", outs[2], f, "3, 4")
	nnCheck(t, "H2", outs[3], onnx.Double, "5")

	n = node("Momentum", attrString("mode", "nesterov"))
	n.Domain = trainingDomain
	n.Outputs = nnOuts(2)
	outs, res = inferNodeDomains(t, dom, n, r, tt, a, a, a)
	nnOK(t, res)
	nnCheck(t, "X", outs[0], f, "3, 4")
	nnCheck(t, "V", outs[1], f, "3, 4")

	n = node("Adam")
	n.Domain = trainingDomain
	n.Outputs = nnOuts(6)
	outs, res = inferNodeDomains(t, dom, n, r, tt, a, b, a, b, a, b, a, b)
	nnOK(t, res)
	for i, want := range []string{"3, 4", "5", "3, 4", "5", "3, 4", "5"} {
		nnCheck(t, "Adam", outs[i], outs[i].DType, want)
	}

	n = node("Adam")
	n.Domain = trainingDomain
	_, res = inferNodeDomains(t, dom, n, r, tt, a, a, a)
	nnFails(t, res, "multiple of 4")
	n = node("Momentum")
	n.Domain = trainingDomain
	n.Outputs = nnOuts(3)
	_, res = inferNodeDomains(t, dom, n, r, tt, a, a, a)
	nnFails(t, res, "outputs")
}

func TestGradient(t *testing.T) {
	dom := map[string]int64{"": 17, trainingDomain: 1}
	n := &onnx.Node{OpType: "Gradient", Domain: trainingDomain, Name: "g",
		Attrs:   []*onnx.Attribute{{Name: "xs", Type: onnx.AttrStrings, Strings: []string{"a", "b"}}, attrString("y", "c")},
		Outputs: []string{"da", "db"}}
	outs, res := inferNodeDomains(t, dom, n, nnT(onnx.Float, "1, 2"), nnT(onnx.Float, "2"))
	nnOK(t, res)
	nnCheck(t, "da", outs[0], onnx.Float, "1, 2")
	nnCheck(t, "db", outs[1], onnx.Float, "2")
	n = &onnx.Node{OpType: "Gradient", Domain: trainingDomain, Name: "g", Outputs: []string{"da"}}
	_, res = inferNodeDomains(t, dom, n, nnT(onnx.Float, "1, 2"))
	nnFails(t, res, "xs")
}

func TestImageDecoder(t *testing.T) {
	u8 := onnx.Uint8
	outs, res := inferNode(t, 20, node("ImageDecoder"), nnT(u8, "L"))
	nnOK(t, res)
	nnCheck(t, "unknown", outs[0], u8, "*, *, 3")
	outs, _ = inferNode(t, 20, node("ImageDecoder", attrString("pixel_format", "Grayscale")), nnT(u8, "L"))
	nnCheck(t, "gray", outs[0], u8, "*, *, 1")
	_, res = inferNode(t, 20, node("ImageDecoder", attrString("pixel_format", "RGBA")), nnT(u8, "L"))
	nnFails(t, res, "pixel_format")

	bytesVal := func(b []byte) *shape.Value {
		v := shape.TensorDims(u8, int64(len(b)))
		ints := make([]sym.Expr, len(b))
		for i, x := range b {
			ints[i] = sym.Const(int64(x))
		}
		v.Const = &shape.Const{Ints: ints}
		return v
	}
	for name, img := range nnTestImages() {
		outs, res := inferNode(t, 20, node("ImageDecoder", attrString("pixel_format", "BGR")), bytesVal(img))
		nnOK(t, res)
		nnCheck(t, name, outs[0], u8, "3, 5, 3")
	}
	outs, _ = inferNode(t, 20, node("ImageDecoder"), bytesVal([]byte("not an image")))
	nnCheck(t, "garbage", outs[0], u8, "*, *, 3")
}

package ops

import (
	"math"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func TestDFT(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		opset int64
		attrs []*onnx.Attribute
		ins   []*shape.Value
		want  string
	}{
		{"17 default axis 1", 17, nil, []*shape.Value{nnT(f, "B, N, 1")}, "B, N, 2"},
		{"17 length", 17, nil, []*shape.Value{nnT(f, "B, N, 2"), nnScalar(16)}, "B, 16, 2"},
		{"17 onesided", 17, []*onnx.Attribute{attrInt("onesided", 1)}, []*shape.Value{nnT(f, "B, N, 1")}, "B, floor(N/2) + 1, 2"},
		{"17 axis 2", 17, []*onnx.Attribute{attrInt("axis", 2), attrInt("onesided", 1)}, []*shape.Value{nnT(f, "B, 5, 10, 1")}, "B, 5, 6, 2"},
		{"17 negative axis", 17, []*onnx.Attribute{attrInt("axis", -3)}, []*shape.Value{nnT(f, "B, 5, 10, 2"), nnScalar(8)}, "B, 8, 10, 2"},
		{"17 irfft", 17, []*onnx.Attribute{attrInt("onesided", 1), attrInt("inverse", 1)}, []*shape.Value{nnT(f, "B, N, 2")}, "B, 2*N - 2, 1"},
		{"20 default axis -2", 20, nil, []*shape.Value{nnT(f, "B, 5, 10, 1"), nnScalar(12)}, "B, 5, 12, 2"},
		{"20 axis input", 20, []*onnx.Attribute{attrInt("onesided", 1)}, []*shape.Value{nnT(f, "B, 5, 10, 1"), nil, nnScalar(1)}, "B, 3, 10, 2"},
		{"20 inverse", 20, []*onnx.Attribute{attrInt("inverse", 1)}, []*shape.Value{nnT(f, "3, 7, 2")}, "3, 7, 2"},
		{"20 irfft length", 20, []*onnx.Attribute{attrInt("onesided", 1), attrInt("inverse", 1)}, []*shape.Value{nnT(f, "3, 7, 2"), nnScalar(13)}, "3, 13, 1"},
		{"20 unknown axis keeps length", 20, nil, []*shape.Value{nnT(f, "B, 5, 10, 1"), nil, nnT(onnx.Int64, "")}, "B, 5, 10, 2"},
		{"20 unknown axis", 20, []*onnx.Attribute{attrInt("onesided", 1)}, []*shape.Value{nnT(f, "B, 5, 10, 1"), nil, nnT(onnx.Int64, "")}, "*, *, *, 2"},
		{"20 unknown length", 20, nil, []*shape.Value{nnT(f, "B, 10, 1"), nnT(onnx.Int64, "")}, "B, *, 2"},
		{"unknown rank", 20, nil, []*shape.Value{nnT(f, "?")}, "?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs, res := inferNode(t, tc.opset, node("DFT", tc.attrs...), tc.ins...)
			nnOK(t, res)
			nnCheck(t, "output", outs[0], f, tc.want)
		})
	}
	errs := []struct {
		name  string
		opset int64
		attrs []*onnx.Attribute
		ins   []*shape.Value
		want  string
	}{
		{"axis on complex dim", 17, []*onnx.Attribute{attrInt("axis", 2)}, []*shape.Value{nnT(f, "B, N, 1")}, "axis"},
		{"axis input", 20, nil, []*shape.Value{nnT(f, "B, N, 1"), nil, nnScalar(-1)}, "axis"},
		{"last dim", 20, nil, []*shape.Value{nnT(f, "B, N, 3")}, "last dim"},
		{"length", 20, nil, []*shape.Value{nnT(f, "B, N, 1"), nnScalar(0)}, "dft_length"},
		{"rank", 20, nil, []*shape.Value{nnT(f, "N")}, "rank 1"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, res := inferNode(t, tc.opset, node("DFT", tc.attrs...), tc.ins...)
			nnFails(t, res, tc.want)
		})
	}
}

func TestSTFT(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		ins   []*shape.Value
		want  string
	}{
		{"frame_length", nil, []*shape.Value{nnT(f, "1, 128, 1"), nnScalar(8), nil, nnScalar(16)}, "1, 15, 9, 2"},
		{"window", nil, []*shape.Value{nnT(f, "1, 128, 1"), nnScalar(8), nnT(f, "16")}, "1, 15, 9, 2"},
		{"two-sided symbolic", []*onnx.Attribute{attrInt("onesided", 0)}, []*shape.Value{nnT(f, "B, L, 2"), nnScalar(4), nnT(f, "16")}, "B, floor((L - 16)/4) + 1, 16, 2"},
		{"unknown step", nil, []*shape.Value{nnT(f, "1, 128, 1"), nnT(onnx.Int64, ""), nnT(f, "16")}, "1, *, 9, 2"},
		{"unknown frame_length", nil, []*shape.Value{nnT(f, "1, 128, 1"), nnScalar(8), nil, nnT(onnx.Int64, "")}, "1, *, *, 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs, res := inferNode(t, 17, node("STFT", tc.attrs...), tc.ins...)
			nnOK(t, res)
			nnCheck(t, "output", outs[0], f, tc.want)
		})
	}
	_, res := inferNode(t, 17, node("STFT"), nnT(f, "1, 128, 1"), nnScalar(8))
	nnFails(t, res, "window or frame_length")
	_, res = inferNode(t, 17, node("STFT"), nnT(f, "1, 128, 1"), nnScalar(0), nnT(f, "16"))
	nnFails(t, res, "frame_step")
	_, res = inferNode(t, 17, node("STFT"), nnT(f, "1, 8, 1"), nnScalar(1), nnT(f, "16"))
	nnFails(t, res, "shorter")
	_, res = inferNode(t, 17, node("STFT"), nnT(f, "128, 1"), nnScalar(1), nnT(f, "16"))
	nnFails(t, res, "rank 2")
}

func TestWindows(t *testing.T) {
	for _, op := range []string{"HannWindow", "HammingWindow", "BlackmanWindow"} {
		outs, res := inferNode(t, 17, node(op), nnScalar(10))
		nnOK(t, res)
		nnCheck(t, op, outs[0], onnx.Float, "10")
		if outs[0].Const == nil || len(outs[0].Const.Floats) != 10 {
			t.Fatalf("%s: contents not computed", op)
		}
		// Periodic windows start at their minimum and peak at size/2.
		if got := outs[0].Const.Floats[5]; math.Abs(got-1) > 1e-6 {
			t.Errorf("%s[5] = %v, want 1", op, got)
		}
		// Symmetric windows are symmetric.
		outs, _ = inferNode(t, 17, node(op, attrInt("periodic", 0)), nnScalar(7))
		w := outs[0].Const.Floats
		for i := range w {
			if math.Abs(w[i]-w[6-i]) > 1e-6 {
				t.Errorf("%s symmetric: w[%d]=%v, w[%d]=%v", op, i, w[i], 6-i, w[6-i])
			}
		}
		// A symbolic size gives a symbolic length and no contents.
		sz := shape.TensorDims(onnx.Int64)
		sz.Const = &shape.Const{Ints: []sym.Expr{sym.Var("n")}}
		outs, _ = inferNode(t, 17, node(op, attrInt("output_datatype", int64(onnx.Double))), sz)
		nnCheck(t, op+" symbolic", outs[0], onnx.Double, "n")
		outs, _ = inferNode(t, 17, node(op), nnT(onnx.Int32, ""))
		nnCheck(t, op+" unknown", outs[0], onnx.Float, "*")
	}
	outs, _ := inferNode(t, 17, node("HannWindow", attrInt("output_datatype", int64(onnx.Int64))), nnScalar(4))
	nnCheck(t, "integer window", outs[0], onnx.Int64, "4")
	if outs[0].Const == nil || !outs[0].Const.Ints[2].Equal(sym.Const(1)) || !outs[0].Const.Ints[1].Equal(sym.Const(0)) {
		t.Errorf("integer Hann window: %v", outs[0].Const)
	}
	_, res := inferNode(t, 17, node("HannWindow"), nnScalar(-1))
	nnFails(t, res, "negative")
	_, res = inferNode(t, 17, node("HannWindow", attrInt("output_datatype", int64(onnx.String))), nnScalar(4))
	nnFails(t, res, "output_datatype")
}

func TestMelWeightMatrix(t *testing.T) {
	outs, res := inferNode(t, 17, node("MelWeightMatrix"), nnScalar(8), nnScalar(16), nnScalar(8192), nnT(onnx.Float, ""), nnT(onnx.Float, ""))
	nnOK(t, res)
	nnCheck(t, "mel", outs[0], onnx.Float, "9, 8")
	outs, res = inferNode(t, 17, node("MelWeightMatrix", attrInt("output_datatype", int64(onnx.Double))), nnT(onnx.Int64, ""), nnT(onnx.Int64, ""), nnScalar(8192), nnT(onnx.Float, ""), nnT(onnx.Float, ""))
	nnOK(t, res)
	nnCheck(t, "mel unknown", outs[0], onnx.Double, "*, *")
	_, res = inferNode(t, 17, node("MelWeightMatrix"), nnScalar(8), nnScalar(16))
	nnFails(t, res, "missing")
}

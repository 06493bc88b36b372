package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestAttention(t *testing.T) {
	f, h := onnx.Float, onnx.Float16
	heads := []*onnx.Attribute{attrInt("q_num_heads", 8), attrInt("kv_num_heads", 2)}
	cases := []struct {
		name    string
		opset   int64
		attrs   []*onnx.Attribute
		ins     []*shape.Value
		y, k, v string
		qk      string
	}{
		{"4d", 23, nil, []*shape.Value{nnT(f, "B, 8, Sq, 64"), nnT(f, "B, 8, Skv, 64"), nnT(h, "B, 8, Skv, 32")},
			"B, 8, Sq, 32", "B, 8, Skv, 64", "B, 8, Skv, 32", "B, 8, Sq, Skv"},
		{"4d gqa with past", 24, nil, []*shape.Value{nnT(f, "B, 8, 1, 64"), nnT(f, "B, 2, 1, 64"), nnT(f, "B, 2, 1, 64"), nnT(onnx.Bool, "B, 1, 1, P + 1"), nnT(f, "B, 2, P, 64"), nnT(f, "B, 2, P, 64")},
			"B, 8, 1, 64", "B, 2, P + 1, 64", "B, 2, P + 1, 64", "B, 8, 1, P + 1"},
		{"3d gqa", 23, heads, []*shape.Value{nnT(f, "B, S, 512"), nnT(f, "B, T, 128"), nnT(f, "B, T, 96")},
			"B, S, 384", "B, 2, T, 64", "B, 2, T, 48", "B, 8, S, T"},
		{"3d symbolic hidden", 25, heads, []*shape.Value{nnT(f, "B, S, D"), nnT(f, "B, T, E"), nnT(f, "B, T, E")},
			"B, S, 4*E", "B, 2, T, floor(E/2)", "B, 2, T, floor(E/2)", "B, 8, S, T"},
		{"3d with past", 23, heads, []*shape.Value{nnT(f, "B, 1, 512"), nnT(f, "B, 1, 128"), nnT(f, "B, 1, 128"), nil, nnT(f, "B, 2, P, 64"), nnT(f, "B, 2, P, 64")},
			"B, 1, 512", "B, 2, P + 1, 64", "B, 2, P + 1, 64", "B, 8, 1, P + 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := node("Attention", tc.attrs...)
			n.Outputs = nnOuts(4)
			outs, res := inferNode(t, tc.opset, n, tc.ins...)
			nnOK(t, res)
			nnCheck(t, "Y", outs[0], f, tc.y)
			nnCheck(t, "present_key", outs[1], f, tc.k)
			nnCheck(t, "present_value", outs[2], tc.ins[2].DType, tc.v)
			nnCheck(t, "qk_matmul_output", outs[3], f, tc.qk)
		})
	}
}

func TestAttentionErrors(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		ins   []*shape.Value
		want  string
	}{
		{"missing heads", nil, []*shape.Value{nnT(f, "B, S, 512"), nnT(f, "B, T, 128"), nnT(f, "B, T, 128")}, "q_num_heads"},
		{"indivisible hidden", []*onnx.Attribute{attrInt("q_num_heads", 3), attrInt("kv_num_heads", 3)}, []*shape.Value{nnT(f, "B, S, 512"), nnT(f, "B, T, 128"), nnT(f, "B, T, 128")}, "divisible"},
		{"heads ratio", []*onnx.Attribute{attrInt("q_num_heads", 3), attrInt("kv_num_heads", 2)}, []*shape.Value{nnT(f, "B, S, 6"), nnT(f, "B, T, 4"), nnT(f, "B, T, 4")}, "multiple"},
		{"4d heads ratio", nil, []*shape.Value{nnT(f, "B, 3, S, 8"), nnT(f, "B, 2, T, 8"), nnT(f, "B, 2, T, 8")}, "multiple"},
		{"ranks", nil, []*shape.Value{nnT(f, "B, 3, S, 8"), nnT(f, "B, T, 8"), nnT(f, "B, 2, T, 8")}, "ranks"},
		{"past alone", nil, []*shape.Value{nnT(f, "B, 2, S, 8"), nnT(f, "B, 2, T, 8"), nnT(f, "B, 2, T, 8"), nil, nnT(f, "B, 2, P, 8")}, "together"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := inferNode(t, 23, node("Attention", tc.attrs...), tc.ins...)
			nnFails(t, res, tc.want)
		})
	}
	outs, res := inferNode(t, 23, node("Attention"), nnT(f, "?"), nnT(f, "B, 2, T, 8"), nnT(f, "B, 2, T, 8"))
	nnOK(t, res)
	nnCheck(t, "unknown Q", outs[0], f, "?")
}

func TestRotaryEmbedding(t *testing.T) {
	f := onnx.Float
	outs, res := inferNode(t, 23, node("RotaryEmbedding", attrInt("num_heads", 4)), nnT(f, "B, S, 64"), nnT(f, "M, 8"), nnT(f, "M, 8"), nnT(onnx.Int64, "B, S"))
	nnOK(t, res)
	nnCheck(t, "3d", outs[0], f, "B, S, 64")
	outs, res = inferNode(t, 23, node("RotaryEmbedding", attrInt("interleaved", 1)), nnT(f, "B, H, S, 16"), nnT(f, "B, S, 8"), nnT(f, "B, S, 8"))
	nnOK(t, res)
	nnCheck(t, "4d", outs[0], f, "B, H, S, 16")
	_, res = inferNode(t, 23, node("RotaryEmbedding"), nnT(f, "B, S, 64"), nnT(f, "M, 8"), nnT(f, "M, 8"))
	nnFails(t, res, "num_heads")
	_, res = inferNode(t, 23, node("RotaryEmbedding"), nnT(f, "S, 64"), nnT(f, "M, 8"), nnT(f, "M, 8"))
	nnFails(t, res, "rank 2")
}

func TestLinearAttention(t *testing.T) {
	f, h := onnx.Float, onnx.Float16
	heads := []*onnx.Attribute{attrInt("q_num_heads", 4), attrInt("kv_num_heads", 2)}
	n := node("LinearAttention", heads...)
	n.Outputs = nnOuts(2)
	outs, res := inferNode(t, 27, n, nnT(h, "B, T, 64"), nnT(h, "B, T, 32"), nnT(h, "B, T, 48"), nnT(f, "B, 2, 16, 24"), nnT(h, "B, T, 2"), nnT(h, "B, T, 2"))
	nnOK(t, res)
	nnCheck(t, "output", outs[0], h, "B, T, 96")
	nnCheck(t, "present_state", outs[1], f, "B, 2, 16, 24")

	n = node("LinearAttention", heads...)
	n.Outputs = nnOuts(2)
	outs, res = inferNode(t, 27, n, nnT(h, "B, T, 64"), nnT(h, "B, T, 32"), nnT(h, "B, T, 32"))
	nnOK(t, res)
	nnCheck(t, "present_state without past", outs[1], h, "B, 2, 16, 16")

	_, res = inferNode(t, 27, node("LinearAttention"), nnT(h, "B, T, 64"), nnT(h, "B, T, 32"), nnT(h, "B, T, 32"))
	nnFails(t, res, "q_num_heads")
	_, res = inferNode(t, 27, node("LinearAttention", attrInt("q_num_heads", 3), attrInt("kv_num_heads", 2)), nnT(h, "B, T, 64"), nnT(h, "B, T, 32"), nnT(h, "B, T, 32"))
	nnFails(t, res, "multiple")
	_, res = inferNode(t, 27, node("LinearAttention", heads...), nnT(h, "B, 64"), nnT(h, "B, T, 32"), nnT(h, "B, T, 32"))
	nnFails(t, res, "rank 2")
}

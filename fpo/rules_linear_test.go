package fpo_test

import (
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// Hand-derived counts of convolutions and matrix products. A MAC is one
// MUL and one ADD.
func TestConvRules(t *testing.T) {
	tab := []opsCase{
		// out [1,6,8,8] = 384 elements, each (C_in/group)·3·3 = 2·9 = 18 MACs; bias 384 ADD.
		{name: "grouped conv with bias", node: opNode("", "Conv", nil, aInts("kernel_shape", 3, 3), aInt("group", 2), aInts("pads", 1, 1, 1, 1)),
			inputs: vals(f32(1, 4, 8, 8), f32(6, 2, 3, 3), f32(6)), ops: "add=7296, mul=6912", macs: 6912},
		// A 3×3 kernel dilated by 2 spans 5: out [1,1,3,3] = 9 elements × 9 MACs.
		{name: "dilated conv", node: opNode("", "Conv", nil, aInts("dilations", 2, 2)),
			inputs: vals(f32(1, 1, 7, 7), f32(1, 1, 3, 3)), ops: "add=81, mul=81", macs: 81},
		// W [C_in=4, C_out/group=3, 2, 2], group 2: each of the 36 input
		// elements meets 3·4 = 12 weights: 432 MACs; out [1,6,6,6]: 216 bias ADD.
		{name: "grouped conv transpose with bias", node: opNode("", "ConvTranspose", nil, aInt("group", 2), aInts("strides", 2, 2)),
			inputs: vals(f32(1, 4, 3, 3), f32(4, 3, 2, 2), f32(6)), ops: "add=648, mul=432", macs: 432},
		// out [1,3,3,3] = 27 × (2·3·3 = 18) = 486 MACs. Bilinear samples
		// N·∏out·C_in·∏k = 9·18 = 162: 648 MUL + 486 ADD. Offset pairs
		// 162/2 = 81: 486 ADD, 162 ROUND, 324 MUL.
		{name: "deformable conv", node: opNode("", "DeformConv", nil, aInts("kernel_shape", 3, 3)),
			inputs: vals(f32(1, 2, 5, 5), f32(3, 2, 3, 3), f32(1, 18, 3, 3)), ops: "add=1458, mul=1458, round=162", macs: 486},
		{
			// out [1,2,2,2] = 8 × 9 = 72 integer MACs; x's zero point: 16 ADD.
			name: "conv integer with x zero point", node: opNode("", "ConvInteger", nil),
			inputs: vals(typed(onnx.Uint8, 1, 1, 4, 4), typed(onnx.Uint8, 2, 1, 3, 3), typed(onnx.Uint8)),
			ops:    "add=88, mul=72", macs: 72,
		},
		{
			// 8 outputs × 9 MACs; zero points of x (16) and w (18); requantization
			// of 8 outputs: MUL, ROUND, ADD, 2 CMP each; bias 8 ADD.
			name: "qlinear conv", node: opNode("", "QLinearConv", nil),
			inputs: vals(typed(onnx.Uint8, 1, 1, 4, 4), f32(), typed(onnx.Uint8), typed(onnx.Uint8, 2, 1, 3, 3), f32(), typed(onnx.Uint8), f32(), typed(onnx.Uint8), typed(onnx.Int32, 2)),
			ops:    "add=122, mul=80, cmp=16, round=8", macs: 72,
		},
	}
	runOpsCases(t, tab)
}

// vals is a list of inputs (nil omits one).
func vals(v ...*shape.Value) []*shape.Value { return v }

// msOpsets imports com.microsoft beside ai.onnx.
func msOpsets() map[string]int64 { return map[string]int64{"": 21, "com.microsoft": 1} }

func TestMatMulRules(t *testing.T) {
	runOpsCases(t, []opsCase{
		// [3]·[3,4] → [4]: 4 outputs × K=3.
		{name: "1-D left operand", node: opNode("", "MatMul", nil), inputs: vals(f32(3), f32(3, 4)), ops: "add=12, mul=12", macs: 12},
		// [2,5,3]·[3] → [2,5]: 10 × 3.
		{name: "1-D right operand", node: opNode("", "MatMul", nil), inputs: vals(f32(2, 5, 3), f32(3)), ops: "add=30, mul=30", macs: 30},
		// [3]·[3] → scalar: 3 MACs.
		{name: "dot product", node: opNode("", "MatMul", nil), inputs: vals(f32(3), f32(3)), ops: "add=3, mul=3", macs: 3},
		// [2,1,4,3]·[5,3,6] → [2,5,4,6] = 240 outputs × 3.
		{name: "batch broadcast", node: opNode("", "MatMul", nil), inputs: vals(f32(2, 1, 4, 3), f32(5, 3, 6)), ops: "add=720, mul=720", macs: 720},
		// transA: A [K=4, M=3], B [4,5]: 15 outputs × 4 = 60 MACs; α = 0.5: 15 MUL;
		// C [5] with β = 2: 15 ADD + 15 MUL.
		{name: "gemm transA alpha beta", node: opNode("", "Gemm", nil, aInt("transA", 1), aFloat("alpha", 0.5), aFloat("beta", 2)),
			inputs: vals(f32(4, 3), f32(4, 5), f32(5)), ops: "add=75, mul=90", macs: 60},
		// β = 0: C is ignored.
		{name: "gemm beta 0", node: opNode("", "Gemm", nil, aFloat("beta", 0)),
			inputs: vals(f32(3, 4), f32(4, 5), f32(5)), ops: "add=60, mul=60", macs: 60},
		// transB: B [N=5, K=4].
		{name: "gemm transB with bias", node: opNode("", "Gemm", nil, aInt("transB", 1)),
			inputs: vals(f32(3, 4), f32(5, 4), f32(5)), ops: "add=75, mul=60", macs: 60},
		// 24 MACs; zero points of A (6) and B (12); requantization of 8 outputs.
		{name: "qlinear matmul", node: opNode("", "QLinearMatMul", nil),
			inputs: vals(typed(onnx.Uint8, 2, 3), f32(), typed(onnx.Uint8), typed(onnx.Uint8, 3, 4), f32(), typed(onnx.Uint8), f32(), typed(onnx.Uint8)),
			ops:    "add=50, mul=32, cmp=16, round=8", macs: 24},
		// 24 MACs, A's zero point (6 ADD), no B zero point.
		{name: "matmul integer", node: opNode("", "MatMulInteger", nil),
			inputs: vals(typed(onnx.Uint8, 2, 3), typed(onnx.Int8, 3, 4), typed(onnx.Uint8)), ops: "add=30, mul=24", macs: 24},
		// 24 MACs, A's zero point (6), dequantization 8 MUL, bias 8 ADD.
		{name: "matmul integer to float", opsets: msOpsets(), node: opNode("com.microsoft", "MatMulIntegerToFloat", nil),
			inputs: vals(typed(onnx.Uint8, 2, 3), typed(onnx.Int8, 3, 4), f32(), f32(), typed(onnx.Uint8), nil, f32(4)),
			ops:    "add=38, mul=32", macs: 24},
		// FusedMatMul with α = 2: 24 MACs + 8 MUL.
		{name: "fused matmul alpha", opsets: msOpsets(), node: opNode("com.microsoft", "FusedMatMul", nil, aFloat("alpha", 2)),
			inputs: vals(f32(2, 3), f32(3, 4)), ops: "add=24, mul=32", macs: 24},
		// FusedGemm with relu: 24 MACs + 8 CMP.
		{name: "fused gemm relu", opsets: msOpsets(), node: opNode("com.microsoft", "FusedGemm", nil, aString("activation", "Relu")),
			inputs: vals(f32(2, 3), f32(3, 4)), ops: "add=24, mul=24, cmp=8", macs: 24},
		// QGemm: 24 MACs, zero points 6 + 12, scaling 8 MUL, C 8 ADD, quantized Y: 8 ROUND, 8 ADD, 16 CMP.
		{name: "qgemm", opsets: msOpsets(), node: opNode("com.microsoft", "QGemm", nil),
			inputs: vals(typed(onnx.Uint8, 2, 3), f32(), typed(onnx.Uint8), typed(onnx.Uint8, 3, 4), f32(), typed(onnx.Uint8), typed(onnx.Int32, 4), f32(), typed(onnx.Uint8)),
			ops:    "add=58, mul=32, cmp=16, round=8", macs: 24},
		// MatMulNBits K=8, N=4 on [2,8]: 64 MACs; dequantization of 32 weights (MUL, ADD: the default zero point).
		{name: "matmul nbits", opsets: msOpsets(), node: opNode("com.microsoft", "MatMulNBits", nil, aInt("K", 8), aInt("N", 4), aInt("bits", 4), aInt("block_size", 16)),
			inputs: vals(f32(2, 8), typed(onnx.Uint8, 4, 1, 8), f32(4)), ops: "add=96, mul=96", macs: 64},
	})
}

func TestEinsumRule(t *testing.T) {
	e := func(eq string) *onnx.Node { return opNode("", "Einsum", nil, aString("equation", eq)) }
	runOpsCases(t, []opsCase{
		{name: "matrix product", node: e("ij,jk->ik"), inputs: vals(f32(2, 3), f32(3, 4)), ops: "add=24, mul=24", macs: 24},
		{name: "batched", node: e("bij,bjk->bik"), inputs: vals(f32(5, 2, 3), f32(5, 3, 4)), ops: "add=120, mul=120", macs: 120},
		// trace of a 4×4 matrix: 3 additions of the diagonal.
		{name: "trace", node: e("ii->"), inputs: vals(f32(4, 4)), ops: "add=3"},
		// numpy's implicit output: "ii" is also the trace.
		{name: "implicit trace", node: e("ii"), inputs: vals(f32(4, 4)), ops: "add=3"},
		{name: "sum", node: e("ij->"), inputs: vals(f32(2, 3)), ops: "add=5"},
		{name: "outer product", node: e("i,j->ij"), inputs: vals(f32(3), f32(4)), ops: "add=12, mul=12", macs: 12},
		// ij·jk over i,j,k = 24, then ik·kl over i,k,l = 40.
		{name: "three operands", node: e("ij,jk,kl->il"), inputs: vals(f32(2, 3), f32(3, 4), f32(4, 5)), ops: "add=64, mul=64", macs: 64},
		{name: "ellipsis batch", node: e("...ij,...jk->...ik"), inputs: vals(f32(2, 2, 3), f32(2, 3, 4)), ops: "add=48, mul=48", macs: 48},
		// summing the ellipsis away: 30 elements to 6.
		{name: "ellipsis reduced", node: e("...ij->ij"), inputs: vals(f32(5, 2, 3)), ops: "add=24"},
	})
}

// TestConventionsOnLinearLayers pins what each convention reports for a
// Gemm with bias, [8,16]·[16,4] + [4]: 512 MACs, 32 bias ADDs.
func TestConventionsOnLinearLayers(t *testing.T) {
	for _, c := range []struct {
		conv fpo.Convention
		want int64
	}{
		{fpo.ConvFPO, 2*512 + 32},
		{fpo.ConvMACs, 512},
		{fpo.ConvFvcore, 512},      // bias ignored
		{fpo.ConvPtflops, 512 + 4}, // ptflops adds only out_features for the bias
	} {
		nc, err := nodeCostWith(fpo.Options{Convention: c.conv}, nil, opNode("", "Gemm", nil), f32(8, 16), f32(16, 4), f32(4))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := nc.FPO.IsConst(); !ok || got != c.want {
			t.Errorf("%s: %s, want %d", c.conv, nc.FPO, c.want)
		}
	}
}

package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestMatMul(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "2-D", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "m", "k"), ewT(f, "k", "n")}, want: "float32[m, n]"},
		{name: "batched broadcast", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "b", "1", "s", "64"), ewT(f, "h", "64", "s")}, want: "float32[b, h, s, s]"},
		{name: "1-D left", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "4"), ewT(f, "b", "4", "5")}, want: "float32[b, 5]"},
		{name: "1-D right", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "b", "3", "4"), ewT(f, "4")}, want: "float32[b, 3]"},
		{name: "1-D both", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "4"), ewT(f, "4")}, want: "float32[]"},
		{name: "inner mismatch", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "3", "4"), ewT(f, "5", "6")}, err: "inner dimensions differ"},
		{name: "batch mismatch", node: node("MatMul"), inputs: []*shape.Value{ewT(f, "2", "3", "4"), ewT(f, "3", "4", "6")}, err: "batch dims"},
		{name: "scalar", node: node("MatMul"), inputs: []*shape.Value{ewT(f), ewT(f, "4")}, err: "rank >= 1"},
		{name: "unknown rank", node: node("MatMul"), inputs: []*shape.Value{shape.UnknownRank(f), ewT(f, "4")}, want: "float32?"},
		{name: "values float", node: node("MatMul"), inputs: []*shape.Value{ewF(f, ewD(2, 2), 1, 2, 3, 4), ewF(f, ewD(2), 1, 1)}, want: "float32[2]", vals: "[3 7]"},
		{name: "values batched", node: node("MatMul"), inputs: []*shape.Value{ewF(f, ewD(2, 1, 2), 1, 0, 0, 1), ewF(f, ewD(2, 1), 5, 6)}, want: "float32[2, 1, 1]", vals: "[5 6]"},
		{name: "values symbolic ints", node: node("MatMul"), inputs: []*shape.Value{ewI(onnx.Int64, ewD(1, 2), "n", "2"), ewI(onnx.Int64, ewD(2, 2), "1", "0", "m", "1")}, want: "int64[1, 2]", vals: "[2*m + n 2]"},
		{name: "matmulinteger", node: node("MatMulInteger"), inputs: []*shape.Value{ewT(onnx.Uint8, "m", "k"), ewT(onnx.Int8, "k", "n")}, want: "int32[m, n]"},
	})
	q := node("QLinearMatMul")
	ewRunCases(t, []ewCase{{name: "qlinearmatmul", node: q, inputs: []*shape.Value{
		ewT(onnx.Uint8, "b", "m", "k"), ewT(f), ewT(onnx.Uint8), ewT(onnx.Uint8, "k", "n"), ewT(f), ewT(onnx.Uint8), ewT(f), ewT(onnx.Int8),
	}, want: "int8[b, m, n]"}})
}

func TestGemm(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "plain", node: node("Gemm"), inputs: []*shape.Value{ewT(f, "m", "k"), ewT(f, "k", "n"), ewT(f, "n")}, want: "float32[m, n]"},
		{name: "transposed", node: node("Gemm", attrInt("transA", 1), attrInt("transB", 1)), inputs: []*shape.Value{ewT(f, "k", "m"), ewT(f, "n", "k")}, want: "float32[m, n]"},
		{name: "mismatch", node: node("Gemm", attrInt("transB", 1)), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3", "4")}, err: "inner dimensions differ"},
		{name: "rank", node: node("Gemm"), inputs: []*shape.Value{ewT(f, "2", "3", "4"), ewT(f, "4", "4")}, err: "2-D"},
		{name: "bad C", node: node("Gemm"), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3", "4"), ewT(f, "5")}, err: "C:"},
		{name: "unknown B with C", node: node("Gemm"), inputs: []*shape.Value{ewT(f, "2", "3"), shape.UnknownRank(f), ewT(f, "2", "7")}, want: "float32[2, 7]"},
		{name: "opset 6 no broadcast", opset: 6, node: node("Gemm", attrInt("broadcast", 0)), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3", "4"), ewT(f, "2", "4")}, want: "float32[2, 4]"},
		{name: "opset 6 broadcast", opset: 6, node: node("Gemm", attrInt("broadcast", 1)), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3", "4"), ewT(f, "4")}, want: "float32[2, 4]"},
		{name: "values", node: node("Gemm", attrFloat("alpha", 2), attrFloat("beta", 10), attrInt("transB", 1)),
			inputs: []*shape.Value{ewF(f, ewD(1, 2), 1, 2), ewF(f, ewD(2, 2), 1, 0, 0, 1), ewF(f, nil, 1)}, want: "float32[1, 2]", vals: "[12 14]"},
	})
}

func TestEinsum(t *testing.T) {
	f := onnx.Float
	eq := func(s string) *onnx.Node { return node("Einsum", attrString("equation", s)) }
	ewRunCases(t, []ewCase{
		{name: "matmul", opset: 12, node: eq("ij,jk->ik"), inputs: []*shape.Value{ewT(f, "m", "k"), ewT(f, "k", "n")}, want: "float32[m, n]"},
		{name: "implicit", opset: 12, node: eq("ij,jk"), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3", "4")}, want: "float32[2, 4]"},
		{name: "implicit sorted", opset: 12, node: eq("ba"), inputs: []*shape.Value{ewT(f, "2", "3")}, want: "float32[3, 2]"},
		{name: "batch matmul ellipsis", opset: 12, node: eq("...ij,...jk->...ik"), inputs: []*shape.Value{ewT(f, "b", "1", "2", "3"), ewT(f, "h", "3", "4")}, want: "float32[b, h, 2, 4]"},
		{name: "implicit ellipsis first", opset: 12, node: eq("i...j"), inputs: []*shape.Value{ewT(f, "2", "5", "6", "3")}, want: "float32[5, 6, 2, 3]"},
		{name: "diagonal", opset: 12, node: eq("bii->bi"), inputs: []*shape.Value{ewT(f, "b", "3", "3")}, want: "float32[b, 3]"},
		{name: "trace", opset: 12, node: eq("ii"), inputs: []*shape.Value{ewT(f, "3", "3")}, want: "float32[]"},
		{name: "sum", opset: 12, node: eq("ij->i"), inputs: []*shape.Value{ewT(f, "3", "4")}, want: "float32[3]"},
		{name: "outer spaces", opset: 12, node: eq("i, j -> ij"), inputs: []*shape.Value{ewT(f, "3"), ewT(f, "4")}, want: "float32[3, 4]"},
		{name: "upper case", opset: 12, node: eq("Ab,bC->AC"), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3", "4")}, want: "float32[2, 4]"},
		{name: "label mismatch", opset: 12, node: eq("ij,jk->ik"), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "4", "5")}, err: "label j"},
		{name: "rank mismatch", opset: 12, node: eq("ij->i"), inputs: []*shape.Value{ewT(f, "2", "3", "4")}, err: "does not fit"},
		{name: "operand count", opset: 12, node: eq("ij,jk->ik"), inputs: []*shape.Value{ewT(f, "2", "3")}, err: "operands"},
		{name: "bad output label", opset: 12, node: eq("ij->k"), inputs: []*shape.Value{ewT(f, "2", "3")}, err: "not in any input"},
		{name: "bad char", opset: 12, node: eq("i1->i"), inputs: []*shape.Value{ewT(f, "2", "3")}, err: "invalid character"},
		{name: "unknown rank operand", opset: 12, node: eq("ij,jk->ik"), inputs: []*shape.Value{shape.UnknownRank(f), ewT(f, "3", "4")}, want: "float32[Einsum_0_i_1, 4]"},
		{name: "unknown rank ellipsis", opset: 12, node: eq("...j->..."), inputs: []*shape.Value{shape.UnknownRank(f)}, want: "float32?"},
		{name: "values matmul", opset: 12, node: eq("ij,jk->ik"), inputs: []*shape.Value{ewF(f, ewD(2, 2), 1, 2, 3, 4), ewF(f, ewD(2, 1), 1, 1)}, want: "float32[2, 1]", vals: "[3 7]"},
		{name: "values trace", opset: 12, node: eq("ii"), inputs: []*shape.Value{ewF(f, ewD(2, 2), 1, 2, 3, 4)}, vals: "[5]"},
		{name: "values ellipsis broadcast", opset: 12, node: eq("...i,...i->..."), inputs: []*shape.Value{ewF(f, ewD(2, 2), 1, 2, 3, 4), ewF(f, ewD(2), 1, 1)}, want: "float32[2]", vals: "[3 7]"},
		{name: "values transpose", opset: 12, node: eq("ij->ji"), inputs: []*shape.Value{ewI(onnx.Int64, ewD(2, 2), "1", "2", "3", "4")}, vals: "[1 3 2 4]"},
	})
}

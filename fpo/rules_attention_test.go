package fpo_test

import (
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// int32Scalar is a scalar int32 input with known contents.
func int32Scalar(x int64) *shape.Value {
	v := shape.TensorDims(onnx.Int32)
	v.Const = &shape.Const{Ints: shape.Dims(x)}
	return v
}

// Attention at its real size. With B=2, Hq=3, Sq=4, T=6, Dk=8, Dv=5 there
// are 144 scores: Q·Kᵀ 144·8 and ·V 144·5 MACs (1872); the softmax over
// 24 rows of 6: 120 CMP, 144 + 120 ADD, 144 EXP, 144 DIV.
func TestAttentionRules(t *testing.T) {
	op23 := map[string]int64{"": 23}
	runOpsCases(t, []opsCase{
		// Q and K scaled by √scale: 192 + 2·3·6·8 = 480 MUL; default scale: 2 SQRT, 1 DIV.
		{name: "onnx attention 4-D", opsets: op23, node: opNode("", "Attention", nil),
			inputs: vals(f32(2, 3, 4, 8), f32(2, 3, 6, 8), f32(2, 3, 6, 5)),
			ops:    "add=2136, mul=2352, div=145, sqrt=2, cmp=120, exp=144", macs: 1872},
		// Causal (144 selects) and an additive float mask (144 ADD); explicit scale: 1 SQRT.
		{name: "onnx attention causal with mask", opsets: op23, node: opNode("", "Attention", nil, aInt("is_causal", 1), aFloat("scale", 0.125)),
			inputs: vals(f32(2, 3, 4, 8), f32(2, 3, 6, 8), f32(2, 3, 6, 5), f32(4, 6)),
			ops:    "add=2280, mul=2352, div=144, sqrt=1, cmp=264, exp=144", macs: 1872},
		// A boolean mask is a select per score.
		{name: "onnx attention boolean mask", opsets: op23, node: opNode("", "Attention", nil),
			inputs: vals(f32(2, 3, 4, 8), f32(2, 3, 6, 8), f32(2, 3, 6, 5), typed(onnx.Bool, 4, 6)),
			ops:    "add=2136, mul=2352, div=145, sqrt=2, cmp=264, exp=144", macs: 1872},
		// 3-D grouped-query: 3 query heads share 1 key/value head; K scaled: 2·1·6·8 = 96.
		{name: "onnx attention 3-D GQA", opsets: op23, node: opNode("", "Attention", nil, aInt("q_num_heads", 3), aInt("kv_num_heads", 1)),
			inputs: vals(f32(2, 4, 24), f32(2, 6, 8), f32(2, 6, 5)),
			ops:    "add=2136, mul=2160, div=145, sqrt=2, cmp=120, exp=144", macs: 1872},
		// A past of 2 makes T = 8: 192 scores, MACs 192·13 = 2496; softmax 24
		// rows of 8: 168 CMP, 192 + 168 ADD; K scaled 2·3·8·8 = 384.
		{name: "onnx attention with past", opsets: op23, node: opNode("", "Attention", []string{"Y", "pk", "pv"}),
			inputs: vals(f32(2, 3, 4, 8), f32(2, 3, 6, 8), f32(2, 3, 6, 5), nil, f32(2, 3, 2, 8), f32(2, 3, 2, 5)),
			ops:    "add=2856, mul=3072, div=193, sqrt=2, cmp=168, exp=192", macs: 2496},
		// com.microsoft Attention: input [2,4,16], weights [16,48], 2 heads of 8.
		// Projection 8 rows × 48 × 16 = 6144 MACs + 384 bias ADD; 64 scores:
		// 64·16 = 1024 MACs, scale 64 MUL, mask 64 ADD; softmax 16 rows of 4:
		// 48 CMP, 64 + 48 ADD.
		{name: "contrib attention with projection", opsets: msOpsets(), node: opNode("com.microsoft", "Attention", nil, aInt("num_heads", 2)),
			inputs: vals(f32(2, 4, 16), f32(16, 48), f32(48), typed(onnx.Int32, 2)),
			ops:    "add=7728, mul=7232, div=64, cmp=48, exp=64", macs: 7168},
		// MultiHeadAttention: query [2,4,16], key/value [2,6,16], 2 heads: 96
		// scores, 1536 MACs, scale 96 MUL; softmax 16 rows of 6: 80 CMP,
		// 96 + 80 ADD; bias on Q, K, V: 128 + 192 + 192 ADD.
		{name: "multi-head attention with bias", opsets: msOpsets(), node: opNode("com.microsoft", "MultiHeadAttention", nil, aInt("num_heads", 2)),
			inputs: vals(f32(2, 4, 16), f32(2, 6, 16), f32(2, 6, 16), f32(48)),
			ops:    "add=2224, mul=1632, div=96, cmp=80, exp=96", macs: 1536},
		// GroupQueryAttention: 4 query heads of 8, 2 KV heads, S 3, past 5,
		// total 8: 96 scores, 1536 MACs, scale 96 MUL, causal 96 CMP; softmax
		// 12 rows of 8: 84 CMP, 96 + 84 ADD.
		{name: "group query attention", opsets: msOpsets(), node: opNode("com.microsoft", "GroupQueryAttention", []string{"Y", "pk", "pv"}, aInt("num_heads", 4), aInt("kv_num_heads", 2)),
			inputs: vals(f32(1, 3, 32), f32(1, 3, 16), f32(1, 3, 16), f32(1, 2, 5, 8), f32(1, 2, 5, 8), typed(onnx.Int32, 1), int32Scalar(8)),
			ops:    "add=1716, mul=1632, div=96, cmp=180, exp=96", macs: 1536},
		// RotaryEmbedding on [1,2,3,8]: all 48 elements rotated: 2 MUL + 1 ADD each.
		{name: "rotary full", opsets: op23, node: opNode("", "RotaryEmbedding", nil),
			inputs: vals(f32(1, 2, 3, 8), f32(3, 4), f32(3, 4), typed(onnx.Int64, 1, 3)), ops: "add=48, mul=96"},
		// Partial rotation of 4 of the 8 features: 24 elements.
		{name: "rotary partial", opsets: op23, node: opNode("", "RotaryEmbedding", nil, aInt("rotary_embedding_dim", 4)),
			inputs: vals(f32(1, 2, 3, 8), f32(3, 2), f32(3, 2), typed(onnx.Int64, 1, 3)), ops: "add=24, mul=48"},
		// LinearAttention "linear": 2 tokens, dk 4, dv 6, state 24; 1 KV head
		// updates (2·24 MACs), 2 query heads read (4·24 MACs) and scale (4·6
		// MUL); default scale 1/√dk.
		{name: "linear attention", opsets: map[string]int64{"": 27}, node: opNode("", "LinearAttention", nil, aInt("q_num_heads", 2), aInt("kv_num_heads", 1), aString("update_rule", "linear")),
			inputs: vals(f32(1, 2, 8), f32(1, 2, 4), f32(1, 2, 6)), ops: "add=144, mul=168, div=1, sqrt=1", macs: 144},
	})
}

// TestAttentionIsQuadraticInSequence: with a symbolic sequence length the
// count of self-attention is of degree 2 in it.
func TestAttentionIsQuadraticInSequence(t *testing.T) {
	n := opNode("com.microsoft", "MultiHeadAttention", nil, aInt("num_heads", 2))
	cost := costOf(t, msOpsets(), n, symF32("batch", "seq", "16"), symF32("batch", "seq", "16"), symF32("batch", "seq", "16"))
	fpoExpr := cost.Ops.FPO(ptrTable())
	if d := fpoExpr.Degree("seq"); d != 2 {
		t.Errorf("degree in seq = %d, want 2: %s", d, fpoExpr)
	}
	v, err := cost.MACs.Eval(map[string]int64{"batch": 2, "seq": 6})
	if err != nil || v != 2*2*6*6*16 {
		t.Errorf("MACs at batch 2, seq 6 = %d (%v), want %d", v, err, 2*2*6*6*16)
	}
	if !cost.MACs.Equal(sym.MustParse("32*batch*seq^2")) {
		t.Errorf("MACs = %s", cost.MACs)
	}
}

func ptrTable() *fpo.Table {
	t := fpo.DefaultTable()
	return &t
}

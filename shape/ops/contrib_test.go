package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// mltI32 is an int32 tensor with known contents.
func mltI32(dims []int64, v ...int64) *shape.Value {
	t := shape.TensorDims(onnx.Int32, dims...)
	t.Const = &shape.Const{Ints: shape.Dims(v...)}
	return t
}

func TestContribAttention(t *testing.T) {
	f32, f16, u8, i8, i32 := onnx.Float, onnx.Float16, onnx.Uint8, onnx.Int8, onnx.Int32
	x := mltT(f32, "B", "S", 768)
	w := mltT(f32, 768, 2304)
	b := mltT(f32, 2304)
	heads := attrInt("num_heads", 12)
	mltRun(t, msDomain, []mltCase{
		// Attention
		{name: "attn", op: "Attention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, w, b}, want: []string{"float32[B, S, 768]", "float32[2, B, 12, S, 64]"}},
		{name: "attn_past", op: "Attention", attrs: []*onnx.Attribute{heads, attrInt("unidirectional", 1)},
			in: []*shape.Value{x, w, b, mltT(i32, "B", "T"), mltT(f32, 2, "B", 12, "P", 64)}, want: []string{"float32[B, S, 768]", "float32[2, B, 12, P + S, 64]"}},
		{name: "attn_share", op: "Attention", attrs: []*onnx.Attribute{heads, attrInt("past_present_share_buffer", 1)},
			in: []*shape.Value{x, w, b, nil, mltT(f32, 2, "B", 12, "M", 64)}, want: []string{"", "float32[2, B, 12, M, 64]"}},
		{name: "attn_qkv_sizes", op: "Attention", attrs: []*onnx.Attribute{heads, attrInts("qkv_hidden_sizes", 768, 768, 512)},
			in: []*shape.Value{x, mltT(f32, 768, 2048), mltT(f32, 2048)}, want: []string{"float32[B, S, 512]"}},
		{name: "attn_nobias", op: "Attention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, w}, want: []string{"float32[B, S, 768]"}},
		{name: "attn_fp16", op: "Attention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{mltT(f16, 1, 128, 768), mltT(f16, 768, 2304), mltT(f16, 2304)}, want: []string{"float16[1, 128, 768]"}},
		{name: "attn_bias3", op: "Attention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, w, mltT(f32, 2305)}, err: "not divisible by 3"},
		{name: "attn_heads", op: "Attention", in: []*shape.Value{x, w, b}, err: "num_heads"},
		{name: "attn_rank", op: "Attention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{mltT(f32, 4, 768), w, b}, err: "rank 2"},
		{name: "attn_past_rank", op: "Attention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, w, b, nil, mltT(f32, "B", 12, "P", 64)}, want: []string{"", ""}, err: "past has rank 4"},
		{name: "qattn", op: "QAttention", attrs: []*onnx.Attribute{heads},
			in: []*shape.Value{mltT(u8, "B", "S", 768), mltT(i8, 768, 2304), b, mltT(f32), mltT(f32)}, want: []string{"float32[B, S, 768]"}},
		{name: "dmsa", op: "DecoderMaskedSelfAttention", attrs: []*onnx.Attribute{heads, attrInt("past_present_share_buffer", 1)},
			in:   []*shape.Value{mltT(f16, "B", 1, 768), mltT(f16, 768, 2304), mltT(f16, 2304), mltT(i32, "B", "T"), mltT(f16, 2, "B", 12, "M", 64)},
			want: []string{"float16[B, 1, 768]", "float16[2, B, 12, M, 64]"}},

		// MultiHeadAttention
		{name: "mha", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, mltT(f32, "B", "L", 768), mltT(f32, "B", "L", 768)},
			want: []string{"float32[B, S, 768]", "float32[B, 12, L, 64]", "float32[B, 12, L, 64]"}},
		{name: "mha_past", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads},
			in:   []*shape.Value{x, mltT(f32, "B", "S", 768), mltT(f32, "B", "S", 768), mltT(f32, 2304), nil, nil, mltT(f32, "B", 12, "P", 64), mltT(f32, "B", 12, "P", 64)},
			want: []string{"float32[B, S, 768]", "float32[B, 12, P + S, 64]", "float32[B, 12, P + S, 64]"}},
		{name: "mha_share", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads},
			in:   []*shape.Value{x, mltT(f32, "B", "S", 768), mltT(f32, "B", "S", 768), nil, nil, nil, mltT(f32, "B", 12, "M", 64), mltT(f32, "B", 12, "M", 64), mltT(i32, 1)},
			want: []string{"float32[B, S, 768]", "float32[B, 12, M, 64]", "float32[B, 12, M, 64]"}},
		{name: "mha_packed_qkv", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{mltT(f16, "B", "S", 12, 3, 64)},
			want: []string{"float16[B, S, 768]", "float16[B, 12, S, 64]", "float16[B, 12, S, 64]"}},
		{name: "mha_packed_kv", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, mltT(f32, "B", "L", 12, 2, 64)},
			want: []string{"float32[B, S, 768]", "float32[B, 12, L, 64]", "float32[B, 12, L, 64]"}},
		{name: "mha_cross_bnsh", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, mltT(f32, "B", 12, "L", 64), mltT(f32, "B", 12, "L", 32)},
			want: []string{"float32[B, S, 384]", "float32[B, 12, L, 64]", "float32[B, 12, L, 32]"}},
		{name: "mha_vhidden", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, mltT(f32, "B", "L", 768), mltT(f32, "B", "L", 1536)},
			want: []string{"float32[B, S, 1536]", "float32[B, 12, L, 64]", "float32[B, 12, L, 128]"}},
		{name: "mha_query_rank", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{mltT(f32, "B", 768)}, err: "query has rank 2"},
		{name: "mha_heads", op: "MultiHeadAttention", attrs: []*onnx.Attribute{heads}, in: []*shape.Value{x, mltT(f32, "B", "L", 770), mltT(f32, "B", "L", 768)}, want: []string{"", ""}, err: "770 is not divisible by 12"},
		{name: "dmmha", op: "DecoderMaskedMultiHeadAttention", attrs: []*onnx.Attribute{heads, attrInt("past_present_share_buffer", 1)},
			in:   []*shape.Value{mltT(f16, "B", 1, 768), mltT(f16, "B", 1, 768), mltT(f16, "B", 1, 768), mltT(i32, "B", "T"), nil, mltT(f16, "B", 12, "M", 64), mltT(f16, "B", 12, "M", 64), mltT(i32, 1)},
			want: []string{"float16[B, 1, 768]", "float16[B, 12, M, 64]", "float16[B, 12, M, 64]"}},
		{name: "dmmha_cross", op: "DecoderMaskedMultiHeadAttention", attrs: []*onnx.Attribute{heads},
			in: []*shape.Value{mltT(f16, "B", 1, 768), mltT(f16, "B", 12, "L", 64), mltT(f16, "B", 12, "L", 64)}, want: []string{"float16[B, 1, 768]"}},
	})
}

func TestContribGQA(t *testing.T) {
	f16, i8, i32 := onnx.Float16, onnx.Int8, onnx.Int32
	q := mltT(f16, "B", "S", 4096)
	kv := mltT(f16, "B", "S", 1024)
	past := mltT(f16, "B", 8, "P", 128)
	seqlens := mltT(i32, "B")
	total := mltI32(nil, 17)
	attrs := []*onnx.Attribute{attrInt("num_heads", 32), attrInt("kv_num_heads", 8)}
	mltRun(t, msDomain, []mltCase{
		{name: "past_total_known", op: "GroupQueryAttention", attrs: attrs, in: []*shape.Value{q, kv, kv, past, past, seqlens, total},
			want: []string{"float16[B, S, 4096]", "float16[B, 8, max(17, P), 128]", "float16[B, 8, max(17, P), 128]"}},
		{name: "past_total_unknown", op: "GroupQueryAttention", attrs: attrs, in: []*shape.Value{q, kv, kv, past, past, seqlens, mltT(i32)},
			want: []string{"float16[B, S, 4096]", "float16[B, 8, max(*, P), 128]"}},
		{name: "no_past", op: "GroupQueryAttention", attrs: attrs, in: []*shape.Value{q, kv, kv, nil, nil, seqlens, total},
			want: []string{"float16[B, S, 4096]", "float16[B, 8, 17, 128]", "float16[B, 8, 17, 128]"}},
		{name: "packed", op: "GroupQueryAttention", attrs: attrs, in: []*shape.Value{mltT(f16, "B", "S", 6144), nil, nil, past, past, seqlens, total},
			want: []string{"float16[B, S, 4096]", "float16[B, 8, max(17, P), 128]"}},
		{name: "quantized_cache", op: "GroupQueryAttention", attrs: attrs, in: []*shape.Value{q, kv, kv, mltT(i8, "B", 8, "P", 128), mltT(i8, "B", 8, "P", 128), seqlens, total},
			want: []string{"", "int8[B, 8, max(17, P), 128]", "int8[B, 8, max(17, P), 128]"}},
		{name: "sliding_window", op: "GroupQueryAttention", attrs: append([]*onnx.Attribute{attrInt("sliding_window_cache", 1), attrInt("local_window_size", 64)}, attrs...),
			in: []*shape.Value{q, kv, kv, mltT(f16, "B", 8, 64, 128), mltT(f16, "B", 8, 64, 128), seqlens, total}, want: []string{"", "float16[B, 8, 64, 128]"}},
		{name: "output_qk", op: "GroupQueryAttention", attrs: append([]*onnx.Attribute{attrInt("qk_output", 1)}, attrs...), in: []*shape.Value{q, kv, kv, past, past, seqlens, total},
			want: []string{"", "", "", "float16[B, 32, S, 17]"}},
		{name: "packed_indivisible", op: "GroupQueryAttention", attrs: attrs, in: []*shape.Value{mltT(f16, "B", "S", 6001), nil, nil, past, past, seqlens, total}, err: "6001 is not divisible by 48"},
		{name: "kv_heads", op: "GroupQueryAttention", attrs: []*onnx.Attribute{attrInt("num_heads", 32)}, in: []*shape.Value{q, kv, kv, past, past, seqlens, total}, err: "kv_num_heads"},
		{name: "sparse", op: "SparseAttention", attrs: attrs, in: []*shape.Value{q, kv, kv, mltT(f16, "B", 8, "M", 128), mltT(f16, "B", 8, "M", 128)},
			want: []string{"float16[B, S, 4096]", "float16[B, 8, M, 128]", "float16[B, 8, M, 128]"}},
		{name: "packed_attention", op: "PackedAttention", attrs: []*onnx.Attribute{attrInt("num_heads", 12)}, in: []*shape.Value{mltT(f16, "T", 768), mltT(f16, 768, 2304), mltT(f16, 2304)},
			want: []string{"float16[T, 768]"}},
		{name: "packed_mha_qkv", op: "PackedMultiHeadAttention", attrs: []*onnx.Attribute{attrInt("num_heads", 12)}, in: []*shape.Value{mltT(f16, "T", 12, 3, 64)},
			want: []string{"float16[T, 768]"}},
		{name: "packed_mha", op: "PackedMultiHeadAttention", attrs: []*onnx.Attribute{attrInt("num_heads", 12)}, in: []*shape.Value{mltT(f16, "T", 768), mltT(f16, "T", 768), mltT(f16, "T", 512)},
			want: []string{"float16[T, 512]"}},
	})
}

func TestContribNormAndActivations(t *testing.T) {
	f32, f16, i32 := onnx.Float, onnx.Float16, onnx.Int32
	x := mltT(f32, "B", "S", 768)
	g := mltT(f32, 768)
	mltRun(t, msDomain, []mltCase{
		{name: "embed", op: "EmbedLayerNormalization",
			in:   []*shape.Value{mltT(i32, "B", "S"), mltT(i32, "B", "S"), mltT(f32, 30522, 768), mltT(f32, 512, 768), mltT(f32, 2, 768), g, g, mltT(i32, "B", "S")},
			want: []string{"float32[B, S, 768]", "int32[B]", "float32[B, S, 768]"}},
		{name: "embed_rank", op: "EmbedLayerNormalization", in: []*shape.Value{mltT(i32, "S"), nil, mltT(f32, 30522, 768), mltT(f32, 512, 768), nil, g, g}, err: "input_ids has rank 1"},
		{name: "qembed", op: "QEmbedLayerNormalization",
			in:   []*shape.Value{mltT(i32, "B", "S"), nil, mltT(onnx.Int8, 30522, 768), mltT(onnx.Int8, 512, 768), nil, mltT(onnx.Int8, 768), mltT(onnx.Int8, 768)},
			want: []string{"float32[B, S, 768]", "int32[B]"}},
		{name: "skipln", op: "SkipLayerNormalization", in: []*shape.Value{x, x, g, g},
			want: []string{"float32[B, S, 768]", "float32[B, S, 1]", "float32[B, S, 1]", "float32[B, S, 768]"}},
		{name: "skipsln_fp16", op: "SkipSimplifiedLayerNormalization", in: []*shape.Value{mltT(f16, "T", 768), mltT(f16, "T", 768), mltT(f16, 768)},
			want: []string{"float16[T, 768]", "float32[T, 1]", "float32[T, 1]", "float16[T, 768]"}},
		{name: "ln_axis", op: "LayerNormalization", attrs: []*onnx.Attribute{attrInt("axis", 1)}, in: []*shape.Value{x, g, g},
			want: []string{"float32[B, S, 768]", "float32[B, 1, 1]", "float32[B, 1, 1]"}},
		{name: "ln_axis_range", op: "LayerNormalization", attrs: []*onnx.Attribute{attrInt("axis", 3)}, in: []*shape.Value{x, g, g}, err: "axis"},
		{name: "sln", op: "SimplifiedLayerNormalization", in: []*shape.Value{x, mltT(f16, 768)}, want: []string{"float16[B, S, 768]", "float32[B, S, 1]"}},
		{name: "sln_stash", op: "SimplifiedLayerNormalization", attrs: []*onnx.Attribute{attrInt("stash_type", int64(onnx.Double))}, in: []*shape.Value{x, g},
			want: []string{"float32[B, S, 768]", "float64[B, S, 1]"}},
		{name: "sln_stash_int", op: "SimplifiedLayerNormalization", attrs: []*onnx.Attribute{attrInt("stash_type", int64(onnx.Int32))}, in: []*shape.Value{x, g}, err: "stash_type"},
		{op: "GroupNorm", in: []*shape.Value{mltT(f16, "N", 64, 64, 320), mltT(f32, 320), mltT(f32, 320)}, want: []string{"float16[N, 64, 64, 320]"}},
		{op: "SkipGroupNorm", in: []*shape.Value{mltT(f16, "N", 64, 64, 320), mltT(f32, 320), mltT(f32, 320), mltT(f16, "N", 1, 1, 320)},
			want: []string{"float16[N, 64, 64, 320]", "float16[N, 64, 64, 320]"}},
		// activations
		{op: "Gelu", in: []*shape.Value{x}, want: []string{"float32[B, S, 768]"}},
		{op: "FastGelu", in: []*shape.Value{x, g}, want: []string{"float32[B, S, 768]"}},
		{op: "BiasGelu", in: []*shape.Value{x, g}, want: []string{"float32[B, S, 768]"}},
		{op: "QuickGelu", attrs: []*onnx.Attribute{attrFloat("alpha", 1.702)}, in: []*shape.Value{x}, want: []string{"float32[B, S, 768]"}},
		{op: "BiasAdd", in: []*shape.Value{x, g, x}, want: []string{"float32[B, S, 768]"}},
		{op: "BiasSoftmax", in: []*shape.Value{mltT(f32, "B", 12, "S", "S"), mltT(f32, "B", 1, 1, "S")}, want: []string{"float32[B, 12, S, S]"}},
		{op: "BiasSplitGelu", in: []*shape.Value{mltT(f16, "N", "HW", 2560), mltT(f16, 2560)}, want: []string{"float16[N, HW, 1280]"}},
		{name: "biassplitgelu_odd", op: "BiasSplitGelu", in: []*shape.Value{mltT(f16, "N", "HW", 2561), mltT(f16, 2561)}, err: "not divisible by 2"},
		{op: "BiasDropout", in: []*shape.Value{x, g}, want: []string{"float32[B, S, 768]", "bool[B, S, 768]"}},
		{op: "RotaryEmbedding", in: []*shape.Value{mltT(f16, "B", "S", 4096), mltT(onnx.Int64, "B", "S"), mltT(f16, 4096, 64), mltT(f16, 4096, 64)}, want: []string{"float16[B, S, 4096]"}},
		{op: "GemmaRotaryEmbedding", in: []*shape.Value{mltT(f32, "B", "S", 256), mltT(f16, "B", 8, "S", 256), mltT(f16, "B", 8, "S", 256), mltT(f16, "B", 8, "S", 256), mltT(f16, "B", 8, "S", 256)},
			want: []string{"float16[B, 8, S, 256]", "float16[B, 8, S, 256]"}},
		{op: "Inverse", in: []*shape.Value{mltT(f32, "B", 3, 3)}, want: []string{"float32[B, 3, 3]"}},
		{name: "inverse_square", op: "Inverse", in: []*shape.Value{mltT(f32, 3, 4)}, err: "square"},
		{name: "trilu_rank", op: "Trilu", in: []*shape.Value{mltT(f32, 4)}, err: "rank 1"},
		{op: "Trilu", in: []*shape.Value{mltT(f32, 3, 4), mltInts(1)}, want: []string{"float32[3, 4]"}},
		{op: "IsAllFinite", in: []*shape.Value{x, g}, want: []string{"bool[]"}},
		{op: "MurmurHash3", attrs: []*onnx.Attribute{attrInt("positive", 0)}, in: []*shape.Value{mltT(onnx.String, "N")}, want: []string{"int32[N]"}},
		{op: "NGramRepeatBlock", attrs: []*onnx.Attribute{attrInt("ngram_size", 3)}, in: []*shape.Value{mltT(onnx.Int64, "B", "S"), mltT(f32, "B", 50257)}, want: []string{"float32[B, 50257]"}},
		{op: "QLinearSigmoid", in: []*shape.Value{mltT(onnx.Uint8, 2, 3), mltT(f32), mltT(onnx.Uint8), mltT(f32), mltT(onnx.Uint8)}, want: []string{"uint8[2, 3]"}},
		{op: "RelativePositionBias", attrs: []*onnx.Attribute{attrInt("max_distance", 128)}, in: []*shape.Value{mltT(f32, 32, 8), mltInts(5), mltInts(7)}, want: []string{"float32[1, 8, 5, 7]"}},
		{op: "GatedRelativePositionBias", attrs: []*onnx.Attribute{attrInt("num_heads", 12)},
			in: []*shape.Value{x, g, mltT(f32, 1, 12, "S", "S"), mltT(f32, 64, 8), mltT(f32, 8), mltT(f32, 1, 12, 1, 1)}, want: []string{"float32[B, 12, S, S]"}},
		{op: "RemovePadding", in: []*shape.Value{x, mltT(i32, "B")}, want: []string{"float32[*, 768]", "int32[B, S]", "int32[B + 1]", "int32[1]"}},
		{op: "RestorePadding", in: []*shape.Value{mltT(f32, "T", 768), mltT(i32, "B", "S")}, want: []string{"float32[B, S, 768]"}},
	})
}

func TestContribMatMulConv(t *testing.T) {
	f32, u8, i8 := onnx.Float, onnx.Uint8, onnx.Int8
	mltRun(t, msDomain, []mltCase{
		{name: "fused", op: "FusedMatMul", attrs: []*onnx.Attribute{attrFloat("alpha", 0.125)}, in: []*shape.Value{mltT(f32, "B", 4, 8), mltT(f32, 8, 16)}, want: []string{"float32[B, 4, 16]"}},
		{name: "fused_transA", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transA", 1)}, in: []*shape.Value{mltT(f32, "B", 8, 4), mltT(f32, 8, 16)}, want: []string{"float32[B, 4, 16]"}},
		{name: "fused_transB", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transB", 1)}, in: []*shape.Value{mltT(f32, "B", 12, "S", 64), mltT(f32, "B", 12, "L", 64)}, want: []string{"float32[B, 12, S, L]"}},
		{name: "fused_transBatchA", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transBatchA", 1)}, in: []*shape.Value{mltT(f32, 4, "B", 8), mltT(f32, "B", 8, 16)}, want: []string{"float32[B, 4, 16]"}},
		{name: "fused_transBatchA_transA", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transBatchA", 1), attrInt("transA", 1)}, in: []*shape.Value{mltT(f32, 8, "B", 4), mltT(f32, 1, 8, 16)}, want: []string{"float32[B, 4, 16]"}},
		// ONNX Runtime moves batch axes only between operands of one rank >= 3.
		{name: "fused_transBatchA_ranks", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transBatchA", 1)}, in: []*shape.Value{mltT(f32, 4, "B", 8), mltT(f32, 8, 16)}, err: "transBatchA=1 needs A and B of one rank"},
		{name: "fused_transBatchB_ranks", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transBatchB", 1)}, in: []*shape.Value{mltT(f32, 2, 3, 4, 8), mltT(f32, 8, 2, 16)}, err: "transBatchB=1 needs A and B of one rank"},
		{name: "fused_transBatch_rank2", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transBatchB", 1)}, in: []*shape.Value{mltT(f32, 4, 8), mltT(f32, 8, 16)}, err: "at least 3"},
		{name: "fused_vector", op: "FusedMatMul", attrs: []*onnx.Attribute{attrInt("transA", 1)}, in: []*shape.Value{mltT(f32, 8), mltT(f32, 8, 16)}, want: []string{"float32[16]"}},
		{name: "fused_mismatch", op: "FusedMatMul", in: []*shape.Value{mltT(f32, 4, 8), mltT(f32, 9, 16)}, err: "inner dimensions"},
		{name: "transposematmul", op: "TransposeMatMul", attrs: []*onnx.Attribute{attrInt("transA", 1), attrInt("transB", 1)}, in: []*shape.Value{mltT(f32, 8, 4), mltT(f32, 16, 8)}, want: []string{"float32[4, 16]"}},
		{name: "fusedgemm", op: "FusedGemm", attrs: []*onnx.Attribute{attrInt("transB", 1), attrString("activation", "Relu")}, in: []*shape.Value{mltT(f32, "M", 8), mltT(f32, 16, 8), mltT(f32, 16)}, want: []string{"float32[M, 16]"}},
		{name: "fusedgemm_rank", op: "FusedGemm", in: []*shape.Value{mltT(f32, 2, "M", 8), mltT(f32, 8, 16)}, err: "A has rank 3"},
		{name: "qgemm_float", op: "QGemm", in: []*shape.Value{mltT(u8, 4, 8), mltT(f32), mltT(u8), mltT(i8, 8, 16), mltT(f32), mltT(i8)}, want: []string{"float32[4, 16]"}},
		{name: "qgemm_bias", op: "QGemm", in: []*shape.Value{mltT(u8, 4, 8), mltT(f32), mltT(u8), mltT(i8, 8, 16), mltT(f32), mltT(i8), mltT(onnx.Int32, 16)}, want: []string{"float32[4, 16]"}},
		{name: "qgemm_float_bias", op: "QGemm", in: []*shape.Value{mltT(u8, 4, 8), mltT(f32), mltT(u8), mltT(i8, 8, 16), mltT(f32), mltT(i8), mltT(f32, 16)}, err: "want int32"},
		{name: "qgemm_quant", op: "QGemm", attrs: []*onnx.Attribute{attrInt("transA", 1)}, in: []*shape.Value{mltT(u8, 8, 4), mltT(f32), mltT(u8), mltT(i8, 8, 16), mltT(f32), mltT(i8), nil, mltT(f32), mltT(u8)}, want: []string{"uint8[4, 16]"}},
		{name: "nbits", op: "MatMulNBits", attrs: []*onnx.Attribute{attrInt("K", 4096), attrInt("N", 11008), attrInt("bits", 4), attrInt("block_size", 32)},
			in: []*shape.Value{mltT(onnx.Float16, "B", "S", 4096), mltT(u8, 11008, 128, 16), mltT(onnx.Float16, 11008*128)}, want: []string{"float16[B, S, 11008]"}},
		{name: "nbits_k", op: "MatMulNBits", attrs: []*onnx.Attribute{attrInt("K", 4096), attrInt("N", 11008)}, in: []*shape.Value{mltT(f32, "B", 1024), mltT(u8, 11008, 128, 16), mltT(f32, 11008*128)}, err: "4096"},
		{name: "nbits_noN", op: "MatMulNBits", attrs: []*onnx.Attribute{attrInt("K", 4096)}, in: []*shape.Value{mltT(f32, "B", 4096), mltT(u8, 1), mltT(f32, 1)}, err: "attribute N"},
		{name: "bnb4", op: "MatMulBnb4", attrs: []*onnx.Attribute{attrInt("K", 64), attrInt("N", 32), attrInt("transB", 0)}, in: []*shape.Value{mltT(f32, "B", 32), mltT(u8, 1024), mltT(f32, 32)}, want: []string{"float32[B, 64]"}},
		{name: "inttofloat", op: "MatMulIntegerToFloat", in: []*shape.Value{mltT(u8, "B", 4, 8), mltT(i8, 8, 16), mltT(f32), mltT(f32, 16)}, want: []string{"float32[B, 4, 16]"}},
		{name: "dqmatmul", op: "DynamicQuantizeMatMul", in: []*shape.Value{mltT(f32, "B", 4, 8), mltT(i8, 8, 16), mltT(f32)}, want: []string{"float32[B, 4, 16]"}},
		{name: "int16", op: "MatMulInteger16", in: []*shape.Value{mltT(onnx.Int16, 4, 8), mltT(onnx.Int16, 8, 2)}, want: []string{"int32[4, 2]"}},
		{name: "gemmfastgelu", op: "GemmFastGelu", in: []*shape.Value{mltT(f32, "B", "S", 768), mltT(f32, 768, 3072), mltT(f32, 3072)}, want: []string{"float32[B, S, 3072]"}},
		{name: "qlinearadd", op: "QLinearAdd", in: []*shape.Value{mltT(u8, "B", 3, 4), mltT(f32), mltT(u8), mltT(u8, 4), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[B, 3, 4]"}},
		{name: "qlinearmul_bad", op: "QLinearMul", in: []*shape.Value{mltT(u8, 3, 4), mltT(f32), mltT(u8), mltT(u8, 5), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, err: "broadcastable"},
		{name: "mulinteger", op: "MulInteger", in: []*shape.Value{mltT(u8, 3, 1), mltT(u8), mltT(u8, 4)}, want: []string{"int32[3, 4]"}},

		// convolution and pooling
		{name: "fusedconv", op: "FusedConv", attrs: []*onnx.Attribute{attrString("activation", "Relu"), attrInts("strides", 2, 2), attrInts("pads", 3, 3, 3, 3)},
			in: []*shape.Value{mltT(f32, "N", 3, 224, 224), mltT(f32, 64, 3, 7, 7), mltT(f32, 64)}, want: []string{"float32[N, 64, 112, 112]"}},
		{name: "qlinearconv_nchw", op: "QLinearConv", attrs: []*onnx.Attribute{attrInts("strides", 2, 2), attrInts("pads", 3, 3, 3, 3)},
			in: []*shape.Value{mltT(u8, "N", 3, 224, 224), mltT(f32), mltT(u8), mltT(i8, 64, 3, 7, 7), mltT(f32), mltT(i8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, 64, 112, 112]"}},
		{name: "qlinearconv_nhwc", op: "QLinearConv", attrs: []*onnx.Attribute{attrInt("channels_last", 1), attrInts("strides", 2, 2), attrInts("pads", 3, 3, 3, 3)},
			in: []*shape.Value{mltT(u8, "N", 224, 224, 3), mltT(f32), mltT(u8), mltT(i8, 64, 3, 7, 7), mltT(f32), mltT(i8), mltT(f32), mltT(i8)}, want: []string{"int8[N, 112, 112, 64]"}},
		{name: "nhwcconv", op: "NhwcConv", attrs: []*onnx.Attribute{attrInts("strides", 2, 2), attrInts("pads", 3, 3, 3, 3)},
			in: []*shape.Value{mltT(onnx.Float16, "N", 224, 224, 3), mltT(onnx.Float16, 64, 7, 7, 3)}, want: []string{"float16[N, 112, 112, 64]"}},
		{name: "nhwcconv_same", op: "NhwcConv", attrs: []*onnx.Attribute{attrString("auto_pad", "SAME_UPPER"), attrInts("kernel_shape", 3, 3)},
			in: []*shape.Value{mltT(f32, "N", "H", "W", 32), mltT(f32, 64, 3, 3, 32)}, want: []string{"float32[N, H, W, 64]"}},
		{name: "nhwcconv_unknown_w", op: "NhwcConv", in: []*shape.Value{mltT(f32, "N", 8, 8, 3), shape.UnknownRank(f32)}, want: []string{"float32[N, *, *, *]"}},
		{name: "nhwcconv_unknown_x", op: "NhwcConv", in: []*shape.Value{shape.UnknownRank(f32), mltT(f32, 8, 3, 3, 3)}, want: []string{"float32?"}},
		{name: "nhwcconv_channels", op: "NhwcConv", in: []*shape.Value{mltT(f32, "N", 8, 8, 16), mltT(f32, 64, 3, 3, 32)}, err: "channels"},
		{name: "nhwcfusedconv", op: "NhwcFusedConv", attrs: []*onnx.Attribute{attrInt("group", 32)},
			in: []*shape.Value{mltT(f32, "N", 10, 10, 32), mltT(f32, 32, 1, 3, 3)}, want: []string{"float32[N, 8, 8, 32]"}},
		{name: "nhwcmaxpool", op: "NhwcMaxPool", attrs: []*onnx.Attribute{attrInts("kernel_shape", 3, 3), attrInts("strides", 2, 2), attrInts("pads", 1, 1, 1, 1)},
			in: []*shape.Value{mltT(u8, "N", 112, 112, 64)}, want: []string{"uint8[N, 56, 56, 64]"}},
		{name: "nhwcmaxpool_ceil", op: "NhwcMaxPool", attrs: []*onnx.Attribute{attrInts("kernel_shape", 3, 3), attrInts("strides", 2, 2), attrInt("ceil_mode", 1)},
			in: []*shape.Value{mltT(u8, "N", 8, 8, 64)}, want: []string{"uint8[N, 4, 4, 64]"}},
		{name: "nhwcmaxpool_nokernel", op: "NhwcMaxPool", in: []*shape.Value{mltT(u8, "N", 8, 8, 64)}, err: "kernel_shape"},
		{name: "qavgpool", op: "QLinearAveragePool", attrs: []*onnx.Attribute{attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2)},
			in: []*shape.Value{mltT(u8, "N", 64, 56, 56), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, 64, 28, 28]"}},
		{name: "qavgpool_nhwc", op: "QLinearAveragePool", attrs: []*onnx.Attribute{attrInt("channels_last", 1), attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2)},
			in: []*shape.Value{mltT(u8, "N", 56, 56, 64), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, 28, 28, 64]"}},
		{name: "qgap", op: "QLinearGlobalAveragePool", in: []*shape.Value{mltT(u8, "N", 512, 7, 7), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, 512, 1, 1]"}},
		{name: "qgap_nhwc", op: "QLinearGlobalAveragePool", attrs: []*onnx.Attribute{attrInt("channels_last", 1)}, in: []*shape.Value{mltT(u8, "N", 7, 7, 512), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, 1, 1, 512]"}},
	})
}

func TestContribQuantAndMisc(t *testing.T) {
	f32, f16, u8, i8, i64 := onnx.Float, onnx.Float16, onnx.Uint8, onnx.Int8, onnx.Int64
	mltRun(t, msDomain, []mltCase{
		{name: "quantize", op: "QuantizeLinear", in: []*shape.Value{mltT(f32, "B", 3), mltT(f32), mltT(i8)}, want: []string{"int8[B, 3]"}},
		{name: "quantize_nozp", op: "QuantizeLinear", in: []*shape.Value{mltT(f32, "B", 3), mltT(f32)}, want: []string{"uint8[B, 3]"}},
		{name: "dequantize", op: "DequantizeLinear", attrs: []*onnx.Attribute{attrInt("axis", 1)}, in: []*shape.Value{mltT(i8, "B", 3), mltT(f16, 3), mltT(i8, 3)}, want: []string{"float16[B, 3]"}},
		{name: "qconcat", op: "QLinearConcat", attrs: []*onnx.Attribute{attrInt("axis", 1)},
			in: []*shape.Value{mltT(f32), mltT(u8), mltT(u8, "N", 2, 4), mltT(f32), mltT(u8), mltT(u8, "N", 3, 4), mltT(f32), mltT(u8)}, want: []string{"uint8[N, 5, 4]"}},
		{name: "qconcat_sym", op: "QLinearConcat", attrs: []*onnx.Attribute{attrInt("axis", -1)},
			in: []*shape.Value{mltT(f32), mltT(u8), mltT(u8, 2, "A"), mltT(f32), mltT(u8), mltT(u8, 2, "C"), mltT(f32), mltT(u8)}, want: []string{"uint8[2, A + C]"}},
		{name: "qconcat_mismatch", op: "QLinearConcat", attrs: []*onnx.Attribute{attrInt("axis", 1)},
			in: []*shape.Value{mltT(f32), mltT(u8), mltT(u8, 1, 2, 4), mltT(f32), mltT(u8), mltT(u8, 1, 3, 5), mltT(f32), mltT(u8)}, err: "dimension 2"},
		{name: "qconcat_arity", op: "QLinearConcat", attrs: []*onnx.Attribute{attrInt("axis", 1)}, in: []*shape.Value{mltT(f32), mltT(u8), mltT(u8, 1, 2, 4), mltT(f32)}, err: "triples"},
		{name: "qconcat_noaxis", op: "QLinearConcat", in: []*shape.Value{mltT(f32), mltT(u8), mltT(u8, 1, 2, 4), mltT(f32), mltT(u8)}, err: "axis"},
		{name: "qreducemean", op: "QLinearReduceMean", attrs: []*onnx.Attribute{attrInts("axes", 2, 3), attrInt("keepdims", 1)},
			in: []*shape.Value{mltT(u8, "N", "C", 7, 7), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, C, 1, 1]"}},
		{name: "qreducemean_nokeep", op: "QLinearReduceMean", attrs: []*onnx.Attribute{attrInts("axes", -1), attrInt("keepdims", 0)},
			in: []*shape.Value{mltT(u8, "N", "C", 7), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[N, C]"}},
		{name: "qreducemean_all", op: "QLinearReduceMean", attrs: []*onnx.Attribute{attrInt("keepdims", 0)},
			in: []*shape.Value{mltT(u8, "N", "C", 7), mltT(f32), mltT(u8), mltT(f32), mltT(u8)}, want: []string{"uint8[]"}},
		{name: "gbq_uint8", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("quantize_axis", 1), attrInt("block_size", 128), attrInt("bits", 4)},
			in: []*shape.Value{mltT(u8, 32000, 2048), mltT(i64, "B", "S"), mltT(f16, 32000, 32)}, want: []string{"float16[B, S, 4096]"}},
		{name: "gbq_int4", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("gather_axis", 1), attrInt("quantize_axis", 0)},
			in: []*shape.Value{mltT(onnx.Int4, 16, 64), mltT(i64, 3), mltT(f32, 1, 64)}, want: []string{"float32[16, 3]"}},
		{name: "gbq_same_axes", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("gather_axis", 1)},
			in: []*shape.Value{mltT(onnx.Int4, 16, 64), mltT(i64, 3), mltT(f32, 16, 1)}, err: "must differ"},
		{name: "gbq_uint8_gather_axis", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("gather_axis", 1), attrInt("quantize_axis", 0), attrInt("block_size", 16)},
			in: []*shape.Value{mltT(u8, 16, 8), mltT(i64, 3), mltT(f32, 1, 8)}, err: "uint8 data is gathered along axis 0 only"},
		{name: "gbq_uint8_quantize_axis", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("quantize_axis", 1), attrInt("block_size", 16)},
			in: []*shape.Value{mltT(u8, 4, 32, 8), mltT(i64, 2), mltT(f32, 4, 2, 16)}, err: "quantized along its last axis"},
		{name: "gbq_scales", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("block_size", 16)},
			in: []*shape.Value{mltT(u8, 4, 16), mltT(i64, 3), mltT(f32, 4, 1)}, err: "scales dim 1"},
		{name: "gbq_block_size", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("block_size", 24)},
			in: []*shape.Value{mltT(u8, 4, 16), mltT(i64, 3), mltT(f32, 4, 2)}, err: "block_size"},
		{name: "gbq_bits", op: "GatherBlockQuantized", attrs: []*onnx.Attribute{attrInt("bits", 3)}, in: []*shape.Value{mltT(u8, 10, 8), mltT(i64, 3), mltT(f32, 10, 1)}, err: "bits"},
		{op: "TorchEmbedding", in: []*shape.Value{mltT(f32, 100, 16), mltT(i64, "B", "S")}, want: []string{"float32[B, S, 16]"}},
		{op: "GridSample", in: []*shape.Value{mltT(f32, "N", 3, 32, 32), mltT(f32, "N", 8, 9, 2)}, want: []string{"float32[N, 3, 8, 9]"}},
		{op: "CDist", in: []*shape.Value{mltT(f32, "M", 4), mltT(f32, "N", 4)}, want: []string{"float32[M, N]"}},
		{name: "cdist_features", op: "CDist", in: []*shape.Value{mltT(f32, "M", 4), mltT(f32, "N", 5)}, err: "feature"},
		{op: "Unique", in: []*shape.Value{mltT(f32, 10)}, want: []string{"float32[*]", "int64[10]", "int64[*]"}},
		{name: "pad", op: "Pad", in: []*shape.Value{mltT(f32, 2, "W"), mltInts(0, 1, 0, 2)}, want: []string{"float32[2, W + 3]"}},
		{name: "pad_crop", op: "Pad", in: []*shape.Value{mltT(f32, 2, 5), mltInts(0, -1, 0, -1)}, want: []string{"float32[2, 3]"}},
		{name: "pad_unknown", op: "Pad", in: []*shape.Value{mltT(f32, 2, 5), mltT(i64, 4)}, want: []string{"float32[*, *]"}},
		{name: "pad_len", op: "Pad", in: []*shape.Value{mltT(f32, 2, 5), mltInts(0, 1)}, err: "want 4"},
		{op: "CropAndResize", in: []*shape.Value{mltT(f32, "N", 3, 64, 64), mltT(f32, "R", 4), mltT(onnx.Int32, "R"), mltI32([]int64{2}, 7, 9)}, want: []string{"float32[R, 3, 7, 9]"}},
		{op: "UnfoldTensor", attrs: []*onnx.Attribute{attrInt("size", 3), attrInt("step", 2)}, in: []*shape.Value{mltT(f32, "B", 10)}, want: []string{"float32[B, 4, 3]"}},
		{name: "unfold_sym", op: "UnfoldTensor", attrs: []*onnx.Attribute{attrInt("size", 4), attrInt("dim", 0)}, in: []*shape.Value{mltT(f32, "T", 2)}, want: []string{"float32[T - 3, 2, 4]"}},
		{name: "unfold_nosize", op: "UnfoldTensor", in: []*shape.Value{mltT(f32, "T", 2)}, err: "size"},
	})
}

// TestContribSimplifiedLayerNormONNXDomain: ONNX Runtime registers
// SimplifiedLayerNormalization in the ai.onnx domain.
func TestContribSimplifiedLayerNormONNXDomain(t *testing.T) {
	x := mltT(onnx.Float, "B", "S", 4096)
	outs, res := mltRunNode(t, "", 14, node("SimplifiedLayerNormalization", attrFloat("epsilon", 1e-6)), 2, x, mltT(onnx.Float, 4096))
	if len(res.Failures) > 0 || len(res.Unsupported) > 0 {
		t.Fatalf("failures %v unsupported %v", res.Failures, res.Unsupported)
	}
	if got := shape.TypeString(outs[0]) + " " + shape.TypeString(outs[1]); got != "float32[B, S, 4096] float32[B, S, 1]" {
		t.Errorf("got %s", got)
	}
	// Unknown input rank: known output types.
	outs, _ = mltRunNode(t, "", 14, node("SimplifiedLayerNormalization"), 2, shape.UnknownRank(onnx.Float16), mltT(onnx.Float16, 8))
	if got := shape.TypeString(outs[0]) + " " + shape.TypeString(outs[1]); got != "float16? float32?" {
		t.Errorf("unknown rank: %s", got)
	}
}

package ortcheck_test

import (
	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
)

// noCPU lists the operators greenai has a rule for that ONNX Runtime's CPU
// build (onnxruntime-node 1.30) does not run: they have CUDA, ROCm or
// DirectML kernels only. The test checks that each still fails there.
var noCPU = map[string]string{
	"com.microsoft/BiasDropout":                  noKernel,
	"com.microsoft/IsAllFinite":                  noKernel,
	"com.microsoft/BiasAdd":                      noKernel,
	"com.microsoft/BiasSoftmax":                  noKernel,
	"com.microsoft/BiasSplitGelu":                noKernel,
	"com.microsoft/DecoderMaskedSelfAttention":   noKernel,
	"com.microsoft/SparseAttention":              "past_key->DataRaw() == present_key->DataRaw()", // its CPU kernel needs present to share past\'s buffer, which onnxruntime-node cannot bind
	"com.microsoft/PackedAttention":              noKernel,
	"com.microsoft/PackedMultiHeadAttention":     noKernel,
	"com.microsoft/LongformerAttention":          noKernel,
	"com.microsoft/GemmaRotaryEmbedding":         "InsertedPrecisionFreeCast", // no float16 kernel: the CPU provider casts to float, which the operator rejects
	"com.microsoft/GatedRelativePositionBias":    noKernel,
	"com.microsoft/RelativePositionBias":         noKernel,
	"com.microsoft/RemovePadding":                noKernel,
	"com.microsoft/RestorePadding":               noKernel,
	"com.microsoft/GroupNorm":                    "Kernel not found",
	"com.microsoft/SkipGroupNorm":                "Kernel not found",
	"com.microsoft/FusedMatMulActivation":        noKernel,
	"com.microsoft/GemmFastGelu":                 noKernel,
	"com.microsoft/MulInteger":                   noKernel,
	"com.microsoft/NhwcConv":                     noKernel,
	"com.microsoft/NhwcFusedConv":                "Kernel not found", // float16 only, on ARM
	"com.microsoft/QLinearReduceMean":            noKernel,
	"com.microsoft/TorchEmbedding":               noKernel,
	"com.microsoft/LayerNormalization":           notRegistered, // ONNX Runtime's contrib LayerNormalization is in the ai.onnx domain
	"com.microsoft/SimplifiedLayerNormalization": notRegistered, // likewise (the ai.onnx case runs)
	"ai.onnx.ml/CastMap":                         notFed,
	"ai.onnx.ml/DictVectorizer":                  notFed,
	"ai.onnx.ml/ZipMap":                          "Non tensor type", // its output, a sequence of maps, cannot be returned by onnxruntime-node
}

// The errors ONNX Runtime gives for those: an operator schema without a
// CPU kernel (CUDA, ROCm or DirectML only), an operator it does not
// register at all.
const (
	noKernel      = "Could not find an implementation"
	notRegistered = "is not a registered function/op"
	// notFed: not run at all. The operator's input is a map, which the
	// test's model builder cannot declare and onnxruntime-node cannot feed.
	notFed = ""
)

func strsAttr(name string, v ...string) onnxbuild.Attr {
	return onnxbuild.Attr{Name: name, Strings: v}
}

func tensorAttr(name string, dt onnx.DataType, dims []int64, ints []int64, floats []float64) onnxbuild.Attr {
	return onnxbuild.Attr{Name: name, Tensor: &onnxbuild.Tensor{DataType: int32(dt), Dims: dims, Raw: raw(dt, ints, floats)}}
}

// operatorCases are the one-node models run in ONNX Runtime.
func operatorCases() []opCase {
	s0 := func(v int64) in { return ki(i64, nil, v) }
	qs := kf(f32, nil, 0.05) // a quantization scale
	zu := ki(u8, nil, 128)   // a uint8 zero point
	zi := ki(i8, nil, 0)     // an int8 zero point
	return []opCase{
		// --- ai.onnx quantized operators ---
		{name: "quantize_linear", op: "QuantizeLinear", ins: []in{x(f32, 2, 3, 4), qs, zu}},
		{name: "quantize_linear_axis", op: "QuantizeLinear", attrs: []onnxbuild.Attr{ai("axis", 1)}, ins: []in{x(f32, 2, 3, 4), kf(f32, d(3), 0.1, 0.2, 0.3), ki(i8, d(3), 0, 1, 2)}},
		{name: "dequantize_linear", op: "DequantizeLinear", ins: []in{x(u8, 2, 3), qs, zu}},
		{name: "dequantize_linear_block", op: "DequantizeLinear", attrs: []onnxbuild.Attr{ai("axis", 1), ai("block_size", 2)}, ins: []in{x(i8, 2, 4), kf(f32, d(2, 2), 0.1, 0.2, 0.3, 0.4)}},
		{name: "dynamic_quantize_linear", op: "DynamicQuantizeLinear", ins: []in{x(f32, 3, 5)}, nout: 3},
		{name: "qlinear_conv", op: "QLinearConv", attrs: []onnxbuild.Attr{ais("pads", 1, 1, 1, 1), ais("strides", 2, 2)},
			ins: []in{x(u8, 1, 3, 9, 9), qs, zu, x(u8, 4, 3, 3, 3), qs, zu, qs, zu}},
		{name: "qlinear_matmul", op: "QLinearMatMul", ins: []in{x(u8, 2, 3, 4), qs, zu, x(u8, 4, 5), qs, zu, qs, zu}},
		{name: "matmul_integer", op: "MatMulInteger", ins: []in{x(u8, 3, 4), x(u8, 4, 2), zu, zu}},
		{name: "matmul_integer_batched", op: "MatMulInteger", ins: []in{x(u8, 2, 3, 4), x(i8, 4, 2)}},
		{name: "conv_integer", op: "ConvInteger", attrs: []onnxbuild.Attr{ais("pads", 0, 1, 0, 1)}, ins: []in{x(u8, 1, 2, 5, 5), x(u8, 3, 2, 2, 2), zu, zu}},

		// --- com.microsoft: activations and elementwise ---
		{name: "ms_gelu", domain: ms, op: "Gelu", ins: []in{x(f32, 2, 3, 8)}},
		{name: "ms_fast_gelu", domain: ms, op: "FastGelu", ins: []in{x(f32, 2, 3, 8), x(f32, 8)}},
		{name: "ms_bias_gelu", domain: ms, op: "BiasGelu", ins: []in{x(f32, 2, 3, 8), x(f32, 8)}},
		{name: "ms_quick_gelu", domain: ms, op: "QuickGelu", attrs: []onnxbuild.Attr{af("alpha", 1.702)}, ins: []in{x(f32, 2, 3, 8)}},
		{name: "ms_bias_softmax", domain: ms, op: "BiasSoftmax", attrs: []onnxbuild.Attr{ai("axis", 3), ai("is_inner_broadcast", 1)}, ins: []in{x(f32, 2, 4, 5, 5), x(f32, 2, 1, 1, 5)}},
		{name: "ms_bias_dropout", domain: ms, op: "BiasDropout", ins: []in{x(f32, 2, 3, 8), x(f32, 8)}, nout: 2},
		{name: "ms_inverse", domain: ms, op: "Inverse", ins: []in{kf(f32, d(2, 2, 2), 2, 0, 0, 2, 1, 0, 0, 1)}},
		{name: "ms_trilu", domain: ms, op: "Trilu", ins: []in{x(f32, 3, 4), s0(1)}},
		{name: "ms_is_all_finite", domain: ms, op: "IsAllFinite", ins: []in{x(f32, 2, 3), x(f32, 5)}},
		{name: "ms_murmur_hash3", domain: ms, op: "MurmurHash3", attrs: []onnxbuild.Attr{ai("positive", 0)}, ins: []in{x(i32, 6)}},
		{name: "ms_murmur_hash3_string", domain: ms, op: "MurmurHash3", attrs: []onnxbuild.Attr{ai("positive", 1)}, ins: []in{in{dt: str_, dims: d(2, 3), strs: []string{"a", "b"}}}},
		{name: "ms_ngram_repeat_block", domain: ms, op: "NGramRepeatBlock", attrs: []onnxbuild.Attr{ai("ngram_size", 2)}, ins: []in{x(i64, 2, 5), x(f32, 2, 11)}},
		{name: "ms_qlinear_sigmoid", domain: ms, op: "QLinearSigmoid", ins: []in{x(u8, 2, 3), qs, zu, qs, zu}},
		{name: "ms_qlinear_leaky_relu", domain: ms, op: "QLinearLeakyRelu", attrs: []onnxbuild.Attr{af("alpha", 0.1)}, ins: []in{x(u8, 2, 3), qs, zu, qs, zu}},
		{name: "ms_qlinear_softmax", domain: ms, op: "QLinearSoftmax", attrs: []onnxbuild.Attr{ai("axis", -1), ai("opset", 13)}, ins: []in{x(u8, 2, 3), qs, zu, kf(f32, nil, 1.0/256), zu}},
		{name: "ms_bias_add", domain: ms, op: "BiasAdd", ins: []in{x(f32, 2, 3, 4), x(f32, 4), x(f32, 2, 3, 4)}},
		{name: "ms_bias_split_gelu", domain: ms, op: "BiasSplitGelu", ins: []in{x(f32, 2, 3, 8), x(f32, 8)}},
		{name: "ms_expand_dims", domain: ms, op: "ExpandDims", ins: []in{x(f32, 2, 3), ki(i32, nil, 1)}},
		{name: "ms_expand_dims_neg", domain: ms, op: "ExpandDims", ins: []in{x(f32, 2, 3), ki(i32, nil, -1)}},
		{name: "ms_expand_dims_minus_rank", domain: ms, op: "ExpandDims", ins: []in{x(f32, 2, 3, 4), ki(i32, nil, -3)}},
		{name: "ms_expand_dims_front", domain: ms, op: "ExpandDims", ins: []in{x(f32, 2, 3, 4), ki(i32, nil, 0)}},
		{name: "ms_expand_dims_end", domain: ms, op: "ExpandDims", ins: []in{x(f32, 2, 3, 4), ki(i32, nil, 3)}},

		// --- com.microsoft: attention ---
		{name: "ms_attention", domain: ms, op: "Attention", attrs: []onnxbuild.Attr{ai("num_heads", 2)}, ins: []in{x(f32, 2, 4, 8), x(f32, 8, 24), x(f32, 24)}},
		{name: "ms_attention_present", domain: ms, op: "Attention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ai("unidirectional", 1)},
			ins: []in{x(f32, 2, 4, 8), x(f32, 8, 24), x(f32, 24), none, x(f32, 2, 2, 2, 3, 4)}, nout: 2},
		{name: "ms_attention_qkv_sizes", domain: ms, op: "Attention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ais("qkv_hidden_sizes", 8, 8, 4)},
			ins: []in{x(f32, 2, 4, 8), x(f32, 8, 20), x(f32, 20)}},
		{name: "ms_qattention", domain: ms, op: "QAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2)},
			ins: []in{x(u8, 2, 4, 8), x(u8, 8, 24), x(f32, 24), qs, qs, none, zu, zu}},
		{name: "ms_multi_head_attention", domain: ms, op: "MultiHeadAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2)}, ins: []in{x(f32, 2, 4, 8), x(f32, 2, 5, 8), x(f32, 2, 5, 8)}},
		{name: "ms_multi_head_attention_bnsh", domain: ms, op: "MultiHeadAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2)}, ins: []in{x(f32, 2, 4, 8), x(f32, 2, 2, 5, 4), x(f32, 2, 2, 5, 4)}},
		{name: "ms_group_query_attention", domain: ms, op: "GroupQueryAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ai("kv_num_heads", 1)},
			ins: []in{x(f32, 1, 3, 16), x(f32, 1, 3, 8), x(f32, 1, 3, 8), x(f32, 1, 1, 2, 8), x(f32, 1, 1, 2, 8), xi(i32, d(1), 4), ki(i32, nil, 5)}, nout: 3},
		{name: "ms_group_query_attention_no_past", domain: ms, op: "GroupQueryAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ai("kv_num_heads", 1)},
			ins: []in{x(f32, 1, 3, 16), x(f32, 1, 3, 8), x(f32, 1, 3, 8), none, none, xi(i32, d(1), 2), ki(i32, nil, 3)}, nout: 3},
		{name: "ms_sparse_attention", domain: ms, op: "SparseAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ai("kv_num_heads", 1), ai("sparse_block_size", 2)},
			ins: []in{x(f32, 1, 3, 16), x(f32, 1, 3, 8), x(f32, 1, 3, 8), x(f32, 1, 1, 4, 8), x(f32, 1, 1, 4, 8), xi(i32, d(1, 3), 0, 1, 3), xi(i32, d(1, 3), 0, 0, 1), ki(i32, nil, 3), xi(i32, d(1), 3)}, nout: 3},
		{name: "ms_packed_attention", domain: ms, op: "PackedAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2)},
			ins: []in{x(f32, 5, 8), x(f32, 8, 24), x(f32, 24), xi(i32, d(2, 3), 0, 1, 2, 3, 4, 0), xi(i32, d(3), 0, 3, 5)}},
		{name: "ms_packed_mha", domain: ms, op: "PackedMultiHeadAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2)},
			ins: []in{x(f32, 5, 2, 3, 4), none, none, none, xi(i32, d(2, 3), 0, 1, 2, 3, 4, 0), xi(i32, d(3), 0, 3, 5)}},
		{name: "ms_dmmha", domain: ms, op: "DecoderMaskedMultiHeadAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2)}, ins: []in{x(f32, 1, 1, 8), x(f32, 1, 2, 3, 4), x(f32, 1, 2, 3, 4)}},
		{name: "ms_dmsa", domain: ms, op: "DecoderMaskedSelfAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ai("past_present_share_buffer", 1)},
			ins: []in{x(f32, 1, 1, 8), x(f32, 8, 24), x(f32, 24), xi(i32, d(1, 4), 1), x(f32, 2, 1, 2, 4, 4), none, ki(i32, nil, 3)}, nout: 2},
		{name: "ms_longformer_attention", domain: ms, op: "LongformerAttention", attrs: []onnxbuild.Attr{ai("num_heads", 2), ai("window", 2)},
			ins: []in{x(f32, 1, 4, 8), x(f32, 8, 24), x(f32, 24), x(f32, 1, 4), x(f32, 8, 24), x(f32, 24), x(i32, 1, 4)}},
		{name: "ms_rotary_embedding", domain: ms, op: "RotaryEmbedding", ins: []in{x(f32, 1, 2, 3, 8), xi(i64, d(1, 3), 0, 1, 2), x(f32, 4, 4), x(f32, 4, 4)}},
		{name: "ms_rotary_embedding_3d", domain: ms, op: "RotaryEmbedding", attrs: []onnxbuild.Attr{ai("num_heads", 2)}, ins: []in{x(f32, 1, 3, 16), xi(i64, d(1, 3), 0, 1, 2), x(f32, 4, 4), x(f32, 4, 4)}},
		{name: "ms_mrotary_embedding", domain: ms, op: "MRotaryEmbedding", attrs: []onnxbuild.Attr{ais("mrope_section", 1, 1, 2)}, ins: []in{x(f32, 1, 2, 3, 8), xi(i64, d(3, 1, 3), 0), x(f32, 4, 4), x(f32, 4, 4)}},
		{name: "ms_gemma_rotary_embedding", domain: ms, op: "GemmaRotaryEmbedding", ins: []in{x(f32, 1, 3, 8), x(f16, 1, 2, 3, 8), x(f16, 1, 2, 3, 8), x(f16, 1, 2, 3, 8), x(f16, 1, 2, 3, 8)}, nout: 2},
		{name: "ms_relative_position_bias", domain: ms, op: "RelativePositionBias", attrs: []onnxbuild.Attr{ai("max_distance", 16), ai("is_bidirectional", 1)},
			ins: []in{x(f32, 32, 2), ki(i64, nil, 5), ki(i64, nil, 7)}},
		{name: "ms_gated_relative_position_bias", domain: ms, op: "GatedRelativePositionBias", attrs: []onnxbuild.Attr{ai("num_heads", 2)},
			ins: []in{x(f32, 1, 3, 8), x(f32, 8), x(f32, 1, 2, 3, 3), x(f32, 4, 8), x(f32, 8), x(f32, 1, 2, 1, 1)}},
		{name: "ms_remove_padding", domain: ms, op: "RemovePadding", ins: []in{x(f32, 2, 3, 8), xi(i32, d(2), 2, 3)}, nout: 4},
		{name: "ms_restore_padding", domain: ms, op: "RestorePadding", ins: []in{x(f32, 5, 8), xi(i32, d(2, 3), 0)}},

		// --- com.microsoft: normalizations ---
		{name: "ms_embed_layer_norm", domain: ms, op: "EmbedLayerNormalization",
			ins: []in{x(i32, 2, 3), x(i32, 2, 3), x(f32, 10, 8), x(f32, 6, 8), x(f32, 2, 8), x(f32, 8), x(f32, 8), xi(i32, d(2, 3), 1)}, nout: 2},
		{name: "ms_embed_layer_norm_sum", domain: ms, op: "EmbedLayerNormalization", attrs: []onnxbuild.Attr{ai("mask_index_type", 1)},
			ins: []in{x(i32, 2, 3), x(i32, 2, 3), x(f32, 10, 8), x(f32, 6, 8), x(f32, 2, 8), x(f32, 8), x(f32, 8), xi(i32, d(2, 3), 1)}, nout: 3},
		{name: "ms_qembed_layer_norm", domain: ms, op: "QEmbedLayerNormalization",
			ins: []in{x(i32, 2, 3), x(i32, 2, 3), x(u8, 10, 8), x(u8, 6, 8), x(u8, 2, 8), x(u8, 8), x(u8, 8), xi(i32, d(2, 3), 1),
				qs, qs, qs, qs, qs, zu, zu, zu, zu, zu}, nout: 2},
		{name: "ms_skip_layer_norm", domain: ms, op: "SkipLayerNormalization", ins: []in{x(f32, 2, 3, 8), x(f32, 2, 3, 8), x(f32, 8), x(f32, 8)}},
		{name: "ms_skip_layer_norm_all", domain: ms, op: "SkipLayerNormalization", ins: []in{x(f32, 2, 3, 8), x(f32, 2, 3, 8), x(f32, 8), x(f32, 8), x(f32, 8)}, nout: 4},
		{name: "ms_skip_layer_norm_2d", domain: ms, op: "SkipLayerNormalization", ins: []in{x(f32, 6, 8), x(f32, 6, 8), x(f32, 8), x(f32, 8)}},
		{name: "ms_skip_simplified_layer_norm", domain: ms, op: "SkipSimplifiedLayerNormalization", ins: []in{x(f32, 2, 3, 8), x(f32, 2, 3, 8), x(f32, 8)}, nout: 4},
		{name: "ms_layer_norm", domain: ms, op: "LayerNormalization", attrs: []onnxbuild.Attr{ai("axis", -1)}, ins: []in{x(f32, 2, 3, 8), x(f32, 8), x(f32, 8)}, nout: 3},
		{name: "ms_simplified_layer_norm", domain: ms, op: "SimplifiedLayerNormalization", ins: []in{x(f32, 2, 3, 8), x(f32, 8)}, nout: 2},
		{name: "onnx_simplified_layer_norm", op: "SimplifiedLayerNormalization", opset: 14, ins: []in{x(f32, 2, 3, 8), x(f32, 8)}, nout: 2},
		{name: "ms_group_norm", domain: ms, op: "GroupNorm", attrs: []onnxbuild.Attr{ai("groups", 2), ai("activation", 0), af("epsilon", 1e-5)},
			ins: []in{x(f16, 1, 4, 4, 8), x(f32, 8), x(f32, 8)}},
		{name: "ms_skip_group_norm", domain: ms, op: "SkipGroupNorm", attrs: []onnxbuild.Attr{ai("groups", 2), ai("activation", 0), af("epsilon", 1e-5)},
			ins: []in{x(f16, 1, 4, 4, 8), x(f32, 8), x(f32, 8), x(f16, 1, 4, 4, 8)}, nout: 2},

		// --- com.microsoft: matrix products ---
		{name: "ms_fused_matmul", domain: ms, op: "FusedMatMul", attrs: []onnxbuild.Attr{af("alpha", 0.5)}, ins: []in{x(f32, 2, 4, 8), x(f32, 8, 16)}},
		{name: "ms_fused_matmul_transB", domain: ms, op: "FusedMatMul", attrs: []onnxbuild.Attr{ai("transB", 1)}, ins: []in{x(f32, 2, 3, 4, 8), x(f32, 2, 3, 5, 8)}},
		{name: "ms_fused_matmul_transA", domain: ms, op: "FusedMatMul", attrs: []onnxbuild.Attr{ai("transA", 1)}, ins: []in{x(f32, 2, 8, 4), x(f32, 8, 16)}},
		{name: "ms_fused_matmul_transBatchA", domain: ms, op: "FusedMatMul", attrs: []onnxbuild.Attr{ai("transBatchA", 1)}, ins: []in{x(f32, 4, 2, 8), x(f32, 2, 8, 16)}},
		{name: "ms_fused_matmul_transBatchB", domain: ms, op: "FusedMatMul", attrs: []onnxbuild.Attr{ai("transBatchB", 1)}, ins: []in{x(f32, 2, 4, 8), x(f32, 8, 2, 16)}},
		{name: "ms_fused_matmul_vector", domain: ms, op: "FusedMatMul", ins: []in{x(f32, 8), x(f32, 8, 16)}},
		{name: "ms_transpose_matmul", domain: ms, op: "TransposeMatMul", attrs: []onnxbuild.Attr{ai("transA", 1), ai("transB", 1)}, ins: []in{x(f32, 8, 4), x(f32, 16, 8)}},
		{name: "ms_fused_matmul_activation", domain: ms, op: "FusedMatMulActivation", attrs: []onnxbuild.Attr{as("activation", "Relu")}, ins: []in{x(f32, 2, 4, 8), x(f32, 8, 16)}},
		{name: "ms_fused_gemm", domain: ms, op: "FusedGemm", attrs: []onnxbuild.Attr{ai("transB", 1), as("activation", "Relu")}, ins: []in{x(f32, 3, 8), x(f32, 16, 8), x(f32, 16)}},
		{name: "ms_qgemm_float", domain: ms, op: "QGemm", ins: []in{x(u8, 4, 8), qs, zu, x(i8, 8, 16), qs, zi}},
		{name: "ms_qgemm_quant", domain: ms, op: "QGemm", attrs: []onnxbuild.Attr{ai("transA", 1)}, ins: []in{x(u8, 8, 4), qs, zu, x(i8, 8, 16), qs, zi, none, qs, zu}},
		{name: "ms_gemm_fast_gelu", domain: ms, op: "GemmFastGelu", ins: []in{x(f32, 2, 3, 8), x(f32, 8, 16), x(f32, 16)}},
		{name: "ms_dynamic_quantize_matmul", domain: ms, op: "DynamicQuantizeMatMul", ins: []in{x(f32, 2, 4, 8), x(i8, 8, 16), qs}},
		{name: "ms_matmul_integer_to_float", domain: ms, op: "MatMulIntegerToFloat", ins: []in{x(u8, 2, 4, 8), x(i8, 8, 16), qs, qs, zu, zi, x(f32, 16)}},
		{name: "ms_matmul_integer16", domain: ms, op: "MatMulInteger16", ins: []in{x(i16, 4, 8), x(i16, 8, 2)}},
		{name: "ms_matmul_nbits", domain: ms, op: "MatMulNBits", attrs: []onnxbuild.Attr{ai("K", 32), ai("N", 8), ai("bits", 4), ai("block_size", 16)},
			ins: []in{x(f32, 2, 3, 32), x(u8, 8, 2, 8), x(f32, 16)}},
		{name: "ms_matmul_bnb4", domain: ms, op: "MatMulBnb4", attrs: []onnxbuild.Attr{ai("K", 64), ai("N", 32), ai("block_size", 64), ai("quant_type", 1)},
			ins: []in{x(f32, 2, 64), x(u8, 1024), x(f32, 32)}},
		{name: "ms_mul_integer", domain: ms, op: "MulInteger", ins: []in{x(u8, 3, 1), zu, x(u8, 4), zu}},
		{name: "ms_qlinear_add", domain: ms, op: "QLinearAdd", ins: []in{x(u8, 2, 3, 4), qs, zu, x(u8, 4), qs, zu, qs, zu}},
		{name: "ms_qlinear_mul", domain: ms, op: "QLinearMul", ins: []in{x(u8, 2, 3, 1), qs, zu, x(u8, 4), qs, zu, qs, zu}},

		// --- com.microsoft: convolution and pooling ---
		{name: "ms_fused_conv", domain: ms, op: "FusedConv", attrs: []onnxbuild.Attr{as("activation", "Relu"), ais("strides", 2, 2), ais("pads", 1, 1, 1, 1)},
			ins: []in{x(f32, 1, 3, 9, 9), x(f32, 4, 3, 3, 3), x(f32, 4)}},
		{name: "ms_qlinear_conv_nhwc", domain: ms, op: "QLinearConv", attrs: []onnxbuild.Attr{ai("channels_last", 1), ais("strides", 2, 2), ais("pads", 1, 1, 1, 1)},
			ins: []in{x(u8, 1, 9, 9, 3), qs, zu, ki(i8, d(4, 3, 3, 3)), qs, zi, qs, zu}},
		{name: "ms_qlinear_conv_nchw", domain: ms, op: "QLinearConv", attrs: []onnxbuild.Attr{ais("strides", 2, 2), ais("pads", 1, 1, 1, 1)},
			ins: []in{x(u8, 1, 3, 9, 9), qs, zu, ki(i8, d(4, 3, 3, 3)), qs, zi, qs, zu}},
		{name: "ms_nhwc_conv", domain: ms, op: "NhwcConv", attrs: []onnxbuild.Attr{ais("strides", 2, 2), ais("pads", 1, 1, 1, 1)}, ins: []in{x(f32, 1, 9, 9, 3), x(f32, 4, 3, 3, 3)}},
		{name: "ms_nhwc_fused_conv", domain: ms, op: "NhwcFusedConv", attrs: []onnxbuild.Attr{ais("strides", 2, 2), ais("pads", 1, 1, 1, 1)}, ins: []in{x(f16, 1, 9, 9, 4), x(f16, 8, 3, 3, 4)}},
		{name: "ms_nhwc_max_pool", domain: ms, op: "NhwcMaxPool", attrs: []onnxbuild.Attr{ais("kernel_shape", 3, 3), ais("strides", 2, 2), ais("pads", 1, 1, 1, 1)}, ins: []in{x(u8, 1, 9, 9, 4)}},
		{name: "ms_nhwc_max_pool_ceil", domain: ms, op: "NhwcMaxPool", attrs: []onnxbuild.Attr{ais("kernel_shape", 3, 3), ais("strides", 2, 2), ai("ceil_mode", 1)}, ins: []in{x(u8, 1, 8, 8, 4)}},
		{name: "ms_qlinear_average_pool", domain: ms, op: "QLinearAveragePool", attrs: []onnxbuild.Attr{ais("kernel_shape", 2, 2), ais("strides", 2, 2)}, ins: []in{x(u8, 1, 4, 9, 9), qs, zu, qs, zu}},
		{name: "ms_qlinear_average_pool_nhwc", domain: ms, op: "QLinearAveragePool", attrs: []onnxbuild.Attr{ai("channels_last", 1), ais("kernel_shape", 2, 2), ais("strides", 2, 2), ai("ceil_mode", 1)}, ins: []in{x(u8, 1, 9, 9, 4), qs, zu, qs, zu}},
		{name: "ms_qlinear_global_average_pool", domain: ms, op: "QLinearGlobalAveragePool", ins: []in{x(u8, 1, 4, 5, 5), qs, zu, qs, zu}},
		{name: "ms_qlinear_global_average_pool_nhwc", domain: ms, op: "QLinearGlobalAveragePool", attrs: []onnxbuild.Attr{ai("channels_last", 1)}, ins: []in{x(u8, 1, 5, 5, 4), qs, zu, qs, zu}},

		// --- com.microsoft: quantization ---
		{name: "ms_quantize_linear", domain: ms, op: "QuantizeLinear", ins: []in{x(f32, 2, 3), qs, zi}},
		{name: "ms_dequantize_linear", domain: ms, op: "DequantizeLinear", attrs: []onnxbuild.Attr{ai("axis", 1)}, ins: []in{x(i8, 2, 3), kf(f32, d(3), 0.1, 0.2, 0.3), ki(i8, d(3), 0, 0, 0)}},
		{name: "ms_qlinear_concat", domain: ms, op: "QLinearConcat", attrs: []onnxbuild.Attr{ai("axis", 1)}, ins: []in{qs, zu, x(u8, 2, 2, 4), qs, zu, x(u8, 2, 3, 4), qs, zu}},
		{name: "ms_qlinear_reduce_mean", domain: ms, op: "QLinearReduceMean", attrs: []onnxbuild.Attr{ais("axes", 2, 3), ai("keepdims", 1)}, ins: []in{x(u8, 1, 3, 4, 4), qs, zu, qs, zu}},
		{name: "ms_qlinear_reduce_mean_nokeep", domain: ms, op: "QLinearReduceMean", attrs: []onnxbuild.Attr{ais("axes", -1), ai("keepdims", 0)}, ins: []in{x(u8, 1, 3, 4), qs, zu, qs, zu}},
		{name: "ms_gather_block_quantized", domain: ms, op: "GatherBlockQuantized", attrs: []onnxbuild.Attr{ai("gather_axis", 0), ai("quantize_axis", 1), ai("block_size", 16), ai("bits", 4)},
			ins: []in{x(u8, 16, 8), xi(i64, d(2, 3), 0), x(f32, 16, 1)}},

		// --- com.microsoft: others ---
		{name: "ms_torch_embedding", domain: ms, op: "TorchEmbedding", ins: []in{x(f32, 10, 4), xi(i64, d(2, 3), 0)}},
		{name: "ms_grid_sample", domain: ms, op: "GridSample", ins: []in{x(f32, 1, 3, 8, 8), x(f32, 1, 4, 5, 2)}},
		{name: "ms_cdist", domain: ms, op: "CDist", ins: []in{x(f32, 4, 3), x(f32, 5, 3)}},
		{name: "ms_unique", domain: ms, op: "Unique", ins: []in{kf(f32, d(6), 1, 2, 1, 3, 2, 5)}, nout: 3},
		{name: "ms_pad", domain: ms, op: "Pad", ins: []in{x(f32, 2, 5), ki(i64, d(4), 0, 1, 0, 2)}},
		{name: "ms_pad_crop", domain: ms, op: "Pad", ins: []in{x(f32, 2, 5), ki(i64, d(4), 0, -1, 0, -1)}},
		{name: "ms_crop_and_resize", domain: ms, op: "CropAndResize", ins: []in{x(f32, 1, 3, 8, 8), kf(f32, d(2, 4), 0, 0, 0.5, 0.5, 0.2, 0.2, 0.9, 0.9), ki(i32, d(2), 0, 0), ki(i32, d(2), 3, 4)}},
		{name: "ms_unfold_tensor", domain: ms, op: "UnfoldTensor", attrs: []onnxbuild.Attr{ai("size", 3), ai("step", 2)}, ins: []in{x(f32, 2, 10)}},
		{name: "ms_unfold_tensor_dim0", domain: ms, op: "UnfoldTensor", attrs: []onnxbuild.Attr{ai("size", 4), ai("dim", 0)}, ins: []in{x(f32, 7, 2)}},
		{name: "ms_moe", domain: ms, op: "MoE", attrs: []onnxbuild.Attr{ai("k", 1), as("activation_type", "relu")},
			ins: []in{x(f32, 3, 4), x(f32, 3, 2), x(f32, 2, 4, 8), x(f32, 2, 8), x(f32, 2, 8, 4)}},

		// --- ai.onnx.ml ---
		{name: "ml_array_feature_extractor", domain: ml, op: "ArrayFeatureExtractor", ins: []in{x(f32, 2, 5), ki(i64, d(2), 0, 3)}},
		{name: "ml_binarizer", domain: ml, op: "Binarizer", attrs: []onnxbuild.Attr{af("threshold", 0.5)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_category_mapper", domain: ml, op: "CategoryMapper", attrs: []onnxbuild.Attr{ais("cats_int64s", 1, 2), strsAttr("cats_strings", "a", "b")},
			ins: []in{in{dt: str_, dims: d(2, 3), strs: []string{"a", "b", "c"}}}},
		{name: "ml_feature_vectorizer", domain: ml, op: "FeatureVectorizer", attrs: []onnxbuild.Attr{ais("inputdimensions", 3, 2)}, ins: []in{x(f32, 2, 3), x(f32, 2, 2)}},
		{name: "ml_imputer", domain: ml, op: "Imputer", attrs: []onnxbuild.Attr{afs("imputed_value_floats", 0), af("replaced_value_float", -1)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_label_encoder", domain: ml, op: "LabelEncoder", opset: 2, attrs: []onnxbuild.Attr{strsAttr("keys_strings", "a", "b"), ais("values_int64s", 1, 2)},
			ins: []in{in{dt: str_, dims: d(4), strs: []string{"a", "b"}}}},
		{name: "ml_label_encoder_v4", domain: ml, op: "LabelEncoder", opset: 4, attrs: []onnxbuild.Attr{ais("keys_int64s", 0, 1), afs("values_floats", 0.5, 1.5)},
			ins: []in{x(i64, 2, 3)}},
		{name: "ml_linear_classifier", domain: ml, op: "LinearClassifier", attrs: []onnxbuild.Attr{afs("coefficients", 1, 2, 3, 4, 5, 6), afs("intercepts", 0, 1), ais("classlabels_ints", 0, 1)},
			ins: []in{x(f32, 2, 3)}, nout: 2},
		{name: "ml_linear_regressor", domain: ml, op: "LinearRegressor", attrs: []onnxbuild.Attr{afs("coefficients", 1, 2, 3), afs("intercepts", 0.5)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_linear_regressor_targets", domain: ml, op: "LinearRegressor", attrs: []onnxbuild.Attr{afs("coefficients", 1, 2, 3, 4, 5, 6), ai("targets", 2)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_normalizer", domain: ml, op: "Normalizer", attrs: []onnxbuild.Attr{as("norm", "L2")}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_one_hot_encoder", domain: ml, op: "OneHotEncoder", attrs: []onnxbuild.Attr{ais("cats_int64s", 0, 1, 2)}, ins: []in{x(i64, 2, 3)}},
		{name: "ml_svm_classifier", domain: ml, op: "SVMClassifier", attrs: []onnxbuild.Attr{as("kernel_type", "LINEAR"), ais("classlabels_ints", 0, 1), ais("vectors_per_class", 1, 1),
			afs("support_vectors", 1, 0, 0, 0, 1, 0), afs("coefficients", 1, -1), afs("rho", 0.1), afs("kernel_params", 0.1, 0, 3)}, ins: []in{x(f32, 2, 3)}, nout: 2},
		{name: "ml_svm_regressor", domain: ml, op: "SVMRegressor", attrs: []onnxbuild.Attr{as("kernel_type", "LINEAR"), ai("n_supports", 1), afs("support_vectors", 1, 0, 0), afs("coefficients", 1), afs("rho", 0.1), afs("kernel_params", 0.1, 0, 3)},
			ins: []in{x(f32, 2, 3)}},
		{name: "ml_scaler", domain: ml, op: "Scaler", attrs: []onnxbuild.Attr{afs("offset", 0), afs("scale", 2)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_tree_ensemble_regressor", domain: ml, op: "TreeEnsembleRegressor", attrs: []onnxbuild.Attr{ai("n_targets", 1), ais("nodes_treeids", 0), ais("nodes_nodeids", 0),
			ais("nodes_featureids", 0), strsAttr("nodes_modes", "LEAF"), afs("nodes_values", 0), ais("nodes_truenodeids", 0), ais("nodes_falsenodeids", 0),
			ais("target_treeids", 0), ais("target_nodeids", 0), ais("target_ids", 0), afs("target_weights", 1)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_tree_ensemble_classifier", domain: ml, op: "TreeEnsembleClassifier", attrs: []onnxbuild.Attr{ais("nodes_treeids", 0), ais("nodes_nodeids", 0),
			ais("nodes_featureids", 0), strsAttr("nodes_modes", "LEAF"), afs("nodes_values", 0), ais("nodes_truenodeids", 0), ais("nodes_falsenodeids", 0),
			ais("class_treeids", 0), ais("class_nodeids", 0), ais("class_ids", 0), afs("class_weights", 1), ais("classlabels_int64s", 0, 1)}, ins: []in{x(f32, 2, 3)}, nout: 2},
		{name: "ml_tree_ensemble", domain: ml, op: "TreeEnsemble", opset: 5, attrs: []onnxbuild.Attr{ai("n_targets", 1), ai("aggregate_function", 1), ais("nodes_featureids", 0),
			tensorAttr("nodes_modes", u8, d(1), []int64{0}, nil), tensorAttr("nodes_splits", f32, d(1), nil, []float64{0.5}), ais("nodes_truenodeids", 0), ais("nodes_falsenodeids", 1),
			ais("nodes_trueleafs", 1), ais("nodes_falseleafs", 1), ais("leaf_targetids", 0, 0), tensorAttr("leaf_weights", f32, d(2), nil, []float64{1, 2}), ais("tree_roots", 0)},
			ins: []in{x(f32, 2, 3)}},
		{name: "ml_zipmap", domain: ml, op: "ZipMap", attrs: []onnxbuild.Attr{ais("classlabels_int64s", 0, 1, 2)}, ins: []in{x(f32, 2, 3)}},
		{name: "ml_cast_map", domain: ml, op: "CastMap", ins: []in{x(f32, 2)}},
		{name: "ml_dict_vectorizer", domain: ml, op: "DictVectorizer", attrs: []onnxbuild.Attr{ais("int64_vocabulary", 1, 2)}, ins: []in{x(f32, 2)}},
	}
}

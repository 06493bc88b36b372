package ortcheck_test

import "github.com/greenai/greenai/internal/onnxbuild"

// variantCases: more types, ranks and optional inputs; a shape ONNX's
// schema refuses (refused by greenai too); variants the CPU kernels lack.
func variantCases() []opCase {
	qs := kf(f32, nil, 0.05)
	zu := ki(u8, nil, 128)
	zi := ki(i8, nil, 0)
	return []opCase{
		{name: "v_ms_fast_gelu_nobias", domain: ms, op: "FastGelu", ins: []in{x(f32, 5)}},
		{name: "v_ms_qlinear_add_i8", domain: ms, op: "QLinearAdd", ins: []in{x(i8, 2, 3), qs, zi, x(i8, 2, 1), qs, zi, qs, zi}},
		{name: "v_ms_qlinear_add_bad", domain: ms, op: "QLinearAdd", ins: []in{x(u8, 2, 3), qs, zu, x(u8, 2, 4), qs, zu, qs, zu}, rejected: [2]string{"Incompatible dimensions", "not broadcastable"}},
		{name: "v_ms_qlinear_softmax_axis0_v12", domain: ms, op: "QLinearSoftmax", attrs: []onnxbuild.Attr{ai("axis", 0), ai("opset", 12)}, ins: []in{x(u8, 2, 3, 4), qs, zu, kf(f32, nil, 1.0/256), zu}},
		{name: "v_ms_skip_simpl_2d", domain: ms, op: "SkipSimplifiedLayerNormalization", ins: []in{x(f32, 6, 8), x(f32, 6, 8), x(f32, 8)}, nout: 4},
		{name: "v_ms_qlinear_concat_i8", domain: ms, op: "QLinearConcat", attrs: []onnxbuild.Attr{ai("axis", 0)}, ins: []in{qs, zi, x(i8, 2, 2), qs, zi, x(i8, 3, 2), qs, zi}},
		{name: "v_quantize_block", op: "QuantizeLinear", attrs: []onnxbuild.Attr{ai("axis", 1), ai("block_size", 2)}, ins: []in{x(f32, 2, 4), kf(f32, d(2, 2), 0.1, 0.2, 0.3, 0.4), ki(i8, d(2, 2), 0, 0, 0, 0)}},
		{name: "v_quantize_neg_axis", op: "QuantizeLinear", attrs: []onnxbuild.Attr{ai("axis", -1)}, ins: []in{x(f32, 2, 3), kf(f32, d(3), 0.1, 0.2, 0.3), ki(u8, d(3), 0, 0, 0)}},
		// ONNX allows a per-row a_zero_point [M]; the CPU kernel takes a scalar only.
		{name: "v_matmul_integer_row_zp", op: "MatMulInteger", ins: []in{x(u8, 3, 4), x(u8, 4, 2), ki(u8, d(3), 1, 2, 3)}, noCPU: "IsScalarOr1ElementVector"},
		{name: "v_qlinear_matmul_col_scale", op: "QLinearMatMul", ins: []in{x(u8, 2, 4), qs, zu, x(u8, 4, 5), kf(f32, d(5), 1, 1, 1, 1, 1), ki(u8, d(5), 0, 0, 0, 0, 0), qs, zu}},
		{name: "v_conv_integer_1d", op: "ConvInteger", ins: []in{x(u8, 1, 2, 9), x(u8, 3, 2, 3)}},
		{name: "v_conv_integer_3d", op: "ConvInteger", ins: []in{x(u8, 1, 2, 5, 5, 5), x(u8, 3, 2, 2, 2, 2)}},
		{name: "v_ms_dqmm_3d", domain: ms, op: "DynamicQuantizeMatMul", ins: []in{x(f32, 2, 4, 8), x(i8, 8, 16), kf(f32, nil, 0.1)}},
		{name: "v_ms_mmitf_3d_bias", domain: ms, op: "MatMulIntegerToFloat", ins: []in{x(u8, 2, 4, 8), x(u8, 8, 16), qs, qs, zu, zu, x(f32, 16)}},
		{name: "v_ml_linreg_targets", domain: ml, op: "LinearRegressor", attrs: []onnxbuild.Attr{ai("targets", 2), afs("coefficients", 1, 2, 3, 4, 5, 6)}, ins: []in{x(f32, 4, 3)}},
		{name: "v_ml_normalizer_int", domain: ml, op: "Normalizer", attrs: []onnxbuild.Attr{as("norm", "L2")}, ins: []in{x(i64, 2, 3)}},
		{name: "v_ml_scaler_double_1d", domain: ml, op: "Scaler", attrs: []onnxbuild.Attr{afs("offset", 0), afs("scale", 2)}, ins: []in{x(f64, 3)}},
		{name: "v_ml_binarizer_int", domain: ml, op: "Binarizer", ins: []in{x(i64, 2, 3)}, noCPU: noKernel}, // the CPU kernel is float only
		{name: "v_ml_onehot_2d_str", domain: ml, op: "OneHotEncoder", attrs: []onnxbuild.Attr{strsAttr("cats_strings", "a", "b", "c")}, ins: []in{in{dt: str_, dims: d(2, 2), strs: []string{"a"}}}},
		{name: "v_ml_afe_idx2d", domain: ml, op: "ArrayFeatureExtractor", ins: []in{x(f32, 3, 5), ki(i64, d(1, 2), 0, 3)}},
		{name: "v_ml_treereg_double", domain: ml, op: "TreeEnsembleRegressor", attrs: []onnxbuild.Attr{ai("n_targets", 1), ais("nodes_treeids", 0), ais("nodes_nodeids", 0),
			ais("nodes_featureids", 0), strsAttr("nodes_modes", "LEAF"), afs("nodes_values", 0), ais("nodes_truenodeids", 0), ais("nodes_falsenodeids", 0),
			ais("target_treeids", 0), ais("target_nodeids", 0), ais("target_ids", 0), afs("target_weights", 1)}, ins: []in{x(f64, 5, 3)}},
		{name: "v_ms_trilu_k", domain: ms, op: "Trilu", ins: []in{x(f32, 3, 4), ki(i64, nil, 1)}},
		{name: "v_ms_expand_dims_neg", domain: ms, op: "ExpandDims", ins: []in{x(f32, 2, 3), ki(i32, nil, -1)}},
		{name: "v_ms_qgemm_yscale_only", domain: ms, op: "QGemm", ins: []in{x(u8, 4, 8), qs, zu, x(i8, 8, 16), qs, zi, none, qs}},
		{name: "v_ms_qgemm_alpha", domain: ms, op: "QGemm", attrs: []onnxbuild.Attr{af("alpha", 0.5)}, ins: []in{x(u8, 4, 8), qs, zu, x(u8, 8, 16), qs, zu}},
		{name: "v_ms_gelu_1d", domain: ms, op: "Gelu", ins: []in{x(f32, 7)}},
		{name: "v_ms_bias_gelu_2d", domain: ms, op: "BiasGelu", ins: []in{x(f32, 3, 8), x(f32, 8)}},
	}
}

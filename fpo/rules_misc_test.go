package fpo_test

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
)

func TestQuantizationRules(t *testing.T) {
	runOpsCases(t, []opsCase{
		// Per element: x/scale (DIV), round, + zero point (ADD), saturate (2 CMP).
		{name: "quantize", node: opNode("", "QuantizeLinear", nil), inputs: vals(f32(2, 3), f32(), typed(onnx.Uint8)), ops: "add=6, div=6, cmp=12, round=6"},
		// Without a zero point only the MUL by the scale.
		{name: "dequantize", node: opNode("", "DequantizeLinear", nil), inputs: vals(typed(onnx.Int8, 2, 3), f32()), ops: "mul=6"},
		// min/max with 0 (12 CMP), scale (ADD, DIV), zero point (DIV, ADD,
		// ROUND, 2 CMP), then quantization of the 6 elements with the zero point.
		{name: "dynamic quantize", node: opNode("", "DynamicQuantizeLinear", []string{"y", "s", "z"}), inputs: vals(f32(2, 3)), ops: "add=8, div=8, cmp=26, round=7"},
		// Per output: 2 dequantizations with zero points (2 MUL, 2 ADD), the ADD,
		// quantization with a zero point (DIV, ROUND, ADD, 2 CMP).
		{name: "qlinear add", opsets: msOpsets(), node: opNode("com.microsoft", "QLinearAdd", nil),
			inputs: vals(typed(onnx.Uint8, 2, 3), f32(), typed(onnx.Uint8), typed(onnx.Uint8, 3), f32(), typed(onnx.Uint8), f32(), typed(onnx.Uint8)),
			ops:    "add=24, mul=12, div=6, cmp=12, round=6"},
		// Window sums of 9 (8 ADD), zero-point correction, requantization per output (2).
		{name: "qlinear global average pool", opsets: msOpsets(), node: opNode("com.microsoft", "QLinearGlobalAveragePool", nil),
			inputs: vals(typed(onnx.Uint8, 1, 2, 3, 3), f32(), typed(onnx.Uint8), f32(), typed(onnx.Uint8)),
			ops:    "add=20, mul=2, cmp=4, round=2"},
		// Gathered [2,4] elements dequantized; uint8 data has the default zero point.
		{name: "gather block quantized", opsets: msOpsets(), node: opNode("com.microsoft", "GatherBlockQuantized", nil, aInt("block_size", 16)),
			inputs: vals(typed(onnx.Uint8, 10, 2), typed(onnx.Int64, 2), f32(10, 1)), ops: "add=8, mul=8"},
	})
}

// encodeTensor writes a TensorProto (dims, data_type, raw_data) for a tensor attribute.
func encodeTensor(t *testing.T, dt onnx.DataType, dims []int64, raw []byte) *onnx.Tensor {
	t.Helper()
	tb := onnxbuild.Tensor{DataType: int32(dt), Dims: dims, Raw: raw}
	tt, err := onnx.DecodeTensor(tb.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

func TestMLRules(t *testing.T) {
	ml := map[string]int64{"": 21, "ai.onnx.ml": 3}
	ml5 := map[string]int64{"": 21, "ai.onnx.ml": 5}
	// Two trees: tree 0 has a path of 2 comparisons (0 → 2 → 3), tree 1 one
	// comparison; one weight per leaf.
	regressor := func(attrs ...*onnx.Attribute) *onnx.Node {
		base := []*onnx.Attribute{
			aInts("nodes_treeids", 0, 0, 0, 0, 0, 1, 1, 1),
			aInts("nodes_nodeids", 0, 1, 2, 3, 4, 0, 1, 2),
			aStrings("nodes_modes", "BRANCH_LEQ", "LEAF", "BRANCH_LT", "LEAF", "LEAF", "BRANCH_GT", "LEAF", "LEAF"),
			aInts("nodes_truenodeids", 1, 0, 3, 0, 0, 1, 0, 0),
			aInts("nodes_falsenodeids", 2, 0, 4, 0, 0, 2, 0, 0),
			aInts("nodes_featureids", 0, 0, 1, 0, 0, 1, 0, 0),
			aFloats("nodes_values", 0.5, 0, 0.2, 0, 0, 0.1, 0, 0),
			aInts("target_treeids", 0, 0, 0, 1, 1),
			aInts("target_nodeids", 1, 3, 4, 1, 2),
			aInts("target_ids", 0, 0, 0, 0, 0),
			aFloats("target_weights", 1, 2, 3, 4, 5),
			aInt("n_targets", 1),
		}
		return opNode("ai.onnx.ml", "TreeEnsembleRegressor", nil, append(base, attrs...)...)
	}
	// TreeEnsemble 5: a root comparing (1 CMP) whose true branch is a set
	// membership over {1, 2, 3} (3 CMP): 4 comparisons on the longest path.
	modes := encodeTensor(t, onnx.Uint8, []int64{2}, []byte{0, 6})
	members := make([]byte, 0, 12)
	for _, f := range []float32{1, 2, 3} {
		members = binary.LittleEndian.AppendUint32(members, math.Float32bits(f))
	}
	splits := encodeTensor(t, onnx.Float, []int64{2}, make([]byte, 8))
	weights := encodeTensor(t, onnx.Float, []int64{3}, make([]byte, 12))
	tree5 := opNode("ai.onnx.ml", "TreeEnsemble", nil,
		aInts("tree_roots", 0),
		&onnx.Attribute{Name: "nodes_modes", Type: onnx.AttrTensor, T: modes},
		&onnx.Attribute{Name: "membership_values", Type: onnx.AttrTensor, T: encodeTensor(t, onnx.Float, []int64{3}, members)},
		&onnx.Attribute{Name: "nodes_splits", Type: onnx.AttrTensor, T: splits},
		aInts("nodes_featureids", 0, 1),
		aInts("nodes_truenodeids", 1, 0), aInts("nodes_trueleafs", 0, 1),
		aInts("nodes_falsenodeids", 0, 1), aInts("nodes_falseleafs", 1, 1),
		aInts("leaf_targetids", 0, 0, 0),
		&onnx.Attribute{Name: "leaf_weights", Type: onnx.AttrTensor, T: weights},
		aInt("n_targets", 1))
	runOpsCases(t, []opsCase{
		// Per example 2 + 1 comparisons and 2 leaf weights; 5 examples.
		{name: "tree regressor", opsets: ml, node: regressor(), inputs: vals(f32(5, 2)), ops: "add=10, cmp=15", bound: "upper bound"},
		// AVERAGE divides per target (5 MUL); base values add 5.
		{name: "tree regressor average", opsets: ml, node: regressor(aString("aggregate_function", "AVERAGE"), aFloats("base_values", 0.5)),
			inputs: vals(f32(5, 2)), ops: "add=15, mul=5, cmp=15", bound: "upper bound"},
		{name: "tree ensemble 5", opsets: ml5, node: tree5, inputs: vals(f32(2, 3)), ops: "add=2, cmp=8", bound: "upper bound"},
		// 2×3 coefficients·features per class: 18 MACs, 6 intercepts, a softmax
		// over 3 (2 rows: 4 CMP, 6 + 4 ADD, 6 EXP, 6 DIV), argmax 2 CMP per row.
		{name: "linear classifier", opsets: ml, node: opNode("ai.onnx.ml", "LinearClassifier", []string{"l", "s"},
			aFloats("coefficients", 1, 2, 3, 4, 5, 6, 7, 8, 9), aFloats("intercepts", 1, 2, 3), aInts("classlabels_ints", 0, 1, 2), aString("post_transform", "SOFTMAX")),
			inputs: vals(f32(2, 3)), ops: "add=34, mul=18, div=6, cmp=8, exp=6", macs: 18},
		{name: "linear regressor", opsets: ml, node: opNode("ai.onnx.ml", "LinearRegressor", nil, aFloats("coefficients", 1, 2, 3), aFloats("intercepts", 1)),
			inputs: vals(f32(4, 3)), ops: "add=16, mul=12", macs: 12},
		// RBF over 3 support vectors of 2 features: (3 ADD, 3 MUL, 1 EXP) each;
		// 3 one-vs-one decisions over (k−1)·S = 6 MACs, 3 ρ ADD, 3 votes + 2 argmax CMP.
		{name: "svm classifier rbf", opsets: ml, node: opNode("ai.onnx.ml", "SVMClassifier", []string{"l", "s"},
			aInts("classlabels_ints", 0, 1, 2), aInts("vectors_per_class", 1, 1, 1), aString("kernel_type", "RBF"), aFloats("kernel_params", 0.5, 0, 3),
			aFloats("support_vectors", 1, 2, 3, 4, 5, 6), aFloats("coefficients", 1, 1, 1, 1, 1, 1), aFloats("rho", 0, 0, 0)),
			inputs: vals(f32(1, 2)), ops: "add=18, mul=15, cmp=5, exp=3", macs: 6},
		// L2 per row of 3: 3 MUL, 2 ADD, 1 SQRT, 3 DIV, 1 CMP.
		{name: "normalizer L2", opsets: ml, node: opNode("ai.onnx.ml", "Normalizer", nil, aString("norm", "L2")), inputs: vals(f32(2, 3)), ops: "add=4, mul=6, div=6, sqrt=2, cmp=2"},
		{name: "scaler", opsets: ml, node: opNode("ai.onnx.ml", "Scaler", nil, aFloats("offset", 1), aFloats("scale", 2)), inputs: vals(f32(2, 3)), ops: "add=6, mul=6"},
	})
}

func TestLegacyTrainingRandomRules(t *testing.T) {
	op9 := map[string]int64{"": 9}
	tr := map[string]int64{"": 21, "ai.onnx.preview.training": 1}
	runOpsCases(t, []opsCase{
		{name: "affine", opsets: op9, node: opNode("", "Affine", nil), inputs: vals(f32(2, 3)), ops: "add=6, mul=6"},
		// Per unit: sigmoid, tanh, 2 MUL, 2 ADD, 1 select.
		{name: "gru unit", opsets: op9, node: opNode("", "GRUUnit", nil), inputs: vals(f32(2, 3), f32(2, 9)), ops: "add=18, mul=12, div=6, cmp=6, exp=6, tanh=6"},
		// [2,3]·[4,3]ᵀ: 24 MACs + 8 bias ADD.
		{name: "fc", opsets: op9, node: opNode("", "FC", nil), inputs: vals(f32(2, 3), f32(4, 3), f32(4)), ops: "add=32, mul=24", macs: 24},
		{name: "crop", opsets: op9, node: opNode("", "Crop", nil, aInts("border", 1, 1, 1, 1)), inputs: vals(f32(1, 1, 4, 4)), ops: "", kind: fpo.Movement, bytes: 32},
		// Adam over 3 elements: 8 MUL, 5 ADD, SQRT, DIV each; the learning-rate
		// correction once: 2 POW, SQRT, DIV, MUL, 5 ADD.
		{name: "adam", opsets: tr, node: opNode("ai.onnx.preview.training", "Adam", []string{"x", "v", "h"}),
			inputs: vals(f32(), typed(onnx.Int64), f32(3), f32(3), f32(3), f32(3)), ops: "add=20, mul=25, div=4, sqrt=4, pow=2"},
		{name: "momentum nesterov", opsets: tr, node: opNode("ai.onnx.preview.training", "Momentum", []string{"x", "v"}, aString("mode", "nesterov"), aFloat("alpha", 0.9), aFloat("beta", 1), aFloat("norm_coefficient", 0)),
			inputs: vals(f32(), typed(onnx.Int64), f32(4), f32(4), f32(4)), ops: "add=16, mul=20"},
		// 2 targets: negate (2 MUL), mean: 1 ADD, 1 DIV.
		{name: "nll loss", node: opNode("", "NegativeLogLikelihoodLoss", nil), inputs: vals(f32(2, 3), typed(onnx.Int64, 2)), ops: "add=1, mul=2, div=1"},
		// Log-softmax over 3 classes for 2 rows (4 CMP, 12 + 4 ADD, 6 EXP, 2 LOG), then as NLL.
		{name: "softmax cross entropy", node: opNode("", "SoftmaxCrossEntropyLoss", nil), inputs: vals(f32(2, 3), typed(onnx.Int64, 2)),
			ops: "add=17, mul=2, div=1, cmp=4, exp=6, log=2"},
		// 5 values: 3 Box–Muller pairs (6 RAND, 3 LOG, 3 SQRT, 6 TRIG, 12 MUL), then 5 MUL + 5 ADD.
		{name: "random normal", node: opNode("", "RandomNormal", nil, aInts("shape", 5)), ops: "add=5, mul=17, sqrt=3, log=3, trig=6, rand=6"},
		{name: "random uniform like", node: opNode("", "RandomUniformLike", nil), inputs: vals(f32(4)), ops: "add=4, mul=4, rand=4"},
		{name: "bernoulli", node: opNode("", "Bernoulli", nil), inputs: vals(f32(3)), ops: "cmp=3, rand=3"},
		// 2 rows of 4: 8 EXP, 6 ADD; 6 samples: draw, scale, ⌈log2 4⌉ = 2 CMP.
		{name: "multinomial", node: opNode("", "Multinomial", nil, aInt("sample_size", 3)), inputs: vals(f32(2, 4)), ops: "add=6, mul=6, cmp=12, exp=8, rand=6"},
		{name: "string normalizer", node: opNode("", "StringNormalizer", nil), inputs: vals(typed(onnx.String, 3)), ops: "", kind: fpo.Movement, bytes: 48},
	})
}

func TestContribRules(t *testing.T) {
	runOpsCases(t, []opsCase{
		// scores + bias (24 ADD), softmax over the flattened 3·4 from axis 1.
		{name: "bias softmax", opsets: msOpsets(), node: opNode("com.microsoft", "BiasSoftmax", nil),
			inputs: vals(f32(2, 3, 4), f32(2, 3, 4)), ops: "add=70, div=24, cmp=22, exp=24"},
		// 2·3 pairs of 4 features: 4 ADD, 4 MUL, 3 ADD, 1 SQRT each.
		{name: "cdist euclidean", opsets: msOpsets(), node: opNode("com.microsoft", "CDist", nil, aString("metric", "euclidean")),
			inputs: vals(f32(2, 4), f32(3, 4)), ops: "add=42, mul=24, sqrt=6"},
		// 4 rows to top-2 of 3 experts, hidden 4, inter 6: FC1 24 + FC2 24 MACs
		// per routed row (8): 384 MACs; relu 6 CMP; combine 4 MUL + 4 ADD;
		// selection 2·2 CMP per row.
		{name: "mixture of experts", opsets: msOpsets(), node: opNode("com.microsoft", "MoE", nil, aInt("k", 2), aString("activation_type", "relu")),
			inputs: vals(f32(4, 4), f32(4, 3), f32(3, 4, 6), nil, f32(3, 6, 4)), ops: "add=416, mul=416, cmp=64", macs: 384, bound: "upper bound"},
		// int32 keys: 5 MUL, 1 ADD, 14 bitwise per key.
		{name: "murmur hash", opsets: msOpsets(), node: opNode("com.microsoft", "MurmurHash3", nil), inputs: vals(typed(onnx.Int32, 3)), ops: "add=3, mul=15, cmp=42"},
		// 2·3 + 4 elements tested, AND of 10.
		{name: "is all finite", opsets: msOpsets(), node: opNode("com.microsoft", "IsAllFinite", nil), inputs: vals(f32(2, 3), f32(4)), ops: "cmp=19"},
		// Channels-last [1,2,2,4], 2 groups: normalization as GroupNormalization
		// over 2 groups of 8, gamma and beta; SiLU (EXP, ADD, DIV, MUL) per element.
		{name: "group norm silu", opsets: msOpsets(), node: opNode("com.microsoft", "GroupNorm", nil, aInt("groups", 2), aInt("activation", 1)),
			inputs: vals(f32(1, 2, 2, 4), f32(4), f32(4)), ops: "add=78, mul=68, div=18, sqrt=2, exp=16"},
		// A depthwise causal conv of kernel 3 over [1,2,5]: 30 MACs, bias 10 ADD, SiLU.
		{name: "causal conv", opsets: map[string]int64{"": 27}, node: opNode("", "CausalConvWithState", nil, aString("activation", "silu")),
			inputs: vals(f32(1, 2, 5), f32(2, 1, 3), f32(2)), ops: "add=50, mul=40, div=10, exp=10", macs: 30},
		// Channels-last [1,4,4,2], 2×2 windows of stride 2: 8 outputs × 3 CMP.
		{name: "nhwc max pool", opsets: msOpsets(), node: opNode("com.microsoft", "NhwcMaxPool", nil, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			inputs: vals(f32(1, 4, 4, 2)), ops: "cmp=24"},
		// Swish(A)·B: 3 MUL, EXP, ADD, DIV per element.
		{name: "swiglu", opsets: map[string]int64{"": 28}, node: opNode("", "SwiGLU", nil), inputs: vals(f32(2, 3), f32(2, 3)), ops: "add=6, mul=18, div=6, exp=6"},
	})
}

// TestDataDependentFormulasSayUpperBound: rules that cannot know the data
// say what they assumed.
func TestDataDependentFormulasSayUpperBound(t *testing.T) {
	for _, c := range []struct {
		name string
		cost fpo.Cost
	}{
		{"roi align adaptive", costOf(t, nil, opNode("", "RoiAlign", nil), f32(1, 2, 8, 8), f32(3, 4), typed(onnx.Int64, 3))},
		{"unique", costOf(t, nil, opNode("", "Unique", nil), f32(6))},
		{"longformer", costOf(t, msOpsets(), opNode("com.microsoft", "LongformerAttention", nil, aInt("num_heads", 2), aInt("window", 1)),
			f32(1, 4, 8), f32(8, 24), f32(24), f32(1, 4), f32(8, 24), f32(24), typed(onnx.Int32, 1, 4))},
	} {
		if !strings.Contains(c.cost.Bound, "bound") {
			t.Errorf("%s: Bound %q states no bound", c.name, c.cost.Bound)
		}
	}
}

// TestNotModelledIsReported: operators whose cost is not modelled are
// reported uncounted with the reason, never counted as zero.
func TestNotModelledIsReported(t *testing.T) {
	_, err := nodeCostOf(map[string]int64{"": 20}, opNode("", "ImageDecoder", nil), typed(onnx.Uint8, 100))
	if err == nil || !strings.Contains(err.Error(), "not modelled") {
		t.Errorf("ImageDecoder: err = %v, want a not-modelled error", err)
	}
}

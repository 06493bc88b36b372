package train

import (
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// ruleCase is one operator with its inputs (param: needs a gradient; data:
// does not) and, per input, the hand-derived cost of its gradient.
type ruleCase struct {
	name   string
	opsets map[string]int64
	node   *onnx.Node
	args   []*arg
	want   map[int]fpo.Ops // input index → primitives of its gradient
	macs   map[int]int64   // input index → MACs of its gradient
	skip   func() bool     // true: the forward rule this case needs is absent
}

func mask(dims ...int64) *arg { return &arg{val: shape.TensorDims(onnx.Bool, dims...)} }

func withOut(n *onnx.Node, outs ...string) *onnx.Node { n.Outputs = outs; return n }

// TestBackwardRules checks each backward rule against a hand derivation
// (the comment of each case; the rule's doc comment gives the formula).
func TestBackwardRules(t *testing.T) {
	cases := []ruleCase{
		// Conv: Y [2,6,8,8] = 768 outputs, each 4·3·3 = 36 taps: 27648 MACs.
		// dW = X ⋆ dY pairs the same products; dB = Σ over 768/6 positions: 768 − 6 ADDs.
		{name: "Conv weight and bias", node: node("", "Conv", aInts("pads", 1, 1, 1, 1)),
			args: []*arg{data(2, 4, 8, 8), param(6, 4, 3, 3), param(6)},
			want: map[int]fpo.Ops{1: mac(27648), 2: ops(fpo.Add, 762)}, macs: map[int]int64{1: 27648}},
		{name: "Conv input too", node: node("", "Conv", aInts("pads", 1, 1, 1, 1)),
			args: []*arg{param(2, 4, 8, 8), param(6, 4, 3, 3)},
			want: map[int]fpo.Ops{0: mac(27648), 1: mac(27648)}, macs: map[int]int64{0: 27648, 1: 27648}},
		// Grouped (4 groups of 2 channels), strided 2: Y [1,8,4,4] = 128 outputs × 2·3·3 taps = 2304.
		{name: "Conv grouped strided", node: node("", "Conv", aInt("group", 4), aInts("strides", 2, 2)),
			args: []*arg{param(1, 8, 9, 9), param(8, 2, 3, 3)},
			want: map[int]fpo.Ops{0: mac(2304), 1: mac(2304)}, macs: map[int]int64{0: 2304, 1: 2304}},
		// Depthwise, dilation 2: extent 5, Y [1,3,6,6] = 108 outputs × 9 taps = 972.
		{name: "Conv depthwise dilated", node: node("", "Conv", aInt("group", 3), aInts("dilations", 2, 2)),
			args: []*arg{param(1, 3, 10, 10), param(3, 1, 3, 3)},
			want: map[int]fpo.Ops{0: mac(972), 1: mac(972)}, macs: map[int]int64{0: 972, 1: 972}},
		// ConvTranspose: 4·5·5 = 100 inputs × 3·3·3 = 27 weights each: 2700 MACs;
		// Y [1,3,11,11] = 363, bias Σ: 363 − 3.
		{name: "ConvTranspose", node: node("", "ConvTranspose", aInts("strides", 2, 2)),
			args: []*arg{param(1, 4, 5, 5), param(4, 3, 3, 3), param(3)},
			want: map[int]fpo.Ops{0: mac(2700), 1: mac(2700), 2: ops(fpo.Add, 360)}, macs: map[int]int64{0: 2700, 1: 2700}},
		// MatMul [5,7]·[7,3]: 15 outputs × K=7 = 105 MACs; dA = dY·Bᵀ and dB = Aᵀ·dY likewise.
		{name: "MatMul", node: node("", "MatMul"), args: []*arg{param(5, 7), param(7, 3)},
			want: map[int]fpo.Ops{0: mac(105), 1: mac(105)}, macs: map[int]int64{0: 105, 1: 105}},
		// Batched broadcasting [2,1,4,6]·[3,6,5] → [2,3,4,5]: 120 outputs × 6 = 720.
		// dB[j] = Σ_a A[a]ᵀ·dY[a,j]: 3 × 2 × (6·5·4) = 720; dA[a] = Σ_j dY[a,j]·B[j]ᵀ: 2 × 3 × (4·6·5) = 720.
		{name: "MatMul batched broadcast", node: node("", "MatMul"), args: []*arg{param(2, 1, 4, 6), param(3, 6, 5)},
			want: map[int]fpo.Ops{0: mac(720), 1: mac(720)}, macs: map[int]int64{0: 720, 1: 720}},
		// Vector times matrix: [6]·[6,4] → [4]: dB = outer product, 24 MACs.
		{name: "MatMul vector", node: node("", "MatMul"), args: []*arg{data(6), param(6, 4)},
			want: map[int]fpo.Ops{1: mac(24)}, macs: map[int]int64{1: 24}},
		// Gemm [4,8]·[8,5] + C[5]: dB 4·5·8 = 160 MACs; dC = Σ over 4 rows: 20 − 5.
		{name: "Gemm", node: node("", "Gemm"), args: []*arg{data(4, 8), param(8, 5), param(5)},
			want: map[int]fpo.Ops{1: mac(160), 2: ops(fpo.Add, 15)}, macs: map[int]int64{1: 160}},
		// Transposed A [8,4] (K = 8) and B [5,8], α = ½: α·dY once (20 MUL);
		// β = 2 on a full C [4,5]: no sum (20 − 20), β·dY (20 MUL).
		{name: "Gemm transposed scaled", node: node("", "Gemm", aInt("transA", 1), aInt("transB", 1), aFloat("alpha", 0.5), aFloat("beta", 2)),
			args: []*arg{param(8, 4), param(5, 8), param(4, 5)},
			want: map[int]fpo.Ops{0: mac(160).Add(ops(fpo.Mul, 20)), 1: mac(160), 2: ops(fpo.Mul, 20)},
			macs: map[int]int64{0: 160, 1: 160}},
		// LSTM, 5 steps × batch 2 × 1 direction = 10, G = 4·4 = 16 gate rows, I = 3, H = 4.
		// dX, dW: 10·16·3 = 480 MACs; dR: 10·16·4 = 640; the recurrence
		// Rᵀ·dgates at every step but each sequence's first (the initial
		// state is a constant): (10 − 2)·16·4 = 512; cell 16 MUL + 6 ADD × 40
		// units less dc_prev = dc·f at the 2·4 first-step units: 632 MUL, 240
		// ADD (charged to X with the recurrence); bias Σ over 10 steps: 10·16 − 16 = 144 ADD.
		{name: "LSTM", node: node("", "LSTM", aInt("hidden_size", 4)),
			args: []*arg{param(5, 2, 3), param(1, 16, 3), param(1, 16, 4), param(1, 32)},
			want: map[int]fpo.Ops{0: mac(480).Add(mac(512)).Add(ops(fpo.Mul, 632, fpo.Add, 240)), 1: mac(480), 2: mac(640), 3: ops(fpo.Add, 144)},
			macs: map[int]int64{0: 992, 1: 480, 2: 640}},
		// A learned initial state [1,2,4] (initial_h, initial_c) needs its
		// gradient: the recurrence runs at every step (10·16·4 = 640), the
		// cell's 640 MUL in full; dh0, dc0 are the last carry (0 FPO).
		{name: "LSTM learned initial state", node: node("", "LSTM", aInt("hidden_size", 4)),
			args: []*arg{param(5, 2, 3), param(1, 16, 3), param(1, 16, 4), param(1, 32), nil, param(1, 2, 4), param(1, 2, 4)},
			want: map[int]fpo.Ops{0: mac(480).Add(mac(640)).Add(ops(fpo.Mul, 640, fpo.Add, 240)), 1: mac(480), 2: mac(640), 3: ops(fpo.Add, 144), 5: {}, 6: {}},
			macs: map[int]int64{0: 1120, 1: 480, 2: 640}},
		// Bidirectional: 20 steps·directions, 4 first steps, so dX, dW 960,
		// dR 1280, recurrence (20 − 4)·64 = 1024, cell 80 units less 16
		// (1264 MUL, 480 ADD), bias 20·16 − 2·16 = 288.
		{name: "LSTM bidirectional", node: node("", "LSTM", aInt("hidden_size", 4), aString("direction", "bidirectional")),
			args: []*arg{param(5, 2, 3), param(2, 16, 3), param(2, 16, 4), param(2, 32)},
			want: map[int]fpo.Ops{0: mac(960).Add(mac(1024)).Add(ops(fpo.Mul, 1264, fpo.Add, 480)), 1: mac(960), 2: mac(1280), 3: ops(fpo.Add, 288)},
			macs: map[int]int64{0: 1984, 1: 960, 2: 1280}},
		// The model's input needs no gradient: the recurrence and cell move to W.
		{name: "LSTM data input", node: node("", "LSTM", aInt("hidden_size", 4)),
			args: []*arg{data(5, 2, 3), param(1, 16, 3), param(1, 16, 4)},
			want: map[int]fpo.Ops{1: mac(480).Add(mac(512)).Add(ops(fpo.Mul, 632, fpo.Add, 240)), 2: mac(640)},
			macs: map[int]int64{1: 992, 2: 640}},
		// Peepholes P [1,12]: the cell adds 3 MUL + 3 ADD per unit (120, 120);
		// dP = Σ dpre⊙c: 3·40 MUL, 3·40 − 3·4 ADD.
		{name: "LSTM peepholes", node: node("", "LSTM", aInt("hidden_size", 4)),
			args: []*arg{data(5, 2, 3), param(1, 16, 3), param(1, 16, 4), nil, nil, nil, nil, param(1, 12)},
			want: map[int]fpo.Ops{1: mac(480).Add(mac(512)).Add(ops(fpo.Mul, 752, fpo.Add, 360)), 2: mac(640), 7: ops(fpo.Mul, 120, fpo.Add, 108)},
			macs: map[int]int64{1: 992, 2: 640}},
		// GRU: G = 12: dX, dW 10·12·3 = 360; dR 10·12·4 = 480; with
		// linear_before_reset = 0 the first steps still need R_hᵀ·dn (for
		// the reset gate), so only the z and r rows are skipped there:
		// 480 − 2·8·4 = 416; cell 11 MUL + 6 ADD × 40 less dh·z and two
		// accumulations at 8 first-step units: 432 MUL, 224 ADD.
		{name: "GRU", node: node("", "GRU", aInt("hidden_size", 4)),
			args: []*arg{param(5, 2, 3), param(1, 12, 3), param(1, 12, 4)},
			want: map[int]fpo.Ops{0: mac(360).Add(mac(416)).Add(ops(fpo.Mul, 432, fpo.Add, 224)), 1: mac(360), 2: mac(480)},
			macs: map[int]int64{0: 776, 1: 360, 2: 480}},
		// GRU as PyTorch exports it (linear_before_reset = 1): every row of
		// R is skipped at the first steps: 480 − 2·12·4 = 384.
		{name: "GRU linear before reset", node: node("", "GRU", aInt("hidden_size", 4), aInt("linear_before_reset", 1)),
			args: []*arg{param(5, 2, 3), param(1, 12, 3), param(1, 12, 4)},
			want: map[int]fpo.Ops{0: mac(360).Add(mac(384)).Add(ops(fpo.Mul, 432, fpo.Add, 224)), 1: mac(360), 2: mac(480)},
			macs: map[int]int64{0: 744, 1: 360, 2: 480}},
		// RNN: G = 4: dX, dW 120; dR 160; recurrence 160 − 2·4·4 = 128;
		// tanh' 2 MUL + 1 ADD × 40.
		{name: "RNN", node: node("", "RNN", aInt("hidden_size", 4)),
			args: []*arg{param(5, 2, 3), param(1, 4, 3), param(1, 4, 4)},
			want: map[int]fpo.Ops{0: mac(120).Add(mac(128)).Add(ops(fpo.Mul, 80, fpo.Add, 40)), 1: mac(120), 2: mac(160)},
			macs: map[int]int64{0: 248, 1: 120, 2: 160}},

		// Elementwise, 24 elements: dy·f'(x) per element.
		{name: "Relu", node: node("", "Relu"), args: []*arg{param(2, 3, 4)}, want: map[int]fpo.Ops{0: ops(fpo.Cmp, 24)}},
		{name: "Sigmoid", node: node("", "Sigmoid"), args: []*arg{param(2, 3, 4)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 48, fpo.Add, 24)}},
		{name: "Tan", node: node("", "Tan"), args: []*arg{param(2, 3, 4)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 48, fpo.Add, 24)}},
		{name: "Erf", node: node("", "Erf"), args: []*arg{param(2, 3, 4)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 72, fpo.Exp, 24)}},
		{name: "Gelu", node: node("", "Gelu"), args: []*arg{param(2, 3, 4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 168, fpo.Add, 48, fpo.Erf, 24, fpo.Exp, 24)}},
		{name: "Gelu tanh", node: node("", "Gelu", aString("approximate", "tanh")), args: []*arg{param(2, 3, 4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 288, fpo.Add, 120, fpo.Tanh, 24)}},
		{name: "Asin", node: node("", "Asin"), args: []*arg{param(2, 3, 4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 24, fpo.Add, 24, fpo.Sqrt, 24, fpo.Div, 24)}},
		// Clip with both bounds: a select against each (2 CMP); with one, 1 CMP.
		{name: "Clip", node: node("", "Clip"), args: []*arg{param(2, 3, 4), floatConst(0), floatConst(6)}, want: map[int]fpo.Ops{0: ops(fpo.Cmp, 48)}},
		{name: "Clip min only", node: node("", "Clip"), args: []*arg{param(2, 3, 4), floatConst(0)}, want: map[int]fpo.Ops{0: ops(fpo.Cmp, 24)}},
		{name: "Dropout training", node: node("", "Dropout"), args: []*arg{param(2, 3, 4), nil, boolConst(true)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 24)}},
		{name: "Dropout inference", node: node("", "Dropout"), args: []*arg{param(2, 3, 4)}, want: map[int]fpo.Ops{0: {}}},
		// Broadcast binaries: [2,3,4] with [4]: the [4] operand sums 24 terms into 4 (20 ADD).
		{name: "Add broadcast", node: node("", "Add"), args: []*arg{param(2, 3, 4), param(4)},
			want: map[int]fpo.Ops{0: {}, 1: ops(fpo.Add, 20)}},
		{name: "Sub broadcast", node: node("", "Sub"), args: []*arg{param(2, 3, 4), param(4)},
			want: map[int]fpo.Ops{0: {}, 1: ops(fpo.Add, 20, fpo.Mul, 4)}},
		{name: "Mul broadcast", node: node("", "Mul"), args: []*arg{param(2, 3, 4), param(4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 24), 1: ops(fpo.Mul, 24, fpo.Add, 20)}},
		// dB = −Σ dy⊙y/B: 24 MUL, 24 DIV, 20 ADD, then 4 negations.
		{name: "Div broadcast", node: node("", "Div"), args: []*arg{param(2, 3, 4), param(4)},
			want: map[int]fpo.Ops{0: ops(fpo.Div, 24), 1: ops(fpo.Mul, 28, fpo.Div, 24, fpo.Add, 20)}},
		{name: "Pow square", node: node("", "Pow"), args: []*arg{param(2, 3, 4), floatConst(2)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 48)}},
		{name: "Pow", node: node("", "Pow"), args: []*arg{param(2, 3, 4), param(4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 48, fpo.Div, 24), 1: ops(fpo.Log, 24, fpo.Mul, 48, fpo.Add, 20)}},
		{name: "Mod", node: node("", "Mod", aInt("fmod", 1)), args: []*arg{param(2, 3), param(3)},
			want: map[int]fpo.Ops{0: {}, 1: ops(fpo.Div, 6, fpo.Round, 6, fpo.Mul, 9, fpo.Add, 3)}},
		{name: "Where", node: node("", "Where"), args: []*arg{mask(2, 3, 4), param(2, 3, 4), param(4)},
			want: map[int]fpo.Ops{1: ops(fpo.Cmp, 24), 2: ops(fpo.Cmp, 24, fpo.Add, 20)}},
		{name: "Max", node: node("", "Max"), args: []*arg{param(2, 3, 4), param(3, 4)},
			want: map[int]fpo.Ops{0: ops(fpo.Cmp, 24), 1: ops(fpo.Cmp, 24, fpo.Add, 12)}},
		// PRelu with a per-channel slope [3,1,1] on [2,3,4,4] = 96: the slope sums 96 terms into 3.
		{name: "PRelu", node: node("", "PRelu"), args: []*arg{param(2, 3, 4, 4), param(3, 1, 1)},
			want: map[int]fpo.Ops{0: ops(fpo.Cmp, 96, fpo.Mul, 96), 1: ops(fpo.Cmp, 96, fpo.Mul, 96, fpo.Add, 93)}},
		{name: "BiasAdd", node: node("com.microsoft", "BiasAdd"), args: []*arg{param(2, 3, 4), param(4), param(2, 3, 4)},
			want: map[int]fpo.Ops{0: {}, 1: ops(fpo.Add, 20), 2: {}}},
		{name: "BiasGelu", node: node("com.microsoft", "BiasGelu"), args: []*arg{param(2, 4), param(4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 56, fpo.Add, 16, fpo.Erf, 8, fpo.Exp, 8), 1: ops(fpo.Add, 4)}},

		// Softmax over rows of 5 (6 rows, 30 elements): dx = y⊙(dy − Σdy⊙y):
		// 60 MUL, 60 − 6 ADD. LogSoftmax: 30 EXP, 30 MUL, 54 ADD.
		{name: "Softmax", node: node("", "Softmax"), args: []*arg{param(2, 3, 5)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 60, fpo.Add, 54)}},
		{name: "LogSoftmax", node: node("", "LogSoftmax"), args: []*arg{param(2, 3, 5)},
			want: map[int]fpo.Ops{0: ops(fpo.Exp, 30, fpo.Mul, 30, fpo.Add, 54)}},

		// LayerNormalization over the last axis of [2,3,8]: e = 48, g = 6.
		// x̂: 48 MUL, 48 ADD; dx: 4e + 2g = 204 MUL, 4e − 2g = 180 ADD;
		// dγ: 48 MUL, 48 − 8 ADD; dβ: 40 ADD.
		{name: "LayerNormalization", node: node("", "LayerNormalization"), args: []*arg{param(2, 3, 8), param(8), param(8)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 252, fpo.Add, 228), 1: ops(fpo.Mul, 48, fpo.Add, 40), 2: ops(fpo.Add, 40)}},
		// Without dx, γ pays for x̂.
		{name: "LayerNormalization weights only", node: node("", "LayerNormalization"), args: []*arg{data(2, 3, 8), param(8), param(8)},
			want: map[int]fpo.Ops{1: ops(fpo.Mul, 96, fpo.Add, 88), 2: ops(fpo.Add, 40)}},
		// BatchNormalization [2,3,4,4]: e = 96, g = C = 3; the running mean and
		// variance (inputs 3, 4) are not trained. dx: 4e + 2g = 390 MUL, 4e − 2g = 378 ADD.
		{name: "BatchNormalization", node: node("", "BatchNormalization"),
			args: []*arg{param(2, 3, 4, 4), param(3), param(3), param(3), param(3)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 486, fpo.Add, 474), 1: ops(fpo.Mul, 96, fpo.Add, 93), 2: ops(fpo.Add, 93)}},
		// InstanceNormalization [2,3,4]: e = 24, g = N·C = 6: dx 108 MUL, 84 ADD.
		{name: "InstanceNormalization", node: node("", "InstanceNormalization"), args: []*arg{param(2, 3, 4), param(3), param(3)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 132, fpo.Add, 108), 1: ops(fpo.Mul, 24, fpo.Add, 21), 2: ops(fpo.Add, 21)}},
		// GroupNormalization [2,4,3] in 2 groups: g = 4: dx 104 MUL, 88 ADD.
		{name: "GroupNormalization", node: node("", "GroupNormalization", aInt("num_groups", 2)), args: []*arg{param(2, 4, 3), param(4), param(4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 128, fpo.Add, 112), 1: ops(fpo.Mul, 24, fpo.Add, 20), 2: ops(fpo.Add, 20)}},
		// RMS (SimplifiedLayerNormalization) [2,3,8]: x̂ 48 MUL; dx 4e + g = 198 MUL, 2e − g = 90 ADD.
		{name: "SimplifiedLayerNormalization", node: node("com.microsoft", "SimplifiedLayerNormalization"), args: []*arg{param(2, 3, 8), param(8)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 246, fpo.Add, 90), 1: ops(fpo.Mul, 48, fpo.Add, 40)}},
		// SkipLayerNormalization: input and skip share dx; the bias sums it (48 − 8).
		{name: "SkipLayerNormalization", node: node("com.microsoft", "SkipLayerNormalization"),
			args: []*arg{param(2, 3, 8), param(2, 3, 8), param(8), param(8), param(8)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 252, fpo.Add, 228), 1: {}, 2: ops(fpo.Mul, 48, fpo.Add, 40), 3: ops(fpo.Add, 40), 4: ops(fpo.Add, 40)}},
		// LpNormalization p=2 over rows of 4 (6 rows): 48 MUL, 48 − 6 ADD, 24 DIV.
		{name: "LpNormalization", node: node("", "LpNormalization"), args: []*arg{param(2, 3, 4)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 48, fpo.Add, 42, fpo.Div, 24)}},
		// LRN size 3 over 16 elements: 4 MUL, 1 DIV, 1 POW, 3 ADD each.
		{name: "LRN", node: node("", "LRN", aInt("size", 3)), args: []*arg{param(1, 4, 2, 2)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 64, fpo.Div, 16, fpo.Pow, 16, fpo.Add, 48)}},

		// MaxPool 3×3 stride 2 overlaps: scatter-add, 1 ADD per output (2·4·4 = 32).
		{name: "MaxPool overlapping", node: node("", "MaxPool", aInts("kernel_shape", 3, 3), aInts("strides", 2, 2)),
			args: []*arg{param(1, 2, 9, 9)}, want: map[int]fpo.Ops{0: ops(fpo.Add, 32)}},
		{name: "MaxPool disjoint", node: node("", "MaxPool", aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			args: []*arg{param(1, 2, 8, 8)}, want: map[int]fpo.Ops{0: {}}},
		// AveragePool 2×2: dy/4 (32 MUL) added to 4 taps (128 ADD).
		{name: "AveragePool", node: node("", "AveragePool", aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			args: []*arg{param(1, 2, 8, 8)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 32, fpo.Add, 128)}},
		{name: "LpPool", node: node("", "LpPool", aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			args: []*arg{param(1, 2, 8, 8)}, want: map[int]fpo.Ops{0: ops(fpo.Div, 32, fpo.Mul, 128, fpo.Add, 128)}},
		{name: "GlobalAveragePool", node: node("", "GlobalAveragePool"), args: []*arg{param(1, 2, 8, 8)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 2)}},
		{name: "GlobalMaxPool", node: node("", "GlobalMaxPool"), args: []*arg{param(1, 2, 8, 8)}, want: map[int]fpo.Ops{0: {}}},

		// Reductions of [2,3,4] over axis 1 (keepdims): 24 inputs, 8 outputs.
		{name: "ReduceMean", node: node("", "ReduceMean"), args: []*arg{param(2, 3, 4), intsArg(1)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 8)}},
		{name: "ReduceSum", node: node("", "ReduceSum"), args: []*arg{param(2, 3, 4), intsArg(1)}, want: map[int]fpo.Ops{0: {}}},
		{name: "ReduceSumSquare", node: node("", "ReduceSumSquare"), args: []*arg{param(2, 3, 4), intsArg(1)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 32)}},
		{name: "ReduceL2", node: node("", "ReduceL2"), args: []*arg{param(2, 3, 4), intsArg(1)}, want: map[int]fpo.Ops{0: ops(fpo.Mul, 24, fpo.Div, 8)}},
		{name: "ReduceMax", node: node("", "ReduceMax"), args: []*arg{param(2, 3, 4), intsArg(1)}, want: map[int]fpo.Ops{0: ops(fpo.Cmp, 24)}},
		{name: "ReduceLogSumExp", node: node("", "ReduceLogSumExp"), args: []*arg{param(2, 3, 4), intsArg(1)},
			want: map[int]fpo.Ops{0: ops(fpo.Add, 24, fpo.Exp, 24, fpo.Mul, 24)}},

		// Data movement: dy moves back, 0 FPO.
		{name: "Reshape", node: node("", "Reshape"), args: []*arg{param(2, 3, 4), intsArg(6, 4)}, want: map[int]fpo.Ops{0: {}}},
		{name: "Transpose", node: node("", "Transpose", aInts("perm", 2, 0, 1)), args: []*arg{param(2, 3, 4)}, want: map[int]fpo.Ops{0: {}}},
		{name: "Concat", node: node("", "Concat", aInt("axis", 1)), args: []*arg{param(2, 3), param(2, 5)}, want: map[int]fpo.Ops{0: {}, 1: {}}},
		{name: "Slice", node: node("", "Slice"), args: []*arg{param(4, 6), intsArg(1), intsArg(3), intsArg(0)}, want: map[int]fpo.Ops{0: {}}},
		{name: "Pad", node: node("", "Pad"), args: []*arg{param(2, 3), intsArg(1, 1, 1, 1), floatConst(0)}, want: map[int]fpo.Ops{0: {}}},
		{name: "ScatterND", node: node("", "ScatterND"), args: []*arg{param(4, 4), indices(2, 1), param(2, 4)}, want: map[int]fpo.Ops{0: {}, 2: {}}},
		// Gather of 2·3 rows of 4 from a [10,4] table: scatter-add 24 ADD.
		{name: "Gather", node: node("", "Gather"), args: []*arg{param(10, 4), indices(2, 3)}, want: map[int]fpo.Ops{0: ops(fpo.Add, 24)}},
		{name: "GatherElements", node: node("", "GatherElements"), args: []*arg{param(3, 4), indices(5, 4)}, want: map[int]fpo.Ops{0: ops(fpo.Add, 20)}},
		// Expand [3,1] → [2,3,4]: each of 3 elements sums its 8 copies: 24 − 3.
		{name: "Expand", node: node("", "Expand"), args: []*arg{param(3, 1), intsArg(2, 3, 4)}, want: map[int]fpo.Ops{0: ops(fpo.Add, 21)}},
		{name: "Tile", node: node("", "Tile"), args: []*arg{param(2, 3), intsArg(2, 2)}, want: map[int]fpo.Ops{0: ops(fpo.Add, 18)}},
		// Resize [1,1,4,4] → [1,1,8,8] bilinear (k = 2 axes): 3 lerps per output
		// (64·3 MUL, 64·3 ADD) and 4 tap scatter-adds (64·4 ADD).
		{name: "Resize linear", node: node("", "Resize", aString("mode", "linear")), args: []*arg{param(1, 1, 4, 4), nil, nil, intsArg(1, 1, 8, 8)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 192, fpo.Add, 448)}},
		{name: "Resize nearest", node: node("", "Resize"), args: []*arg{param(1, 1, 4, 4), nil, nil, intsArg(1, 1, 8, 8)},
			want: map[int]fpo.Ops{0: ops(fpo.Add, 64)}},
		// Einsum ij,jk->ik with i,j,k = 3,4,5: 60 MACs per operand gradient.
		{name: "Einsum", node: node("", "Einsum", aString("equation", "ij,jk->ik")), args: []*arg{param(3, 4), param(4, 5)},
			want: map[int]fpo.Ops{0: mac(60), 1: mac(60)}, macs: map[int]int64{0: 60, 1: 60}},
		{name: "Einsum sum", node: node("", "Einsum", aString("equation", "ij->j")), args: []*arg{param(3, 4)}, want: map[int]fpo.Ops{0: {}}},
		// FusedConv with relu: Y [1,3,3,3] = 27 outputs × 2·9 taps = 486 MACs, relu' 27 CMP.
		{name: "FusedConv", node: node("com.microsoft", "FusedConv", aString("activation", "Relu")), args: []*arg{param(1, 2, 5, 5), param(3, 2, 3, 3)},
			want: map[int]fpo.Ops{0: mac(486).Add(ops(fpo.Cmp, 27)), 1: mac(486)}, macs: map[int]int64{0: 486, 1: 486}},
		// MultiHeadAttention, B = 2, S = T = 4, D = 8 in 2 heads (Dk = Dv = 4):
		// 2·2·4·4 = 64 scores, forward 64·(4+4) = 512 MACs; backward 1024 MACs,
		// softmax' 2 MUL + 2 ADD and the scaling 1 MUL per score.
		{name: "MultiHeadAttention", node: node("com.microsoft", "MultiHeadAttention", aInt("num_heads", 2)),
			args: []*arg{param(2, 4, 8), param(2, 4, 8), param(2, 4, 8)},
			want: map[int]fpo.Ops{0: mac(1024).Add(ops(fpo.Mul, 192, fpo.Add, 128)), 1: {}, 2: {}}, macs: map[int]int64{0: 1024},
			skip: func() bool { return fpo.LookupRule("com.microsoft", "MultiHeadAttention") == nil }},
		// EmbedLayerNormalization: word, position and segment rows summed and
		// normalized over H = 4 ([2,3,4]: e = 24, g = 6); the first table pays
		// x̂ (24 MUL, 24 ADD) and dx (3·24 + 12 + 24 = 108 MUL, 96 − 12 = 84 ADD);
		// each table scatter-adds dx (24 ADD).
		{name: "EmbedLayerNormalization", node: node("com.microsoft", "EmbedLayerNormalization"),
			args: []*arg{indices(2, 3), indices(2, 3), param(10, 4), param(8, 4), param(2, 4), param(4), param(4)},
			want: map[int]fpo.Ops{2: ops(fpo.Mul, 132, fpo.Add, 132), 3: ops(fpo.Add, 24), 4: ops(fpo.Add, 24), 5: ops(fpo.Mul, 24, fpo.Add, 20), 6: ops(fpo.Add, 20)}},
		// FusedGemm with relu: [4,8]·[8,5] = 20 outputs: relu' 20 CMP, 160 MACs each.
		{name: "FusedGemm", node: node("com.microsoft", "FusedGemm", aString("activation", "Relu")), args: []*arg{param(4, 8), param(8, 5)},
			want: map[int]fpo.Ops{0: mac(160).Add(ops(fpo.Cmp, 20)), 1: mac(160)}, macs: map[int]int64{0: 160, 1: 160}},
		// Inverse of 2 matrices 3×3 (Y saved): −Yᵀ·dY·Yᵀ: 2·2·27 MACs, 18 negations.
		{name: "Inverse", node: node("com.microsoft", "Inverse"), args: []*arg{param(2, 3, 3)},
			want: map[int]fpo.Ops{0: mac(108).Add(ops(fpo.Mul, 18))}, macs: map[int]int64{0: 108}},
		// SwiGLU on 6 elements: σ(A) once (6 EXP, 6 ADD, 6 DIV); dA 24 MUL, 12 ADD; dB 12 MUL.
		{name: "SwiGLU", opsets: map[string]int64{"": 28}, node: node("", "SwiGLU"), args: []*arg{param(2, 3), param(2, 3)},
			want: map[int]fpo.Ops{0: ops(fpo.Exp, 6, fpo.Div, 6, fpo.Add, 18, fpo.Mul, 24), 1: ops(fpo.Mul, 12)}},
		// Softmax cross entropy over 2 samples of 3 classes: 6 EXP, 6 MUL, 2 ADD.
		{name: "SoftmaxCrossEntropyLoss", node: node("", "SoftmaxCrossEntropyLoss"), args: []*arg{param(2, 3), indices(2)},
			want: map[int]fpo.Ops{0: ops(fpo.Exp, 6, fpo.Mul, 6, fpo.Add, 2)}},
		{name: "NegativeLogLikelihoodLoss", node: node("", "NegativeLogLikelihoodLoss"), args: []*arg{param(2, 3), indices(2)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 2)}},
		// CumSum along rows of 5 (2 rows): the reverse running sum, 8 ADD; CumProd:
		// 10 MUL, 10 DIV, 8 ADD.
		{name: "CumSum", node: node("", "CumSum"), args: []*arg{param(2, 5), intsArg(1)}, want: map[int]fpo.Ops{0: ops(fpo.Add, 8)}},
		{name: "CumProd", opsets: map[string]int64{"": 26}, node: node("", "CumProd"), args: []*arg{param(2, 5), intsArg(1)},
			want: map[int]fpo.Ops{0: ops(fpo.Mul, 10, fpo.Div, 10, fpo.Add, 8)}},
		{name: "TopK", node: withOut(node("", "TopK"), "v", "i"), args: []*arg{param(2, 10), intsArg(3)}, want: map[int]fpo.Ops{0: {}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != nil && c.skip() {
				t.Skip("no forward rule")
			}
			one := buildOne(t, c.opsets, c.node, c.args...)
			rule := LookupRule(c.node.Domain, c.node.OpType)
			if rule == nil {
				t.Fatal("no backward rule")
			}
			grads, err := rule(&fpo.Node{NodeResult: one.nr}, one.need)
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for i, nd := range one.need {
				want, listed := c.want[i]
				if nd != listed {
					t.Errorf("input %d: needs a gradient %v, the case lists it %v", i, nd, listed)
				}
				if !nd {
					continue
				}
				if got := grads[i].Ops.String(); got != want.String() {
					t.Errorf("input %d: got %s, want %s", i, got, want.String())
				}
				if got := konst(t, "MACs", grads[i].MACs); got != c.macs[i] {
					t.Errorf("input %d: MACs %d, want %d", i, got, c.macs[i])
				}
				total += fpoOf(want)
			}
			// The model count sums the same gradients (no value is read twice).
			_, rep := counts(t, one.res, Options{})
			if got := konst(t, "backward", rep.Backward); got != total {
				t.Errorf("Count: backward %d FPO, want %d", got, total)
			}
		})
	}
}

package fpo_test

import (
	"testing"

	"github.com/greenai/greenai/onnx"
)

// Hand-derived counts of recurrent cells. Per hidden unit a sigmoid is
// EXP + ADD + DIV, tanh one TANH.
func TestRecurrentRules(t *testing.T) {
	lstm := func(attrs ...*onnx.Attribute) *onnx.Node {
		return opNode("", "LSTM", []string{"Y"}, append([]*onnx.Attribute{aInt("hidden_size", 5)}, attrs...)...)
	}
	gru := func(lbr int64) *onnx.Node {
		return opNode("", "GRU", []string{"Y"}, aInt("hidden_size", 5), aInt("linear_before_reset", lbr))
	}
	// LSTM, X [seq 2, batch 3, input 4], H = 5, bidirectional: 12 steps,
	// 12·(4·5)·(4+5) = 2160 MACs; per unit (60): 5 ADD + 3 MUL + 3
	// sigmoids + 2 tanh; peepholes 3 MUL + 3 ADD; bias 2·4 ADD per unit.
	x, w, r := f32(2, 3, 4), f32(2, 20, 4), f32(2, 20, 5)
	runOpsCases(t, []opsCase{
		{name: "bidirectional LSTM without bias", node: lstm(aString("direction", "bidirectional")),
			inputs: vals(x, w, r), ops: "add=2640, mul=2340, div=180, exp=180, tanh=120", macs: 2160},
		{name: "bidirectional LSTM with bias and peepholes", node: lstm(aString("direction", "bidirectional")),
			inputs: vals(x, w, r, f32(2, 40), nil, nil, nil, f32(2, 15)), ops: "add=3300, mul=2520, div=180, exp=180, tanh=120", macs: 2160},
		// input_forget: the forget gate's sigmoid becomes 1 ADD: 60 EXP, DIV fewer, 60 − 60 ADD.
		{name: "LSTM input_forget", node: lstm(aString("direction", "bidirectional"), aInt("input_forget", 1)),
			inputs: vals(x, w, r), ops: "add=2640, mul=2340, div=120, exp=120, tanh=120", macs: 2160},
		// clip: 2 CMP per gate pre-activation: 60 units × 8.
		{name: "LSTM clip", node: lstm(aString("direction", "bidirectional"), aFloat("clip", 3)),
			inputs: vals(x, w, r), ops: "add=2640, mul=2340, div=180, cmp=480, exp=180, tanh=120", macs: 2160},
		// GRU, X [3, 2, 4], H 5, forward: 6 steps, 6·15·9 = 810 MACs; per
		// unit (30): 5 ADD + 3 MUL + 2 sigmoids + 1 tanh; bias 6 ADD per unit.
		{name: "GRU linear_before_reset", node: gru(1),
			inputs: vals(f32(3, 2, 4), f32(1, 15, 4), f32(1, 15, 5), f32(1, 30)), ops: "add=1200, mul=900, div=60, exp=60, tanh=30", macs: 810},
		{name: "GRU reset before the product", node: gru(0),
			inputs: vals(f32(3, 2, 4), f32(1, 15, 4), f32(1, 15, 5), f32(1, 30)), ops: "add=1200, mul=900, div=60, exp=60, tanh=30", macs: 810},
		// RNN, X [4, 1, 3], H 5: 4 steps, 4·5·8 = 160 MACs, per unit (20)
		// 1 ADD + 1 tanh; Relu activation: 1 CMP instead.
		{name: "RNN tanh", node: opNode("", "RNN", []string{"Y"}, aInt("hidden_size", 5)),
			inputs: vals(f32(4, 1, 3), f32(1, 5, 3), f32(1, 5, 5)), ops: "add=180, mul=160, tanh=20", macs: 160},
		{name: "RNN relu", node: opNode("", "RNN", []string{"Y"}, aInt("hidden_size", 5), aStrings("activations", "Relu")),
			inputs: vals(f32(4, 1, 3), f32(1, 5, 3), f32(1, 5, 5)), ops: "add=180, mul=160, cmp=20", macs: 160},
	})
}

func TestNormAndPoolRules(t *testing.T) {
	op11 := map[string]int64{"": 11}
	runOpsCases(t, []opsCase{
		// X [2,3,4], axis 1. Opset 11: rows of the flattened 3·4 = 12:
		// 2 rows: 22 CMP, 24 + 22 ADD, 24 EXP, 24 DIV.
		{name: "softmax opset 11", opsets: op11, node: opNode("", "Softmax", nil, aInt("axis", 1)),
			inputs: vals(f32(2, 3, 4)), ops: "add=46, div=24, cmp=22, exp=24"},
		// Opset 13: rows of length 3 along axis 1: 8 rows, 16 CMP, 24 + 16 ADD.
		{name: "softmax opset 13", node: opNode("", "Softmax", nil, aInt("axis", 1)),
			inputs: vals(f32(2, 3, 4)), ops: "add=40, div=24, cmp=16, exp=24"},
		// LogSoftmax, last axis: 6 rows of 4: 18 CMP, 24 + 18 + 24 ADD, 24 EXP, 6 LOG.
		{name: "log softmax", node: opNode("", "LogSoftmax", nil),
			inputs: vals(f32(2, 3, 4)), ops: "add=66, cmp=18, exp=24, log=6"},
		// 2×2 windows, stride 2 on 4×4: 4 outputs.
		{name: "max pool", node: opNode("", "MaxPool", nil, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			inputs: vals(f32(1, 1, 4, 4)), ops: "cmp=12"},
		{name: "average pool", node: opNode("", "AveragePool", nil, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			inputs: vals(f32(1, 1, 4, 4)), ops: "add=12, mul=4"},
		{name: "lp pool p=2", node: opNode("", "LpPool", nil, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			inputs: vals(f32(1, 1, 4, 4)), ops: "add=12, mul=16, sqrt=4"},
		// 18 inputs to 2 outputs: 16 ADD, 2 MUL.
		{name: "global average pool", node: opNode("", "GlobalAveragePool", nil),
			inputs: vals(f32(1, 2, 3, 3)), ops: "add=16, mul=2"},
		// X [2,3,4]: per channel (3) 2 ADD + SQRT + DIV + MUL; per element (24) MUL + ADD.
		{name: "batch norm inference", node: opNode("", "BatchNormalization", nil),
			inputs: vals(f32(2, 3, 4), f32(3), f32(3), f32(3), f32(3)), ops: "add=30, mul=27, div=3, sqrt=3"},
		// Training adds the batch mean (24−3 ADD, 3 MUL), the variance (24 ADD,
		// 24 MUL, 24−3 ADD, 3 MUL) and the running statistics (4 MUL + 2 ADD per channel).
		{name: "batch norm training", node: opNode("", "BatchNormalization", []string{"Y", "rm", "rv"}, aInt("training_mode", 1)),
			inputs: vals(f32(2, 3, 4), f32(3), f32(3), f32(3), f32(3)), ops: "add=102, mul=69, div=3, sqrt=3"},
		// X [2,3,4], last axis: 6 groups of 4. Mean 18 ADD + 6 MUL, centre 24 ADD,
		// variance 24+6 MUL + 18 ADD, 6·(ADD, SQRT, DIV), normalize 24 MUL,
		// scale 24 MUL, bias 24 ADD.
		{name: "layer norm", node: opNode("", "LayerNormalization", nil),
			inputs: vals(f32(2, 3, 4), f32(4), f32(4)), ops: "add=90, mul=84, div=6, sqrt=6"},
		// RMS: no mean and centring: 30 MUL + 18 ADD, 6·(ADD, SQRT, DIV), 24 + 24 MUL.
		{name: "rms norm", opsets: map[string]int64{"": 23}, node: opNode("", "RMSNormalization", nil),
			inputs: vals(f32(2, 3, 4), f32(4)), ops: "add=24, mul=78, div=6, sqrt=6"},
		// X [2,4,3]: 2·2 groups of 6 elements (24 in all): mean 20 ADD + 4
		// MUL, centre 24 ADD, variance 28 MUL + 20 ADD, 4·(ADD, SQRT, DIV),
		// normalize, scale 48 MUL, bias 24 ADD.
		{name: "group norm", node: opNode("", "GroupNormalization", nil, aInt("num_groups", 2)),
			inputs: vals(f32(2, 4, 3), f32(4), f32(4)), ops: "add=92, mul=80, div=4, sqrt=4"},
	})
}

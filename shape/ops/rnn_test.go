package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestRecurrentShapes(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name       string
		op         string
		opset      int64
		attrs      []*onnx.Attribute
		x, w, r    string
		y, yh      string
		extraInput *shape.Value // initial_h at index 5
	}{
		{"rnn forward", "RNN", 7, []*onnx.Attribute{attrInt("hidden_size", 4)}, "S, B, 3", "1, 4, 3", "1, 4, 4", "S, 1, B, 4", "1, B, 4", nil},
		{"rnn hidden from R", "RNN", 14, nil, "S, B, 3", "1, 4, 3", "1, 4, 4", "S, 1, B, 4", "1, B, 4", nil},
		{"gru bidirectional", "GRU", 7, []*onnx.Attribute{attrString("direction", "bidirectional"), attrInt("hidden_size", 5)},
			"7, 2, 3", "2, 15, 3", "2, 15, 5", "7, 2, 2, 5", "2, 2, 5", nil},
		{"gru v1 reverse", "GRU", 1, []*onnx.Attribute{attrString("direction", "reverse"), attrInt("output_sequence", 1)},
			"7, 2, 3", "1, 15, 3", "1, 15, 5", "7, 1, 2, 5", "1, 2, 5", nil},
		{"gru batchwise", "GRU", 14, []*onnx.Attribute{attrInt("layout", 1), attrInt("hidden_size", 6)},
			"B, S, 2", "1, 18, 2", "1, 18, 6", "B, S, 1, 6", "B, 1, 6", nil},
		{"lstm hidden from W", "LSTM", 14, nil, "S, B, 3", "1, 12, 3", "?", "S, 1, B, 3", "1, B, 3", nil},
		{"lstm unknown X, batch from initial_h", "LSTM", 14, []*onnx.Attribute{attrInt("hidden_size", 3)}, "?", "1, 12, 3", "1, 12, 3", "*, 1, B, 3", "1, B, 3", nnT(onnx.Float, "1, B, 3")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := node(tc.op, tc.attrs...)
			outs := 2
			if tc.op == "LSTM" {
				outs = 3
			}
			n.Outputs = nnOuts(outs)
			ins := []*shape.Value{nnT(f, tc.x), nnT(f, tc.w), nnT(f, tc.r)}
			if tc.extraInput != nil {
				ins = append(ins, nil, nil, tc.extraInput)
			}
			got, res := inferNode(t, tc.opset, n, ins...)
			nnOK(t, res)
			nnCheck(t, "Y", got[0], f, tc.y)
			nnCheck(t, "Y_h", got[1], f, tc.yh)
			if outs == 3 {
				nnCheck(t, "Y_c", got[2], f, tc.yh)
			}
		})
	}
}

func TestLSTMOptionalInputsAndOutputs(t *testing.T) {
	d := onnx.Double
	n := node("LSTM", attrInt("hidden_size", 3), attrInt("input_forget", 1))
	n.Outputs = []string{"", "", "yc"}
	outs, res := inferNode(t, 14, n,
		nnT(d, "2, 4, 5"), nnT(d, "1, 12, 5"), nnT(d, "1, 12, 3"), nnT(d, "1, 24"),
		nnT(onnx.Int32, "4"), nnT(d, "1, 4, 3"), nnT(d, "1, 4, 3"), nnT(d, "1, 9"))
	nnOK(t, res)
	if outs[0] != nil || outs[1] != nil {
		t.Errorf("omitted outputs were set")
	}
	nnCheck(t, "Y_c", outs[2], d, "1, 4, 3")
}

func TestRecurrentErrors(t *testing.T) {
	f := onnx.Float
	cases := []struct {
		name    string
		attrs   []*onnx.Attribute
		x, w, r string
		want    string
	}{
		{"direction", []*onnx.Attribute{attrString("direction", "both")}, "S, B, 3", "1, 16, 3", "1, 16, 4", "direction"},
		{"directions mismatch", []*onnx.Attribute{attrString("direction", "bidirectional")}, "S, B, 3", "1, 16, 3", "1, 16, 4", "directions"},
		{"gate rows", []*onnx.Attribute{attrInt("hidden_size", 5)}, "S, B, 3", "1, 16, 3", "1, 16, 4", "gate rows"},
		{"rank", nil, "S, 3", "1, 16, 3", "1, 16, 4", "rank 2"},
		{"layout", []*onnx.Attribute{attrInt("layout", 2)}, "S, B, 3", "1, 16, 3", "1, 16, 4", "layout"},
		{"hidden_size", []*onnx.Attribute{attrInt("hidden_size", 0)}, "S, B, 3", "1, 16, 3", "1, 16, 4", "hidden_size"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := inferNode(t, 14, node("LSTM", tc.attrs...), nnT(f, tc.x), nnT(f, tc.w), nnT(f, tc.r))
			nnFails(t, res, tc.want)
		})
	}
}

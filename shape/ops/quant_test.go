package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestQuantizeLinear(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "default uint8", opset: 10, node: node("QuantizeLinear"), inputs: []*shape.Value{ewT(f, "b", "4"), ewT(f)}, want: "uint8[b, 4]"},
		{name: "zero point type", opset: 13, node: node("QuantizeLinear"), inputs: []*shape.Value{ewT(f, "b", "4"), ewT(f), ewT(onnx.Int8)}, want: "int8[b, 4]"},
		{name: "output_dtype", opset: 21, node: node("QuantizeLinear", attrInt("output_dtype", int64(onnx.Int16))), inputs: []*shape.Value{ewT(f, "4"), ewT(f)}, want: "int16[4]"},
		{name: "output_dtype conflict", opset: 21, node: node("QuantizeLinear", attrInt("output_dtype", int64(onnx.Int16))), inputs: []*shape.Value{ewT(f, "4"), ewT(f), ewT(onnx.Uint8)}, err: "differs"},
		{name: "per axis", opset: 13, node: node("QuantizeLinear", attrInt("axis", 0)), inputs: []*shape.Value{ewT(f, "3", "4"), ewT(f, "3"), ewT(onnx.Uint8, "3")}, want: "uint8[3, 4]"},
		{name: "per axis mismatch", opset: 13, node: node("QuantizeLinear"), inputs: []*shape.Value{ewT(f, "3", "4"), ewT(f, "3")}, err: "scale length"},
		{name: "blocked", opset: 21, node: node("QuantizeLinear", attrInt("axis", 1), attrInt("block_size", 3)), inputs: []*shape.Value{ewT(f, "2", "7"), ewT(f, "2", "3")}, want: "uint8[2, 7]"},
		{name: "blocked mismatch", opset: 21, node: node("QuantizeLinear", attrInt("axis", 1), attrInt("block_size", 2)), inputs: []*shape.Value{ewT(f, "2", "7"), ewT(f, "2", "3")}, err: "blocked scale dim 1"},
		{name: "values", opset: 13, node: node("QuantizeLinear"), inputs: []*shape.Value{ewF(f, ewD(4), 0, 2, 3, 1000), ewF(f, nil, 2), ewI(onnx.Uint8, nil, "128")}, vals: "[128 129 130 255]"},
		{name: "values half even", opset: 13, node: node("QuantizeLinear"), inputs: []*shape.Value{ewF(f, ewD(3), 1, 3, -1), ewF(f, nil, 2), ewI(onnx.Int8, nil, "0")}, vals: "[0 2 0]"},
		{name: "values per axis", opset: 13, node: node("QuantizeLinear", attrInt("axis", 0)), inputs: []*shape.Value{ewF(f, ewD(2, 2), 4, 4, 4, 4), ewF(f, ewD(2), 1, 2), ewI(onnx.Uint8, ewD(2), "0", "1")}, vals: "[4 4 3 3]"},
		{name: "values blocked", opset: 21, node: node("QuantizeLinear", attrInt("axis", 1), attrInt("block_size", 2)), inputs: []*shape.Value{ewF(f, ewD(1, 3), 4, 4, 4), ewF(f, ewD(1, 2), 1, 4)}, vals: "[4 4 1]"},
	})
}

func TestDequantizeLinear(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "opset 10 float", opset: 10, node: node("DequantizeLinear"), inputs: []*shape.Value{ewT(onnx.Uint8, "b", "4"), ewT(f)}, want: "float32[b, 4]"},
		{name: "scale type", opset: 19, node: node("DequantizeLinear"), inputs: []*shape.Value{ewT(onnx.Int8, "4"), ewT(onnx.Float16)}, want: "float16[4]"},
		{name: "output_dtype", opset: 23, node: node("DequantizeLinear", attrInt("output_dtype", int64(onnx.BFloat16))), inputs: []*shape.Value{ewT(onnx.Int8, "4"), ewT(f)}, want: "bfloat16[4]"},
		{name: "values", opset: 13, node: node("DequantizeLinear"), inputs: []*shape.Value{ewI(onnx.Uint8, ewD(3), "0", "3", "255"), ewF(f, nil, 2), ewI(onnx.Uint8, nil, "1")}, vals: "[-2 4 508]"},
		{name: "values per axis", opset: 13, node: node("DequantizeLinear", attrInt("axis", -1)), inputs: []*shape.Value{ewI(onnx.Int8, ewD(1, 2), "1", "1"), ewF(f, ewD(2), 1, 3)}, vals: "[1 3]"},
	})
	two := node("DynamicQuantizeLinear")
	two.Outputs = []string{"y", "scale", "zp"}
	outs, res := inferNode(t, 11, two, ewT(f, "b", "3"))
	if len(res.Failures) > 0 {
		t.Fatal(res.Failures)
	}
	for i, want := range []string{"uint8[b, 3]", "float32[]", "uint8[]"} {
		if got := shape.TypeString(outs[i]); got != want {
			t.Errorf("DynamicQuantizeLinear output %d: %s, want %s", i, got, want)
		}
	}
	three := node("DynamicQuantizeLinear")
	three.Outputs = []string{"y", "scale", "zp"}
	outs, _ = inferNode(t, 11, three, ewF(f, ewD(3), 0, 2, -3))
	if got := ewContents(outs[0]) + ewContents(outs[2]); got != "[153 255 0][153]" {
		t.Errorf("DynamicQuantizeLinear contents %s", got)
	}
}

package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func TestSoftmaxFamily(t *testing.T) {
	f := onnx.Float
	e1 := math.Exp(1)
	ewRunCases(t, []ewCase{
		{name: "shape", opset: 13, node: node("Softmax"), inputs: []*shape.Value{ewT(f, "b", "s", "10")}, want: "float32[b, s, 10]"},
		{name: "negative axis", opset: 13, node: node("LogSoftmax", attrInt("axis", -3)), inputs: []*shape.Value{ewT(f, "b", "s", "10")}, want: "float32[b, s, 10]"},
		{name: "axis out of range 13", opset: 13, node: node("Softmax", attrInt("axis", 3)), inputs: []*shape.Value{ewT(f, "b", "s", "10")}, err: "axis 3 out of range"},
		{name: "axis = rank before 13", opset: 11, node: node("Hardmax", attrInt("axis", 3)), inputs: []*shape.Value{ewT(f, "b", "s", "10")}, want: "float32[b, s, 10]"},
		{name: "1-D default axis before 13", opset: 11, node: node("Softmax"), inputs: []*shape.Value{ewT(f, "10")}, want: "float32[10]"},
		{name: "axis too big before 13", opset: 11, node: node("Softmax", attrInt("axis", 5)), inputs: []*shape.Value{ewT(f, "2", "3")}, err: "out of range"},
		{name: "softmax values 13", opset: 13, node: node("Softmax", attrInt("axis", 0)), inputs: []*shape.Value{ewF(onnx.Double, ewD(2, 1), 0, 0)}, vals: "[0.5 0.5]"},
		{name: "softmax last axis", opset: 13, node: node("Softmax"), inputs: []*shape.Value{ewF(onnx.Double, ewD(2, 2), 0, 1, 5, 5)},
			vals: fmt.Sprint([]float64{1 / (1 + e1), e1 / (1 + e1), 0.5, 0.5})},
		{name: "coerced 2-D before 13", opset: 11, node: node("Softmax", attrInt("axis", 1)), inputs: []*shape.Value{ewF(onnx.Double, ewD(1, 2, 2), 0, 0, 0, 0)},
			vals: "[0.25 0.25 0.25 0.25]"},
		{name: "logsoftmax", opset: 13, node: node("LogSoftmax"), inputs: []*shape.Value{ewF(onnx.Double, ewD(2), 0, 0)}, vals: fmt.Sprint([]float64{-math.Ln2, -math.Ln2})},
		{name: "hardmax first max", opset: 13, node: node("Hardmax"), inputs: []*shape.Value{ewF(f, ewD(2, 3), 1, 3, 3, 0, -1, -2)}, vals: "[0 1 0 1 0 0]"},
		{name: "hardmax before 13", opset: 11, node: node("Hardmax"), inputs: []*shape.Value{ewF(f, ewD(1, 2, 2), 1, 2, 4, 3)}, vals: "[0 0 1 0]"},
	})
}

func TestCumulative(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "shape", node: node("CumSum"), inputs: []*shape.Value{ewT(f, "b", "5"), ewS("1")}, want: "float32[b, 5]"},
		{name: "unknown axis", node: node("CumSum"), inputs: []*shape.Value{ewT(f, "b", "5"), ewT(onnx.Int64)}, want: "float32[b, 5]"},
		{name: "bad axis", node: node("CumSum"), inputs: []*shape.Value{ewT(f, "b", "5"), ewS("2")}, err: "out of range"},
		{name: "missing axis", node: node("CumSum"), inputs: []*shape.Value{ewT(f, "b", "5")}, err: "missing"},
		{name: "symbolic", node: node("CumSum"), inputs: []*shape.Value{ewI64("1", "n", "m"), ewS("0")}, vals: "[1 n + 1 m + n + 1]"},
		{name: "exclusive reverse", node: node("CumSum", attrInt("exclusive", 1), attrInt("reverse", 1)), inputs: []*shape.Value{ewF(f, ewD(3), 1, 2, 3), ewS("0")}, vals: "[5 3 0]"},
		{name: "axis 0 of 2-D", node: node("CumSum"), inputs: []*shape.Value{ewF(f, ewD(2, 2), 1, 2, 3, 4), ewS("-2")}, vals: "[1 2 4 6]"},
		{name: "cumprod", opset: 26, node: node("CumProd"), inputs: []*shape.Value{ewI64("2", "n", "3"), ewS("0")}, vals: "[2 2*n 6*n]"},
		{name: "cumprod exclusive", opset: 26, node: node("CumProd", attrInt("exclusive", 1)), inputs: []*shape.Value{ewF(f, ewD(3), 1, 2, 3), ewS("0")}, vals: "[1 1 2]"},
	})
}

func TestTriluDet(t *testing.T) {
	f := onnx.Float
	m := ewF(f, ewD(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9)
	ewRunCases(t, []ewCase{
		{name: "shape", node: node("Trilu"), inputs: []*shape.Value{ewT(f, "b", "n", "m")}, want: "float32[b, n, m]"},
		{name: "rank 1", node: node("Trilu"), inputs: []*shape.Value{ewT(f, "3")}, err: "rank >= 2"},
		{name: "upper", node: node("Trilu"), inputs: []*shape.Value{m}, vals: "[1 2 3 0 5 6 0 0 9]"},
		{name: "lower k=-1", node: node("Trilu", attrInt("upper", 0)), inputs: []*shape.Value{m, ewS("-1")}, vals: "[0 0 0 4 0 0 7 8 0]"},
		{name: "upper k=1 ints", node: node("Trilu"), inputs: []*shape.Value{ewI(onnx.Int64, ewD(2, 2), "n", "2", "3", "4"), ewS("1")}, vals: "[0 2 0 0]"},
		{name: "det shape", node: node("Det"), inputs: []*shape.Value{ewT(f, "b", "3", "3")}, want: "float32[b]"},
		{name: "det 2-D", node: node("Det"), inputs: []*shape.Value{ewT(f, "n", "n")}, want: "float32[]"},
		{name: "det not square", node: node("Det"), inputs: []*shape.Value{ewT(f, "2", "3")}, err: "square"},
		{name: "det values", node: node("Det"), inputs: []*shape.Value{ewF(onnx.Double, ewD(2, 2, 2), 1, 2, 3, 4, 0, 1, 1, 0)}, vals: "[-2 -1]"},
		{name: "det singular", node: node("Det"), inputs: []*shape.Value{ewF(f, ewD(2, 2), 1, 2, 2, 4)}, vals: "[0]"},
	})
}

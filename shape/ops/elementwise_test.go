package ops

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// --- test helpers of the elementwise family ---

// ewCase is one single-node inference check.
type ewCase struct {
	name   string
	opset  int64
	node   *onnx.Node
	inputs []*shape.Value
	want   string // TypeString of output 0; "" skips
	vals   string // contents of output 0 (see ewContents); "" skips
	err    string // expected failure substring
	out    int    // which output to check (default 0)
}

func ewRunCases(t *testing.T, cases []ewCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opset := tc.opset
			if opset == 0 {
				opset = 21
			}
			outs, res := inferNode(t, opset, tc.node, tc.inputs...)
			if tc.err != "" {
				for _, f := range res.Failures {
					if strings.Contains(f.Err, tc.err) {
						return
					}
				}
				t.Fatalf("want a failure containing %q, got %+v (output %s)", tc.err, res.Failures, shape.TypeString(outs[0]))
			}
			if len(res.Failures) > 0 {
				t.Fatalf("failures: %+v", res.Failures)
			}
			v := outs[tc.out]
			if tc.want != "" {
				if got := shape.TypeString(v); got != tc.want {
					t.Errorf("type %s, want %s", got, tc.want)
				}
			}
			if tc.vals != "" {
				if got := ewContents(v); got != tc.vals {
					t.Errorf("contents %s, want %s", got, tc.vals)
				}
			}
		})
	}
}

// ewContents formats known contents: "?" when unknown.
func ewContents(v *shape.Value) string {
	if v == nil || v.Const == nil {
		return "?"
	}
	switch {
	case v.Const.Ints != nil:
		return fmt.Sprint(v.Const.Ints)
	case v.Const.Floats != nil:
		return fmt.Sprint(v.Const.Floats)
	case v.Const.Strs != nil:
		return fmt.Sprintf("%q", v.Const.Strs)
	}
	return "[]"
}

// ewI makes an integer tensor of type dt with known contents; entries are
// parsed, so "n" or "2*n" give symbolic values.
func ewI(dt onnx.DataType, dims []int64, vals ...string) *shape.Value {
	v := shape.TensorDims(dt, dims...)
	xs := make([]sym.Expr, len(vals))
	for i, s := range vals {
		xs[i] = sym.MustParse(s)
	}
	v.Const = &shape.Const{Ints: xs}
	return v
}

// ewI64 is a 1-D int64 tensor of known (possibly symbolic) contents.
func ewI64(vals ...string) *shape.Value { return ewI(onnx.Int64, []int64{int64(len(vals))}, vals...) }

// ewS is an int64 scalar.
func ewS(val string) *shape.Value { return ewI(onnx.Int64, nil, val) }

// ewF makes a float tensor of type dt with known contents.
func ewF(dt onnx.DataType, dims []int64, vals ...float64) *shape.Value {
	v := shape.TensorDims(dt, dims...)
	v.Const = &shape.Const{Floats: vals}
	return v
}

// ewT makes a tensor of unknown contents; dims are parsed ("batch", "3").
func ewT(dt onnx.DataType, dims ...string) *shape.Value {
	s := make([]sym.Expr, len(dims))
	for i, d := range dims {
		s[i] = sym.MustParse(d)
	}
	return shape.Tensor(dt, s...)
}

func ewStrs(vals ...string) *shape.Value {
	v := shape.TensorDims(onnx.String, int64(len(vals)))
	v.Const = &shape.Const{Strs: vals}
	return v
}

func ewD(ds ...int64) []int64 { return ds }

// --- binary operators ---

func TestBinaryShapes(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "broadcast", node: node("Add"), inputs: []*shape.Value{ewT(f, "2", "1", "4"), ewT(f, "3", "1")}, want: "float32[2, 3, 4]"},
		{name: "symbolic", node: node("Mul"), inputs: []*shape.Value{ewT(f, "batch", "seq", "64"), ewT(f, "64")}, want: "float32[batch, seq, 64]"},
		{name: "symbolic vs 1", node: node("Sub"), inputs: []*shape.Value{ewT(f, "batch", "1"), ewT(f, "1", "n")}, want: "float32[batch, n]"},
		{name: "scalar", node: node("Div"), inputs: []*shape.Value{ewT(f), ewT(f, "5")}, want: "float32[5]"},
		{name: "unknown rank", node: node("Add"), inputs: []*shape.Value{shape.UnknownRank(f), ewT(f, "5")}, want: "float32?"},
		{name: "mismatch", node: node("Add"), inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "4")}, err: "not broadcastable"},
		{name: "missing", node: node("Add"), inputs: []*shape.Value{ewT(f, "2"), nil}, err: "missing"},
		{name: "compare is bool", node: node("Less"), inputs: []*shape.Value{ewT(f, "3"), ewT(f, "1")}, want: "bool[3]"},
		{name: "greater or equal", node: node("GreaterOrEqual"), inputs: []*shape.Value{ewT(onnx.Int32, "3"), ewT(onnx.Int32, "3")}, want: "bool[3]"},
		{name: "and", node: node("And"), inputs: []*shape.Value{ewT(onnx.Bool, "3", "4"), ewT(onnx.Bool, "4")}, want: "bool[3, 4]"},
		{name: "pow keeps base type", node: node("Pow"), inputs: []*shape.Value{ewT(onnx.Int32, "3"), ewT(f, "3")}, want: "int32[3]"},
		{name: "bitshift", node: node("BitShift", attrString("direction", "LEFT")), inputs: []*shape.Value{ewT(onnx.Uint8, "3"), ewT(onnx.Uint8, "1")}, want: "uint8[3]"},
		{name: "mod", node: node("Mod"), inputs: []*shape.Value{ewT(onnx.Int64, "2", "1"), ewT(onnx.Int64, "3")}, want: "int64[2, 3]"},
		{name: "string equal", opset: 19, node: node("Equal"), inputs: []*shape.Value{ewStrs("a", "b"), ewStrs("a", "c")}, want: "bool[2]", vals: "[1 0]"},
	})
}

func TestBinaryLegacyBroadcast(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "axis", opset: 6, node: node("Add", attrInt("broadcast", 1), attrInt("axis", 1)),
			inputs: []*shape.Value{ewT(f, "2", "3", "4", "5"), ewT(f, "3", "4")}, want: "float32[2, 3, 4, 5]"},
		{name: "suffix", opset: 6, node: node("Mul", attrInt("broadcast", 1)),
			inputs: []*shape.Value{ewT(f, "2", "3", "4", "5"), ewT(f, "4", "5")}, want: "float32[2, 3, 4, 5]"},
		{name: "one element", opset: 1, node: node("Sub", attrInt("broadcast", 1)),
			inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "1", "1")}, want: "float32[2, 3]"},
		{name: "fills symbolic dim", opset: 6, node: node("Add", attrInt("broadcast", 1), attrInt("axis", 0)),
			inputs: []*shape.Value{ewT(f, "n", "3"), ewT(f, "2")}, want: "float32[2, 3]"},
		{name: "bad axis", opset: 6, node: node("Add", attrInt("broadcast", 1), attrInt("axis", 3)),
			inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3")}, err: "axis 3"},
		{name: "dim conflict", opset: 6, node: node("Add", attrInt("broadcast", 1), attrInt("axis", 0)),
			inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3")}, err: "B dim 0 is 3"},
		{name: "no broadcast equal", opset: 6, node: node("Div"),
			inputs: []*shape.Value{ewT(f, "n", "3"), ewT(f, "2", "3")}, want: "float32[2, 3]"},
		{name: "comparison", opset: 1, node: node("Greater", attrInt("broadcast", 1)),
			inputs: []*shape.Value{ewT(f, "2", "3"), ewT(f, "3")}, want: "bool[2, 3]"},
		{name: "eval with axis", opset: 6, node: node("Add", attrInt("broadcast", 1), attrInt("axis", 0)),
			inputs: []*shape.Value{ewF(f, ewD(2, 3), 1, 2, 3, 4, 5, 6), ewF(f, ewD(2), 10, 20)}, want: "float32[2, 3]", vals: "[11 12 13 24 25 26]"},
		{name: "eval suffix", opset: 6, node: node("Add", attrInt("broadcast", 1)),
			inputs: []*shape.Value{ewF(f, ewD(2, 3), 1, 2, 3, 4, 5, 6), ewF(f, ewD(3), 10, 20, 30)}, vals: "[11 22 33 14 25 36]"},
		{name: "opset 7 is numpy", opset: 7, node: node("Add"),
			inputs: []*shape.Value{ewT(f, "2", "1"), ewT(f, "3")}, want: "float32[2, 3]"},
	})
}

func TestIntegerArithmetic(t *testing.T) {
	i64 := onnx.Int64
	ewRunCases(t, []ewCase{
		{name: "add symbolic", node: node("Add"), inputs: []*shape.Value{ewI64("batch", "3"), ewS("1")}, want: "int64[2]", vals: "[batch + 1 4]"},
		{name: "sub", node: node("Sub"), inputs: []*shape.Value{ewI64("n", "2"), ewI64("1", "5")}, vals: "[n - 1 -3]"},
		{name: "mul", node: node("Mul"), inputs: []*shape.Value{ewI64("batch", "seq"), ewS("4")}, vals: "[4*batch 4*seq]"},
		{name: "mul sym sym", node: node("Mul"), inputs: []*shape.Value{ewS("batch"), ewS("seq")}, vals: "[batch*seq]"},
		{name: "div truncates", node: node("Div"), inputs: []*shape.Value{ewI64("7", "-7", "7", "-7"), ewI64("2", "2", "-2", "-2")}, vals: "[3 -3 -3 3]"},
		{name: "div symbolic by const", node: node("Div"), inputs: []*shape.Value{ewI64("seq", "2*h"), ewS("2")}, vals: "[floor(seq/2) h]"},
		{name: "div negative divisor", node: node("Div"), inputs: []*shape.Value{ewS("2*h"), ewS("-2")}, vals: "[-h]"},
		{name: "div unknown sign", node: node("Div"), inputs: []*shape.Value{ewS("n - 5"), ewS("2")}, vals: "?"},
		{name: "div symbolic divisor", node: node("Div"), inputs: []*shape.Value{ewS("n*h"), ewS("h")}, vals: "[n]"},
		{name: "div by zero", node: node("Div"), inputs: []*shape.Value{ewS("4"), ewS("0")}, vals: "?"},
		{name: "mod python", node: node("Mod"), inputs: []*shape.Value{ewI64("-7", "7", "-7"), ewI64("2", "-2", "-2")}, vals: "[1 -1 -1]"},
		{name: "mod fmod", node: node("Mod", attrInt("fmod", 1)), inputs: []*shape.Value{ewI64("-7", "7", "-7"), ewI64("2", "-2", "-2")}, vals: "[-1 1 -1]"},
		{name: "mod symbolic", node: node("Mod"), inputs: []*shape.Value{ewI64("2*n + 1"), ewS("2")}, vals: "[1]"},
		{name: "neg", node: node("Neg"), inputs: []*shape.Value{ewI64("n", "-3")}, want: "int64[2]", vals: "[-n 3]"},
		{name: "neg int8 wraps", node: node("Neg"), inputs: []*shape.Value{ewI(onnx.Int8, ewD(1), "-128")}, vals: "[-128]"},
		{name: "abs", node: node("Abs"), inputs: []*shape.Value{ewI64("n", "-3", "-n")}, vals: "[n 3 n]"},
		{name: "abs unknown sign", node: node("Abs"), inputs: []*shape.Value{ewI64("n - 3")}, vals: "?"},
		{name: "sign", node: node("Sign"), inputs: []*shape.Value{ewI64("n", "-4", "0", "-n")}, vals: "[1 -1 0 -1]"},
		{name: "relu", node: node("Relu"), inputs: []*shape.Value{ewI64("n", "-4")}, vals: "[n 0]"},
		{name: "max", node: node("Max"), inputs: []*shape.Value{ewI64("n", "1"), ewI64("1", "m"), ewS("0")}, vals: "[n m]"},
		{name: "min", node: node("Min"), inputs: []*shape.Value{ewI64("n", "5"), ewI64("n + 1", "m")}, vals: "[n min(5, m)]"},
		{name: "sum", node: node("Sum"), inputs: []*shape.Value{ewI64("n", "1"), ewS("m"), ewI64("1", "2")}, vals: "[m + n + 1 m + 3]"},
		{name: "single input max", node: node("Max"), inputs: []*shape.Value{ewI64("n")}, vals: "[n]"},
		{name: "pow", node: node("Pow"), inputs: []*shape.Value{ewI64("n", "3"), ewI64("2", "3")}, vals: "[n^2 27]"},
		{name: "uint8 wraps", node: node("Add"), inputs: []*shape.Value{ewI(onnx.Uint8, ewD(1), "250"), ewI(onnx.Uint8, ewD(1), "10")}, want: "uint8[1]", vals: "[4]"},
		{name: "int32 wraps", node: node("Mul"), inputs: []*shape.Value{ewI(onnx.Int32, ewD(1), "65536"), ewI(onnx.Int32, ewD(1), "65536")}, vals: "[0]"},
		{name: "uint64 compare", node: node("Less"), inputs: []*shape.Value{ewI(onnx.Uint64, ewD(1), "-1"), ewI(onnx.Uint64, ewD(1), "1")}, vals: "[0]"},
		{name: "uint64 div", node: node("Div"), inputs: []*shape.Value{ewI(onnx.Uint64, ewD(1), "-2"), ewI(onnx.Uint64, ewD(1), "2")}, vals: "[9223372036854775807]"},
		{name: "int64 overflow wraps", node: node("Add"), inputs: []*shape.Value{ewS("9223372036854775807"), ewS("1")}, vals: "[-9223372036854775808]"},
		{name: "broadcast contents", node: node("Add"), inputs: []*shape.Value{ewI(i64, ewD(2, 1), "1", "2"), ewI64("10", "20", "n")}, want: "int64[2, 3]", vals: "[11 21 n + 1 12 22 n + 2]"},
		{name: "bitwise", opset: 18, node: node("BitwiseAnd"), inputs: []*shape.Value{ewI64("12", "-1"), ewI64("10", "7")}, vals: "[8 7]"},
		{name: "bitwise symbolic", opset: 18, node: node("BitwiseOr"), inputs: []*shape.Value{ewI64("n"), ewI64("1")}, vals: "?"},
		{name: "bitwise not", opset: 18, node: node("BitwiseNot"), inputs: []*shape.Value{ewI(onnx.Uint8, ewD(2), "0", "15")}, vals: "[255 240]"},
		{name: "bitshift left", node: node("BitShift", attrString("direction", "LEFT")), inputs: []*shape.Value{ewI(onnx.Uint8, ewD(2), "1", "200"), ewI(onnx.Uint8, ewD(2), "3", "1")}, vals: "[8 144]"},
		{name: "bitshift right", node: node("BitShift", attrString("direction", "RIGHT")), inputs: []*shape.Value{ewI(onnx.Uint64, ewD(1), "-1"), ewI(onnx.Uint64, ewD(1), "60")}, vals: "[15]"},
	})
}

func TestComparisonsAndLogic(t *testing.T) {
	b := onnx.Bool
	ewRunCases(t, []ewCase{
		{name: "equal symbolic", node: node("Equal"), inputs: []*shape.Value{ewI64("n", "n", "n"), ewI64("n", "n + 1", "m")}, want: "bool[3]", vals: "?"},
		{name: "equal provable", node: node("Equal"), inputs: []*shape.Value{ewI64("n", "n"), ewI64("n", "n + 1")}, vals: "[1 0]"},
		{name: "equal zero", node: node("Equal"), inputs: []*shape.Value{ewI64("n", "0"), ewS("0")}, vals: "[0 1]"},
		{name: "less", node: node("Less"), inputs: []*shape.Value{ewI64("n", "3", "n"), ewI64("n + 2", "3", "0")}, vals: "[1 0 0]"},
		{name: "greater", node: node("Greater"), inputs: []*shape.Value{ewI64("n", "3"), ewI64("0", "2")}, vals: "[1 1]"},
		{name: "less or equal", node: node("LessOrEqual"), inputs: []*shape.Value{ewI64("n", "2"), ewI64("n", "1")}, vals: "[1 0]"},
		{name: "float compare", node: node("Greater"), inputs: []*shape.Value{ewF(onnx.Float, ewD(2), 1.5, 2), ewF(onnx.Float, ewD(1), 1.75)}, vals: "[0 1]"},
		{name: "and", node: node("And"), inputs: []*shape.Value{ewI(b, ewD(4), "0", "0", "1", "1"), ewI(b, ewD(4), "0", "1", "0", "1")}, vals: "[0 0 0 1]"},
		{name: "or", node: node("Or"), inputs: []*shape.Value{ewI(b, ewD(4), "0", "0", "1", "1"), ewI(b, ewD(4), "0", "1", "0", "1")}, vals: "[0 1 1 1]"},
		{name: "xor", node: node("Xor"), inputs: []*shape.Value{ewI(b, ewD(4), "0", "0", "1", "1"), ewI(b, ewD(4), "0", "1", "0", "1")}, vals: "[0 1 1 0]"},
		{name: "not", node: node("Not"), inputs: []*shape.Value{ewI(b, ewD(2), "0", "1")}, want: "bool[2]", vals: "[1 0]"},
	})
}

// --- unary operators ---

func TestUnaryOps(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "shape kept", node: node("Relu"), inputs: []*shape.Value{ewT(f, "batch", "3")}, want: "float32[batch, 3]"},
		{name: "unknown rank", node: node("Sigmoid"), inputs: []*shape.Value{shape.UnknownRank(onnx.Double)}, want: "float64?"},
		{name: "isnan bool", node: node("IsNaN"), inputs: []*shape.Value{ewF(f, ewD(2), math.NaN(), 1)}, want: "bool[2]", vals: "[1 0]"},
		{name: "isinf", node: node("IsInf", attrInt("detect_negative", 0)), inputs: []*shape.Value{ewF(f, ewD(3), math.Inf(1), math.Inf(-1), 0)}, want: "bool[3]", vals: "[1 0 0]"},
		{name: "ceil", node: node("Ceil"), inputs: []*shape.Value{ewF(f, ewD(2), 1.2, -1.2)}, vals: "[2 -1]"},
		{name: "floor", node: node("Floor"), inputs: []*shape.Value{ewF(f, ewD(2), 1.2, -1.2)}, vals: "[1 -2]"},
		{name: "round half even", node: node("Round"), inputs: []*shape.Value{ewF(f, ewD(4), 0.5, 1.5, 2.5, -0.5)}, vals: "[0 2 2 -0]"},
		{name: "sqrt float32", node: node("Sqrt"), inputs: []*shape.Value{ewF(f, ewD(1), 2)}, vals: fmt.Sprint([]float64{float64(float32(math.Sqrt2))})},
		{name: "sqrt double", node: node("Sqrt"), inputs: []*shape.Value{ewF(onnx.Double, ewD(1), 2)}, vals: fmt.Sprint([]float64{math.Sqrt2})},
		{name: "elu alpha", node: node("Elu", attrFloat("alpha", 2)), inputs: []*shape.Value{ewF(onnx.Double, ewD(2), 0, 3)}, vals: "[0 3]"},
		{name: "leaky", node: node("LeakyRelu", attrFloat("alpha", 0.5)), inputs: []*shape.Value{ewF(f, ewD(2), -2, 3)}, vals: "[-1 3]"},
		{name: "thresholded", node: node("ThresholdedRelu", attrFloat("alpha", 2)), inputs: []*shape.Value{ewF(f, ewD(3), 1, 2, 3)}, vals: "[0 0 3]"},
		{name: "hardsigmoid", node: node("HardSigmoid"), inputs: []*shape.Value{ewF(f, ewD(3), -10, 0, 10)}, vals: "[0 0.5 1]"},
		{name: "hardswish", node: node("HardSwish"), inputs: []*shape.Value{ewF(f, ewD(3), -4, 0, 4)}, vals: "[-0 0 4]"},
		{name: "shrink", node: node("Shrink", attrFloat("lambd", 1), attrFloat("bias", 0.5)), inputs: []*shape.Value{ewF(f, ewD(3), -2, 0.5, 2)}, vals: "[-1.5 0 1.5]"},
		{name: "shrink ints", node: node("Shrink", attrFloat("lambd", 1), attrFloat("bias", 1)), inputs: []*shape.Value{ewI(onnx.Int32, ewD(3), "-3", "1", "3")}, vals: "[-2 0 2]"},
		{name: "neg float", node: node("Neg"), inputs: []*shape.Value{ewF(f, ewD(1), 2)}, vals: "[-2]"},
		{name: "gelu", opset: 20, node: node("Gelu"), inputs: []*shape.Value{ewF(onnx.Double, ewD(1), 0)}, vals: "[0]"},
		{name: "swish", opset: 24, node: node("Swish"), inputs: []*shape.Value{ewF(onnx.Double, ewD(1), 0)}, vals: "[0]"},
		{name: "reciprocal", node: node("Reciprocal"), inputs: []*shape.Value{ewF(f, ewD(2), 4, 0)}, vals: fmt.Sprint([]float64{0.25, math.Inf(1)})},
		{name: "sequence input", node: node("Relu"), inputs: []*shape.Value{shape.SequenceOf(ewT(f, "2"))}, err: "want a tensor"},
	})
}

// --- variadic, Where, Clip, PRelu ---

func TestVariadic(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "broadcast", node: node("Sum"), inputs: []*shape.Value{ewT(f, "3", "1"), ewT(f, "4"), ewT(f, "1", "1")}, want: "float32[3, 4]"},
		{name: "opset 6 equal shapes", opset: 6, node: node("Max"), inputs: []*shape.Value{ewT(f, "n", "4"), ewT(f, "3", "4")}, want: "float32[3, 4]"},
		{name: "opset 6 mismatch", opset: 6, node: node("Min"), inputs: []*shape.Value{ewT(f, "2", "4"), ewT(f, "3", "4")}, err: "not broadcastable"},
		{name: "mean", node: node("Mean"), inputs: []*shape.Value{ewF(f, ewD(2), 1, 2), ewF(f, ewD(2), 3, 5)}, vals: "[2 3.5]"},
		{name: "max float", node: node("Max"), inputs: []*shape.Value{ewF(f, ewD(2), 1, 7), ewF(f, ewD(1), 5)}, vals: "[5 7]"},
		{name: "no inputs", node: node("Sum"), inputs: nil, err: "at least one"},
	})
}

func TestWhere(t *testing.T) {
	b := onnx.Bool
	ewRunCases(t, []ewCase{
		{name: "broadcast", node: node("Where"), inputs: []*shape.Value{ewT(b, "3", "1"), ewT(onnx.Float, "4"), ewT(onnx.Float, "1")}, want: "float32[3, 4]"},
		{name: "contents", node: node("Where"), inputs: []*shape.Value{ewI(b, ewD(3), "1", "0", "1"), ewI64("n", "2", "3"), ewS("-1")}, want: "int64[3]", vals: "[n -1 3]"},
		{name: "floats", node: node("Where"), inputs: []*shape.Value{ewI(b, ewD(2), "0", "1"), ewF(onnx.Float, ewD(2), 1, 2), ewF(onnx.Float, ewD(1), 9)}, vals: "[9 2]"},
		{name: "strings", node: node("Where"), inputs: []*shape.Value{ewI(b, ewD(2), "0", "1"), ewStrs("a", "b"), ewStrs("c", "d")}, vals: `["c" "b"]`},
		{name: "mismatch", node: node("Where"), inputs: []*shape.Value{ewT(b, "2"), ewT(onnx.Float, "3"), ewT(onnx.Float, "3")}, err: "not broadcastable"},
	})
}

func TestClip(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "attrs", opset: 6, node: node("Clip", attrFloat("min", -1), attrFloat("max", 1)), inputs: []*shape.Value{ewF(f, ewD(3), -2, 0.5, 2)}, want: "float32[3]", vals: "[-1 0.5 1]"},
		{name: "inputs", opset: 13, node: node("Clip"), inputs: []*shape.Value{ewF(f, ewD(3), -2, 0.5, 2), ewF(f, nil, 0), ewF(f, nil, 1)}, vals: "[0 0.5 1]"},
		{name: "only max", opset: 13, node: node("Clip"), inputs: []*shape.Value{ewF(f, ewD(2), -2, 2), nil, ewF(f, nil, 1)}, vals: "[-2 1]"},
		{name: "no bounds", opset: 13, node: node("Clip"), inputs: []*shape.Value{ewF(f, ewD(2), -2, 2)}, vals: "[-2 2]"},
		{name: "ints symbolic", opset: 13, node: node("Clip"), inputs: []*shape.Value{ewI64("n", "-5", "100"), ewS("0"), ewS("10")}, want: "int64[3]", vals: "[min(10, n) 0 10]"},
		{name: "min above max", opset: 13, node: node("Clip"), inputs: []*shape.Value{ewF(f, ewD(1), 5), ewF(f, nil, 3), ewF(f, nil, 1)}, vals: "[1]"},
		{name: "symbolic shape", opset: 13, node: node("Clip"), inputs: []*shape.Value{ewT(f, "b", "3")}, want: "float32[b, 3]"},
	})
}

func TestPReluSwiGLU(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "per channel", node: node("PRelu"), inputs: []*shape.Value{ewT(f, "n", "3", "4", "4"), ewT(f, "3", "1", "1")}, want: "float32[n, 3, 4, 4]"},
		{name: "slope fills symbolic", node: node("PRelu"), inputs: []*shape.Value{ewT(f, "n", "c"), ewT(f, "5")}, want: "float32[n, 5]"},
		{name: "slope too big", node: node("PRelu"), inputs: []*shape.Value{ewT(f, "3"), ewT(f, "2", "3")}, err: "does not broadcast"},
		{name: "contents", node: node("PRelu"), inputs: []*shape.Value{ewF(f, ewD(3), -2, 0, 2), ewF(f, ewD(1), 0.5)}, vals: "[-1 0 2]"},
		{name: "legacy", opset: 6, node: node("PRelu"), inputs: []*shape.Value{ewT(f, "2", "3", "4"), ewT(f, "3")}, want: "float32[2, 3, 4]"},
		{name: "legacy channel contents", opset: 6, node: node("PRelu"), inputs: []*shape.Value{ewF(f, ewD(1, 2, 2), -1, -1, -1, -1), ewF(f, ewD(2), 2, 3)}, vals: "[-2 -2 -3 -3]"},
		{name: "swiglu", opset: 28, node: node("SwiGLU"), inputs: []*shape.Value{ewT(f, "b", "8"), ewT(f, "b", "8")}, want: "float32[b, 8]"},
		{name: "swiglu mismatch", opset: 28, node: node("SwiGLU"), inputs: []*shape.Value{ewT(f, "b", "8"), ewT(f, "b", "4")}, err: "same shape"},
		{name: "swiglu contents", opset: 28, node: node("SwiGLU"), inputs: []*shape.Value{ewF(onnx.Double, ewD(1), 0), ewF(onnx.Double, ewD(1), 3)}, vals: "[0]"},
	})
}

// --- Identity and Dropout ---

func TestIdentityDropout(t *testing.T) {
	f := onnx.Float
	seq := shape.SequenceOf(ewT(f, "2"))
	seq.SeqKnown = true
	seq.Seq = []*shape.Value{ewT(f, "2"), ewT(f, "3")}
	outs, _ := inferNode(t, 16, node("Identity"), seq)
	if outs[0].Kind != onnx.KindSequence || !outs[0].SeqKnown || len(outs[0].Seq) != 2 {
		t.Errorf("identity of a sequence: %s", shape.TypeString(outs[0]))
	}
	opt := shape.OptionalOf(ewT(f, "2"))
	opt.Opt = shape.OptPresent
	outs, _ = inferNode(t, 16, node("Identity"), opt)
	if outs[0].Kind != onnx.KindOptional || outs[0].Opt != shape.OptPresent {
		t.Errorf("identity of an optional: %s", shape.TypeString(outs[0]))
	}
	two := func(op string, attrs ...*onnx.Attribute) *onnx.Node {
		n := node(op, attrs...)
		n.Outputs = []string{"y", "mask"}
		return n
	}
	ewRunCases(t, []ewCase{
		{name: "identity contents", node: node("Identity"), inputs: []*shape.Value{ewI64("n", "3")}, want: "int64[2]", vals: "[n 3]"},
		{name: "dropout", opset: 13, node: two("Dropout"), inputs: []*shape.Value{ewF(f, ewD(2), 1, 2)}, want: "float32[2]", vals: "[1 2]"},
		{name: "dropout mask bool", opset: 13, node: two("Dropout"), inputs: []*shape.Value{ewT(f, "b", "3")}, want: "bool[b, 3]", out: 1},
		{name: "dropout mask values", opset: 13, node: two("Dropout"), inputs: []*shape.Value{ewF(f, ewD(2), 1, 2)}, vals: "[1 1]", out: 1},
		{name: "dropout 7 mask float", opset: 7, node: two("Dropout"), inputs: []*shape.Value{ewT(f, "3")}, want: "float32[3]", out: 1},
		{name: "dropout training", opset: 13, node: two("Dropout"), inputs: []*shape.Value{ewF(f, ewD(2), 1, 2), ewF(f, nil, 0.5), ewI(onnx.Bool, nil, "1")}, want: "float32[2]", vals: "?"},
		{name: "dropout training ratio 0", opset: 13, node: two("Dropout"), inputs: []*shape.Value{ewF(f, ewD(2), 1, 2), ewF(f, nil, 0), ewI(onnx.Bool, nil, "1")}, vals: "[1 2]"},
	})
}

// --- Cast ---

func TestCast(t *testing.T) {
	f := onnx.Float
	to := func(dt onnx.DataType) *onnx.Node { return node("Cast", attrInt("to", int64(dt))) }
	ewRunCases(t, []ewCase{
		{name: "shape", node: to(onnx.Int64), inputs: []*shape.Value{ewT(f, "b", "3")}, want: "int64[b, 3]"},
		{name: "opset 1 string to", opset: 1, node: node("Cast", attrString("to", "INT32")), inputs: []*shape.Value{ewT(f, "3")}, want: "int32[3]"},
		{name: "bad to", node: node("Cast", attrInt("to", 99)), inputs: []*shape.Value{ewT(f, "3")}, err: "invalid data type"},
		{name: "no to", node: node("Cast"), inputs: []*shape.Value{ewT(f, "3")}, err: "required"},
		{name: "float to int truncates", node: to(onnx.Int64), inputs: []*shape.Value{ewF(f, ewD(4), 2.7, -2.7, 0.2, -0.9)}, vals: "[2 -2 0 0]"},
		{name: "float to uint8 wraps", node: to(onnx.Uint8), inputs: []*shape.Value{ewF(f, ewD(1), 300)}, vals: "[44]"},
		{name: "float to bool", node: to(onnx.Bool), inputs: []*shape.Value{ewF(f, ewD(3), 0, 0.1, math.NaN())}, vals: "[0 1 1]"},
		{name: "float nan to int", node: to(onnx.Int32), inputs: []*shape.Value{ewF(f, ewD(1), math.NaN())}, vals: "?"},
		{name: "double to float rounds", node: to(onnx.Float), inputs: []*shape.Value{ewF(onnx.Double, ewD(1), 0.1)}, vals: fmt.Sprint([]float64{float64(float32(0.1))})},
		{name: "to float16 rounds", node: to(onnx.Float16), inputs: []*shape.Value{ewF(f, ewD(2), 0.1, 70000)}, vals: fmt.Sprint([]float64{0.0999755859375, math.Inf(1)})},
		{name: "to bfloat16 rounds", node: to(onnx.BFloat16), inputs: []*shape.Value{ewF(f, ewD(1), 1.00390625)}, vals: "[1]"},
		{name: "int to float", node: to(onnx.Float), inputs: []*shape.Value{ewI64("3", "16777217")}, vals: "[3 1.6777216e+07]"},
		{name: "symbolic int to int32", node: to(onnx.Int32), inputs: []*shape.Value{ewI64("n", "3")}, vals: "[n 3]"},
		{name: "symbolic int to float", node: to(onnx.Float), inputs: []*shape.Value{ewI64("n")}, vals: "?"},
		{name: "symbolic int to bool", node: to(onnx.Bool), inputs: []*shape.Value{ewI64("n", "0")}, vals: "[1 0]"},
		{name: "int to int8 wraps", node: to(onnx.Int8), inputs: []*shape.Value{ewI64("200", "-129")}, vals: "[-56 127]"},
		{name: "uint64 to float", node: to(onnx.Double), inputs: []*shape.Value{ewI(onnx.Uint64, ewD(1), "-1")}, vals: "[1.8446744073709552e+19]"},
		{name: "bool to float", node: to(onnx.Float), inputs: []*shape.Value{ewI(onnx.Bool, ewD(2), "1", "0")}, vals: "[1 0]"},
		{name: "string to float", node: to(onnx.Float), inputs: []*shape.Value{ewStrs("1.5", "-INF", "NaN")}, vals: fmt.Sprint([]float64{1.5, math.Inf(-1), math.NaN()})},
		{name: "string to int", node: to(onnx.Int64), inputs: []*shape.Value{ewStrs("42", "-3")}, vals: "[42 -3]"},
		{name: "bad string", node: to(onnx.Int64), inputs: []*shape.Value{ewStrs("x")}, vals: "?"},
		{name: "float to string", node: to(onnx.String), inputs: []*shape.Value{ewF(f, ewD(2), 0.5, math.Inf(1))}, want: "string[2]", vals: `["0.5" "INF"]`},
		{name: "int to string", node: to(onnx.String), inputs: []*shape.Value{ewI64("-7")}, vals: `["-7"]`},
		{name: "castlike", opset: 15, node: node("CastLike"), inputs: []*shape.Value{ewF(f, ewD(2), 1.9, 2), ewT(onnx.Int32, "1")}, want: "int32[2]", vals: "[1 2]"},
		{name: "bitcast", opset: 26, node: node("BitCast", attrInt("to", int64(onnx.Int32))), inputs: []*shape.Value{ewF(f, ewD(1), 1)}, want: "int32[1]", vals: "[1065353216]"},
		{name: "bitcast back", opset: 26, node: node("BitCast", attrInt("to", int64(onnx.Float))), inputs: []*shape.Value{ewI(onnx.Uint32, ewD(1), "1065353216")}, vals: "[1]"},
		{name: "bitcast signed", opset: 26, node: node("BitCast", attrInt("to", int64(onnx.Int8))), inputs: []*shape.Value{ewI(onnx.Uint8, ewD(1), "255")}, vals: "[-1]"},
		{name: "bitcast width", opset: 26, node: node("BitCast", attrInt("to", int64(onnx.Int64))), inputs: []*shape.Value{ewT(f, "2")}, err: "widths differ"},
	})
}

// TestRangeShapeChain checks a typical exported shape computation:
// Shape → Gather → Div → Cast → Range with symbolic sizes.
func TestRangeShapeChain(t *testing.T) {
	g := &onnx.Graph{Name: "chain"}
	g.Inputs = []*onnx.ValueInfo{{Name: "x"}}
	mk := func(op string, ins, outs []string, attrs ...*onnx.Attribute) *onnx.Node {
		return &onnx.Node{OpType: op, Name: outs[0], Inputs: ins, Outputs: outs, Attrs: attrs}
	}
	g.Nodes = []*onnx.Node{
		mk("Constant", nil, []string{"two"}, &onnx.Attribute{Name: "value_int", Type: onnx.AttrInt, I: 2}),
		mk("Div", []string{"n", "two"}, []string{"half"}),
		mk("Cast", []string{"half"}, []string{"half32"}, attrInt("to", int64(onnx.Int32))),
		mk("Constant", nil, []string{"zero"}, &onnx.Attribute{Name: "value_int", Type: onnx.AttrInt, I: 0}),
		mk("Constant", nil, []string{"one"}, &onnx.Attribute{Name: "value_int", Type: onnx.AttrInt, I: 1}),
		mk("Range", []string{"zero", "half", "one"}, []string{"r"}),
		mk("ConstantOfShape", []string{"shape"}, []string{"z"}),
	}
	g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: "n"}, &onnx.ValueInfo{Name: "shape"})
	g.Outputs = []*onnx.ValueInfo{{Name: "r"}, {Name: "half32"}, {Name: "z"}}
	m := &onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": 17}, Graph: g}
	res, err := shape.Infer(m, shape.Options{InputValues: map[string]*shape.Value{
		"x": ewT(onnx.Float, "2*s"), "n": ewS("2*s"), "shape": ewI64("b", "2*s"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
	for i, want := range []string{"int64[s]", "int32[]", "float32[b, 2*s]"} {
		if got := shape.TypeString(res.Graph.Outputs[i]); got != want {
			t.Errorf("output %d: %s, want %s", i, got, want)
		}
	}
	if got := ewContents(res.Graph.Outputs[1]); got != "[s]" {
		t.Errorf("half32 contents %s", got)
	}
}

func TestHelpers(t *testing.T) {
	for _, tc := range []struct {
		e    string
		sign int
	}{{"n", 1}, {"-n", -1}, {"0", 0}, {"n - 1", 2}, {"n - 5", 2}, {"-n - 1", -1}, {"n*m + 1", 1}} {
		if got := ewSign(sym.MustParse(tc.e)); got != tc.sign {
			t.Errorf("ewSign(%s) = %d, want %d", tc.e, got, tc.sign)
		}
	}
	if !ewNonNeg(sym.MustParse("n - 1")) || ewNonNeg(sym.MustParse("n - 2")) {
		t.Errorf("ewNonNeg")
	}
	for _, tc := range []struct {
		dt   onnx.DataType
		v    int64
		want int64
	}{{onnx.Int4, 9, -7}, {onnx.Uint4, 17, 1}, {onnx.Int2, 2, -2}, {onnx.Uint2, 7, 3}, {onnx.Bool, -3, 1}, {onnx.Uint16, -1, 65535}} {
		if got := ewWrap(tc.dt, tc.v); got != tc.want {
			t.Errorf("ewWrap(%s, %d) = %d, want %d", tc.dt, tc.v, got, tc.want)
		}
	}
	if got := ewRound(onnx.Float16, 1e-8); got != 0 {
		t.Errorf("float16 underflow: %v", got)
	}
	if got := ewRound(onnx.Float16, 6e-8); got != math.Ldexp(1, -24) {
		t.Errorf("float16 subnormal: %v", got)
	}
	if got, _ := ewBroadcastDims(ewD(3, 1), ewD(4)); fmt.Sprint(got) != "[3 4]" {
		t.Errorf("ewBroadcastDims: %v", got)
	}
	if _, ok := ewBroadcastDims(ewD(3), ewD(4)); ok {
		t.Errorf("ewBroadcastDims accepted 3 vs 4")
	}
}

func TestFloatBinary(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "mod float python", node: node("Mod"), inputs: []*shape.Value{ewF(f, ewD(2), -7, 7), ewF(f, ewD(1), 2)}, vals: "[1 1]"},
		{name: "mod fmod", node: node("Mod", attrInt("fmod", 1)), inputs: []*shape.Value{ewF(f, ewD(2), -7.5, 7.5), ewF(f, ewD(1), 2)}, vals: "[-1.5 1.5]"},
		{name: "pow float", node: node("Pow"), inputs: []*shape.Value{ewF(f, ewD(2), 2, 4), ewF(f, ewD(1), 0.5)}, vals: fmt.Sprint([]float64{float64(float32(math.Sqrt2)), 2})},
		{name: "pow int base float exponent", node: node("Pow"), inputs: []*shape.Value{ewI(onnx.Int32, ewD(2), "2", "3"), ewF(f, ewD(1), 1.5)}, want: "int32[2]", vals: "[2 5]"},
		{name: "pow negative int exponent", node: node("Pow"), inputs: []*shape.Value{ewI64("2", "1", "-1"), ewS("-3")}, vals: "[0 1 -1]"},
		{name: "pow symbolic exponent", node: node("Pow"), inputs: []*shape.Value{ewS("2"), ewS("n")}, vals: "?"},
		{name: "div float", node: node("Div"), inputs: []*shape.Value{ewF(onnx.Double, ewD(2), 1, -1), ewF(onnx.Double, ewD(1), 0)}, vals: fmt.Sprint([]float64{math.Inf(1), math.Inf(-1)})},
		{name: "max nan", node: node("Max"), inputs: []*shape.Value{ewF(f, ewD(1), math.NaN()), ewF(f, ewD(1), 1)}, vals: "[NaN]"},
		{name: "add float16 rounds", node: node("Add"), inputs: []*shape.Value{ewF(onnx.Float16, ewD(1), 2048), ewF(onnx.Float16, ewD(1), 1)}, vals: "[2048]"},
		{name: "int and float mixed compare", node: node("Equal"), inputs: []*shape.Value{ewI64("2"), ewF(f, ewD(1), 2)}, vals: "[1]"},
		{name: "logic on symbolic", node: node("And"), inputs: []*shape.Value{ewI64("n"), ewI(onnx.Bool, ewD(1), "1")}, vals: "?"},
	})
}

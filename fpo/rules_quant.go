package fpo

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Quantized operators: the integer products are counted as MACs (an
// integer MAC is one MUL and one ADD like a floating-point one), zero
// points as one ADD per element they are subtracted from, and the
// conversions between integers and reals with the formulas of
// quantizeOps, dequantizeOps and requantizeOps.

func init() {
	for _, d := range []string{"", "com.microsoft"} {
		Register(d, quantizeLinearRule, "QuantizeLinear")
		Register(d, dequantizeLinearRule, "DequantizeLinear")
	}
	Register("", dynamicQuantizeLinearRule, "DynamicQuantizeLinear")
	ms := "com.microsoft"
	Register(ms, qlinearBinaryRule(Add), "QLinearAdd")
	Register(ms, qlinearBinaryRule(Mul), "QLinearMul")
	Register(ms, qlinearUnaryRule("Sigmoid"), "QLinearSigmoid")
	Register(ms, qlinearUnaryRule("LeakyRelu"), "QLinearLeakyRelu")
	Register(ms, qlinearSoftmaxRule, "QLinearSoftmax")
	Register(ms, qlinearConcatRule, "QLinearConcat")
	Register(ms, qlinearPoolRule, "QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearReduceMean")
	Register(ms, qgemmRule, "QGemm")
	Register(ms, matmulRule(0, 1), "MatMulInteger16")
	Register(ms, mulIntegerRule, "MulInteger")
	Register(ms, matmulBnb4Rule, "MatMulBnb4")
	Register(ms, gatherBlockQuantizedRule, "GatherBlockQuantized")
}

// zeroPointOps charges one ADD per element of each value whose zero point
// is given: pairs of (value input, zero-point input).
func zeroPointOps(n *Node, pairs ...[2]int) (Ops, error) {
	var o Ops
	for _, p := range pairs {
		if !n.has(p[1]) {
			continue
		}
		e, err := n.InNumel(p[0])
		if err != nil {
			return Ops{}, err
		}
		o[Add] = o[Add].Add(e)
	}
	return o, nil
}

// integerProduct wraps the rule of an integer convolution or matrix
// product: the zero points of the listed (value, zero point) input pairs
// are subtracted from every element, and out (if not nil) prices the
// conversion of each output accumulator.
func integerProduct(base Rule, pairs [][2]int, out func(n *Node, e sym.Expr) Ops) Rule {
	return func(n *Node) (Cost, error) {
		c, err := base(n)
		if err != nil {
			return Cost{}, err
		}
		zp, err := zeroPointOps(n, pairs...)
		if err != nil {
			return Cost{}, err
		}
		if !zp[Add].Equal(sym.Const(0)) {
			c.Ops = c.Ops.Add(zp)
		}
		if out != nil {
			e, err := n.OutNumel(0)
			if err != nil {
				return Cost{}, err
			}
			c.Ops = c.Ops.Add(out(n, e))
		}
		return c, nil
	}
}

// requantized: the accumulators are requantized to the output's scale
// (MUL, ROUND, ADD, 2 CMP per output).
func requantized(n *Node, e sym.Expr) Ops { return requantizeOps(e) }

// dequantizedWithBias: the accumulators are scaled to reals (1 MUL) and
// the bias at input b is added (1 ADD) when given.
func dequantizedWithBias(b int) func(n *Node, e sym.Expr) Ops {
	return func(n *Node, e sym.Expr) Ops {
		o := ops(Mul, e)
		if n.has(b) {
			o[Add] = o[Add].Add(e)
		}
		return o
	}
}

// quantizeLinearRule: y = saturate(round(x / y_scale) + y_zero_point):
// DIV, ROUND and 2 CMP per element, ADD when y_zero_point is given.
func quantizeLinearRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: quantizeOps(e, n.has(2))}, nil
}

// dequantizeLinearRule: y = (x − x_zero_point) · x_scale: MUL per element,
// ADD when x_zero_point is given.
func dequantizeLinearRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: dequantizeOps(e, n.has(2))}, nil
}

// dynamicQuantizeLinearOps: DynamicQuantizeLinear over e elements: the
// minimum and maximum of the data and 0 (2e CMP), y_scale = (max − min)/255
// (1 ADD, 1 DIV), y_zero_point = saturate(round(−min/y_scale)) (1 DIV,
// 1 ADD, 1 ROUND, 2 CMP), then quantization of every element with the zero
// point.
func dynamicQuantizeLinearOps(e sym.Expr) Ops {
	o := ops(Cmp, e.MulInt(2))
	o = o.Add(ops(Add, 2, Div, 2, Round, 1, Cmp, 2))
	return o.Add(quantizeOps(e, true))
}

func dynamicQuantizeLinearRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: dynamicQuantizeLinearOps(e)}, nil
}

// dynamicQuantizeMatMulRule: DynamicQuantizeMatMul quantizes A dynamically
// (as DynamicQuantizeLinear), subtracts A's computed zero point from every
// element of A (and B's zero point when given), multiplies (MACs) and
// dequantizes each output (1 MUL), adding the bias when given.
func dynamicQuantizeMatMulRule(n *Node) (Cost, error) {
	c, err := integerProduct(matmulRule(0, 1), [][2]int{{1, 3}}, dequantizedWithBias(4))(n)
	if err != nil {
		return Cost{}, err
	}
	a, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	c.Ops = c.Ops.Add(dynamicQuantizeLinearOps(a)).Add(ops(Add, a))
	return c, nil
}

// qlinearBinaryRule: QLinearAdd and QLinearMul compute, per output
// element, dequantize(A) op dequantize(B) and quantize the result: 2 MUL
// (+1 ADD per given input zero point), the operation, DIV, ROUND, 2 CMP
// (+ADD for the output zero point).
func qlinearBinaryRule(p Prim) Rule {
	return func(n *Node) (Cost, error) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		o := dequantizeOps(e, n.has(2)).Add(dequantizeOps(e, n.has(5))).Add(ops(p, e)).Add(quantizeOps(e, n.has(7)))
		return Cost{Ops: o}, nil
	}
}

// qlinearUnaryRule: QLinearSigmoid and QLinearLeakyRelu dequantize,
// apply the activation and quantize every element (ONNX Runtime tabulates
// the 256 possible 8-bit inputs instead; the count follows the operator's
// definition).
func qlinearUnaryRule(act string) Rule {
	return func(n *Node) (Cost, error) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		o := dequantizeOps(e, n.has(2)).Add(perElement[act].Scale(e)).Add(quantizeOps(e, n.has(4)))
		return Cost{Ops: o}, nil
	}
}

// qlinearSoftmaxRule: dequantize, softmax (along axis; with the opset
// attribute below 13, over the flattened block from axis on), quantize.
func qlinearSoftmaxRule(n *Node) (Cost, error) {
	rows, L, err := softmaxRows(n, 0, n.AttrInt("opset", 13) < 13)
	if err != nil {
		return Cost{}, err
	}
	e := rows.Mul(L)
	o := dequantizeOps(e, n.has(2)).Add(softmaxOps(rows, L)).Add(quantizeOps(e, n.has(4)))
	return Cost{Ops: o}, nil
}

// qlinearConcatRule: every input element is requantized to the output's
// scale and zero point (dequantize and quantize: an upper bound, inputs
// already at the output's scale are copied).
func qlinearConcatRule(n *Node) (Cost, error) {
	var o Ops
	for i := 2; i < len(n.Inputs); i += 3 { // (tensor, scale, zero point) triples
		e, err := n.InNumel(i)
		if err != nil {
			return Cost{}, err
		}
		o = o.Add(dequantizeOps(e, n.has(i+2))).Add(quantizeOps(e, n.has(1)))
	}
	return Cost{Ops: o, Bound: "upper bound: every input is counted as requantized, though one at the output's scale is copied"}, nil
}

// qlinearPoolRule: QLinearAveragePool, QLinearGlobalAveragePool and
// QLinearReduceMean sum the integer inputs of each window (window−1 ADD
// per output), correct the sum for the input zero point (1 ADD) and
// requantize (1 MUL by x_scale/(y_scale·count), ROUND, ADD, 2 CMP).
func qlinearPoolRule(n *Node) (Cost, error) {
	in, out, err := inOutNumel(n)
	if err != nil {
		return Cost{}, err
	}
	sums := in.Sub(out)
	if n.Node.OpType == "QLinearAveragePool" {
		k, err := kernelSize(n)
		if err != nil {
			return Cost{}, err
		}
		sums = out.MulInt(k - 1)
	}
	o := ops(Add, sums).Add(requantizeOps(out))
	if n.has(2) {
		o[Add] = o[Add].Add(out)
	}
	return Cost{Ops: o}, nil
}

// qgemmRule: QGemm: A (input 0) times B (input 3): M·N·K integer MACs,
// zero points subtracted from the elements of A and B, each accumulator
// scaled by a_scale·b_scale·α (1 MUL), C added (1 ADD) when given, and,
// with y_scale, quantized (ROUND, ADD, 2 CMP: the scale is folded into the
// MUL).
func qgemmRule(n *Node) (Cost, error) {
	out, macs, err := gemmMACs(n)
	if err != nil {
		return Cost{}, err
	}
	o := macOps(macs).Add(ops(Mul, out))
	zp, err := zeroPointOps(n, [2]int{0, 2}, [2]int{3, 5})
	if err != nil {
		return Cost{}, err
	}
	o = o.Add(zp)
	if n.has(6) {
		o[Add] = o[Add].Add(out)
	}
	if n.has(7) {
		o = o.Add(ops(Round, out, Cmp, out.MulInt(2)))
		if n.has(8) {
			o[Add] = o[Add].Add(out)
		}
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// mulIntegerRule: MulInteger: (A − A_zero_point)·(B − B_zero_point) per
// output element: 1 MUL, 1 ADD per given zero point.
func mulIntegerRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	o := ops(Mul, e)
	for _, zp := range []int{1, 3} {
		if n.has(zp) {
			o[Add] = o[Add].Add(e)
		}
	}
	return Cost{Ops: o}, nil
}

// matmulBnb4Rule: MatMulBnb4: every 4-bit weight is decoded by a table
// lookup (movement) and scaled by its block's absmax (1 MUL per weight),
// then rows·K·N MACs.
func matmulBnb4Rule(n *Node) (Cost, error) {
	as, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	if len(as) == 0 {
		return Cost{}, fmt.Errorf("A of rank 0")
	}
	k, nn := n.AttrInt("K", 0), n.AttrInt("N", 0)
	if k < 1 || nn < 1 {
		return Cost{}, fmt.Errorf("K %d, N %d: want positive", k, nn)
	}
	rows := sym.Product(as[:len(as)-1]...)
	macs := rows.MulInt(k * nn)
	return Cost{Ops: macOps(macs).Add(ops(Mul, k*nn)), MACs: macs}, nil
}

// gatherBlockQuantizedRule: the gather is data movement; every gathered
// element is dequantized: 1 MUL, and 1 ADD when a zero point applies
// (given, or the default 2^(bits−1) of unsigned packed data).
func gatherBlockQuantizedRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	zp := n.has(3)
	if d := n.In(0); d != nil && (d.DType == onnx.Uint8 || d.DType == onnx.Uint4) {
		zp = true
	}
	return Cost{Ops: dequantizeOps(e, zp)}, nil
}

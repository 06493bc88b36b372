package fpo

import (
	"fmt"
	"math"
	"strings"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Helpers shared by the cost rules of the operator families.

// inShape returns the shape of input i, checking that it has one of the
// ranks (any rank when none is given).
func (n *Node) inShape(i int, what string, ranks ...int) ([]sym.Expr, error) {
	return n.rankedShape(n.In(i), what, ranks)
}

// outShape is inShape for output i.
func (n *Node) outShape(i int, what string, ranks ...int) ([]sym.Expr, error) {
	return n.rankedShape(n.Out(i), what, ranks)
}

func (n *Node) rankedShape(v *shape.Value, what string, ranks []int) ([]sym.Expr, error) {
	s, err := n.Shape(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(ranks) == 0 {
		return s, nil
	}
	for _, r := range ranks {
		if len(s) == r {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s has rank %d, want %v", what, len(s), ranks)
}

// posAttr returns an int attribute that must be set and positive.
func (n *Node) posAttr(name string) (int64, error) {
	v := n.AttrInt(name, 0)
	if v < 1 {
		return 0, fmt.Errorf("attribute %s: %d, want a positive value", name, v)
	}
	return v, nil
}

// kernelSize returns ∏kernel_shape.
func kernelSize(n *Node) (int64, error) {
	ks, ok := n.AttrInts("kernel_shape")
	if !ok || len(ks) == 0 {
		return 0, fmt.Errorf("no kernel_shape")
	}
	k := int64(1)
	for _, v := range ks {
		k *= v
	}
	return k, nil
}

// inOutNumel returns the element counts of input 0 and output 0.
func inOutNumel(n *Node) (in, out sym.Expr, err error) {
	if in, err = n.InNumel(0); err != nil {
		return
	}
	out, err = n.OutNumel(0)
	return
}

// has reports whether input i is present.
func (n *Node) has(i int) bool { return n.In(i) != nil }

// constInts returns the contents of an integer input when they are known
// (inferred, or read from its initializer).
func constInts(v *shape.Value) ([]sym.Expr, bool) {
	c := constOf(v)
	if c == nil || c.Ints == nil {
		return nil, false
	}
	return c.Ints, true
}

func constOf(v *shape.Value) *shape.Const {
	if v == nil {
		return nil
	}
	if v.Const != nil {
		return v.Const
	}
	if v.Init != nil {
		if n, ok := v.NumElements(); ok {
			if c, ok := n.IsConst(); ok && c <= 1<<16 {
				if cv, err := shape.ConstFromTensor(v.Init); err == nil {
					return cv
				}
			}
		}
	}
	return nil
}

// scalarInt returns the value of a one-element integer input when known.
func scalarInt(v *shape.Value) (sym.Expr, bool) {
	xs, ok := constInts(v)
	if !ok || len(xs) != 1 {
		return sym.Expr{}, false
	}
	return xs[0], true
}

// softmaxOps is the cost of a softmax over rows of length L: L−1 CMP (the
// row maximum), L ADD (x − max), L EXP, L−1 ADD (the sum), L DIV.
func softmaxOps(rows, L sym.Expr) Ops {
	numel := rows.Mul(L)
	lm1 := numel.Sub(rows)
	return ops(Cmp, lm1, Add, numel.Add(lm1), Exp, numel, Div, numel)
}

// logSoftmaxOps: the softmax's max, shift, exp and sum, one LOG per row and
// one subtraction per element.
func logSoftmaxOps(rows, L sym.Expr) Ops {
	numel := rows.Mul(L)
	lm1 := numel.Sub(rows)
	return ops(Cmp, lm1, Add, numel.MulInt(2).Add(lm1), Exp, numel, Log, rows)
}

// normalizeOps is the cost of normalizing numel elements in groups
// independent groups without scale or bias: per group the mean (L−1 ADD,
// 1 MUL), the centred values (L ADD), the variance (L MUL, L−1 ADD, 1 MUL)
// and 1/√(var+ε) (1 ADD, 1 SQRT, 1 DIV); per element one MUL. RMS
// normalization skips the mean and the centring.
func normalizeOps(numel, groups sym.Expr, rms bool) Ops {
	var o Ops
	if !rms {
		o = ops(Add, numel.Sub(groups), Mul, groups) // mean
		o = o.Add(ops(Add, numel))                   // centre
	}
	o = o.Add(ops(Mul, numel.Add(groups), Add, numel.Sub(groups))) // mean of squares
	o = o.Add(ops(Add, groups, Sqrt, groups, Div, groups))         // 1/√(var+ε)
	return o.Add(ops(Mul, numel))                                  // normalize
}

// quantizeOps: y = saturate(round(x / scale) + zero_point): 1 DIV, 1 ROUND,
// 2 CMP (saturation) per element, and 1 ADD when a zero point is given.
func quantizeOps(e sym.Expr, zeroPoint bool) Ops {
	o := ops(Div, e, Round, e, Cmp, e.MulInt(2))
	if zeroPoint {
		o[Add] = o[Add].Add(e)
	}
	return o
}

// dequantizeOps: y = (x − zero_point) · scale: 1 MUL per element and 1 ADD
// when a zero point is given.
func dequantizeOps(e sym.Expr, zeroPoint bool) Ops {
	o := ops(Mul, e)
	if zeroPoint {
		o[Add] = o[Add].Add(e)
	}
	return o
}

// requantizeOps turns integer accumulators into quantized outputs:
// multiply by the combined scale x_scale·w_scale/y_scale (1 MUL), round,
// add the output zero point (1 ADD) and saturate (2 CMP).
func requantizeOps(e sym.Expr) Ops {
	return ops(Mul, e, Round, e, Add, e, Cmp, e.MulInt(2))
}

// sortCmps is the number of comparisons of a comparison sort of n items,
// ⌈n·log2 n⌉ (the information-theoretic bound that merge sort and heap
// sort stay within up to a constant; counted as an upper bound). A
// logarithm of a symbolic n is not a polynomial: then the insertion-sort
// worst case n(n−1)/2 is counted, a looser upper bound. The string says
// which bound was counted (for Cost.Bound); it is "" for n ≤ 1.
func sortCmps(n sym.Expr) (sym.Expr, string) {
	if v, ok := n.IsConst(); ok {
		if v <= 1 {
			return sym.Const(0), ""
		}
		return sym.Const(int64(math.Ceil(float64(v) * math.Log2(float64(v))))), "upper bound: a sort of n items counted as ⌈n·log2 n⌉ comparisons"
	}
	return sym.FloorDiv(n.Mul(n.AddInt(-1)), sym.Const(2)), "upper bound: a sort of a symbolic length n counted as n(n−1)/2 comparisons"
}

// ceilLog2 returns ⌈log2 v⌉ for a concrete v ≥ 1.
func ceilLog2(v int64) int64 {
	k := int64(0)
	for p := int64(1); p < v; p <<= 1 {
		k++
	}
	return k
}

// activationOps prices an activation named as in the fused operators'
// attributes (relu, sigmoid, tanh, leakyrelu, hardsigmoid, gelu, silu…),
// per element. ok is false for an unknown name; "" and "identity" cost 0.
func activationOps(name string) (Ops, bool) {
	switch strings.ToLower(name) {
	case "", "identity", "none":
		return Ops{}, true
	case "relu":
		return perElement["Relu"], true
	case "sigmoid":
		return perElement["Sigmoid"], true
	case "tanh":
		return perElement["Tanh"], true
	case "leakyrelu":
		return perElement["LeakyRelu"], true
	case "hardsigmoid":
		return perElement["HardSigmoid"], true
	case "gelu":
		return perElement["Gelu"], true
	case "fastgelu":
		return perElement["FastGelu"], true
	case "silu", "swish":
		return siluOps, true
	case "elu":
		return perElement["Elu"], true
	case "softplus":
		return perElement["Softplus"], true
	case "softsign":
		return perElement["Softsign"], true
	case "selu":
		return perElement["Selu"], true
	case "clip":
		return perElement["Clip"], true
	}
	return Ops{}, false
}

// siluOps is x·sigmoid(x): sigmoid (EXP, ADD, DIV) and one MUL.
var siluOps = ops(Exp, 1, Add, 1, Div, 1, Mul, 1)

// fusedActivationOps prices the activation attribute of a fused operator
// over e outputs.
func fusedActivationOps(n *Node, attr string, e sym.Expr) (Ops, error) {
	act := n.AttrString(attr, "")
	p, ok := activationOps(act)
	if !ok {
		return Ops{}, fmt.Errorf("unknown %s %q", attr, act)
	}
	return p.Scale(e), nil
}

// movementOf prices pure data movement: 0 FPO, the bytes written (and as
// many read).
func movementOf(n *Node) Cost {
	c, _ := movementRule(n)
	return c
}

// perElementRule builds a rule that charges p per element of output 0.
func perElementRule(p Ops) Rule {
	return func(n *Node) (Cost, error) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		return Cost{Ops: p.Scale(e)}, nil
	}
}

// macOps is m multiply-accumulates (m MUL and m ADD).
func macOps(m sym.Expr) Ops { return ops(Mul, m, Add, m) }

// AttrFloats returns a floats attribute.
func (n *Node) AttrFloats(name string) ([]float32, bool) {
	if a := n.Node.Attr(name); a != nil {
		return a.Floats, true
	}
	return nil, false
}

// AttrStrings returns a strings attribute.
func (n *Node) AttrStrings(name string) ([]string, bool) {
	if a := n.Node.Attr(name); a != nil {
		return a.Strings, true
	}
	return nil, false
}

package ops

import (
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Unary elementwise operators: math functions and activations. All keep
// their input's shape; IsInf and IsNaN output bool.

// ewUnary describes a unary elementwise operator.
type ewUnary struct {
	name  string
	since []int64
	// out is a fixed output type (Undefined: the input's type).
	out onnx.DataType
	// f builds the float kernel from the node's attributes.
	f func(c *shape.Ctx) func(x float64) float64
	// ints computes the result for a concrete integer of type dt.
	ints func(dt onnx.DataType, v int64) (int64, bool)
	// syms computes the result for a symbolic integer.
	syms func(v sym.Expr) (sym.Expr, bool)
}

func (u *ewUnary) infer(c *shape.Ctx) error {
	if _, err := ewTensorInput(c, 0); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	if u.out != onnx.Undefined {
		c.Output(0).DType = u.out
	}
	return nil
}

func (u *ewUnary) eval(c *shape.Ctx) error {
	dims, outDT, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	inDT := c.ElemType(0)
	cv := c.Const(0)
	if cv.Len() == 0 {
		return c.SetConst(0, outDT, dims, ewEmpty(outDT))
	}
	return ewSet(c, outDT, dims, u.apply(c, inDT, outDT, cv))
}

// apply computes the operator over contents.
func (u *ewUnary) apply(c *shape.Ctx, inDT, outDT onnx.DataType, cv *shape.Const) *shape.Const {
	if cv.Ints != nil && (u.ints != nil || u.syms != nil) {
		out := make([]sym.Expr, len(cv.Ints))
		for i, x := range cv.Ints {
			if v, ok := x.IsConst(); ok && u.ints != nil {
				r, ok := u.ints(inDT, v)
				if !ok {
					return nil
				}
				out[i] = sym.Const(ewWrap(outDT, r))
				continue
			}
			if u.syms == nil {
				return nil
			}
			r, ok := ewTrySym(func() (sym.Expr, bool) { return u.syms(x) })
			if !ok {
				return nil
			}
			out[i] = r
		}
		return &shape.Const{Ints: out}
	}
	if u.f == nil {
		return nil
	}
	xs, ok := ewFloats(cv, inDT)
	if !ok {
		return nil
	}
	f := u.f(c)
	res := make([]float64, len(xs))
	for i, x := range xs {
		res[i] = f(x)
	}
	return ewFromFloats(outDT, res)
}

func (u *ewUnary) register() {
	for _, s := range u.since {
		shape.Register(shape.Op{Type: u.name, Since: s, Infer: u.infer, Eval: u.eval})
	}
}

// ewPlain wraps a float function that takes no attributes.
func ewPlain(f func(float64) float64) func(*shape.Ctx) func(float64) float64 {
	return func(*shape.Ctx) func(float64) float64 { return f }
}

// ewAttrF reads a float attribute as float64.
func ewAttrF(c *shape.Ctx, name string, def float64) float64 {
	if a := c.Attr(name); a != nil {
		return float64(a.F)
	}
	return def
}

func ewSigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func ewSoftplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

func ewSignF(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // 0, -0 and NaN
}

func ewRelu(x float64) float64 {
	if x > 0 {
		return x
	}
	return 0
}

func ewAbsInt(dt onnx.DataType, v int64) (int64, bool) {
	if ewUnsigned(dt) || v >= 0 {
		return v, true
	}
	return -v, true
}

func ewSymAbs(v sym.Expr) (sym.Expr, bool) {
	switch ewSign(v) {
	case 0, 1:
		return v, true
	case -1:
		return v.Neg(), true
	}
	if ewNonNeg(v) {
		return v, true
	}
	return sym.Expr{}, false
}

func ewSymSign(v sym.Expr) (sym.Expr, bool) {
	if s := ewSign(v); s != 2 {
		return sym.Const(int64(s)), true
	}
	return sym.Expr{}, false
}

func init() {
	plain := []struct {
		name  string
		since []int64
		f     func(float64) float64
	}{
		{"Acos", []int64{7, 22}, math.Acos},
		{"Acosh", []int64{9, 22}, math.Acosh},
		{"Asin", []int64{7, 22}, math.Asin},
		{"Asinh", []int64{9, 22}, math.Asinh},
		{"Atan", []int64{7, 22}, math.Atan},
		{"Atanh", []int64{9, 22}, math.Atanh},
		{"Ceil", []int64{1, 6, 13}, math.Ceil},
		{"Cos", []int64{7, 22}, math.Cos},
		{"Cosh", []int64{9, 22}, math.Cosh},
		{"Erf", []int64{9, 13}, math.Erf},
		{"Exp", []int64{1, 6, 13}, math.Exp},
		{"Floor", []int64{1, 6, 13}, math.Floor},
		{"Log", []int64{1, 6, 13}, math.Log},
		{"Reciprocal", []int64{1, 6, 13}, func(x float64) float64 { return 1 / x }},
		{"Round", []int64{11, 22}, math.RoundToEven},
		{"Sin", []int64{7, 22}, math.Sin},
		{"Sinh", []int64{9, 22}, math.Sinh},
		{"Sqrt", []int64{1, 6, 13}, math.Sqrt},
		{"Tan", []int64{7, 22}, math.Tan},
		{"Tanh", []int64{1, 6, 13}, math.Tanh},
		{"Sigmoid", []int64{1, 6, 13}, ewSigmoid},
		{"Softplus", []int64{1, 22}, ewSoftplus},
		{"Softsign", []int64{1, 22}, func(x float64) float64 { return x / (1 + math.Abs(x)) }},
		{"Mish", []int64{18, 22}, func(x float64) float64 { return x * math.Tanh(ewSoftplus(x)) }},
		{"HardSwish", []int64{14, 22}, func(x float64) float64 { return x * math.Max(0, math.Min(1, x/6+0.5)) }},
	}
	for _, p := range plain {
		(&ewUnary{name: p.name, since: p.since, f: ewPlain(p.f)}).register()
	}

	ops := []*ewUnary{
		{name: "Abs", since: []int64{1, 6, 13}, f: ewPlain(math.Abs), ints: ewAbsInt, syms: ewSymAbs},
		{name: "Neg", since: []int64{1, 6, 13}, f: ewPlain(func(x float64) float64 { return -x }),
			ints: func(_ onnx.DataType, v int64) (int64, bool) { return -v, true },
			syms: func(v sym.Expr) (sym.Expr, bool) { return v.Neg(), true }},
		{name: "Sign", since: []int64{9, 13}, f: ewPlain(ewSignF),
			ints: func(dt onnx.DataType, v int64) (int64, bool) {
				if ewUnsigned(dt) {
					return ewBool(v != 0), true
				}
				return int64(ewCmpInts(dt, v, 0)), true
			},
			syms: ewSymSign},
		{name: "Relu", since: []int64{1, 6, 13, 14}, f: ewPlain(ewRelu),
			ints: func(dt onnx.DataType, v int64) (int64, bool) {
				if ewUnsigned(dt) || v > 0 {
					return v, true
				}
				return 0, true
			},
			syms: func(v sym.Expr) (sym.Expr, bool) { return sym.Max(v, sym.Const(0)), true }},
		{name: "Not", since: []int64{1}, out: onnx.Bool,
			f:    ewPlain(func(x float64) float64 { return float64(ewBool(x == 0)) }),
			ints: func(_ onnx.DataType, v int64) (int64, bool) { return ewBool(v == 0), true }},
		{name: "BitwiseNot", since: []int64{18},
			ints: func(_ onnx.DataType, v int64) (int64, bool) { return ^v, true }},
		{name: "IsNaN", since: []int64{9, 13, 20}, out: onnx.Bool,
			f: ewPlain(func(x float64) float64 { return float64(ewBool(math.IsNaN(x))) })},
		{name: "IsInf", since: []int64{10, 20}, out: onnx.Bool,
			f: func(c *shape.Ctx) func(float64) float64 {
				neg := c.AttrInt("detect_negative", 1) != 0
				pos := c.AttrInt("detect_positive", 1) != 0
				return func(x float64) float64 {
					return float64(ewBool(neg && math.IsInf(x, -1) || pos && math.IsInf(x, 1)))
				}
			}},
		{name: "Elu", since: []int64{1, 6, 22}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 1)
			return func(x float64) float64 {
				if x < 0 {
					return alpha * (math.Exp(x) - 1)
				}
				return x
			}
		}},
		{name: "Celu", since: []int64{12, 28}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 1)
			return func(x float64) float64 {
				return math.Max(0, x) + math.Min(0, alpha*(math.Exp(x/alpha)-1))
			}
		}},
		{name: "Selu", since: []int64{1, 6, 22}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 1.67326319217681884765625)
			gamma := ewAttrF(c, "gamma", 1.05070102214813232421875)
			return func(x float64) float64 {
				if x <= 0 {
					return gamma * (alpha*math.Exp(x) - alpha)
				}
				return gamma * x
			}
		}},
		{name: "LeakyRelu", since: []int64{1, 6, 16}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 0.01)
			return func(x float64) float64 {
				if x < 0 {
					return alpha * x
				}
				return x
			}
		}},
		{name: "ThresholdedRelu", since: []int64{10, 22}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 1)
			return func(x float64) float64 {
				if x > alpha {
					return x
				}
				return 0
			}
		}},
		{name: "HardSigmoid", since: []int64{1, 6, 22}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 0.2)
			beta := ewAttrF(c, "beta", 0.5)
			return func(x float64) float64 { return math.Max(0, math.Min(1, alpha*x+beta)) }
		}},
		{name: "Shrink", since: []int64{9}, f: func(c *shape.Ctx) func(float64) float64 {
			bias := ewAttrF(c, "bias", 0)
			lambd := ewAttrF(c, "lambd", 0.5)
			return func(x float64) float64 {
				switch {
				case x < -lambd:
					return x + bias
				case x > lambd:
					return x - bias
				}
				return 0
			}
		}},
		{name: "Swish", since: []int64{24}, f: func(c *shape.Ctx) func(float64) float64 {
			alpha := ewAttrF(c, "alpha", 1)
			return func(x float64) float64 { return x * ewSigmoid(alpha*x) }
		}},
		{name: "Gelu", since: []int64{20}, f: func(c *shape.Ctx) func(float64) float64 {
			if c.AttrString("approximate", "none") == "tanh" {
				k := math.Sqrt(2 / math.Pi)
				return func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(k*(x+0.044715*x*x*x))) }
			}
			return func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
		}},
	}
	for _, u := range ops {
		u.register()
	}
}

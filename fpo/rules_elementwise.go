package fpo

import (
	"fmt"

	"github.com/greenai/greenai/sym"
)

// perElement maps unary elementwise operators to the primitives one output
// element costs. docs/fpo.md gives the expansion behind each row. Branches
// are counted as evaluated without branching (every element pays for the
// whole expression), as vectorized kernels do.
var perElement = map[string]Ops{
	"Relu":            ops(Cmp, 1),                                  // max(x, 0)
	"LeakyRelu":       ops(Cmp, 1, Mul, 1),                          // x<0 ? αx : x
	"PRelu":           ops(Cmp, 1, Mul, 1),                          // x<0 ? slope·x : x
	"ThresholdedRelu": ops(Cmp, 1),                                  // x>α ? x : 0
	"Elu":             ops(Cmp, 1, Exp, 1, Add, 1, Mul, 1),          // x<0 ? α(eˣ−1) : x
	"Selu":            ops(Cmp, 1, Exp, 1, Add, 1, Mul, 2),          // γ·(x<0 ? α(eˣ−1) : x)
	"Celu":            ops(Cmp, 2, Div, 1, Exp, 1, Add, 2, Mul, 1),  // max(0,x) + min(0, α(e^{x/α}−1))
	"Sigmoid":         ops(Exp, 1, Add, 1, Div, 1),                  // 1/(1+e^{−x})
	"HardSigmoid":     ops(Mul, 1, Add, 1, Cmp, 2),                  // max(0, min(1, αx+β))
	"HardSwish":       ops(Mul, 2, Add, 1, Cmp, 2),                  // x·max(0, min(1, x/6+1/2))
	"Swish":           ops(Mul, 2, Exp, 1, Add, 1, Div, 1),          // x·sigmoid(αx)
	"Softplus":        ops(Exp, 1, Add, 1, Log, 1),                  // log(eˣ+1)
	"Softsign":        ops(Cmp, 1, Add, 1, Div, 1),                  // x/(1+|x|)
	"Mish":            ops(Exp, 1, Add, 1, Log, 1, Tanh, 1, Mul, 1), // x·tanh(softplus(x))
	"Shrink":          ops(Cmp, 2, Add, 1),                          // x<−λ ? x+b : x>λ ? x−b : 0
	"Tanh":            ops(Tanh, 1),                                 //
	"Exp":             ops(Exp, 1),                                  //
	"Log":             ops(Log, 1),                                  //
	"Sqrt":            ops(Sqrt, 1),                                 //
	"Reciprocal":      ops(Div, 1),                                  // 1/x
	"Erf":             ops(Erf, 1),                                  //
	"Abs":             ops(Cmp, 1),                                  // |x|
	"Neg":             ops(Mul, 1),                                  // −1·x
	"Sign":            ops(Cmp, 1),                                  //
	"Floor":           ops(Round, 1),                                //
	"Ceil":            ops(Round, 1),                                //
	"Round":           ops(Round, 1),                                //
	"Sin":             ops(Trig, 1),                                 //
	"Cos":             ops(Trig, 1),                                 //
	"Tan":             ops(Trig, 1),                                 //
	"Asin":            ops(Trig, 1),                                 //
	"Acos":            ops(Trig, 1),                                 //
	"Atan":            ops(Trig, 1),                                 //
	"Sinh":            ops(Exp, 1, Div, 1, Add, 1, Mul, 1),          // (eˣ − 1/eˣ)/2
	"Cosh":            ops(Exp, 1, Div, 1, Add, 1, Mul, 1),          // (eˣ + 1/eˣ)/2
	"Asinh":           ops(Mul, 1, Add, 2, Sqrt, 1, Log, 1),         // log(x + √(x²+1))
	"Acosh":           ops(Mul, 1, Add, 2, Sqrt, 1, Log, 1),         // log(x + √(x²−1))
	"Atanh":           ops(Add, 2, Div, 1, Log, 1, Mul, 1),          // ½·log((1+x)/(1−x))
	"Not":             ops(Cmp, 1),                                  // logical
	"BitwiseNot":      ops(Cmp, 1),                                  // bitwise
	"IsNaN":           ops(Cmp, 1),                                  // x ≠ x
	"IsInf":           ops(Cmp, 1),                                  // |x| = ∞
	"QuickGelu":       ops(Mul, 2, Exp, 1, Add, 1, Div, 1),          // x·sigmoid(1.702x)
	"FastGelu":        ops(Mul, 6, Add, 2, Tanh, 1),                 // tanh approximation
	"BiasGelu":        ops(Add, 2, Mul, 3, Erf, 1),                  // gelu(x + b)
	"Gelu":            ops(Mul, 3, Erf, 1, Add, 1),                  // ½x(1+erf(x/√2)); tanh form below
	"Dropout":         {},                                           // inference: identity (see rule)
	"Clip":            ops(Cmp, 2),                                  // min(max(x, lo), hi)
}

// perOutput maps binary and logical elementwise operators to the
// primitives per output element (after broadcasting).
var perOutput = map[string]Ops{
	"Add": ops(Add, 1), "Sub": ops(Add, 1), "Mul": ops(Mul, 1), "Div": ops(Div, 1),
	"Pow": ops(Pow, 1),
	"Mod": ops(Div, 1, Round, 1, Mul, 1, Add, 1), // a − b·trunc(a/b)
	"And": ops(Cmp, 1), "Or": ops(Cmp, 1), "Xor": ops(Cmp, 1),
	"Equal": ops(Cmp, 1), "Greater": ops(Cmp, 1), "Less": ops(Cmp, 1),
	"GreaterOrEqual": ops(Cmp, 1), "LessOrEqual": ops(Cmp, 1),
	"BitShift": ops(Cmp, 1), "BitwiseAnd": ops(Cmp, 1), "BitwiseOr": ops(Cmp, 1), "BitwiseXor": ops(Cmp, 1),
	"Where":   ops(Cmp, 1),
	"BiasAdd": ops(Add, 2), // x + bias + skip
}

func init() {
	for op := range perElement {
		switch op {
		case "QuickGelu", "FastGelu", "BiasGelu":
			Register("com.microsoft", unaryRule(op), op)
		case "Gelu":
			Register("", unaryRule(op), op)
			Register("com.microsoft", unaryRule(op), op)
		case "Clip":
			Register("", clipRule, op)
		case "Dropout":
			Register("", dropoutRule, op)
		default:
			Register("", unaryRule(op), op)
		}
	}
	for op := range perOutput {
		if op == "BiasAdd" {
			Register("com.microsoft", binaryRule(op), op)
			continue
		}
		Register("", binaryRule(op), op)
	}
	Register("", variadicRule, "Sum", "Max", "Min", "Mean")
}

func unaryRule(op string) Rule {
	per := perElement[op]
	return func(n *Node) (Cost, error) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		p := per
		if op == "Gelu" && n.AttrString("approximate", "none") == "tanh" {
			p = ops(Mul, 6, Add, 2, Tanh, 1) // ½x(1+tanh(√(2/π)(x+0.044715x³)))
		}
		return Cost{Ops: p.Scale(e)}, nil
	}
}

func clipRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	bounds := 0
	if n.Opset < 11 {
		if _, ok := n.AttrInts("min"); ok || n.Node.Attr("min") != nil {
			bounds++
		}
		if n.Node.Attr("max") != nil {
			bounds++
		}
		if bounds == 0 {
			bounds = 2 // defaults are ±FLT_MAX: both comparisons still run
		}
	} else {
		if n.In(1) != nil {
			bounds++
		}
		if n.In(2) != nil {
			bounds++
		}
	}
	return Cost{Ops: ops(Cmp, e.MulInt(int64(bounds)))}, nil
}

func dropoutRule(n *Node) (Cost, error) {
	// Inference (training_mode false, the default): an identity; the mask
	// output, if requested, is all true. Training mode draws one random
	// number, compares and scales per element.
	training := false
	if n.In(2) != nil && n.In(2).Const != nil && len(n.In(2).Const.Ints) == 1 {
		if v, ok := n.In(2).Const.Ints[0].IsConst(); ok && v != 0 {
			training = true
		}
	}
	if !training {
		b, _ := bytesOf(n.Out(0))
		return Cost{Kind: Movement, Bytes: b.MulInt(2)}, nil
	}
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: ops(Rand, e, Cmp, e, Mul, e)}, nil
}

func binaryRule(op string) Rule {
	per := perOutput[op]
	return func(n *Node) (Cost, error) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		p := per
		if op == "Pow" {
			if c := n.In(1); c != nil && c.Const != nil && c.Const.Len() == 1 {
				var y float64
				if c.Const.Floats != nil {
					y = c.Const.Floats[0]
				} else if v, ok := c.Const.Ints[0].IsConst(); ok {
					y = float64(v)
				}
				switch y {
				case 2:
					p = ops(Mul, 1) // x·x
				case 3:
					p = ops(Mul, 2)
				case 0.5:
					p = ops(Sqrt, 1)
				case 1:
					p = Ops{}
				}
			}
		}
		return Cost{Ops: p.Scale(e)}, nil
	}
}

func variadicRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	k := int64(0)
	for _, v := range n.Inputs {
		if v != nil {
			k++
		}
	}
	if k < 1 {
		return Cost{}, fmt.Errorf("no inputs")
	}
	per := e.MulInt(k - 1)
	switch n.Node.OpType {
	case "Sum":
		return Cost{Ops: ops(Add, per)}, nil
	case "Mean":
		return Cost{Ops: ops(Add, per, Mul, e)}, nil
	}
	return Cost{Ops: ops(Cmp, per)}, nil
}

// zero is a convenience for rules.
var zero = sym.Const(0)

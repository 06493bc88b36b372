package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Softmax, LogSoftmax, Hardmax, CumSum, CumProd, Trilu and Det.

// --- Softmax family ---

// mathSoftmaxAxis returns the normalized axis of a Softmax-family node.
// Before opset 13 the input is coerced to 2-D at axis (default 1, range
// [-r, r]); from 13 on the operation runs along axis (default -1, range
// [-r, r-1]).
func mathSoftmaxAxis(c *shape.Ctx, rank int) (int, error) {
	if c.Opset >= 13 || c.Opset <= 0 {
		return shape.NormAxis(c.AttrInt("axis", -1), rank)
	}
	axis := c.AttrInt("axis", 1)
	if axis < -int64(rank) || axis > int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

func inferSoftmax(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if x.Rank >= 0 {
		if _, err := mathSoftmaxAxis(c, x.Rank); err != nil {
			// Old exporters wrote axis=1 for 1-D inputs; the shape is unaffected.
			if c.Opset >= 13 || c.Opset <= 0 || x.Rank > 1 {
				return err
			}
		}
	}
	return c.SameAsInput(0, 0)
}

// mathSoftmaxEval computes Softmax (kind 0), LogSoftmax (1) or Hardmax (2).
func mathSoftmaxEval(kind int) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, dt, ok, err := ewBegin(c)
		if !ok {
			return err
		}
		xs, ok := ewFloats(c.Const(0), c.ElemType(0))
		if !ok {
			return nil
		}
		if len(xs) == 0 {
			return c.SetConst(0, dt, dims, ewEmpty(dt))
		}
		axis, err := mathSoftmaxAxis(c, len(dims))
		if err != nil {
			return nil
		}
		// Groups: outer × n × inner. Before 13 the whole trailing block is one group.
		outer := numel(dims[:axis])
		n, inner := int64(1), int64(1)
		if c.Opset >= 13 || c.Opset <= 0 {
			n = dims[axis]
			inner = numel(dims[axis+1:])
		} else {
			n = numel(dims[axis:])
		}
		res := make([]float64, len(xs))
		for o := int64(0); o < outer; o++ {
			for in := int64(0); in < inner; in++ {
				base := o*n*inner + in
				mx, arg := math.Inf(-1), int64(0)
				for k := int64(0); k < n; k++ {
					if v := xs[base+k*inner]; v > mx {
						mx, arg = v, k
					}
				}
				var sum float64
				for k := int64(0); k < n; k++ {
					sum += math.Exp(xs[base+k*inner] - mx)
				}
				for k := int64(0); k < n; k++ {
					i := base + k*inner
					switch kind {
					case 0:
						res[i] = math.Exp(xs[i]-mx) / sum
					case 1:
						res[i] = xs[i] - mx - math.Log(sum)
					default:
						res[i] = float64(ewBool(k == arg))
					}
				}
			}
		}
		return ewSetFloats(c, dt, dims, res)
	}
}

// --- CumSum / CumProd ---

func inferCumulative(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if !c.HasInput(1) {
		return errMissing(1)
	}
	if ax, ok := c.ConstInt64s(1); ok && x.Rank >= 0 {
		if len(ax) != 1 {
			return fmt.Errorf("axis must be a scalar, got %d values", len(ax))
		}
		if _, err := shape.NormAxis(ax[0], x.Rank); err != nil {
			return err
		}
	}
	return c.SameAsInput(0, 0)
}

// mathCumulative evaluates CumSum (prod false) or CumProd.
func mathCumulative(prod bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, dt, ok, err := ewBegin(c)
		if !ok {
			return err
		}
		ax, ok := c.ConstInt64s(1)
		if !ok || len(ax) != 1 {
			return nil
		}
		axis, err := shape.NormAxis(ax[0], len(dims))
		if err != nil {
			return err
		}
		cv := c.Const(0)
		if cv.Len() == 0 {
			return c.SetConst(0, dt, dims, ewEmpty(dt))
		}
		exclusive := c.AttrInt("exclusive", 0) != 0
		reverse := c.AttrInt("reverse", 0) != 0
		n := dims[axis]
		inner := numel(dims[axis+1:])
		outer := numel(dims[:axis])
		// order lists the flat indices of one line in accumulation order.
		line := func(o, in int64) []int64 {
			idx := make([]int64, n)
			for k := int64(0); k < n; k++ {
				j := k
				if reverse {
					j = n - 1 - k
				}
				idx[k] = o*n*inner + j*inner + in
			}
			return idx
		}
		if cv.Ints != nil {
			out := make([]sym.Expr, len(cv.Ints))
			for o := int64(0); o < outer; o++ {
				for in := int64(0); in < inner; in++ {
					acc := sym.Const(0)
					if prod {
						acc = sym.Const(1)
					}
					for _, i := range line(o, in) {
						next, ok := mathAccumulate(dt, acc, cv.Ints[i], prod)
						if !ok {
							return nil
						}
						if exclusive {
							out[i] = acc
						} else {
							out[i] = next
						}
						acc = next
					}
				}
			}
			return c.SetConst(0, dt, dims, &shape.Const{Ints: out})
		}
		xs, ok := ewFloats(cv, c.ElemType(0))
		if !ok {
			return nil
		}
		res := make([]float64, len(xs))
		for o := int64(0); o < outer; o++ {
			for in := int64(0); in < inner; in++ {
				acc := 0.0
				if prod {
					acc = 1
				}
				for _, i := range line(o, in) {
					next := acc + xs[i]
					if prod {
						next = acc * xs[i]
					}
					next = ewRound(dt, next)
					if exclusive {
						res[i] = acc
					} else {
						res[i] = next
					}
					acc = next
				}
			}
		}
		return ewSetFloats(c, dt, dims, res)
	}
}

// mathAccumulate adds or multiplies integers (wrapping concrete ones to dt).
func mathAccumulate(dt onnx.DataType, acc, x sym.Expr, prod bool) (sym.Expr, bool) {
	a, aok := acc.IsConst()
	b, bok := x.IsConst()
	if aok && bok {
		if prod {
			return sym.Const(ewWrap(dt, a*b)), true
		}
		return sym.Const(ewWrap(dt, a+b)), true
	}
	return ewTry(func() sym.Expr {
		if prod {
			return acc.Mul(x)
		}
		return acc.Add(x)
	})
}

// --- Trilu ---

func inferTrilu(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if x.Rank >= 0 && x.Rank < 2 {
		return fmt.Errorf("input must have rank >= 2, got %d", x.Rank)
	}
	if c.HasInput(1) {
		if k, ok := c.ConstInt64s(1); ok && len(k) != 1 {
			return fmt.Errorf("k must be a scalar, got %d values", len(k))
		}
	}
	return c.SameAsInput(0, 0)
}

func evalTrilu(c *shape.Ctx) error {
	dims, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	k := int64(0)
	if c.HasInput(1) {
		ks, ok := c.ConstInt64s(1)
		if !ok || len(ks) != 1 {
			return nil
		}
		k = ks[0]
	}
	upper := c.AttrInt("upper", 1) != 0
	cv := c.Const(0)
	n := cv.Len()
	if n == 0 {
		return c.SetConst(0, dt, dims, ewEmpty(dt))
	}
	r := len(dims)
	rows, cols := dims[r-2], dims[r-1]
	keep := make([]int64, n) // flat index into cv, or n for a zero
	for f := 0; f < n; f++ {
		j := int64(f) % cols
		i := (int64(f) / cols) % rows
		if upper && j-i >= k || !upper && j-i <= k {
			keep[f] = int64(f)
		} else {
			keep[f] = int64(n)
		}
	}
	var zero *shape.Const
	switch {
	case cv.Floats != nil:
		zero = &shape.Const{Floats: append(append([]float64{}, cv.Floats...), 0)}
	case cv.Ints != nil:
		zero = &shape.Const{Ints: append(append([]sym.Expr{}, cv.Ints...), sym.Const(0))}
	default:
		return nil
	}
	return c.SetConst(0, dt, dims, take(zero, keep))
}

// --- Det ---

func inferDet(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt := x.DType
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	if x.Rank < 2 {
		return fmt.Errorf("input must have rank >= 2, got %d", x.Rank)
	}
	m, n := x.Shape[x.Rank-2], x.Shape[x.Rank-1]
	mv, mok := m.IsConst()
	nv, nok := n.IsConst()
	if mok && nok && mv != nv {
		return fmt.Errorf("matrices must be square, got %d×%d", mv, nv)
	}
	c.SetOutput(0, shape.Tensor(dt, x.Shape[:x.Rank-2]...))
	return nil
}

func evalDet(c *shape.Ctx) error {
	dims, ok := ewOutDims(c, 0)
	if !ok {
		return nil
	}
	in, ok := inputDims(c, 0)
	if !ok {
		return nil
	}
	dt := c.Output(0).DType
	xs, ok := ewFloats(c.Const(0), c.ElemType(0))
	if !ok {
		return nil
	}
	n := int(in[len(in)-1])
	count := int(numel(dims))
	res := make([]float64, count)
	a := make([]float64, n*n)
	for b := 0; b < count; b++ {
		copy(a, xs[b*n*n:(b+1)*n*n])
		res[b] = mathDet(a, n)
	}
	return ewSetFloats(c, dt, dims, res)
}

// mathDet is the determinant by LU decomposition with partial pivoting
// (a is overwritten).
func mathDet(a []float64, n int) float64 {
	det := 1.0
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r*n+col]) > math.Abs(a[p*n+col]) {
				p = r
			}
		}
		if a[p*n+col] == 0 {
			return 0
		}
		if p != col {
			for k := 0; k < n; k++ {
				a[p*n+k], a[col*n+k] = a[col*n+k], a[p*n+k]
			}
			det = -det
		}
		piv := a[col*n+col]
		det *= piv
		for r := col + 1; r < n; r++ {
			f := a[r*n+col] / piv
			for k := col; k < n; k++ {
				a[r*n+k] -= f * a[col*n+k]
			}
		}
	}
	return det
}

func init() {
	for i, name := range []string{"Softmax", "LogSoftmax", "Hardmax"} {
		for _, s := range []int64{1, 11, 13} {
			shape.Register(shape.Op{Type: name, Since: s, Infer: inferSoftmax, Eval: mathSoftmaxEval(i)})
		}
	}
	shape.Register(
		shape.Op{Type: "CumSum", Since: 11, Infer: inferCumulative, Eval: mathCumulative(false)},
		shape.Op{Type: "CumSum", Since: 14, Infer: inferCumulative, Eval: mathCumulative(false)},
		shape.Op{Type: "CumProd", Since: 26, Infer: inferCumulative, Eval: mathCumulative(true)},
		shape.Op{Type: "Trilu", Since: 14, Infer: inferTrilu, Eval: evalTrilu},
		shape.Op{Type: "Det", Since: 11, Infer: inferDet, Eval: evalDet},
		shape.Op{Type: "Det", Since: 22, Infer: inferDet, Eval: evalDet},
	)
}

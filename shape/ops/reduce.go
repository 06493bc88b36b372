package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// The Reduce* operators, ArgMax and ArgMin.

// reduceForm tells where a reduction reads its axes.
type reduceForm struct {
	axesInput bool // axes from input 1 rather than the attribute
	noop      bool // noop_with_empty_axes is understood
}

var (
	reduceAttr  = reduceForm{}
	reduceInput = reduceForm{axesInput: true, noop: true}
)

func init() {
	// ReduceSum took its axes as an input from 13, the others from 18.
	for _, r := range []struct {
		op    string
		input int64
	}{
		{"ReduceSum", 13}, {"ReduceMax", 18}, {"ReduceMin", 18}, {"ReduceMean", 18},
		{"ReduceProd", 18}, {"ReduceL1", 18}, {"ReduceL2", 18}, {"ReduceLogSum", 18},
		{"ReduceLogSumExp", 18}, {"ReduceSumSquare", 18},
	} {
		ev := reduceEval(r.op)
		shape.Register(
			shape.Op{Type: r.op, Since: 1, Infer: inferReduce(reduceAttr), Eval: ev(reduceAttr)},
			shape.Op{Type: r.op, Since: r.input, Infer: inferReduce(reduceInput), Eval: ev(reduceInput)},
		)
	}
	shape.Register(
		shape.Op{Type: "ArgMax", Since: 1, Infer: inferArg, Eval: evalArg(true)},
		shape.Op{Type: "ArgMin", Since: 1, Infer: inferArg, Eval: evalArg(false)},
	)
}

// reducePlan is what a reduction does to its input's shape.
type reducePlan struct {
	identity bool   // empty axes with noop_with_empty_axes: the output is the input
	all      bool   // every axis is reduced
	axes     []bool // per axis, when the rank is known and axes are
	known    bool   // the axes are known
	n        int    // number of axes when only their count is known (-1: not even that)
	keep     bool
}

func readReducePlan(c *shape.Ctx, f reduceForm, rank int) (reducePlan, error) {
	p := reducePlan{keep: c.AttrInt("keepdims", 1) != 0, known: true}
	axes, _, known, n := axesOf(c, f.axesInput, 1)
	if !known {
		p.known, p.n = false, n
		return p, nil
	}
	if len(axes) == 0 {
		if f.noop && c.AttrInt("noop_with_empty_axes", 0) != 0 {
			p.identity = true
		} else {
			p.all = true
		}
		return p, nil
	}
	if rank < 0 {
		p.n = len(axes)
		return p, nil
	}
	norm, err := shape.NormAxes(axes, rank)
	if err != nil {
		return p, fmt.Errorf("axes: %w", err)
	}
	p.axes = make([]bool, rank)
	for _, a := range norm {
		p.axes[a] = true
	}
	return p, nil
}

// reducedShape applies a plan to a shape.
func (p reducePlan) reducedShape(c *shape.Ctx, in *shape.Value) *shape.Value {
	switch {
	case p.identity:
		return in.WithShape(dupDims(in.Shape))
	case p.all && !p.keep:
		return in.WithShape(nil)
	case !in.HasShape():
		return shape.UnknownRank(in.DType)
	case p.all:
		ones := make([]sym.Expr, in.Rank)
		for i := range ones {
			ones[i] = sym.Const(1)
		}
		return in.WithShape(ones)
	case !p.known:
		switch {
		case p.keep:
			return in.WithShape(freshSyms(c, in.Rank, "reduce"))
		case p.n >= 0 && p.n <= in.Rank:
			return in.WithShape(freshSyms(c, in.Rank-p.n, "reduce"))
		}
		return shape.UnknownRank(in.DType)
	}
	out := []sym.Expr{}
	for a, d := range in.Shape {
		switch {
		case !p.axes[a]:
			out = append(out, d)
		case p.keep:
			out = append(out, sym.Const(1))
		}
	}
	return in.WithShape(out)
}

func inferReduce(f reduceForm) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		p, err := readReducePlan(c, f, in.Rank)
		if err != nil {
			return err
		}
		c.SetOutput(0, p.reducedShape(c, in))
		return nil
	}
}

// reduceGroups lists, for each output element of a reduction of a tensor
// of shape dims over the marked axes, the flat indices it combines.
func reduceGroups(dims []int64, axes []bool) [][]int64 {
	od := make([]int64, len(dims))
	for i, d := range dims {
		od[i] = d
		if axes[i] {
			od[i] = 1
		}
	}
	groups := make([][]int64, numel(od))
	ost := strides(od)
	idx := make([]int64, len(dims))
	for f := range numel(dims) {
		unravel(f, dims, idx)
		var g int64
		for i, x := range idx {
			if !axes[i] {
				g += x * ost[i]
			}
		}
		groups[g] = append(groups[g], f)
	}
	return groups
}

// reduceEval returns the evaluator of a reduction. Integer Sum, Prod, Max
// and Min stay exact on symbolic entries (the sum or product of a shape
// vector is the symbolic element count).
func reduceEval(op string) func(f reduceForm) func(c *shape.Ctx) error {
	return func(f reduceForm) func(c *shape.Ctx) error {
		return func(c *shape.Ctx) error {
			dims, ok := inputDims(c, 0)
			src := c.Const(0)
			od, ook := inferredDims(c, 0)
			if !ok || !ook || src == nil {
				return nil
			}
			p, err := readReducePlan(c, f, len(dims))
			if err != nil || !p.known {
				return err
			}
			if p.identity {
				return evalCopyData(c)
			}
			axes := p.axes
			if p.all {
				axes = make([]bool, len(dims))
				for i := range axes {
					axes[i] = true
				}
			}
			dt := c.Output(0).DType
			groups := reduceGroups(dims, axes)
			out := emptyConstLike(dt, src)
			for _, g := range groups {
				switch {
				case src.Ints != nil || src.Len() == 0 && out.Ints != nil:
					v, ok := reduceInts(op, src.Ints, g)
					if !ok {
						return nil
					}
					out.Ints = append(out.Ints, v)
				case src.Floats != nil || src.Len() == 0 && out.Floats != nil:
					v, ok := reduceFloats(op, src.Floats, g)
					if !ok {
						return nil
					}
					out.Floats = append(out.Floats, roundAs(dt, v))
				default:
					return nil
				}
			}
			return c.SetConst(0, dt, od, out)
		}
	}
}

// reduceInts reduces integer entries (possibly symbolic).
func reduceInts(op string, xs []sym.Expr, g []int64) (sym.Expr, bool) {
	vals := make([]sym.Expr, len(g))
	for i, j := range g {
		vals[i] = xs[j]
	}
	switch op {
	case "ReduceSum":
		return sym.Sum(vals...), true
	case "ReduceProd":
		return sym.Product(vals...), true
	case "ReduceSumSquare":
		sq := make([]sym.Expr, len(vals))
		for i, v := range vals {
			sq[i] = v.Mul(v)
		}
		return sym.Sum(sq...), true
	case "ReduceMax", "ReduceMin":
		if len(vals) == 0 {
			return sym.Expr{}, false
		}
		r := vals[0]
		for _, v := range vals[1:] {
			if op == "ReduceMax" {
				r = sym.Max(r, v)
			} else {
				r = sym.Min(r, v)
			}
		}
		return r, true
	case "ReduceMean":
		if len(vals) == 0 {
			return sym.Expr{}, false
		}
		s := sym.Sum(vals...)
		if v, ok := s.IsConst(); ok {
			return sym.Const(v / int64(len(vals))), true // integer mean truncates
		}
		if s.Sign() >= 0 && s.Sign() <= 1 {
			return sym.FloorDiv(s, sym.Const(int64(len(vals)))), true
		}
		return sym.Expr{}, false
	case "ReduceL1":
		var acc []sym.Expr
		for _, v := range vals {
			switch v.Sign() {
			case 0, 1:
				acc = append(acc, v)
			case -1:
				acc = append(acc, v.Neg())
			default:
				return sym.Expr{}, false
			}
		}
		return sym.Sum(acc...), true
	}
	return sym.Expr{}, false
}

// reduceFloats reduces floating-point entries.
func reduceFloats(op string, xs []float64, g []int64) (float64, bool) {
	var acc float64
	switch op {
	case "ReduceProd":
		acc = 1
	case "ReduceMax":
		acc = math.Inf(-1)
	case "ReduceMin":
		acc = math.Inf(1)
	case "ReduceLogSumExp":
		acc = math.Inf(-1)
		for _, j := range g {
			acc = max(acc, xs[j])
		}
		if math.IsInf(acc, 0) {
			break
		}
		var s float64
		for _, j := range g {
			s += math.Exp(xs[j] - acc)
		}
		return acc + math.Log(s), true
	}
	for _, j := range g {
		x := xs[j]
		switch op {
		case "ReduceSum", "ReduceMean", "ReduceLogSum":
			acc += x
		case "ReduceProd":
			acc *= x
		case "ReduceMax":
			if x > acc || math.IsNaN(x) {
				acc = x
			}
		case "ReduceMin":
			if x < acc || math.IsNaN(x) {
				acc = x
			}
		case "ReduceL1":
			acc += math.Abs(x)
		case "ReduceL2", "ReduceSumSquare":
			acc += x * x
		}
	}
	switch op {
	case "ReduceMean":
		if len(g) == 0 {
			return 0, false
		}
		acc /= float64(len(g))
	case "ReduceL2":
		acc = math.Sqrt(acc)
	case "ReduceLogSum":
		acc = math.Log(acc)
	}
	return acc, true
}

// --- ArgMax, ArgMin ---

func inferArg(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	keep := c.AttrInt("keepdims", 1) != 0
	if !in.HasShape() {
		c.SetOutput(0, shape.UnknownRank(onnx.Int64))
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", 0, in.Rank)
	if err != nil {
		return err
	}
	out := []sym.Expr{}
	for a, d := range in.Shape {
		switch {
		case a != axis:
			out = append(out, d)
		case keep:
			out = append(out, sym.Const(1))
		}
	}
	c.SetOutput(0, shape.Tensor(onnx.Int64, out...))
	return nil
}

func evalArg(isMax bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, ok := inputDims(c, 0)
		src := c.Const(0)
		od, ook := inferredDims(c, 0)
		if !ok || !ook || src == nil || len(dims) == 0 {
			return nil
		}
		axis, err := axisAttrNorm(c, "axis", 0, len(dims))
		if err != nil {
			return err
		}
		last := c.AttrInt("select_last_index", 0) != 0
		axes := make([]bool, len(dims))
		axes[axis] = true
		var out []sym.Expr
		for _, g := range reduceGroups(dims, axes) {
			if len(g) == 0 {
				return nil
			}
			best := 0
			for k := 1; k < len(g); k++ {
				r, ok := cmpElems(src, g[k], g[best])
				if !ok {
					return nil
				}
				if !isMax {
					r = -r
				}
				if r > 0 || r == 0 && last {
					best = k
				}
			}
			out = append(out, sym.Const(int64(best)))
		}
		return c.SetConst(0, onnx.Int64, od, &shape.Const{Ints: out})
	}
}

// cmpElems orders two elements of known contents (symbolic integers when
// their order can be proven).
func cmpElems(cv *shape.Const, i, j int64) (int, bool) {
	switch {
	case cv.Ints != nil:
		return cmpSym(cv.Ints[i], cv.Ints[j])
	case cv.Floats != nil:
		a, b := cv.Floats[i], cv.Floats[j]
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		case a == b:
			return 0, true
		}
	}
	return 0, false
}

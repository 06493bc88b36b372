package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Transpose and Concat:
// the operators that move a tensor's elements around without looking at them.

func init() {
	shape.Register(
		shape.Op{Type: "Shape", Since: 1, Infer: inferShapeOp(false)},
		shape.Op{Type: "Shape", Since: 15, Infer: inferShapeOp(true)},
		shape.Op{Type: "Size", Since: 1, Infer: inferSize},
		shape.Op{Type: "Reshape", Since: 1, Infer: inferReshape(false), Eval: evalCopyData},
		shape.Op{Type: "Reshape", Since: 5, Infer: inferReshape(true), Eval: evalCopyData},
		shape.Op{Type: "Flatten", Since: 1, Infer: inferFlatten, Eval: evalCopyData},
		shape.Op{Type: "Squeeze", Since: 1, Infer: inferSqueeze(false), Eval: evalCopyData},
		shape.Op{Type: "Squeeze", Since: 13, Infer: inferSqueeze(true), Eval: evalCopyData},
		shape.Op{Type: "Unsqueeze", Since: 1, Infer: inferUnsqueeze(false), Eval: evalCopyData},
		shape.Op{Type: "Unsqueeze", Since: 13, Infer: inferUnsqueeze(true), Eval: evalCopyData},
		shape.Op{Type: "Transpose", Since: 1, Infer: inferTranspose, Eval: evalTranspose},
		shape.Op{Type: "Concat", Since: 1, Infer: inferConcat(true), Eval: evalConcat},
		shape.Op{Type: "Concat", Since: 4, Infer: inferConcat(false), Eval: evalConcat},
	)
}

// inferShapeOp is Shape; withRange reads the start and end attributes (15+).
// The output's contents are the input's dims, symbolic ones included, known
// whether or not the input's contents are.
func inferShapeOp(withRange bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		if !in.HasShape() {
			c.SetOutput(0, shape.Tensor(onnx.Int64, c.Fresh("rank")))
			return nil
		}
		r := int64(in.Rank)
		start, end := int64(0), r
		if withRange {
			start = clampShapeAxis(c.AttrInt("start", 0), r)
			end = clampShapeAxis(c.AttrInt("end", r), r)
		}
		n := max(end-start, 0)
		out := shape.TensorDims(onnx.Int64, n)
		out.Const = &shape.Const{Ints: dupDims(in.Shape[start : start+n])}
		c.SetOutput(0, out)
		return nil
	}
}

// clampShapeAxis maps Shape's start or end into [0, r].
func clampShapeAxis(a, r int64) int64 {
	if a < 0 {
		a += r
	}
	return min(max(a, 0), r)
}

// inferSize is Size: a scalar holding the (possibly symbolic) element count.
func inferSize(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	out := shape.Tensor(onnx.Int64)
	if n, ok := in.NumElements(); ok {
		out.Const = &shape.Const{Ints: []sym.Expr{n}}
	}
	c.SetOutput(0, out)
	return nil
}

// inferReshape is Reshape; fromInput reads the target from input 1 (5+)
// rather than the shape attribute (1-4).
func inferReshape(fromInput bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		var target []sym.Expr
		if fromInput {
			if !c.HasInput(1) {
				return errMissing(1)
			}
			t, ok := c.ConstInts(1)
			if !ok {
				if n, ok := vecLen(c.Input(1)); ok {
					c.SetOutput(0, in.WithShape(freshSyms(c, n, "reshape")))
				} else {
					c.SetOutput(0, shape.UnknownRank(in.DType))
				}
				return nil
			}
			target = t
		} else {
			a, ok := c.AttrInts("shape")
			if !ok {
				return fmt.Errorf("attribute shape is missing")
			}
			target = shape.Dims(a...)
		}
		dims, err := reshapeDims(c, in, target, c.AttrInt("allowzero", 0) != 0)
		if err != nil {
			return err
		}
		c.SetOutput(0, in.WithShape(dims))
		return nil
	}
}

// reshapeDims resolves Reshape's target: 0 copies the input's dim (unless
// allowzero), -1 is the element count divided by the other dims.
func reshapeDims(c *shape.Ctx, in *shape.Value, target []sym.Expr, allowzero bool) ([]sym.Expr, error) {
	out := make([]sym.Expr, len(target))
	infer := -1
	for i, t := range target {
		v, isConst := t.IsConst()
		switch {
		case isConst && v == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %s has more than one -1", exprList(target))
			}
			infer = i
		case isConst && v == 0 && !allowzero:
			switch {
			case !in.HasShape():
				out[i] = c.Fresh("reshape")
			case i >= in.Rank:
				return nil, fmt.Errorf("shape %s copies dim %d of a rank-%d input", exprList(target), i, in.Rank)
			default:
				out[i] = in.Shape[i]
			}
		case isConst && v < 0, t.Sign() == -1:
			return nil, fmt.Errorf("shape %s has a negative dim", exprList(target))
		default:
			out[i] = t
		}
	}
	if infer >= 0 && allowzero {
		for i, t := range target {
			if v, ok := t.IsConst(); ok && v == 0 && i != infer {
				return nil, fmt.Errorf("shape %s: -1 cannot be inferred next to a 0 with allowzero", exprList(target))
			}
		}
	}
	if !in.HasShape() {
		if infer >= 0 {
			out[infer] = c.Fresh("reshape")
		}
		return out, nil
	}
	total := sym.Product(in.Shape...)
	known := sym.Expr{}
	if infer >= 0 {
		known = sym.Product(append(dupDims(out[:infer]), out[infer+1:]...)...)
	} else {
		known = sym.Product(out...)
	}
	tv, tok := total.IsConst()
	kv, kok := known.IsConst()
	if infer < 0 {
		if tok && kok && tv != kv {
			return nil, fmt.Errorf("cannot reshape %s (%d elements) to %s (%d elements)", shape.ShapeString(in), tv, exprList(out), kv)
		}
		return out, nil
	}
	switch {
	case kok && kv == 0:
		return nil, fmt.Errorf("cannot infer -1 in %s: the other dims have no elements", exprList(target))
	case tok && kok && tv%kv != 0:
		return nil, fmt.Errorf("cannot reshape %s (%d elements) to %s: %d is not a multiple of %d", shape.ShapeString(in), tv, exprList(target), tv, kv)
	}
	out[infer] = sym.FloorDiv(total, known)
	return out, nil
}

// exprList formats a list of expressions like a shape.
func exprList(xs []sym.Expr) string {
	return shape.ShapeString(shape.Tensor(onnx.Undefined, xs...))
}

// inferFlatten is Flatten: [prod(d[:axis]), prod(d[axis:])].
func inferFlatten(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	axis := c.AttrInt("axis", 1)
	if !in.HasShape() {
		c.SetOutput(0, in.WithShape(freshSyms(c, 2, "flatten")))
		return nil
	}
	r := int64(in.Rank)
	if axis < -r || axis > r {
		return fmt.Errorf("attribute axis %d out of range for rank %d", axis, r)
	}
	if axis < 0 {
		axis += r
	}
	c.SetOutput(0, in.WithShape([]sym.Expr{sym.Product(in.Shape[:axis]...), sym.Product(in.Shape[axis:]...)}))
	return nil
}

// axesOf reads the axes of Squeeze, Unsqueeze and the reductions: the axes
// attribute, or input i when fromInput. present says whether axes were given
// at all; known whether their values are; n is their count when known or
// when only input i's length is (-1 otherwise).
func axesOf(c *shape.Ctx, fromInput bool, i int) (axes []int64, present, known bool, n int) {
	if !fromInput {
		a, ok := c.AttrInts("axes")
		return a, ok, true, len(a)
	}
	if !c.HasInput(i) {
		return nil, false, true, 0
	}
	a, ok := c.ConstInt64s(i)
	if ok {
		return a, true, true, len(a)
	}
	if l, ok := vecLen(c.Input(i)); ok {
		return nil, true, false, l
	}
	return nil, true, false, -1
}

// inferSqueeze is Squeeze; fromInput reads axes from input 1 (13+).
func inferSqueeze(fromInput bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		axes, present, known, n := axesOf(c, fromInput, 1)
		if !in.HasShape() {
			c.SetOutput(0, shape.UnknownRank(in.DType))
			return nil
		}
		if !known {
			if n < 0 || n > in.Rank {
				c.SetOutput(0, shape.UnknownRank(in.DType))
			} else {
				c.SetOutput(0, in.WithShape(freshSyms(c, in.Rank-n, "squeeze")))
			}
			return nil
		}
		drop := make([]bool, in.Rank)
		if present && len(axes) > 0 {
			norm, err := shape.NormAxes(axes, in.Rank)
			if err != nil {
				return fmt.Errorf("axes: %w", err)
			}
			for _, a := range norm {
				if v, ok := in.Shape[a].IsConst(); ok && v != 1 {
					return fmt.Errorf("cannot squeeze axis %d of size %d", a, v)
				}
				drop[a] = true
			}
		} else {
			for a, d := range in.Shape {
				v, ok := d.IsConst()
				if !ok {
					// A symbolic dim may or may not be 1: the rank is not known.
					c.Note("squeeze without axes of symbolic dim %s", d)
					c.SetOutput(0, shape.UnknownRank(in.DType))
					return nil
				}
				drop[a] = v == 1
			}
		}
		out := []sym.Expr{}
		for a, d := range in.Shape {
			if !drop[a] {
				out = append(out, d)
			}
		}
		c.SetOutput(0, in.WithShape(out))
		return nil
	}
}

// inferUnsqueeze is Unsqueeze; fromInput reads axes from input 1 (13+).
func inferUnsqueeze(fromInput bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		axes, present, known, n := axesOf(c, fromInput, 1)
		if !present {
			if fromInput {
				return errMissing(1)
			}
			return fmt.Errorf("attribute axes is missing")
		}
		if !in.HasShape() || !known && n < 0 {
			c.SetOutput(0, shape.UnknownRank(in.DType))
			return nil
		}
		r := in.Rank + n
		if !known {
			c.SetOutput(0, in.WithShape(freshSyms(c, r, "unsqueeze")))
			return nil
		}
		norm, err := shape.NormAxes(axes, r)
		if err != nil {
			return fmt.Errorf("axes: %w", err)
		}
		ins := make([]bool, r)
		for _, a := range norm {
			ins[a] = true
		}
		out := make([]sym.Expr, 0, r)
		j := 0
		for a := range r {
			if ins[a] {
				out = append(out, sym.Const(1))
			} else {
				out = append(out, in.Shape[j])
				j++
			}
		}
		c.SetOutput(0, in.WithShape(out))
		return nil
	}
}

// transposePerm returns the permutation of Transpose (reversed axes by default).
func transposePerm(c *shape.Ctx, rank int) ([]int, error) {
	p, ok := c.AttrInts("perm")
	perm := make([]int, rank)
	if !ok {
		for i := range perm {
			perm[i] = rank - 1 - i
		}
		return perm, nil
	}
	if len(p) != rank {
		return nil, fmt.Errorf("perm %v has %d entries for rank %d", p, len(p), rank)
	}
	norm, err := shape.NormAxes(p, rank)
	if err != nil {
		return nil, fmt.Errorf("perm: %w", err)
	}
	copy(perm, norm)
	return perm, nil
}

func inferTranspose(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if !in.HasShape() {
		if p, ok := c.AttrInts("perm"); ok {
			c.SetOutput(0, in.WithShape(freshSyms(c, len(p), "transpose")))
		} else {
			c.SetOutput(0, shape.UnknownRank(in.DType))
		}
		return nil
	}
	perm, err := transposePerm(c, in.Rank)
	if err != nil {
		return err
	}
	out := make([]sym.Expr, in.Rank)
	for i, p := range perm {
		out[i] = in.Shape[p]
	}
	c.SetOutput(0, in.WithShape(out))
	return nil
}

func evalTranspose(c *shape.Ctx) error {
	dims, ok := inputDims(c, 0)
	src := c.Const(0)
	if !ok || src == nil {
		return nil
	}
	perm, err := transposePerm(c, len(dims))
	if err != nil {
		return err
	}
	od := make([]int64, len(dims))
	for i, p := range perm {
		od[i] = dims[p]
	}
	n := numel(od)
	st := strides(dims)
	idx := make([]int64, len(od))
	src2 := make([]int64, n)
	for f := range n {
		unravel(f, od, idx)
		var j int64
		for i, p := range perm {
			j += idx[i] * st[p]
		}
		src2[f] = j
	}
	return c.SetConst(0, c.Output(0).DType, od, take(src, src2))
}

// inferConcat is Concat; axisDefault1 is version 1, where axis defaulted to 1.
func inferConcat(axisDefault1 bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		if c.NumInputs() == 0 {
			return fmt.Errorf("no inputs")
		}
		var ref *shape.Value
		dt := onnx.Undefined
		for i := range c.NumInputs() {
			v, err := reqIn(c, i)
			if err != nil {
				return err
			}
			if dt == onnx.Undefined {
				dt = v.DType
			}
			if ref == nil && v.HasShape() {
				ref = v
			}
		}
		if c.Attr("axis") == nil && !axisDefault1 {
			return fmt.Errorf("attribute axis is missing")
		}
		if ref == nil {
			c.SetOutput(0, shape.UnknownRank(dt))
			return nil
		}
		axis, err := axisAttrNorm(c, "axis", 1, ref.Rank)
		if err != nil {
			return err
		}
		out := dupDims(ref.Shape)
		var parts []sym.Expr
		for i := range c.NumInputs() {
			v := c.Input(i)
			if !v.HasShape() {
				parts = nil
				out[axis] = c.Fresh("concat")
				break
			}
			if v.Rank != ref.Rank {
				return fmt.Errorf("input %d has rank %d, input 0 rank %d", i, v.Rank, ref.Rank)
			}
			for a, d := range v.Shape {
				if a == axis {
					continue
				}
				m, err := unifyDim(out[a], d)
				if err != nil {
					return fmt.Errorf("input %d, axis %d: %w", i, a, err)
				}
				out[a] = m
			}
			parts = append(parts, v.Shape[axis])
		}
		if parts != nil {
			out[axis] = sym.Sum(parts...)
		}
		c.SetOutput(0, shape.Tensor(dt, out...))
		return nil
	}
}

func evalConcat(c *shape.Ctx) error {
	od, ok := inferredDims(c, 0)
	if !ok {
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", 1, len(od))
	if err != nil {
		return err
	}
	srcs := make([]*shape.Const, c.NumInputs())
	dims := make([][]int64, c.NumInputs())
	for i := range srcs {
		srcs[i] = c.Const(i)
		d, ok := inputDims(c, i)
		if !ok || srcs[i] == nil {
			return nil
		}
		dims[i] = d
	}
	if overLimit(c, numel(od)) {
		return nil
	}
	dt := c.Output(0).DType
	out := emptyConstLike(dt, srcs...)
	outer := numel(od[:axis])
	for o := range outer {
		for i, s := range srcs {
			block := numel(dims[i][axis:])
			if !appendConstRange(out, s, o*block, (o+1)*block) {
				return fmt.Errorf("inputs hold different kinds of values")
			}
		}
	}
	return c.SetConst(0, dt, od, out)
}

package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Slice, Gather, GatherElements, GatherND, Scatter, ScatterElements,
// ScatterND and TensorScatter.

func init() {
	shape.Register(
		shape.Op{Type: "Slice", Since: 1, Infer: inferSlice(false), Eval: evalSlice(false)},
		shape.Op{Type: "Slice", Since: 10, Infer: inferSlice(true), Eval: evalSlice(true)},
		shape.Op{Type: "Gather", Since: 1, Infer: inferGather, Eval: evalGather},
		shape.Op{Type: "GatherElements", Since: 11, Infer: inferGatherElements, Eval: evalGatherElements},
		shape.Op{Type: "GatherND", Since: 11, Infer: inferGatherND, Eval: evalGatherND},
		shape.Op{Type: "Scatter", Since: 9, Infer: inferScatter, Eval: evalScatterElements},
		shape.Op{Type: "ScatterElements", Since: 11, Infer: inferScatter, Eval: evalScatterElements},
		shape.Op{Type: "ScatterND", Since: 11, Infer: inferScatter, Eval: evalScatterND},
		shape.Op{Type: "TensorScatter", Since: 24, Infer: inferScatter},
	)
}

// --- Slice ---

// sliceEnd is the magnitude from which a start or end means "past the end
// of the axis" (exporters write INT_MAX or INT64_MAX for "to the end" and
// their negatives for "to the beginning"); no real dim reaches it.
const sliceEnd = math.MaxInt32

// sliceArgs holds a Slice's parameters per sliced axis.
type sliceArgs struct {
	axes                []int
	starts, ends, steps []sym.Expr
}

// readSlice collects the parameters of a Slice from attributes (before 10)
// or inputs (10 on). known is false when some are not known.
func readSlice(c *shape.Ctx, fromInputs bool, rank int) (a sliceArgs, known bool, err error) {
	var axes []int64
	hasAxes := false
	if fromInputs {
		for i := 1; i <= 2; i++ {
			if !c.HasInput(i) {
				return a, false, errMissing(i)
			}
		}
		var ok1, ok2 bool
		a.starts, ok1 = c.ConstInts(1)
		a.ends, ok2 = c.ConstInts(2)
		if !ok1 || !ok2 {
			return a, false, nil
		}
		if c.HasInput(3) {
			ax, ok := c.ConstInt64s(3)
			if !ok {
				return a, false, nil
			}
			axes, hasAxes = ax, true
		}
		if c.HasInput(4) {
			st, ok := c.ConstInts(4)
			if !ok {
				return a, false, nil
			}
			a.steps = st
		}
	} else {
		s, ok1 := c.AttrInts("starts")
		e, ok2 := c.AttrInts("ends")
		if !ok1 || !ok2 {
			return a, false, fmt.Errorf("attributes starts and ends are required")
		}
		a.starts, a.ends = shape.Dims(s...), shape.Dims(e...)
		axes, hasAxes = c.AttrInts("axes")
	}
	n := len(a.starts)
	if len(a.ends) != n {
		return a, false, fmt.Errorf("%d starts but %d ends", n, len(a.ends))
	}
	if !hasAxes {
		axes = make([]int64, n)
		for i := range axes {
			axes[i] = int64(i)
		}
	}
	if len(axes) != n {
		return a, false, fmt.Errorf("%d starts but %d axes", n, len(axes))
	}
	if a.steps == nil {
		a.steps = make([]sym.Expr, n)
		for i := range a.steps {
			a.steps[i] = sym.Const(1)
		}
	}
	if len(a.steps) != n {
		return a, false, fmt.Errorf("%d starts but %d steps", n, len(a.steps))
	}
	if rank >= 0 {
		if a.axes, err = shape.NormAxes(axes, rank); err != nil {
			return a, false, fmt.Errorf("axes: %w", err)
		}
	}
	for _, s := range a.steps {
		if v, ok := s.IsConst(); ok && v == 0 {
			return a, false, fmt.Errorf("slice step cannot be 0")
		}
	}
	return a, true, nil
}

// sliceRange clamps a slice of a concrete axis of length d like ONNX does,
// returning the first index and the element count.
func sliceRange(d, start, end, step int64) (first, count int64) {
	clamp := func(v, lo, hi int64) int64 { return min(max(v, lo), hi) }
	if start < 0 {
		start = max(start, -d-1) + d
	}
	if end < 0 {
		end = max(end, -d-2) + d
	}
	if step > 0 {
		start, end = clamp(start, 0, d), clamp(end, 0, d)
		if end <= start {
			return start, 0
		}
		return start, (end-start-1)/step + 1
	}
	start, end = clamp(start, 0, d-1), clamp(end, -1, d-1)
	if start <= end {
		return start, 0
	}
	return start, (start-end-1)/(-step) + 1
}

// symBound clamps a start or end of a symbolic axis of length d: the
// result is v clamped into [lo, d+hiOff] after adding d to a negative v.
// It fails when v's sign cannot be told.
func symBound(v, d sym.Expr, lo, hiOff int64) (sym.Expr, bool) {
	hi := d.AddInt(hiOff)
	if k, ok := v.IsConst(); ok {
		switch {
		case k >= sliceEnd:
			return hi, true
		case k <= -sliceEnd:
			return sym.Const(lo), true
		case k >= 0:
			return sym.Min(v, hi), true
		}
		return sym.Max(d.AddInt(k), sym.Const(lo)), true
	}
	switch {
	case v.AddInt(1).Sign() == 1: // v >= 0
		return sym.Min(v, hi), true
	case v.Sign() == -1:
		return sym.Max(d.Add(v), sym.Const(lo)), true
	}
	return sym.Expr{}, false
}

// sliceDim is the length of a slice of an axis of length d (both may be
// symbolic), or false when it cannot be expressed.
func sliceDim(d, start, end, step sym.Expr) (sym.Expr, bool) {
	st, ok := step.IsConst()
	if !ok || st == 0 {
		return sym.Expr{}, false
	}
	dv, dok := d.IsConst()
	sv, sok := start.IsConst()
	ev, eok := end.IsConst()
	if dok && sok && eok {
		_, n := sliceRange(dv, sv, ev, st)
		return sym.Const(n), true
	}
	if st > 0 {
		s, ok1 := symBound(start, d, 0, 0)
		e, ok2 := symBound(end, d, 0, 0)
		if !ok1 || !ok2 {
			return sym.Expr{}, false
		}
		return sym.CeilDiv(sym.Max(e.Sub(s), sym.Const(0)), sym.Const(st)), true
	}
	s, ok1 := symBound(start, d, 0, -1)
	e, ok2 := symBound(end, d, -1, -1)
	if !ok1 || !ok2 {
		return sym.Expr{}, false
	}
	return sym.CeilDiv(sym.Max(s.Sub(e), sym.Const(0)), sym.Const(-st)), true
}

func inferSlice(fromInputs bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		a, known, err := readSlice(c, fromInputs, in.Rank)
		if err != nil {
			return err
		}
		if !in.HasShape() {
			c.SetOutput(0, shape.UnknownRank(in.DType))
			return nil
		}
		out := dupDims(in.Shape)
		if !known {
			// Which axes are sliced is known when axes are given (or default
			// to the first len(starts)); their lengths are not.
			sliced := make([]bool, in.Rank)
			if ax, ok := c.ConstInt64s(3); ok && c.HasInput(3) {
				norm, err := shape.NormAxes(ax, in.Rank)
				if err != nil {
					return fmt.Errorf("axes: %w", err)
				}
				for _, x := range norm {
					sliced[x] = true
				}
			} else if n, ok := vecLen(c.Input(1)); ok && !c.HasInput(3) && n <= in.Rank {
				for i := range n {
					sliced[i] = true
				}
			} else {
				for i := range sliced {
					sliced[i] = true
				}
			}
			for i, s := range sliced {
				if s {
					out[i] = c.Fresh("slice")
				}
			}
			c.SetOutput(0, in.WithShape(out))
			return nil
		}
		for i, ax := range a.axes {
			n, ok := sliceDim(in.Shape[ax], a.starts[i], a.ends[i], a.steps[i])
			if !ok {
				n = c.Fresh("slice")
			}
			out[ax] = n
		}
		c.SetOutput(0, in.WithShape(out))
		return nil
	}
}

func evalSlice(fromInputs bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, ok := inputDims(c, 0)
		src := c.Const(0)
		if !ok || src == nil {
			return nil
		}
		a, known, err := readSlice(c, fromInputs, len(dims))
		if err != nil || !known {
			return err
		}
		first := make([]int64, len(dims))
		step := make([]int64, len(dims))
		od := append([]int64{}, dims...)
		for i := range step {
			step[i] = 1
		}
		for i, ax := range a.axes {
			s, ok1 := a.starts[i].IsConst()
			e, ok2 := a.ends[i].IsConst()
			st, ok3 := a.steps[i].IsConst()
			if !ok1 || !ok2 || !ok3 {
				return nil
			}
			first[ax], od[ax] = sliceRange(dims[ax], s, e, st)
			step[ax] = st
		}
		pick := coordMap(od, dims, func(k int, i int64) int64 { return first[k] + i*step[k] })
		return c.SetConst(0, c.Output(0).DType, od, take(src, pick))
	}
}

// --- Gather family ---

// dataIndices returns the data and indices inputs of a gather.
func dataIndices(c *shape.Ctx) (data, ind *shape.Value, err error) {
	if data, err = reqIn(c, 0); err == nil {
		ind, err = reqIn(c, 1)
	}
	return data, ind, err
}

func inferGather(c *shape.Ctx) error {
	data, ind, err := dataIndices(c)
	if err != nil {
		return err
	}
	if !data.HasShape() || !ind.HasShape() {
		c.SetOutput(0, shape.UnknownRank(data.DType))
		return nil
	}
	if data.Rank == 0 {
		return fmt.Errorf("input 0 (data) is a scalar")
	}
	axis, err := axisAttrNorm(c, "axis", 0, data.Rank)
	if err != nil {
		return err
	}
	out := make([]sym.Expr, 0, data.Rank-1+ind.Rank)
	out = append(out, data.Shape[:axis]...)
	out = append(out, ind.Shape...)
	out = append(out, data.Shape[axis+1:]...)
	c.SetOutput(0, data.WithShape(out))
	return nil
}

func evalGather(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	idims, ok2 := inputDims(c, 1)
	src := c.Const(0)
	ind, ok3 := concreteIndices(c.Const(1))
	if !ok1 || !ok2 || !ok3 || src == nil {
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", 0, len(dims))
	if err != nil {
		return err
	}
	outer, d, inner := numel(dims[:axis]), dims[axis], numel(dims[axis+1:])
	n := outer * int64(len(ind)) * inner
	if overLimit(c, n) {
		return nil
	}
	pick := make([]int64, 0, n)
	for o := range outer {
		for _, x := range ind {
			x, ok := wrapIndex(x, d)
			if !ok {
				return fmt.Errorf("index %d out of range for axis of %d", x, d)
			}
			for i := range inner {
				pick = append(pick, (o*d+x)*inner+i)
			}
		}
	}
	od := append(append(append([]int64{}, dims[:axis]...), idims...), dims[axis+1:]...)
	return c.SetConst(0, c.Output(0).DType, od, take(src, pick))
}

func inferGatherElements(c *shape.Ctx) error {
	data, ind, err := dataIndices(c)
	if err != nil {
		return err
	}
	if data.HasShape() && ind.HasShape() {
		if data.Rank != ind.Rank {
			return fmt.Errorf("indices of rank %d for data of rank %d", ind.Rank, data.Rank)
		}
		if _, err := axisAttrNorm(c, "axis", 0, data.Rank); err != nil {
			return err
		}
	}
	if !ind.HasShape() {
		c.SetOutput(0, shape.UnknownRank(data.DType))
		return nil
	}
	c.SetOutput(0, data.WithShape(dupDims(ind.Shape)))
	return nil
}

// elementsMap returns, for each element of an index tensor of shape idims,
// the flat position in a tensor of shape dims that it addresses along axis
// (GatherElements and ScatterElements).
func elementsMap(dims, idims []int64, axis int, ind []int64) ([]int64, error) {
	if len(dims) != len(idims) {
		return nil, fmt.Errorf("indices of rank %d for data of rank %d", len(idims), len(dims))
	}
	st := strides(dims)
	idx := make([]int64, len(idims))
	out := make([]int64, len(ind))
	for f, x := range ind {
		unravel(int64(f), idims, idx)
		x, ok := wrapIndex(x, dims[axis])
		if !ok {
			return nil, fmt.Errorf("index %d out of range for axis of %d", ind[f], dims[axis])
		}
		var j int64
		for k, i := range idx {
			if k == axis {
				i = x
			} else if i >= dims[k] {
				return nil, fmt.Errorf("indices shape %v exceeds data shape %v", idims, dims)
			}
			j += i * st[k]
		}
		out[f] = j
	}
	return out, nil
}

func evalGatherElements(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	idims, ok2 := inputDims(c, 1)
	src := c.Const(0)
	ind, ok3 := concreteIndices(c.Const(1))
	if !ok1 || !ok2 || !ok3 || src == nil {
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", 0, len(dims))
	if err != nil {
		return err
	}
	pick, err := elementsMap(dims, idims, axis, ind)
	if err != nil {
		return err
	}
	return c.SetConst(0, c.Output(0).DType, idims, take(src, pick))
}

func inferGatherND(c *shape.Ctx) error {
	data, ind, err := dataIndices(c)
	if err != nil {
		return err
	}
	b := int(c.AttrInt("batch_dims", 0))
	if !data.HasShape() || !ind.HasShape() {
		c.SetOutput(0, shape.UnknownRank(data.DType))
		return nil
	}
	q, r := ind.Rank, data.Rank
	if q < 1 || r < 1 || b < 0 || b >= min(q, r) {
		return fmt.Errorf("batch_dims %d invalid for data rank %d and indices rank %d", b, r, q)
	}
	last, ok := ind.Shape[q-1].IsConst()
	if !ok {
		c.SetOutput(0, shape.UnknownRank(data.DType))
		return nil
	}
	if last < 1 || int64(b)+last > int64(r) {
		return fmt.Errorf("indices' last dim %d too large for data rank %d with batch_dims %d", last, r, b)
	}
	out := append(dupDims(ind.Shape[:q-1]), data.Shape[b+int(last):]...)
	c.SetOutput(0, data.WithShape(out))
	return nil
}

// ndMap returns, for GatherND/ScatterND, the flat offset in data of the
// slice each index tuple selects, and the slice size.
func ndMap(dims, idims []int64, b int, ind []int64) (offs []int64, slice int64, err error) {
	q := len(idims)
	last := idims[q-1]
	if last < 1 || b+int(last) > len(dims) {
		return nil, 0, fmt.Errorf("indices' last dim %d too large for data rank %d", last, len(dims))
	}
	for i := range b {
		if idims[i] != dims[i] {
			return nil, 0, fmt.Errorf("batch dims of indices %v and data %v differ", idims, dims)
		}
	}
	st := strides(dims)
	slice = numel(dims[b+int(last):])
	batchInner := numel(idims[b : q-1]) // tuples per batch entry
	nt := numel(idims[:q-1])
	offs = make([]int64, nt)
	bidx := make([]int64, b)
	for t := range nt {
		bi := t / max(batchInner, 1)
		var off int64
		// flat batch index → data offset over the batch dims
		unravel(bi, dims[:b], bidx)
		for k := range b {
			off += bidx[k] * st[k]
		}
		for k := range last {
			x, ok := wrapIndex(ind[t*last+k], dims[b+int(k)])
			if !ok {
				return nil, 0, fmt.Errorf("index %d out of range for axis of %d", ind[t*last+k], dims[b+int(k)])
			}
			off += x * st[b+int(k)]
		}
		offs[t] = off
	}
	return offs, slice, nil
}

func evalGatherND(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	idims, ok2 := inputDims(c, 1)
	src := c.Const(0)
	ind, ok3 := concreteIndices(c.Const(1))
	od, ok4 := inferredDims(c, 0)
	if !ok1 || !ok2 || !ok3 || !ok4 || src == nil || overLimit(c, numel(od)) {
		return nil
	}
	offs, slice, err := ndMap(dims, idims, int(c.AttrInt("batch_dims", 0)), ind)
	if err != nil {
		return err
	}
	pick := make([]int64, 0, int64(len(offs))*slice)
	for _, o := range offs {
		for i := range slice {
			pick = append(pick, o+i)
		}
	}
	return c.SetConst(0, c.Output(0).DType, od, take(src, pick))
}

// --- Scatter family ---

// inferScatter gives the output the data's type and shape.
func inferScatter(c *shape.Ctx) error {
	if _, err := reqIn(c, 0); err != nil {
		return err
	}
	return c.SameAsInput(0, 0)
}

// combineConst combines dst[i] with src[j] by a scatter reduction.
func combineConst(dst *shape.Const, i int64, src *shape.Const, j int64, red string) error {
	if red == "" || red == "none" {
		setConstElem(dst, i, src, j)
		return nil
	}
	switch {
	case dst.Ints != nil:
		a, b := dst.Ints[i], src.Ints[j]
		switch red {
		case "add":
			dst.Ints[i] = a.Add(b)
		case "mul":
			dst.Ints[i] = a.Mul(b)
		case "max":
			dst.Ints[i] = sym.Max(a, b)
		case "min":
			dst.Ints[i] = sym.Min(a, b)
		default:
			return fmt.Errorf("unknown reduction %q", red)
		}
	case dst.Floats != nil:
		a, b := dst.Floats[i], src.Floats[j]
		switch red {
		case "add":
			dst.Floats[i] = a + b
		case "mul":
			dst.Floats[i] = a * b
		case "max":
			dst.Floats[i] = math.Max(a, b)
		case "min":
			dst.Floats[i] = math.Min(a, b)
		default:
			return fmt.Errorf("unknown reduction %q", red)
		}
	default:
		return fmt.Errorf("reduction %q on strings", red)
	}
	return nil
}

func evalScatterElements(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	idims, ok2 := inputDims(c, 1)
	data, upd := c.Const(0), c.Const(2)
	ind, ok3 := concreteIndices(c.Const(1))
	if !ok1 || !ok2 || !ok3 || data == nil || upd == nil {
		return nil
	}
	if !sameConstKind(data, upd) || upd.Len() != len(ind) {
		return fmt.Errorf("updates do not match indices")
	}
	axis, err := axisAttrNorm(c, "axis", 0, len(dims))
	if err != nil {
		return err
	}
	pos, err := elementsMap(dims, idims, axis, ind)
	if err != nil {
		return err
	}
	out := cloneConstData(data)
	red := c.AttrString("reduction", "none")
	for j, p := range pos {
		if err := combineConst(out, p, upd, int64(j), red); err != nil {
			return err
		}
	}
	return c.SetConst(0, c.Input(0).DType, dims, out)
}

func evalScatterND(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	idims, ok2 := inputDims(c, 1)
	data, upd := c.Const(0), c.Const(2)
	ind, ok3 := concreteIndices(c.Const(1))
	if !ok1 || !ok2 || !ok3 || data == nil || upd == nil || len(idims) == 0 {
		return nil
	}
	if !sameConstKind(data, upd) {
		return fmt.Errorf("updates and data hold different kinds of values")
	}
	offs, slice, err := ndMap(dims, idims, 0, ind)
	if err != nil {
		return err
	}
	if int64(upd.Len()) != int64(len(offs))*slice {
		return fmt.Errorf("%d updates for %d slices of %d", upd.Len(), len(offs), slice)
	}
	out := cloneConstData(data)
	red := c.AttrString("reduction", "none")
	for t, o := range offs {
		for i := range slice {
			if err := combineConst(out, o+i, upd, int64(t)*slice+i, red); err != nil {
				return err
			}
		}
	}
	return c.SetConst(0, c.Input(0).DType, dims, out)
}

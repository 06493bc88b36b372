package ops

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// NonZero, Compress, Unique, TopK, OneHot and ReverseSequence: the
// operators that select elements by their values.

func init() {
	shape.Register(
		shape.Op{Type: "NonZero", Since: 9, Infer: inferNonZero, Eval: evalNonZero},
		shape.Op{Type: "Compress", Since: 9, Infer: inferCompress, Eval: evalCompress},
		shape.Op{Type: "Unique", Since: 11, Infer: inferUnique, Eval: evalUnique},
		shape.Op{Type: "TopK", Since: 1, Infer: inferTopK(false), Eval: evalTopK(false)},
		shape.Op{Type: "TopK", Since: 10, Infer: inferTopK(true), Eval: evalTopK(true)},
		shape.Op{Type: "OneHot", Since: 9, Infer: inferOneHot, Eval: evalOneHot},
		shape.Op{Type: "ReverseSequence", Since: 10, Infer: inferReverseSequence, Eval: evalReverseSequence},
	)
}

// elemKey is a comparable view of one element of known contents: concrete
// integers, floats or strings. ok is false for symbolic integers.
type elemKeys struct {
	ints   []int64
	floats []float64
	strs   []string
}

func keysOf(cv *shape.Const) (elemKeys, bool) {
	switch {
	case cv.Ints != nil:
		v, ok := concreteShape(cv.Ints)
		return elemKeys{ints: v}, ok
	case cv.Floats != nil:
		return elemKeys{floats: cv.Floats}, true
	case cv.Strs != nil:
		return elemKeys{strs: cv.Strs}, true
	}
	return elemKeys{ints: []int64{}}, true
}

func (k elemKeys) cmp(i, j int64) int {
	switch {
	case k.ints != nil:
		return cmp.Compare(k.ints[i], k.ints[j])
	case k.floats != nil:
		return cmp.Compare(k.floats[i], k.floats[j])
	}
	return cmp.Compare(k.strs[i], k.strs[j])
}

// isNonzero reports whether element i is not zero (not empty for
// strings); symbolic integers count when their sign is known.
func isNonzero(cv *shape.Const, i int64) (nz, ok bool) {
	switch {
	case cv.Ints != nil:
		s := cv.Ints[i].Sign()
		return s != 0, s != 2
	case cv.Floats != nil:
		return cv.Floats[i] != 0, true
	}
	return cv.Strs[i] != "", true
}

// --- NonZero ---

func inferNonZero(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	r := c.Fresh("rank")
	if in.HasShape() {
		r = sym.Const(int64(max(in.Rank, 1)))
	}
	c.SetOutput(0, shape.Tensor(onnx.Int64, r, c.Fresh("nonzero")))
	return nil
}

func evalNonZero(c *shape.Ctx) error {
	dims, ok := inputDims(c, 0)
	src := c.Const(0)
	if !ok || src == nil {
		return nil
	}
	if len(dims) == 0 {
		dims = []int64{1} // a scalar counts as a one-element vector
	}
	var hits []int64
	for f := range int64(src.Len()) {
		nz, ok := isNonzero(src, f)
		if !ok {
			return nil
		}
		if nz {
			hits = append(hits, f)
		}
	}
	r, n := int64(len(dims)), int64(len(hits))
	if overLimit(c, r*n) {
		return nil
	}
	out := make([]sym.Expr, r*n)
	idx := make([]int64, r)
	for j, f := range hits {
		unravel(f, dims, idx)
		for k, i := range idx {
			out[int64(k)*n+int64(j)] = sym.Const(i)
		}
	}
	return c.SetConst(0, onnx.Int64, []int64{r, n}, &shape.Const{Ints: out})
}

// --- Compress ---

// compressCount is how many of the first limit entries of a known
// condition are true (limit < 0: all).
func compressCount(cond []int64, limit int64) int64 {
	var n int64
	for i, v := range cond {
		if limit >= 0 && int64(i) >= limit {
			break
		}
		if v != 0 {
			n++
		}
	}
	return n
}

func inferCompress(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if _, err := reqIn(c, 1); err != nil {
		return err
	}
	cond, known := c.ConstInt64s(1)
	count := func(d sym.Expr) sym.Expr {
		if !known {
			return c.Fresh("compress")
		}
		if dv, ok := d.IsConst(); ok {
			return sym.Const(compressCount(cond, dv))
		}
		// A longer condition than the axis is invalid: count all of it.
		return sym.Const(compressCount(cond, -1))
	}
	if c.Attr("axis") == nil {
		n := sym.Const(-1)
		if in.HasShape() {
			n = sym.Product(in.Shape...)
		}
		c.SetOutput(0, in.WithShape([]sym.Expr{count(n)}))
		return nil
	}
	if !in.HasShape() {
		c.SetOutput(0, shape.UnknownRank(in.DType))
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", 0, in.Rank)
	if err != nil {
		return err
	}
	out := dupDims(in.Shape)
	out[axis] = count(in.Shape[axis])
	c.SetOutput(0, in.WithShape(out))
	return nil
}

func evalCompress(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	src := c.Const(0)
	cond, ok2 := concreteIndices(c.Const(1))
	if !ok1 || !ok2 || src == nil {
		return nil
	}
	if c.Attr("axis") == nil {
		var pick []int64
		for i, v := range cond {
			if int64(i) < int64(src.Len()) && v != 0 {
				pick = append(pick, int64(i))
			}
		}
		return c.SetConst(0, c.Output(0).DType, []int64{int64(len(pick))}, take(src, pick))
	}
	axis, err := axisAttrNorm(c, "axis", 0, len(dims))
	if err != nil {
		return err
	}
	var keep []int64
	for i, v := range cond {
		if int64(i) < dims[axis] && v != 0 {
			keep = append(keep, int64(i))
		}
	}
	outer, inner := numel(dims[:axis]), numel(dims[axis+1:])
	pick := make([]int64, 0, outer*int64(len(keep))*inner)
	for o := range outer {
		for _, k := range keep {
			for i := range inner {
				pick = append(pick, (o*dims[axis]+k)*inner+i)
			}
		}
	}
	od := append([]int64{}, dims...)
	od[axis] = int64(len(keep))
	return c.SetConst(0, c.Output(0).DType, od, take(src, pick))
}

// --- Unique ---

func inferUnique(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	n := c.Fresh("unique")
	var y *shape.Value
	var inv sym.Expr
	if c.Attr("axis") == nil {
		y = in.WithShape([]sym.Expr{n})
		if num, ok := in.NumElements(); ok {
			inv = num
		} else {
			inv = c.Fresh("numel")
		}
	} else if !in.HasShape() {
		y = shape.UnknownRank(in.DType)
		inv = c.Fresh("unique_axis")
	} else {
		axis, err := axisAttrNorm(c, "axis", 0, in.Rank)
		if err != nil {
			return err
		}
		out := dupDims(in.Shape)
		out[axis] = n
		y = in.WithShape(out)
		inv = in.Shape[axis]
	}
	c.SetOutput(0, y)
	c.SetOutput(1, shape.Tensor(onnx.Int64, n))
	c.SetOutput(2, shape.Tensor(onnx.Int64, inv))
	c.SetOutput(3, shape.Tensor(onnx.Int64, n))
	return nil
}

func evalUnique(c *shape.Ctx) error {
	dims, ok := inputDims(c, 0)
	src := c.Const(0)
	if !ok || src == nil {
		return nil
	}
	keys, ok := keysOf(src)
	if !ok {
		return nil
	}
	// Slices to compare: single elements, or the sub-tensors along axis.
	outer, d, inner := int64(1), int64(src.Len()), int64(1)
	axis := -1
	if c.Attr("axis") != nil {
		a, err := axisAttrNorm(c, "axis", 0, len(dims))
		if err != nil {
			return err
		}
		axis = a
		outer, d, inner = numel(dims[:a]), dims[a], numel(dims[a+1:])
	}
	elem := func(s, k int64) int64 { // k-th element of slice s in row-major order of the slice
		o, i := k/inner, k%inner
		return (o*d+s)*inner + i
	}
	size := outer * inner
	cmpSlices := func(a, b int64) int {
		for k := range size {
			if r := keys.cmp(elem(a, k), elem(b, k)); r != 0 {
				return r
			}
		}
		return 0
	}
	// Sort the slices (stably, so each group of equal ones starts with its
	// first occurrence), group equal neighbours, then order the groups.
	order := make([]int64, d)
	for s := range order {
		order[s] = int64(s)
	}
	slices.SortStableFunc(order, cmpSlices)
	var firsts []int64
	inverse := make([]int64, d)
	counts := map[int64]int64{}
	for i, s := range order {
		if i == 0 || cmpSlices(order[i-1], s) != 0 {
			firsts = append(firsts, s)
		}
		f := firsts[len(firsts)-1]
		inverse[s] = f
		counts[f]++
	}
	if c.AttrInt("sorted", 1) == 0 {
		slices.Sort(firsts)
	}
	pos := map[int64]int64{}
	for i, f := range firsts {
		pos[f] = int64(i)
	}
	n := int64(len(firsts))
	pick := make([]int64, 0, outer*n*inner)
	for o := range outer {
		for _, f := range firsts {
			for i := range inner {
				pick = append(pick, (o*d+f)*inner+i)
			}
		}
	}
	yd := []int64{n}
	if axis >= 0 {
		yd = append([]int64{}, dims...)
		yd[axis] = n
	}
	ints := func(xs []int64) *shape.Const { return &shape.Const{Ints: shape.Dims(xs...)} }
	idx, cnt, inv := make([]int64, n), make([]int64, n), make([]int64, d)
	for i, f := range firsts {
		idx[i], cnt[i] = f, counts[f]
	}
	for s, f := range inverse {
		inv[s] = pos[f]
	}
	if err := c.SetConst(0, c.Output(0).DType, yd, take(src, pick)); err != nil {
		return err
	}
	for o, xs := range [][]int64{idx, inv, cnt} {
		if c.HasOutput(o + 1) {
			if err := c.SetConst(o+1, onnx.Int64, []int64{int64(len(xs))}, ints(xs)); err != nil {
				return err
			}
		}
	}
	return nil
}

// --- TopK ---

// topK returns K (from the k attribute before 10, input 1 from 10 on).
func topK(c *shape.Ctx, fromInput bool) (sym.Expr, bool, error) {
	if !fromInput {
		a := c.Attr("k")
		if a == nil {
			return sym.Expr{}, false, fmt.Errorf("attribute k is missing")
		}
		return sym.Const(a.I), true, nil
	}
	if !c.HasInput(1) {
		return sym.Expr{}, false, errMissing(1)
	}
	k, ok := c.ConstInts(1)
	if !ok {
		return sym.Expr{}, false, nil
	}
	if len(k) != 1 {
		return sym.Expr{}, false, fmt.Errorf("input 1 (K) has %d values, want 1", len(k))
	}
	if k[0].Sign() == -1 {
		return sym.Expr{}, false, fmt.Errorf("K %s is negative", k[0])
	}
	return k[0], true, nil
}

func inferTopK(fromInput bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		k, known, err := topK(c, fromInput)
		if err != nil {
			return err
		}
		if !in.HasShape() {
			c.SetOutput(0, shape.UnknownRank(in.DType))
			c.SetOutput(1, shape.UnknownRank(onnx.Int64))
			return nil
		}
		axis, err := axisAttrNorm(c, "axis", -1, in.Rank)
		if err != nil {
			return err
		}
		if !known {
			k = c.Fresh("topk")
		}
		if kv, ok := k.IsConst(); ok {
			if dv, ok := in.Shape[axis].IsConst(); ok && kv > dv {
				return fmt.Errorf("K %d exceeds the axis length %d", kv, dv)
			}
		}
		out := dupDims(in.Shape)
		out[axis] = k
		c.SetOutput(0, in.WithShape(out))
		c.SetOutput(1, shape.Tensor(onnx.Int64, dupDims(out)...))
		return nil
	}
}

func evalTopK(fromInput bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, ok := inputDims(c, 0)
		src := c.Const(0)
		k, known, err := topK(c, fromInput)
		if !ok || src == nil || err != nil || !known {
			return err
		}
		kv, ok := k.IsConst()
		keys, kok := keysOf(src)
		if !ok || !kok || len(dims) == 0 {
			return nil
		}
		axis, err := axisAttrNorm(c, "axis", -1, len(dims))
		if err != nil {
			return err
		}
		outer, d, inner := numel(dims[:axis]), dims[axis], numel(dims[axis+1:])
		if kv > d {
			return fmt.Errorf("K %d exceeds the axis length %d", kv, d)
		}
		largest := c.AttrInt("largest", 1) != 0
		od := append([]int64{}, dims...)
		od[axis] = kv
		pick := make([]int64, numel(od))
		ind := make([]sym.Expr, numel(od))
		order := make([]int64, d)
		for o := range outer {
			for i := range inner {
				at := func(j int64) int64 { return (o*d+j)*inner + i }
				for j := range order {
					order[j] = int64(j)
				}
				slices.SortStableFunc(order, func(a, b int64) int {
					r := keys.cmp(at(a), at(b))
					if largest {
						r = -r
					}
					return r
				})
				for j := range kv {
					f := (o*kv+j)*inner + i
					pick[f] = at(order[j])
					ind[f] = sym.Const(order[j])
				}
			}
		}
		if err := c.SetConst(0, c.Output(0).DType, od, take(src, pick)); err != nil {
			return err
		}
		return c.SetConst(1, onnx.Int64, od, &shape.Const{Ints: ind})
	}
}

// --- OneHot ---

// oneHotDepth reads OneHot's depth (any numeric type; floats truncate).
func oneHotDepth(c *shape.Ctx) (sym.Expr, bool) {
	if d, ok := c.ConstInts(1); ok && len(d) == 1 {
		return d[0], true
	}
	if d, ok := c.ConstFloats(1); ok && len(d) == 1 && !math.IsNaN(d[0]) && math.Abs(d[0]) < 1<<62 {
		return sym.Const(int64(d[0])), true
	}
	return sym.Expr{}, false
}

func inferOneHot(c *shape.Ctx) error {
	ind, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	for i := 1; i <= 2; i++ {
		if _, err := reqIn(c, i); err != nil {
			return err
		}
	}
	dt := c.ElemType(2)
	if !ind.HasShape() {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", -1, ind.Rank+1)
	if err != nil {
		return err
	}
	depth, ok := oneHotDepth(c)
	if !ok {
		depth = c.Fresh("depth")
	} else if depth.Sign() != 1 {
		return fmt.Errorf("depth %s is not positive", depth)
	}
	out := make([]sym.Expr, 0, ind.Rank+1)
	out = append(out, ind.Shape[:axis]...)
	out = append(out, depth)
	out = append(out, ind.Shape[axis:]...)
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

func evalOneHot(c *shape.Ctx) error {
	idims, ok1 := inputDims(c, 0)
	od, ok2 := inferredDims(c, 0)
	vals := c.Const(2)
	if !ok1 || !ok2 || vals == nil || vals.Len() != 2 || overLimit(c, numel(od)) {
		return nil
	}
	var ind []int64
	if xs, ok := concreteIndices(c.Const(0)); ok {
		ind = xs
	} else if fs, ok := c.ConstFloats(0); ok {
		for _, f := range fs {
			if math.IsNaN(f) || math.Abs(f) > 1<<62 {
				return nil
			}
			ind = append(ind, int64(f))
		}
	} else {
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", -1, len(idims)+1)
	if err != nil || int64(len(ind)) != numel(idims) {
		return err
	}
	depth := od[axis]
	outer, inner := numel(idims[:axis]), numel(idims[axis:])
	pick := make([]int64, 0, numel(od))
	for o := range outer {
		for j := range depth {
			for i := range inner {
				x := ind[o*inner+i]
				if x < 0 {
					x += depth
				}
				if x == j {
					pick = append(pick, 1)
				} else {
					pick = append(pick, 0)
				}
			}
		}
	}
	return c.SetConst(0, c.Output(0).DType, od, take(vals, pick))
}

// --- ReverseSequence ---

func inferReverseSequence(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if _, err := reqIn(c, 1); err != nil {
		return err
	}
	if in.HasShape() && in.Rank < 2 {
		return fmt.Errorf("input 0 has rank %d, want at least 2", in.Rank)
	}
	return c.SameAsInput(0, 0)
}

func evalReverseSequence(c *shape.Ctx) error {
	dims, ok1 := inputDims(c, 0)
	src := c.Const(0)
	lens, ok2 := concreteIndices(c.Const(1))
	if !ok1 || !ok2 || src == nil || len(dims) < 2 {
		return nil
	}
	tAx, err := axisAttrNorm(c, "time_axis", 0, len(dims))
	if err != nil {
		return err
	}
	bAx, err := axisAttrNorm(c, "batch_axis", 1, len(dims))
	if err != nil {
		return err
	}
	if tAx == bAx || int64(len(lens)) != dims[bAx] {
		return fmt.Errorf("invalid time_axis, batch_axis or sequence_lens")
	}
	n := numel(dims)
	st := strides(dims)
	idx := make([]int64, len(dims))
	pick := make([]int64, n)
	for f := range n {
		unravel(f, dims, idx)
		t, l := idx[tAx], min(max(lens[idx[bAx]], 0), dims[tAx])
		j := f
		if t < l {
			j += (l - 1 - 2*t) * st[tAx]
		}
		pick[f] = j
	}
	return c.SetConst(0, c.Input(0).DType, dims, take(src, pick))
}

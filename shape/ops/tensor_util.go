package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Helpers shared by the tensor, index, reduce and resize rules.

// reqIn returns input i, or an error naming it when it is missing.
func reqIn(c *shape.Ctx, i int) (*shape.Value, error) {
	v := c.Input(i)
	if v == nil {
		return nil, errMissing(i)
	}
	return v, nil
}

// rankedIn returns input i, or an error when it is missing. When its rank
// is not known it sets output 0 to a tensor of unknown rank and input i's
// type, and returns nil.
func rankedIn(c *shape.Ctx, i int) (*shape.Value, error) {
	v, err := reqIn(c, i)
	if err != nil || v.HasShape() {
		return v, err
	}
	c.SetOutput(0, shape.UnknownRank(v.DType))
	return nil, nil
}

// vecLen is the number of elements of a 0-D or 1-D input whose shape is
// concrete (for shape-carrying inputs whose contents are not known).
func vecLen(v *shape.Value) (int, bool) {
	if v == nil || v.Rank < 0 || v.Rank > 1 {
		return 0, false
	}
	if v.Rank == 0 {
		return 1, true
	}
	n, ok := v.Shape[0].IsConst()
	if !ok || n < 0 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// freshSyms returns n new symbols.
func freshSyms(c *shape.Ctx, n int, hint string) []sym.Expr {
	out := make([]sym.Expr, n)
	for i := range out {
		out[i] = c.Fresh(hint)
	}
	return out
}

// dupDims returns a copy of a shape.
func dupDims(s []sym.Expr) []sym.Expr { return append([]sym.Expr{}, s...) }

// overLimit reports whether a computed tensor of n elements exceeds the limit.
func overLimit(c *shape.Ctx, n int64) bool { return n < 0 || n > int64(c.MaxConstElements()) }

// inferredDims returns the concrete dims inferred for output o, for evaluators
// that compute contents of the shape Infer already set.
func inferredDims(c *shape.Ctx, o int) ([]int64, bool) {
	v := c.Output(o)
	if v == nil {
		return nil, false
	}
	return v.Dims()
}

// evalCopyData sets output 0 to input 0's contents with the shape Infer
// gave output 0 (Reshape, Flatten, Squeeze, Unsqueeze, identity reductions).
func evalCopyData(c *shape.Ctx) error {
	dims, ok := inferredDims(c, 0)
	src := c.Const(0)
	if !ok || src == nil {
		return nil
	}
	if int64(src.Len()) != numel(dims) {
		return fmt.Errorf("%d elements do not fill shape %v", src.Len(), dims)
	}
	return c.SetConst(0, c.Output(0).DType, dims, src)
}

// coordMap returns, for each flat index of a tensor of shape od, the flat
// index into a tensor of shape dims whose coordinate on each axis k is
// src(k, o) for the output's coordinate o; when src returns a negative
// value for some axis the element maps to -1.
func coordMap(od, dims []int64, src func(k int, o int64) int64) []int64 {
	n := numel(od)
	st := strides(dims)
	idx := make([]int64, len(od))
	out := make([]int64, n)
	for f := range n {
		unravel(f, od, idx)
		var j int64
		for k, o := range idx {
			s := src(k, o)
			if s < 0 {
				j = -1
				break
			}
			j += s * st[k]
		}
		out[f] = j
	}
	return out
}

// emptyConstLike returns an empty Const of the storage kind of the first
// non-empty source, or of dt when all are empty.
func emptyConstLike(dt onnx.DataType, srcs ...*shape.Const) *shape.Const {
	for _, s := range srcs {
		switch {
		case s == nil || s.Len() == 0:
		case s.Ints != nil:
			return &shape.Const{Ints: []sym.Expr{}}
		case s.Floats != nil:
			return &shape.Const{Floats: []float64{}}
		case s.Strs != nil:
			return &shape.Const{Strs: []string{}}
		}
	}
	return constKindFor(dt, 0)
}

// appendConstRange appends src[lo:hi] to dst; false when their kinds differ.
func appendConstRange(dst, src *shape.Const, lo, hi int64) bool {
	if lo >= hi {
		return true
	}
	switch {
	case dst.Ints != nil && src.Ints != nil:
		dst.Ints = append(dst.Ints, src.Ints[lo:hi]...)
	case dst.Floats != nil && src.Floats != nil:
		dst.Floats = append(dst.Floats, src.Floats[lo:hi]...)
	case dst.Strs != nil && src.Strs != nil:
		dst.Strs = append(dst.Strs, src.Strs[lo:hi]...)
	default:
		return false
	}
	return true
}

// setConstElem copies src[j] into dst[i] (same kinds).
func setConstElem(dst *shape.Const, i int64, src *shape.Const, j int64) {
	switch {
	case dst.Ints != nil:
		dst.Ints[i] = src.Ints[j]
	case dst.Floats != nil:
		dst.Floats[i] = src.Floats[j]
	default:
		dst.Strs[i] = src.Strs[j]
	}
}

// sameConstKind reports whether two Consts store their values in the same slice
// kind (empty ones match anything).
func sameConstKind(a, b *shape.Const) bool {
	if a.Len() == 0 || b.Len() == 0 {
		return true
	}
	return (a.Ints != nil) == (b.Ints != nil) && (a.Floats != nil) == (b.Floats != nil)
}

// cloneConstData returns a copy of c that may be modified.
func cloneConstData(c *shape.Const) *shape.Const {
	out := &shape.Const{}
	switch {
	case c.Ints != nil:
		out.Ints = append([]sym.Expr{}, c.Ints...)
	case c.Floats != nil:
		out.Floats = append([]float64{}, c.Floats...)
	case c.Strs != nil:
		out.Strs = append([]string{}, c.Strs...)
	default:
		out.Ints = []sym.Expr{}
	}
	return out
}

// concreteIndices returns the concrete values of integer contents (index tensors).
func concreteIndices(cv *shape.Const) ([]int64, bool) {
	if cv == nil {
		return nil, false
	}
	if cv.Len() == 0 {
		return []int64{}, true
	}
	if cv.Ints == nil {
		return nil, false
	}
	return concreteShape(cv.Ints)
}

// wrapIndex maps a possibly negative index into [0, n), or reports false.
func wrapIndex(i, n int64) (int64, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// axisAttrNorm reads an axis attribute and normalizes it against rank.
func axisAttrNorm(c *shape.Ctx, name string, def int64, rank int) (int, error) {
	a := c.AttrInt(name, def)
	ax, err := shape.NormAxis(a, rank)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return ax, nil
}

// unifyDim combines two dims that must be equal: a concrete one wins over a
// symbolic one; two different concrete ones are an error.
func unifyDim(a, b sym.Expr) (sym.Expr, error) {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	switch {
	case aok && bok && av != bv:
		return sym.Expr{}, fmt.Errorf("dims %d and %d differ", av, bv)
	case aok:
		return a, nil
	case bok:
		return b, nil
	}
	return a, nil
}

// cmpSym orders two integers that may be symbolic, when their order
// can be proven.
func cmpSym(a, b sym.Expr) (int, bool) {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	if aok && bok {
		switch {
		case av < bv:
			return -1, true
		case av > bv:
			return 1, true
		}
		return 0, true
	}
	if a.Equal(b) {
		return 0, true
	}
	s := a.Sub(b).Sign()
	if s == 2 {
		return 0, false
	}
	return s, true
}

// roundAs rounds x like a value stored as dt (float32 rounding for
// float32 tensors; other types are kept as computed).
func roundAs(dt onnx.DataType, x float64) float64 {
	if dt == onnx.Float {
		return float64(float32(x))
	}
	return x
}

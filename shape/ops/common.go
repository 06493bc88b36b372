package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// This file holds the small tensor machinery that evaluators share: strides,
// index iteration, element gathering and broadcasting over shape.Const.

// strides returns row-major strides of dims.
func strides(dims []int64) []int64 {
	s := make([]int64, len(dims))
	acc := int64(1)
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= dims[i]
	}
	return s
}

// numel is the product of dims (dims are already validated by SetConst callers).
func numel(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}

// unravel writes the multi-index of flat into idx.
func unravel(flat int64, dims []int64, idx []int64) {
	for i := len(dims) - 1; i >= 0; i-- {
		if dims[i] == 0 {
			idx[i] = 0
			continue
		}
		idx[i] = flat % dims[i]
		flat /= dims[i]
	}
}

// take builds a Const from the elements of src at the given flat indices.
func take(src *shape.Const, idx []int64) *shape.Const {
	out := &shape.Const{}
	switch {
	case src.Ints != nil:
		out.Ints = make([]sym.Expr, len(idx))
		for i, j := range idx {
			out.Ints[i] = src.Ints[j]
		}
	case src.Floats != nil:
		out.Floats = make([]float64, len(idx))
		for i, j := range idx {
			out.Floats[i] = src.Floats[j]
		}
	case src.Strs != nil:
		out.Strs = make([]string, len(idx))
		for i, j := range idx {
			out.Strs[i] = src.Strs[j]
		}
	default:
		// empty source: the result is empty of the same (unknown) kind
		out.Ints = []sym.Expr{}
	}
	return out
}

// broadcastMap returns, for each flat index of the output shape, the flat
// index into an input of shape in (numpy broadcasting, in right-aligned).
func broadcastMap(out, in []int64) []int64 {
	n := numel(out)
	res := make([]int64, n)
	st := strides(in)
	off := len(out) - len(in)
	idx := make([]int64, len(out))
	for f := int64(0); f < n; f++ {
		unravel(f, out, idx)
		var j int64
		for k := range in {
			if in[k] != 1 {
				j += idx[off+k] * st[k]
			}
		}
		res[f] = j
	}
	return res
}

// inputDims returns the concrete dims of input i.
func inputDims(c *shape.Ctx, i int) ([]int64, bool) {
	v := c.Input(i)
	if v == nil {
		return nil, false
	}
	return v.Dims()
}

// concreteShape converts a shape to int64s when every dim is concrete.
func concreteShape(s []sym.Expr) ([]int64, bool) {
	out := make([]int64, len(s))
	for i, d := range s {
		v, ok := d.IsConst()
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// constKindFor returns an empty Const of the storage kind used for dt.
func constKindFor(dt onnx.DataType, n int) *shape.Const {
	switch {
	case dt == onnx.String:
		return &shape.Const{Strs: make([]string, n)}
	case dt.IsFloat():
		return &shape.Const{Floats: make([]float64, n)}
	}
	return &shape.Const{Ints: make([]sym.Expr, n)}
}

// errMissing is returned by rules for a required input that is absent.
func errMissing(i int) error { return fmt.Errorf("required input %d is missing", i) }

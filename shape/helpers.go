package shape

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Broadcast computes the multidirectional (numpy) broadcast of shapes.
// Unknown ranks give unknown rank (nil, false, nil). Two symbolic dims that
// cannot be shown equal broadcast to their max, which is exact whenever the
// model is valid (one of them is then 1 or both are equal).
func Broadcast(vals ...*Value) ([]sym.Expr, bool, error) {
	rank := 0
	for _, v := range vals {
		if v == nil {
			continue
		}
		if v.Rank < 0 {
			return nil, false, nil
		}
		if v.Rank > rank {
			rank = v.Rank
		}
	}
	out := make([]sym.Expr, rank)
	for i := range out {
		out[i] = sym.Const(1)
	}
	for _, v := range vals {
		if v == nil {
			continue
		}
		off := rank - v.Rank
		for j, d := range v.Shape {
			cur := out[off+j]
			r, err := broadcastDim(cur, d)
			if err != nil {
				return nil, false, fmt.Errorf("shapes %s are not broadcastable: %w", shapesString(vals), err)
			}
			out[off+j] = r
		}
	}
	return out, true, nil
}

func broadcastDim(a, b sym.Expr) (sym.Expr, error) {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	switch {
	case aok && av == 1:
		return b, nil
	case bok && bv == 1:
		return a, nil
	case a.Equal(b):
		return a, nil
	case aok && bok:
		return sym.Expr{}, fmt.Errorf("dims %d and %d differ", av, bv)
	case aok:
		// b is symbolic: a valid model has b == a (or b == 1 broadcasting to a).
		return a, nil
	case bok:
		return b, nil
	}
	return sym.Max(a, b), nil
}

func shapesString(vals []*Value) string {
	s := ""
	for i, v := range vals {
		if v == nil {
			continue
		}
		if i > 0 {
			s += " and "
		}
		s += ShapeString(v)
	}
	return s
}

// NormAxis maps a possibly negative axis into [0, rank).
func NormAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// NormAxes normalizes a list of axes and rejects duplicates.
func NormAxes(axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	seen := map[int]bool{}
	for i, a := range axes {
		n, err := NormAxis(a, rank)
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("axis %d repeated in %v", a, axes)
		}
		seen[n] = true
		out[i] = n
	}
	return out, nil
}

// Dims converts int64s to expressions.
func Dims(ds ...int64) []sym.Expr {
	out := make([]sym.Expr, len(ds))
	for i, d := range ds {
		out[i] = sym.Const(d)
	}
	return out
}

// RequireInputs checks that inputs 0..n-1 are present.
func (c *Ctx) RequireInputs(n int) error {
	for i := 0; i < n; i++ {
		if !c.HasInput(i) {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

// SameAsInput sets output o to input i's type and shape (unary elementwise ops).
func (c *Ctx) SameAsInput(o, i int) error {
	in := c.Input(i)
	if in == nil {
		return fmt.Errorf("input %d is missing", i)
	}
	out := in.Clone()
	out.Const = nil
	out.Init = nil
	out.Sparse = nil
	c.SetOutput(o, out)
	return nil
}

// ElemType returns the element type of input i (Undefined if unknown).
func (c *Ctx) ElemType(i int) onnx.DataType {
	if v := c.Input(i); v != nil {
		return v.DType
	}
	return onnx.Undefined
}

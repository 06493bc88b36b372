package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func init() {
	shape.Register(shape.Op{Domain: msDomain, Type: "ExpandDims", Since: 1, Infer: msInferExpandDims, Eval: evalCopyData})
}

// msInferExpandDims is com.microsoft ExpandDims (X, axis): X with a dim of
// 1 inserted at axis, an int32 scalar. As in ONNX Runtime's kernel
// (contrib_ops/cpu/expand_dims.h) the axis lies in [-r, r] for an input of
// rank r; a negative axis counts from the end of the output, so -1 appends
// a dim (the position is r + axis + 1).
func msInferExpandDims(c *shape.Ctx) error {
	x, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	a := c.Input(1)
	if a == nil {
		return errMissing(1)
	}
	if a.IsTensor() && a.DType != onnx.Int32 && a.DType != onnx.Undefined {
		return fmt.Errorf("input 1 (axis): %s, want int32", a.DType)
	}
	if a.HasShape() && a.Rank != 0 {
		return fmt.Errorf("input 1 (axis): rank %d, want a scalar", a.Rank)
	}
	if !x.HasShape() {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	r := int64(x.Rank)
	axes, known := c.ConstInt64s(1)
	if !known || len(axes) != 1 {
		c.SetOutput(0, x.WithShape(freshSyms(c, x.Rank+1, "expanddims")))
		return nil
	}
	axis := axes[0]
	if axis < -r || axis > r {
		return fmt.Errorf("input 1 (axis): %d, want in [%d, %d] for rank %d", axis, -r, r, r)
	}
	if axis < 0 {
		axis += r + 1
	}
	out := make([]sym.Expr, 0, x.Rank+1)
	out = append(out, x.Shape[:axis]...)
	out = append(out, sym.Const(1))
	out = append(out, x.Shape[axis:]...)
	c.SetOutput(0, x.WithShape(out))
	return nil
}

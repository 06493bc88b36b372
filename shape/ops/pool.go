package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Pooling: AveragePool, MaxPool, LpPool, their global forms, MaxRoiPool,
// RoiAlign and MaxUnpool. ceil_mode (AveragePool and MaxPool since 10,
// LpPool since 18) and dilations are read whenever present: older versions
// do not define them, so valid older models do not set them.

func init() {
	shape.Register(
		shape.Op{Type: "AveragePool", Since: 1, Infer: inferPool},
		shape.Op{Type: "MaxPool", Since: 1, Infer: inferPool},
		shape.Op{Type: "LpPool", Since: 1, Infer: inferPool},
		shape.Op{Type: "GlobalAveragePool", Since: 1, Infer: inferGlobalPool},
		shape.Op{Type: "GlobalMaxPool", Since: 1, Infer: inferGlobalPool},
		shape.Op{Type: "GlobalLpPool", Since: 1, Infer: inferGlobalPool},
		shape.Op{Type: "MaxRoiPool", Since: 1, Infer: inferMaxRoiPool},
		shape.Op{Type: "RoiAlign", Since: 10, Infer: inferRoiAlign},
		shape.Op{Type: "MaxUnpool", Since: 9, Infer: inferMaxUnpool},
	)
}

// inferPool: X (N, C, D...) → Y (N, C, o...); MaxPool's optional second
// output Indices (since 8) has Y's shape and type int64.
func inferPool(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	dt := x.DType
	ks, ok := c.AttrInts("kernel_shape")
	if !ok {
		return fmt.Errorf("attribute kernel_shape is required")
	}
	n, err := spatialInput(x, "input X")
	if err != nil {
		return err
	}
	var out *shape.Value
	if n < 0 {
		out = shape.UnknownRank(dt)
	} else {
		if len(ks) != n {
			return fmt.Errorf("kernel_shape %v has %d values, input has %d spatial axes", ks, len(ks), n)
		}
		for _, k := range ks {
			if k < 1 {
				return fmt.Errorf("kernel_shape %v: must be positive", ks)
			}
		}
		win, err := readWindow(c, shape.Dims(ks...))
		if err != nil {
			return err
		}
		sp, err := win.spatialOut(x, c.AttrInt("ceil_mode", 0) != 0)
		if err != nil {
			return err
		}
		out = shape.Tensor(dt, append([]sym.Expr{x.Shape[0], x.Shape[1]}, sp...)...)
	}
	c.SetOutput(0, out)
	if c.Node.OpType == "MaxPool" && c.HasOutput(1) {
		idx := out.Clone()
		idx.DType = onnx.Int64
		c.SetOutput(1, idx)
	}
	return nil
}

// inferGlobalPool: X (N, C, D...) → (N, C, 1, ..., 1).
func inferGlobalPool(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	if !x.HasShape() {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	if x.Rank < 2 {
		return fmt.Errorf("input X has rank %d, want at least 2 (N, C, ...)", x.Rank)
	}
	out := []sym.Expr{x.Shape[0], x.Shape[1]}
	for i := 2; i < x.Rank; i++ {
		out = append(out, sym.Const(1))
	}
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

// numRois returns the first dim of input i (the number of regions), checking
// its rank.
func numRois(c *shape.Ctx, i int, rank int) sym.Expr {
	if v := c.Input(i); v != nil && v.HasShape() && v.Rank == rank {
		return v.Shape[0]
	}
	return c.Fresh("num_rois")
}

// channelsOf returns the channel dim of a (N, C, H, W) input.
func channelsOf(c *shape.Ctx, x *shape.Value) (sym.Expr, error) {
	if !x.HasShape() {
		return c.Fresh("channels"), nil
	}
	if x.Rank != 4 {
		return sym.Expr{}, fmt.Errorf("input X has rank %d, want 4 (N, C, H, W)", x.Rank)
	}
	return x.Shape[1], nil
}

// inferMaxRoiPool: X (N, C, H, W), rois (R, 5) → (R, C, ph, pw).
func inferMaxRoiPool(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	ps, ok := c.AttrInts("pooled_shape")
	if !ok || len(ps) != 2 {
		return fmt.Errorf("attribute pooled_shape must hold (height, width)")
	}
	ch, err := channelsOf(c, c.Input(0))
	if err != nil {
		return err
	}
	c.SetOutput(0, shape.Tensor(c.ElemType(0), numRois(c, 1, 2), ch, sym.Const(ps[0]), sym.Const(ps[1])))
	return nil
}

// inferRoiAlign: X (N, C, H, W), rois (R, 4), batch_indices (R) →
// (R, C, output_height, output_width).
func inferRoiAlign(c *shape.Ctx) error {
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	ch, err := channelsOf(c, c.Input(0))
	if err != nil {
		return err
	}
	r := numRois(c, 1, 2)
	if _, ok := r.IsConst(); !ok {
		if b := c.Input(2); b.HasShape() && b.Rank == 1 {
			if _, ok := b.Shape[0].IsConst(); ok {
				r = b.Shape[0]
			}
		}
	}
	oh, ow := c.AttrInt("output_height", 1), c.AttrInt("output_width", 1)
	if oh < 1 || ow < 1 {
		return fmt.Errorf("output_height %d and output_width %d must be positive", oh, ow)
	}
	c.SetOutput(0, shape.Tensor(c.ElemType(0), r, ch, sym.Const(oh), sym.Const(ow)))
	return nil
}

// inferMaxUnpool: X (N, C, D...) → (N, C, (D-1)*s + k - pads), or the shape
// given by the output_shape input.
func inferMaxUnpool(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	x := c.Input(0)
	dt := x.DType
	if c.HasInput(2) {
		if os, ok := c.ConstInts(2); ok {
			if x.HasShape() && len(os) != x.Rank {
				return fmt.Errorf("output_shape has %d values, input X has rank %d", len(os), x.Rank)
			}
			for _, d := range os {
				if v, ok := d.IsConst(); ok && v < 0 {
					return fmt.Errorf("output_shape %v: negative size", os)
				}
			}
			c.SetOutput(0, shape.Tensor(dt, os...))
			return nil
		}
		if !x.HasShape() {
			c.SetOutput(0, shape.UnknownRank(dt))
			return nil
		}
		// The batch and channel axes are unpooled one to one.
		out := []sym.Expr{x.Shape[0], x.Shape[1]}
		for i := 2; i < x.Rank; i++ {
			out = append(out, c.Fresh("unpooled"))
		}
		c.SetOutput(0, shape.Tensor(dt, out...))
		return nil
	}
	ks, ok := c.AttrInts("kernel_shape")
	if !ok {
		return fmt.Errorf("attribute kernel_shape is required")
	}
	n, err := spatialInput(x, "input X")
	if err != nil {
		return err
	}
	if n < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	if len(ks) != n {
		return fmt.Errorf("kernel_shape %v has %d values, input has %d spatial axes", ks, len(ks), n)
	}
	win, err := readWindow(c, shape.Dims(ks...))
	if err != nil {
		return err
	}
	out := []sym.Expr{x.Shape[0], x.Shape[1]}
	for i := range n {
		d := x.Shape[2+i].AddInt(-1).MulInt(win.strides[i]).AddInt(ks[i] - win.pads[i] - win.pads[n+i])
		if v, ok := d.IsConst(); ok && v < 0 {
			return fmt.Errorf("spatial axis %d: output size %d is negative", i, v)
		}
		out = append(out, d)
	}
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

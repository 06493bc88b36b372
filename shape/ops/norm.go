package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Normalizations. Every Y has X's shape; they differ in their extra outputs.

func init() {
	shape.Register(
		shape.Op{Type: "BatchNormalization", Since: 1, Infer: inferBatchNormLegacy},
		shape.Op{Type: "BatchNormalization", Since: 14, Infer: inferBatchNorm14},
		shape.Op{Type: "InstanceNormalization", Since: 1, Infer: inferSameAsX},
		shape.Op{Type: "LayerNormalization", Since: 17, Infer: inferLayerNorm},
		shape.Op{Type: "GroupNormalization", Since: 18, Infer: inferGroupNorm},
		shape.Op{Type: "RMSNormalization", Since: 23, Infer: inferRMSNorm},
		shape.Op{Type: "LRN", Since: 1, Infer: inferSameAsX},
		shape.Op{Type: "LpNormalization", Since: 1, Infer: inferLpNorm},
		shape.Op{Type: "MeanVarianceNormalization", Since: 9, Infer: inferSameAsX},
	)
}

// inferSameAsX gives output 0 the type and shape of input 0.
func inferSameAsX(c *shape.Ctx) error { return c.SameAsInput(0, 0) }

// statsLike sets output o to the shape of input i (a per-channel statistic),
// or to (C) from X when that input's shape is unknown.
func statsLike(c *shape.Ctx, o, i int, dt onnx.DataType) {
	if !c.HasOutput(o) {
		return
	}
	if v := c.Input(i); v != nil && v.HasShape() {
		c.SetOutput(o, shape.Tensor(dt, v.Shape...))
		return
	}
	if x := c.Input(0); x.HasShape() && x.Rank >= 2 {
		c.SetOutput(o, shape.Tensor(dt, x.Shape[1]))
		return
	}
	c.SetOutput(o, shape.UnknownRank(dt))
}

// inferBatchNormLegacy covers versions 1 to 9: outputs Y, mean, var,
// saved_mean and saved_var (the last four only in training). The statistics
// have the shape of the mean input: (C), or (C, D1, ...) with spatial=0 (before 9).
func inferBatchNormLegacy(c *shape.Ctx) error {
	if err := c.RequireInputs(5); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	dt := c.ElemType(0)
	statsLike(c, 1, 3, dt)
	statsLike(c, 2, 4, dt)
	statsLike(c, 3, 3, dt)
	statsLike(c, 4, 4, dt)
	return nil
}

// inferBatchNorm14 covers versions 14 and 15: outputs Y, running_mean and
// running_var (training_mode only), the latter typed like input_mean/input_var.
func inferBatchNorm14(c *shape.Ctx) error {
	if err := c.RequireInputs(5); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	if c.AttrInt("training_mode", 0) == 0 && (c.HasOutput(1) || c.HasOutput(2)) {
		c.Note("running_mean and running_var are requested outside training mode")
	}
	statsLike(c, 1, 3, c.ElemType(3))
	statsLike(c, 2, 4, c.ElemType(4))
	return nil
}

// reducedFrom returns x's shape with the axes from axis on set to 1.
func reducedFrom(x *shape.Value, axis int) []sym.Expr {
	out := make([]sym.Expr, x.Rank)
	for i := range out {
		if i < axis {
			out[i] = x.Shape[i]
		} else {
			out[i] = sym.Const(1)
		}
	}
	return out
}

// inferLayerNorm: Y like X; Mean and InvStdDev have X's shape with the
// normalized axes (axis..rank-1) set to 1, typed by stash_type.
func inferLayerNorm(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	stash := onnx.DataType(c.AttrInt("stash_type", int64(onnx.Float)))
	if !stash.IsFloat() {
		return fmt.Errorf("stash_type %d is not a floating-point type", stash)
	}
	x := c.Input(0)
	var stat *shape.Value
	if x.HasShape() {
		axis, err := shape.NormAxis(c.AttrInt("axis", -1), x.Rank)
		if err != nil {
			return err
		}
		stat = shape.Tensor(stash, reducedFrom(x, axis)...)
	} else {
		stat = shape.UnknownRank(stash)
	}
	for o := 1; o <= 2; o++ {
		if c.HasOutput(o) {
			c.SetOutput(o, stat.Clone())
		}
	}
	return nil
}

// inferGroupNorm: Y like X; num_groups must divide the channels.
func inferGroupNorm(c *shape.Ctx) error {
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	g := c.Attr("num_groups")
	if g == nil {
		return fmt.Errorf("attribute num_groups is required")
	}
	if g.I < 1 {
		return fmt.Errorf("num_groups %d: must be positive", g.I)
	}
	x := c.Input(0)
	if x.HasShape() {
		if x.Rank < 2 {
			return fmt.Errorf("input X has rank %d, want at least 2 (N, C, ...)", x.Rank)
		}
		if ch, ok := x.Shape[1].IsConst(); ok && ch%g.I != 0 {
			return fmt.Errorf("%d channels are not divisible by num_groups %d", ch, g.I)
		}
	}
	return c.SameAsInput(0, 0)
}

// inferRMSNorm: Y has X's shape and the scale's type.
func inferRMSNorm(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	x := c.Input(0)
	if x.HasShape() {
		if _, err := shape.NormAxis(c.AttrInt("axis", -1), x.Rank); err != nil {
			return err
		}
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	if dt := c.ElemType(1); dt != onnx.Undefined {
		c.Output(0).DType = dt
	}
	return nil
}

// inferLpNormalization: Y like X; the axis must exist.
func inferLpNorm(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	if x.HasShape() && x.Rank > 0 {
		if _, err := shape.NormAxis(c.AttrInt("axis", -1), x.Rank); err != nil {
			return err
		}
	}
	return c.SameAsInput(0, 0)
}

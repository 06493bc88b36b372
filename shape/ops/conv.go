package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Convolutions: Conv, ConvInteger, QLinearConv, DeformConv, ConvTranspose and
// CausalConvWithState. The window geometry (kernel, strides, dilations, pads,
// auto_pad) is shared with the pooling operators of pool.go.

func init() {
	shape.Register(
		shape.Op{Type: "Conv", Since: 1, Infer: inferConv},
		shape.Op{Type: "ConvInteger", Since: 10, Infer: inferConvInteger},
		shape.Op{Type: "QLinearConv", Since: 10, Infer: inferQLinearConv},
		shape.Op{Type: "DeformConv", Since: 19, Infer: inferDeformConv},
		shape.Op{Type: "ConvTranspose", Since: 1, Infer: inferConvTranspose},
		shape.Op{Type: "CausalConvWithState", Since: 27, Infer: inferCausalConvWithState},
	)
}

// window is the geometry of a sliding window over n spatial axes.
type window struct {
	kernel    []sym.Expr
	strides   []int64
	dilations []int64
	pads      []int64 // n begins, then n ends
	autoPad   string  // "NOTSET", "SAME_UPPER", "SAME_LOWER" or "VALID"
}

// readWindow reads strides, dilations, pads and auto_pad for n spatial axes
// around the given kernel.
func readWindow(c *shape.Ctx, kernel []sym.Expr) (*window, error) {
	n := len(kernel)
	w := &window{kernel: kernel}
	var err error
	if w.strides, err = intsAttrN(c, "strides", n, 1); err != nil {
		return nil, err
	}
	if w.dilations, err = intsAttrN(c, "dilations", n, 1); err != nil {
		return nil, err
	}
	for i := range n {
		if w.strides[i] < 1 {
			return nil, fmt.Errorf("strides %v: must be positive", w.strides)
		}
		if w.dilations[i] < 1 {
			return nil, fmt.Errorf("dilations %v: must be positive", w.dilations)
		}
	}
	if w.pads, err = intsAttrN(c, "pads", 2*n, 0); err != nil {
		return nil, err
	}
	w.autoPad = c.AttrString("auto_pad", "NOTSET")
	switch w.autoPad {
	case "", "NOTSET":
		w.autoPad = "NOTSET"
	case "SAME_UPPER", "SAME_LOWER", "VALID":
	default:
		return nil, fmt.Errorf("auto_pad %q: want NOTSET, SAME_UPPER, SAME_LOWER or VALID", w.autoPad)
	}
	return w, nil
}

// intsAttrN reads an ints attribute that must have n entries, or n copies of def.
func intsAttrN(c *shape.Ctx, name string, n int, def int64) ([]int64, error) {
	v, ok := c.AttrInts(name)
	if !ok {
		out := make([]int64, n)
		for i := range out {
			out[i] = def
		}
		return out, nil
	}
	if len(v) != n {
		return nil, fmt.Errorf("attribute %s has %d values, want %d", name, len(v), n)
	}
	return v, nil
}

// effKernel is the dilated extent of the kernel along axis i: d*(k-1)+1.
func (w *window) effKernel(i int) sym.Expr {
	d := w.dilations[i]
	return w.kernel[i].MulInt(d).AddInt(1 - d)
}

// outDim is the number of window positions along axis i over an input of
// size in. ceil selects ceil_mode, where a window that would start in the
// end padding is dropped.
func (w *window) outDim(i int, in sym.Expr, ceil bool) (sym.Expr, error) {
	s := sym.Const(w.strides[i])
	ek := w.effKernel(i)
	var out sym.Expr
	switch w.autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		out = sym.CeilDiv(in, s)
	case "VALID":
		out = sym.FloorDiv(in.Sub(ek), s).AddInt(1)
	default:
		pb, pe := w.pads[i], w.pads[len(w.kernel)+i]
		span := in.AddInt(pb + pe).Sub(ek)
		if !ceil {
			out = sym.FloorDiv(span, s).AddInt(1)
			break
		}
		out = sym.CeilDiv(span, s).AddInt(1)
		// The last window must start inside the input or its begin padding:
		// it is dropped when (out-1)*s >= in+pb, that is when
		// out > limit = ceil((in+pb)/s). Only one window can be dropped.
		limit := sym.CeilDiv(in.AddInt(pb), s)
		endPadBelowKernel := isConstLess(sym.Const(pe), ek)
		switch {
		case isConstLess(sym.Const(pe+w.strides[i]-1), ek):
			// pe+s <= ek: out = ceil((in+pb+pe-ek+s)/s) <= limit, never dropped.
		case endPadBelowKernel:
			// out-1 <= limit always holds, so dropping is clamping.
			out = sym.Min(out, limit)
		default:
			out = sym.Max(sym.Min(out, limit), out.AddInt(-1))
		}
	}
	if v, ok := out.IsConst(); ok && v < 0 {
		return sym.Expr{}, fmt.Errorf("spatial axis %d: input size %s is too small for kernel %s (output size %d)", i, in, w.kernel[i], v)
	}
	return out, nil
}

// isConstLess reports whether a < b is known (both constant).
func isConstLess(a, b sym.Expr) bool {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	return aok && bok && av < bv
}

// spatialOut computes the window counts for every spatial axis of x (dims 2..).
func (w *window) spatialOut(x *shape.Value, ceil bool) ([]sym.Expr, error) {
	out := make([]sym.Expr, len(w.kernel))
	for i := range w.kernel {
		d, err := w.outDim(i, x.Shape[2+i], ceil)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// convKernel returns the kernel shape: the kernel_shape attribute, or the
// weight's dims after the first two. n is the number of spatial axes.
func convKernel(c *shape.Ctx, w *shape.Value, n int) ([]sym.Expr, error) {
	if ks, ok := c.AttrInts("kernel_shape"); ok {
		if len(ks) != n {
			return nil, fmt.Errorf("kernel_shape %v has %d values, want %d", ks, len(ks), n)
		}
		for _, k := range ks {
			if k < 1 {
				return nil, fmt.Errorf("kernel_shape %v: must be positive", ks)
			}
		}
		return shape.Dims(ks...), nil
	}
	if !w.HasShape() {
		return nil, nil
	}
	if w.Rank != n+2 {
		return nil, fmt.Errorf("weight has rank %d, want %d to match the input", w.Rank, n+2)
	}
	return w.Shape[2:], nil
}

// spatialInput checks that x is a tensor with a known rank of at least 3
// (N, C and one spatial axis) and returns the number of spatial axes, or -1
// when the rank is not known.
func spatialInput(x *shape.Value, what string) (int, error) {
	if !x.HasShape() {
		return -1, nil
	}
	if x.Rank < 3 {
		return 0, fmt.Errorf("%s has rank %d, want at least 3 (N, C, spatial...)", what, x.Rank)
	}
	return x.Rank - 2, nil
}

// convOperands are the checked inputs of a convolution or its transpose.
type convOperands struct {
	x, w  *shape.Value
	n     int // spatial axes; -1 when x's rank is unknown
	group int64
}

// readConvOperands checks input xi (N, C, D...) and weight wi (rank n+2 when
// known) and reads group.
func readConvOperands(c *shape.Ctx, xi, wi int) (*convOperands, error) {
	op := &convOperands{x: c.Input(xi), w: c.Input(wi)}
	if op.x == nil {
		return nil, errMissing(xi)
	}
	if op.w == nil {
		return nil, errMissing(wi)
	}
	var err error
	if op.n, err = spatialInput(op.x, "input X"); err != nil {
		return nil, err
	}
	if op.n >= 0 && op.w.HasShape() && op.w.Rank != op.n+2 {
		return nil, fmt.Errorf("weight has rank %d, want %d to match the input", op.w.Rank, op.n+2)
	}
	op.group = c.AttrInt("group", 1)
	if op.group < 1 {
		return nil, fmt.Errorf("group %d: must be positive", op.group)
	}
	return op, nil
}

// freshSpatial appends n fresh spatial sizes, for a weight of unknown shape.
func freshSpatial(c *shape.Ctx, out []sym.Expr, n int) []sym.Expr {
	for range n {
		out = append(out, c.Fresh("spatial"))
	}
	c.Note("weight shape unknown: spatial output sizes are fresh symbols")
	return out
}

// conv infers a forward convolution: x of shape (N, C, D...), weight of shape
// (M, C/group, k...), output (N, M, o...) of type dt.
func conv(c *shape.Ctx, xi, wi int, dt onnx.DataType) error {
	op, err := readConvOperands(c, xi, wi)
	if err != nil {
		return err
	}
	x, w, n := op.x, op.w, op.n
	if n < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	kernel, err := convKernel(c, w, n)
	if err != nil {
		return err
	}
	var m sym.Expr
	if w.HasShape() {
		m = w.Shape[0]
		if cw, ok := w.Shape[1].IsConst(); ok {
			if cx, ok := x.Shape[1].IsConst(); ok && cw*op.group != cx {
				return fmt.Errorf("input has %d channels, weight expects %d (%d per group × group %d)", cx, cw*op.group, cw, op.group)
			}
		}
		if mv, ok := m.IsConst(); ok && mv%op.group != 0 {
			return fmt.Errorf("%d output channels are not divisible by group %d", mv, op.group)
		}
	} else {
		m = c.Fresh("out_channels")
	}
	out := []sym.Expr{x.Shape[0], m}
	if kernel == nil {
		out = freshSpatial(c, out, n)
	} else {
		win, err := readWindow(c, kernel)
		if err != nil {
			return err
		}
		sp, err := win.spatialOut(x, false)
		if err != nil {
			return err
		}
		out = append(out, sp...)
	}
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

func inferConv(c *shape.Ctx) error { return conv(c, 0, 1, c.ElemType(0)) }

func inferConvInteger(c *shape.Ctx) error { return conv(c, 0, 1, onnx.Int32) }

func inferQLinearConv(c *shape.Ctx) error {
	dt := c.ElemType(7) // y_zero_point gives the output type
	if !c.HasInput(7) {
		dt = c.ElemType(0)
	}
	return conv(c, 0, 3, dt)
}

func inferDeformConv(c *shape.Ctx) error {
	if c.AttrString("auto_pad", "NOTSET") != "NOTSET" {
		return fmt.Errorf("DeformConv has no auto_pad attribute")
	}
	return conv(c, 0, 1, c.ElemType(0))
}

// inferConvTranspose: x (N, C, D...), weight (C, M/group, k...), output
// (N, M, o...) with o = s*(D-1) + output_padding + d*(k-1) + 1 - pads, or the
// output_shape attribute, or D*s under SAME_* auto padding.
func inferConvTranspose(c *shape.Ctx) error {
	op, err := readConvOperands(c, 0, 1)
	if err != nil {
		return err
	}
	x, w, n := op.x, op.w, op.n
	dt := x.DType
	if n < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	var m sym.Expr
	if w.HasShape() {
		if cw, ok := w.Shape[0].IsConst(); ok {
			if cx, ok := x.Shape[1].IsConst(); ok && cw != cx {
				return fmt.Errorf("input has %d channels, weight expects %d", cx, cw)
			}
		}
		m = w.Shape[1].MulInt(op.group)
	} else {
		m = c.Fresh("out_channels")
	}
	out := []sym.Expr{x.Shape[0], m}
	if os, ok := c.AttrInts("output_shape"); ok {
		switch len(os) {
		case n:
		case n + 2:
			os = os[2:] // some exporters include N and C
		default:
			return fmt.Errorf("output_shape %v has %d values, want %d", os, len(os), n)
		}
		for _, d := range os {
			if d < 0 {
				return fmt.Errorf("output_shape %v: negative size", os)
			}
		}
		c.SetOutput(0, shape.Tensor(dt, append(out, shape.Dims(os...)...)...))
		return nil
	}
	kernel, err := convKernel(c, w, n)
	if err != nil {
		return err
	}
	if kernel == nil {
		c.SetOutput(0, shape.Tensor(dt, freshSpatial(c, out, n)...))
		return nil
	}
	win, err := readWindow(c, kernel)
	if err != nil {
		return err
	}
	opad, err := intsAttrN(c, "output_padding", n, 0)
	if err != nil {
		return err
	}
	for i := range n {
		in := x.Shape[2+i]
		s := win.strides[i]
		var d sym.Expr
		switch win.autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			d = in.MulInt(s)
		default:
			pads := win.pads[i] + win.pads[n+i]
			if win.autoPad == "VALID" {
				pads = 0
			}
			d = in.AddInt(-1).MulInt(s).AddInt(opad[i]).Add(win.effKernel(i)).AddInt(-pads)
		}
		if v, ok := d.IsConst(); ok && v < 0 {
			return fmt.Errorf("spatial axis %d: output size %d is negative", i, v)
		}
		out = append(out, d)
	}
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

// inferCausalConvWithState: output has the input's shape (B, C, L);
// present_state is (B, C, k-1) with k the weight's last dim.
func inferCausalConvWithState(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	x, w := c.Input(0), c.Input(1)
	if x.HasShape() && x.Rank != 3 {
		return fmt.Errorf("input has rank %d, want 3 (batch, channels, length)", x.Rank)
	}
	if w.HasShape() && w.Rank != 3 {
		return fmt.Errorf("weight has rank %d, want 3 (channels, 1, k)", w.Rank)
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	if !c.HasOutput(1) {
		return nil
	}
	switch {
	case x.HasShape() && w.HasShape():
		c.SetOutput(1, shape.Tensor(x.DType, x.Shape[0], x.Shape[1], w.Shape[2].AddInt(-1)))
	case c.HasInput(3) && c.Input(3).HasShape():
		c.SetOutput(1, c.Input(3).WithShape(c.Input(3).Shape))
	default:
		c.SetOutput(1, shape.UnknownRank(x.DType))
	}
	return nil
}

package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Rules of the experimental ai.onnx operators that ONNX removed in opset 10
// (onnx/onnx#1909) but that old model-zoo graphs and Caffe2 exports still
// use. Their semantics are those of the old "experiments" schemas, of ONNX
// Runtime's backward-compatibility kernels (Crop) and of Caffe2 (the fill
// operators, FC). ThresholdedRelu and MeanVarianceNormalization became
// regular operators and are left to their families; ATen is not supported.

func init() {
	shape.Register(
		shape.Op{Type: "Affine", Since: 1, Infer: lgDeprecated(lgInferSameFloat)},
		shape.Op{Type: "ScaledTanh", Since: 1, Infer: lgDeprecated(lgInferSameFloat)},
		shape.Op{Type: "ParametricSoftplus", Since: 1, Infer: lgDeprecated(lgInferSameFloat)},
		shape.Op{Type: "Scale", Since: 1, Infer: lgDeprecated(lgInferSameFloat)},
		shape.Op{Type: "ImageScaler", Since: 1, Infer: lgDeprecated(lgInferImageScaler)},
		shape.Op{Type: "Crop", Since: 1, Infer: lgDeprecated(lgInferCrop)},
		shape.Op{Type: "GRUUnit", Since: 1, Infer: lgDeprecated(lgInferGRUUnit)},
		shape.Op{Type: "ConstantFill", Since: 1, Infer: lgDeprecated(lgInferConstantFill)},
		shape.Op{Type: "GivenTensorFill", Since: 1, Infer: lgDeprecated(lgInferGivenTensorFill)},
		shape.Op{Type: "DynamicSlice", Since: 1, Infer: lgDeprecated(lgInferDynamicSlice), Eval: lgEvalDynamicSlice},
		shape.Op{Type: "FC", Since: 1, Infer: lgDeprecated(lgInferFC)},
	)
}

// lgDeprecated notes when an experimental operator is used at an opset
// where it no longer exists (ONNX Runtime still runs most of them).
func lgDeprecated(f func(*shape.Ctx) error) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		if c.Opset >= 10 {
			c.Note("%s is an experimental operator removed from ONNX at opset 10", c.Node.OpType)
		}
		return f(c)
	}
}

func lgInferSameFloat(c *shape.Ctx) error {
	if err := c.RequireInputs(1); err != nil {
		return err
	}
	return c.SameAsInput(0, 0)
}

func lgInferImageScaler(c *shape.Ctx) error {
	if err := c.RequireInputs(1); err != nil {
		return err
	}
	x := c.Input(0)
	if x.Rank >= 0 && x.Rank != 4 {
		return fmt.Errorf("input 0: rank %d, want 4 (N, C, H, W)", x.Rank)
	}
	if b, ok := c.AttrFloats("bias"); ok && x.Rank == 4 {
		if ch, ok := x.Shape[1].IsConst(); ok && int64(len(b)) != ch {
			return fmt.Errorf("attribute bias has %d values for %d channels", len(b), ch)
		}
	}
	return c.SameAsInput(0, 0)
}

func lgInferCrop(c *shape.Ctx) error {
	if err := c.RequireInputs(1); err != nil {
		return err
	}
	x := c.Input(0)
	border, _ := c.AttrInts("border")
	if len(border) != 4 {
		return fmt.Errorf("attribute border has %d values, want 4 (left, top, right, bottom)", len(border))
	}
	scale, hasScale := c.AttrInts("scale")
	if hasScale && len(scale) != 2 {
		return fmt.Errorf("attribute scale has %d values, want 2 (height, width)", len(scale))
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.Tensor(x.DType, c.Fresh("N"), c.Fresh("C"), c.Fresh("H"), c.Fresh("W")))
		return nil
	}
	if x.Rank != 4 {
		return fmt.Errorf("input 0: rank %d, want 4 (N, C, H, W)", x.Rank)
	}
	left, top, right, bottom := border[0], border[1], border[2], border[3]
	h, w := x.Shape[2], x.Shape[3]
	var oh, ow sym.Expr
	if hasScale {
		oh, ow = sym.Const(scale[0]), sym.Const(scale[1])
		if hv, ok := h.IsConst(); ok && hv < top+scale[0] {
			return fmt.Errorf("height %d is less than top border %d + scale %d", hv, top, scale[0])
		}
		if wv, ok := w.IsConst(); ok && wv < left+scale[1] {
			return fmt.Errorf("width %d is less than left border %d + scale %d", wv, left, scale[1])
		}
	} else {
		oh = h.AddInt(-top - bottom)
		ow = w.AddInt(-left - right)
		if v, ok := oh.IsConst(); ok && v < 0 {
			return fmt.Errorf("height %s is less than the top and bottom borders %d + %d", h, top, bottom)
		}
		if v, ok := ow.IsConst(); ok && v < 0 {
			return fmt.Errorf("width %s is less than the left and right borders %d + %d", w, left, right)
		}
	}
	c.SetOutput(0, shape.Tensor(x.DType, x.Shape[0], x.Shape[1], oh, ow))
	return nil
}

// lgInferGRUUnit: the new hidden state has the shape of hidden_prev.
func lgInferGRUUnit(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	return c.SameAsInput(0, 0)
}

// lgFillShape computes the output shape of Caffe2's filler operators
// (ConstantFill, GivenTensorFill): the shape attribute, or the input's shape
// (its contents when input_as_shape is set) followed by extra_shape.
func lgFillShape(c *shape.Ctx) ([]sym.Expr, bool, error) {
	extra, _ := c.AttrInts("extra_shape")
	for _, d := range extra {
		if d < 0 {
			return nil, false, fmt.Errorf("attribute extra_shape: negative dimension %d", d)
		}
	}
	shp, hasShape := c.AttrInts("shape")
	in := c.Input(0)
	if in == nil {
		if len(extra) > 0 {
			return nil, false, fmt.Errorf("extra_shape needs an input")
		}
		if c.AttrInt("input_as_shape", 0) != 0 {
			return nil, false, fmt.Errorf("input_as_shape needs an input")
		}
		for _, d := range shp {
			if d < 0 {
				return nil, false, fmt.Errorf("attribute shape: negative dimension %d", d)
			}
		}
		return shape.Dims(shp...), true, nil // no shape attribute: a scalar
	}
	if hasShape {
		return nil, false, fmt.Errorf("the shape attribute and an input cannot be used together")
	}
	var out []sym.Expr
	if c.AttrInt("input_as_shape", 0) != 0 {
		if in.Rank >= 0 && in.Rank != 1 {
			return nil, false, fmt.Errorf("input 0: rank %d, want a 1-D shape with input_as_shape", in.Rank)
		}
		vals, ok := c.ConstInts(0)
		if !ok {
			if fv, okf := c.ConstFloats(0); okf {
				vals, ok = make([]sym.Expr, len(fv)), true
				for i, f := range fv {
					vals[i] = sym.Const(int64(f))
				}
			}
		}
		if !ok {
			// Contents unknown: the rank is still the input's length.
			if in.Rank != 1 {
				return nil, false, nil
			}
			n, known := in.Shape[0].IsConst()
			if !known || n > 64 {
				return nil, false, nil
			}
			vals = make([]sym.Expr, n)
			for i := range vals {
				vals[i] = c.Fresh("dim")
			}
		}
		for _, d := range vals {
			if v, ok := d.IsConst(); ok && v < 0 {
				return nil, false, fmt.Errorf("input 0: negative dimension %d", v)
			}
		}
		out = append(out, vals...)
	} else {
		if in.Rank < 0 {
			return nil, false, nil
		}
		out = append(out, in.Shape...)
	}
	return append(out, shape.Dims(extra...)...), true, nil
}

// lgFill sets output 0 of a filler to type dt and the shape of
// lgFillShape, and returns that shape when it is concrete.
func lgFill(c *shape.Ctx, dt onnx.DataType) ([]int64, bool, error) {
	out, ok, err := lgFillShape(c)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil, false, nil
	}
	c.SetOutput(0, shape.Tensor(dt, out...))
	dims, concrete := concreteShape(out)
	return dims, concrete, nil
}

func lgInferConstantFill(c *shape.Ctx) error {
	dt := onnx.DataType(c.AttrInt("dtype", int64(onnx.Float)))
	switch dt {
	case onnx.Float, onnx.Int32, onnx.Int64, onnx.Bool:
	default:
		return fmt.Errorf("attribute dtype: %s, want float32, int32, int64 or bool", dt)
	}
	// The contents only depend on the shape.
	dims, concrete, err := lgFill(c, dt)
	if err != nil || !concrete || numel(dims) > int64(c.MaxConstElements()) {
		return err
	}
	n := int(numel(dims))
	value := c.AttrFloat("value", 0)
	cv := constKindFor(dt, n)
	for i := 0; i < n; i++ {
		switch dt {
		case onnx.Float:
			cv.Floats[i] = float64(value)
		case onnx.Bool:
			cv.Ints[i] = sym.Const(0)
			if value != 0 {
				cv.Ints[i] = sym.Const(1)
			}
		default:
			cv.Ints[i] = sym.Const(int64(value)) // truncation, as C++'s static_cast
		}
	}
	return c.SetConst(0, dt, dims, cv)
}

func lgInferGivenTensorFill(c *shape.Ctx) error {
	// The values are floats; with an input (not used as a shape) the output
	// takes the input's type, as in ONNX's experimental schema.
	dt := onnx.Float
	if in := c.Input(0); in != nil && c.AttrInt("input_as_shape", 0) == 0 && in.DType != onnx.Undefined {
		dt = in.DType
	}
	dims, concrete, err := lgFill(c, dt)
	if err != nil {
		return err
	}
	vals, _ := c.AttrFloats("values")
	if concrete && numel(dims) != int64(len(vals)) {
		return fmt.Errorf("%d values for shape %v", len(vals), dims)
	}
	if !concrete || !dt.IsFloat() || len(vals) > c.MaxConstElements() {
		return nil
	}
	f := make([]float64, len(vals))
	for i, v := range vals {
		f[i] = float64(v)
	}
	return c.SetConst(0, dt, dims, &shape.Const{Floats: f})
}

// DynamicSlice is Slice-10 without the steps input: the rule of the tensor
// family's Slice (opset 10) is applied as it is.
func lgSliceRule() *shape.Op {
	op := shape.Lookup("", "Slice", 10)
	if op == nil || op.Since < 10 {
		return nil
	}
	return op
}

func lgInferDynamicSlice(c *shape.Ctx) error {
	if c.NumInputs() > 4 {
		return fmt.Errorf("%d inputs, want at most 4 (data, starts, ends, axes)", c.NumInputs())
	}
	op := lgSliceRule()
	if op == nil {
		return fmt.Errorf("no Slice-10 rule to apply")
	}
	return op.Infer(c)
}

func lgEvalDynamicSlice(c *shape.Ctx) error {
	if op := lgSliceRule(); op != nil && op.Eval != nil {
		return op.Eval(c)
	}
	return nil
}

// lgInferFC is Caffe2's FC: Y = X W^T + b with X flattened at axis to
// [M, K] and W flattened at axis_w to [N, K]; Y is X.shape[:axis] + [N].
func lgInferFC(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	x, w := c.Input(0), c.Input(1)
	if x.Rank < 0 || w.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	axis, err := shape.NormAxis(c.AttrInt("axis", 1), x.Rank)
	if err != nil {
		return fmt.Errorf("attribute axis: %v", err)
	}
	axisW, err := shape.NormAxis(c.AttrInt("axis_w", 1), w.Rank)
	if err != nil {
		return fmt.Errorf("attribute axis_w: %v", err)
	}
	k, kw := sym.Product(x.Shape[axis:]...), sym.Product(w.Shape[axisW:]...)
	if a, ok := k.IsConst(); ok {
		if b, ok := kw.IsConst(); ok && a != b {
			return fmt.Errorf("input 0 has %d features but W has %d", a, b)
		}
	}
	out := append(append([]sym.Expr{}, x.Shape[:axis]...), sym.Product(w.Shape[:axisW]...))
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear. Scales are
// per tensor (one element), per axis (1-D along axis) or blocked (x's rank,
// ceil(D/block_size) along axis).

// qCheckScale validates the scale's shape against x's for the granularity
// it implies; only concrete conflicts are errors.
func qCheckScale(c *shape.Ctx, x, scale *shape.Value) error {
	if x.Rank < 0 || scale == nil || scale.Rank < 0 {
		return nil
	}
	if d, ok := scale.Dims(); ok && numel(d) == 1 && c.AttrInt("block_size", 0) == 0 {
		return nil // per tensor
	}
	if scale.Rank == 0 {
		return nil
	}
	if x.Rank == 0 {
		return fmt.Errorf("scale %s for a scalar input", shape.ShapeString(scale))
	}
	axis, err := shape.NormAxis(c.AttrInt("axis", 1), x.Rank)
	if err != nil {
		return err
	}
	block := c.AttrInt("block_size", 0)
	if block < 0 {
		return fmt.Errorf("block_size %d is negative", block)
	}
	if block == 0 {
		if scale.Rank != 1 {
			return fmt.Errorf("per-axis scale must be 1-D, got %s", shape.ShapeString(scale))
		}
		return mmDimsMatch(fmt.Sprintf("scale length and input dim %d differ", axis), scale.Shape[0], x.Shape[axis])
	}
	if scale.Rank != x.Rank {
		return fmt.Errorf("blocked scale %s must have the rank of the input %s", shape.ShapeString(scale), shape.ShapeString(x))
	}
	for i, d := range scale.Shape {
		want := x.Shape[i]
		if i == axis {
			w, ok := ewTry(func() sym.Expr { return sym.CeilDiv(want, sym.Const(block)) })
			if !ok {
				continue
			}
			want = w
		}
		if err := mmDimsMatch(fmt.Sprintf("blocked scale dim %d", i), d, want); err != nil {
			return err
		}
	}
	return nil
}

func inferQuantize(c *shape.Ctx) error {
	x, scale, err := ewTwoInputs(c)
	if err != nil {
		return err
	}
	dt := onnx.Uint8
	if c.HasInput(2) {
		dt = c.ElemType(2)
	}
	if od := onnx.DataType(c.AttrInt("output_dtype", 0)); od != onnx.Undefined {
		if c.HasInput(2) && c.ElemType(2) != onnx.Undefined && c.ElemType(2) != od {
			return fmt.Errorf("output_dtype %s differs from y_zero_point's type %s", od, c.ElemType(2))
		}
		dt = od
	}
	if err := qCheckScale(c, x, scale); err != nil {
		return err
	}
	return ewSameShape(c, dt)
}

func inferDequantize(c *shape.Ctx) error {
	x, scale, err := ewTwoInputs(c)
	if err != nil {
		return err
	}
	dt := onnx.Float
	if c.Opset >= 19 || c.Opset <= 0 {
		if s := scale.DType; s != onnx.Undefined {
			dt = s
		}
	}
	if od := onnx.DataType(c.AttrInt("output_dtype", 0)); od != onnx.Undefined {
		dt = od
	}
	if err := qCheckScale(c, x, scale); err != nil {
		return err
	}
	return ewSameShape(c, dt)
}

// qParamIndex maps each flat index of x to the index of its scale and zero
// point, or nil when the shapes do not fit.
func qParamIndex(c *shape.Ctx, xd, sd []int64) []int64 {
	n := numel(xd)
	out := make([]int64, n)
	if numel(sd) == 1 && c.AttrInt("block_size", 0) == 0 {
		return out
	}
	if len(xd) == 0 {
		return nil
	}
	axis, err := shape.NormAxis(c.AttrInt("axis", 1), len(xd))
	if err != nil {
		return nil
	}
	block := c.AttrInt("block_size", 0)
	idx := make([]int64, len(xd))
	if block <= 0 {
		if len(sd) != 1 || sd[0] != xd[axis] {
			return nil
		}
		for f := int64(0); f < n; f++ {
			unravel(f, xd, idx)
			out[f] = idx[axis]
		}
		return out
	}
	if len(sd) != len(xd) {
		return nil
	}
	st := strides(sd)
	for f := int64(0); f < n; f++ {
		unravel(f, xd, idx)
		var j int64
		for k, v := range idx {
			if k == axis {
				v /= block
			}
			if v >= sd[k] {
				return nil
			}
			j += v * st[k]
		}
		out[f] = j
	}
	return out
}

// qSaturate rounds half to even and clamps to dt's range.
func qSaturate(dt onnx.DataType, v float64) (int64, bool) {
	lo, hi, ok := ewIntRange(dt)
	if !ok || math.IsNaN(v) {
		return 0, false
	}
	v = math.RoundToEven(v)
	v = math.Max(lo, math.Min(hi, v))
	return int64(v), true
}

// qEval evaluates QuantizeLinear (quantize true) or DequantizeLinear for
// integer quantized types.
func qEval(quantize bool) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, dt, ok, err := ewBegin(c)
		if !ok {
			return err
		}
		xd, sd, ok := ewTwoDims(c)
		if !ok {
			return nil
		}
		qType := dt
		if !quantize {
			qType = c.ElemType(0)
		}
		if _, _, ok := ewIntRange(qType); !ok {
			return nil // float8 and float4 are not modelled
		}
		xs, ok1 := ewFloats(c.Const(0), c.ElemType(0))
		scale, ok2 := ewFloats(c.Const(1), c.ElemType(1))
		if !ok1 || !ok2 {
			return nil
		}
		zp := make([]float64, len(scale))
		if c.HasInput(2) {
			z, ok := ewFloats(c.Const(2), c.ElemType(2))
			if !ok || len(z) != len(scale) {
				return nil
			}
			zp = z
		}
		pi := qParamIndex(c, xd, sd)
		if pi == nil {
			return nil
		}
		if !quantize {
			res := make([]float64, len(xs))
			for i, x := range xs {
				res[i] = (x - zp[pi[i]]) * scale[pi[i]]
			}
			return ewSetFloats(c, dt, dims, res)
		}
		prec := c.ElemType(1)
		if p := c.AttrInt("precision", 0); p != 0 {
			prec = onnx.DataType(p)
		}
		res := make([]sym.Expr, len(xs))
		for i, x := range xs {
			v, ok := qSaturate(dt, math.RoundToEven(ewRound(prec, x/scale[pi[i]]))+zp[pi[i]])
			if !ok {
				return nil
			}
			res[i] = sym.Const(v)
		}
		return c.SetConst(0, dt, dims, &shape.Const{Ints: res})
	}
}

// --- DynamicQuantizeLinear ---

func inferDynamicQuantize(c *shape.Ctx) error {
	if _, err := ewTensorInput(c, 0); err != nil {
		return err
	}
	if err := ewSameShape(c, onnx.Uint8); err != nil {
		return err
	}
	c.SetOutput(1, shape.Tensor(onnx.Float))
	c.SetOutput(2, shape.Tensor(onnx.Uint8))
	return nil
}

func evalDynamicQuantize(c *shape.Ctx) error {
	dims, ok := ewOutDims(c, 0)
	if !ok {
		return nil
	}
	xs, ok := ewFloats(c.Const(0), c.ElemType(0))
	if !ok {
		return nil
	}
	lo, hi := 0.0, 0.0
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	scale := ewRound(onnx.Float, ewRound(onnx.Float, hi-lo)/255)
	zp := 0.0
	if scale != 0 {
		z, ok := qSaturate(onnx.Uint8, ewRound(onnx.Float, -lo/scale))
		if !ok {
			return nil
		}
		zp = float64(z)
	}
	ys := make([]sym.Expr, len(xs))
	for i, x := range xs {
		v := zp
		if scale != 0 {
			v += math.RoundToEven(ewRound(onnx.Float, x/scale))
		}
		y, ok := qSaturate(onnx.Uint8, v)
		if !ok {
			return nil
		}
		ys[i] = sym.Const(y)
	}
	if err := c.SetConst(0, onnx.Uint8, dims, &shape.Const{Ints: ys}); err != nil {
		return err
	}
	if err := c.SetConst(1, onnx.Float, nil, &shape.Const{Floats: []float64{scale}}); err != nil {
		return err
	}
	return c.SetConst(2, onnx.Uint8, nil, &shape.Const{Ints: []sym.Expr{sym.Const(int64(zp))}})
}

func init() {
	for _, s := range []int64{10, 13, 19, 21, 23, 24, 25} {
		shape.Register(
			shape.Op{Type: "QuantizeLinear", Since: s, Infer: inferQuantize, Eval: qEval(true)},
			shape.Op{Type: "DequantizeLinear", Since: s, Infer: inferDequantize, Eval: qEval(false)},
		)
	}
	shape.Register(shape.Op{Type: "DynamicQuantizeLinear", Since: 11, Infer: inferDynamicQuantize, Eval: evalDynamicQuantize})
}

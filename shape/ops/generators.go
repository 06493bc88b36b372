package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Constant, ConstantOfShape, EyeLike, Range and the random generators.

// --- Constant ---

func inferConstant(c *shape.Ctx) error {
	var set []string
	for _, a := range c.Node.Attrs {
		switch a.Name {
		case "value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings":
			set = append(set, a.Name)
		}
	}
	if len(set) != 1 {
		return fmt.Errorf("Constant needs exactly one value attribute, got %v", set)
	}
	a := c.Attr(set[0])
	var v *shape.Value
	switch set[0] {
	case "value":
		if a.T == nil {
			return fmt.Errorf("attribute value holds no tensor")
		}
		var err error
		if v, err = shape.ValueFromTensor(a.T, c.MaxConstElements()); err != nil {
			return err
		}
		v.Init = a.T
	case "sparse_value":
		var err error
		if v, err = genSparseValue(c, a.Sparse); err != nil {
			return err
		}
	case "value_float":
		v = shape.TensorDims(onnx.Float)
		v.Const = &shape.Const{Floats: []float64{float64(a.F)}}
	case "value_floats":
		v = shape.TensorDims(onnx.Float, int64(len(a.Floats)))
		fs := make([]float64, len(a.Floats))
		for i, f := range a.Floats {
			fs[i] = float64(f)
		}
		v.Const = &shape.Const{Floats: fs}
	case "value_int":
		v = shape.TensorDims(onnx.Int64)
		v.Const = &shape.Const{Ints: []sym.Expr{sym.Const(a.I)}}
	case "value_ints":
		v = shape.TensorDims(onnx.Int64, int64(len(a.Ints)))
		v.Const = &shape.Const{Ints: shape.Dims(a.Ints...)}
	case "value_string":
		v = shape.TensorDims(onnx.String)
		v.Const = &shape.Const{Strs: []string{a.S}}
	case "value_strings":
		v = shape.TensorDims(onnx.String, int64(len(a.Strings)))
		v.Const = &shape.Const{Strs: append([]string{}, a.Strings...)}
	}
	v.Name = ""
	c.SetOutput(0, v)
	return nil
}

// genSparseValue makes the dense value of a sparse constant, with contents
// when small.
func genSparseValue(c *shape.Ctx, st *onnx.SparseTensor) (*shape.Value, error) {
	if st == nil || st.Values == nil {
		return nil, fmt.Errorf("attribute sparse_value holds no tensor")
	}
	dt := st.Values.DataType
	v := shape.TensorDims(dt, st.Dims...)
	total, err := onnx.NumElements(st.Dims)
	if err != nil {
		return nil, err
	}
	if total > int64(c.MaxConstElements()) {
		return v, nil
	}
	vals, err := shape.ConstFromTensor(st.Values)
	if err != nil {
		return v, nil
	}
	nnz := int64(vals.Len())
	var idx []int64
	if st.Indices != nil {
		if idx, err = st.Indices.Int64s(); err != nil {
			return v, nil
		}
	}
	flat := make([]int64, nnz)
	switch {
	case int64(len(idx)) == nnz:
		copy(flat, idx)
	case int64(len(idx)) == nnz*int64(len(st.Dims)) && len(st.Dims) > 0:
		str := strides(st.Dims)
		for i := int64(0); i < nnz; i++ {
			for k := range st.Dims {
				j := idx[i*int64(len(st.Dims))+int64(k)]
				if j < 0 || j >= st.Dims[k] {
					return nil, fmt.Errorf("sparse_value: index %d out of range for dim %d", j, st.Dims[k])
				}
				flat[i] += j * str[k]
			}
		}
	default:
		return nil, fmt.Errorf("sparse_value: %d indices for %d values of rank %d", len(idx), nnz, len(st.Dims))
	}
	dense := constKindFor(dt, int(total))
	for i := range dense.Ints {
		dense.Ints[i] = sym.Const(0)
	}
	for i, f := range flat {
		if f < 0 || f >= total {
			return nil, fmt.Errorf("sparse_value: index %d out of range for %d elements", f, total)
		}
		switch {
		case dense.Ints != nil && vals.Ints != nil:
			dense.Ints[f] = vals.Ints[i]
		case dense.Floats != nil && vals.Floats != nil:
			dense.Floats[f] = vals.Floats[i]
		case dense.Strs != nil && vals.Strs != nil:
			dense.Strs[f] = vals.Strs[i]
		}
	}
	v.Const = dense
	return v, nil
}

// --- ConstantOfShape ---

// genShapeInput reads a shape-carrying 1-D int64 input. When its contents
// are unknown but its length is, the dims are fresh symbols; when even the
// length is unknown, ok is false.
func genShapeInput(c *shape.Ctx, i int, hint string) (dims []sym.Expr, ok bool, err error) {
	in := c.Input(i)
	if in == nil {
		return nil, false, errMissing(i)
	}
	if in.Rank > 1 {
		return nil, false, fmt.Errorf("input %d: shape must be 1-D, got rank %d", i, in.Rank)
	}
	if xs, known := c.ConstInts(i); known {
		for j, d := range xs {
			if v, isC := d.IsConst(); isC && v < 0 {
				return nil, false, fmt.Errorf("input %d: negative dimension %d at %d", i, v, j)
			}
		}
		return append([]sym.Expr{}, xs...), true, nil
	}
	if in.Rank == 0 {
		return nil, false, fmt.Errorf("input %d: shape must be 1-D, got a scalar", i)
	}
	if in.Rank == 1 {
		if n, isC := in.Shape[0].IsConst(); isC {
			out := make([]sym.Expr, n)
			for j := range out {
				out[j] = c.Fresh(fmt.Sprintf("%s%d", hint, j))
			}
			return out, true, nil
		}
	}
	return nil, false, nil
}

func inferConstantOfShape(c *shape.Ctx) error {
	dt := onnx.Float
	fill := &shape.Const{Floats: []float64{0}}
	if a := c.Attr("value"); a != nil && a.T != nil {
		dt = a.T.DataType
		cv, err := shape.ConstFromTensor(a.T)
		if err != nil {
			return fmt.Errorf("attribute value: %w", err)
		}
		if cv.Len() != 1 {
			return fmt.Errorf("attribute value must have one element, got %d", cv.Len())
		}
		fill = cv
	}
	dims, ok, err := genShapeInput(c, 0, "dim")
	if err != nil {
		return err
	}
	if !ok {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	out := shape.Tensor(dt, dims...)
	c.SetOutput(0, out)
	if d, ok := out.Dims(); ok && numel(d) <= int64(c.MaxConstElements()) {
		idx := make([]int64, numel(d))
		return c.SetConst(0, dt, d, take(fill, idx))
	}
	return nil
}

// --- EyeLike ---

func inferEyeLike(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt, ok, err := ewAttrDType(c, "dtype")
	if err != nil {
		return err
	}
	if !ok {
		dt = x.DType
	}
	if x.Rank >= 0 && x.Rank != 2 {
		return fmt.Errorf("input must be 2-D, got rank %d", x.Rank)
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	out := c.Output(0)
	out.DType = dt
	d, ok := out.Dims()
	if !ok || numel(d) > int64(c.MaxConstElements()) || dt == onnx.String {
		return nil
	}
	k := c.AttrInt("k", 0)
	vals := make([]float64, numel(d))
	for i := int64(0); i < d[0]; i++ {
		if j := i + k; j >= 0 && j < d[1] {
			vals[i*d[1]+j] = 1
		}
	}
	if cv := ewFromFloats(dt, vals); cv != nil {
		return c.SetConst(0, dt, d, cv)
	}
	return nil
}

// --- Range ---

func inferRange(c *shape.Ctx) error {
	for i := 0; i < 3; i++ {
		in, err := ewTensorInput(c, i)
		if err != nil {
			return err
		}
		if in.Rank > 0 {
			if d, ok := in.Dims(); !ok || numel(d) != 1 {
				return fmt.Errorf("input %d must be a scalar, got shape %s", i, shape.ShapeString(in))
			}
		}
	}
	dt := ewDType(c, 0, 1, 2)
	if n, ok := genRangeLen(c, dt); ok {
		c.SetOutput(0, shape.Tensor(dt, n))
		return nil
	}
	c.SetOutput(0, shape.Tensor(dt, c.Fresh("range")))
	return nil
}

// genRangeLen computes max(ceil((limit-start)/delta), 0) when the inputs
// allow, symbolically for integers with a constant delta.
func genRangeLen(c *shape.Ctx, dt onnx.DataType) (sym.Expr, bool) {
	if dt.IsFloat() {
		start, ok1 := c.ConstFloats(0)
		limit, ok2 := c.ConstFloats(1)
		delta, ok3 := c.ConstFloats(2)
		if !ok1 || !ok2 || !ok3 || len(start) != 1 || len(limit) != 1 || len(delta) != 1 || delta[0] == 0 {
			return sym.Expr{}, false
		}
		// Compute in the input's precision, as the reference does.
		q := ewRound(dt, ewRound(dt, limit[0]-start[0])/delta[0])
		n := math.Ceil(q)
		if math.IsNaN(n) || math.IsInf(n, 0) || n > 1<<53 {
			return sym.Expr{}, false
		}
		return sym.Const(int64(math.Max(n, 0))), true
	}
	start, ok1 := c.ConstInts(0)
	limit, ok2 := c.ConstInts(1)
	delta, ok3 := c.ConstInt64s(2)
	if !ok1 || !ok2 || !ok3 || len(start) != 1 || len(limit) != 1 || len(delta) != 1 || delta[0] == 0 {
		return sym.Expr{}, false
	}
	return ewTry(func() sym.Expr {
		n := sym.CeilDiv(limit[0].Sub(start[0]), sym.Const(delta[0]))
		return sym.Max(n, sym.Const(0))
	})
}

func evalRange(c *shape.Ctx) error {
	dims, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	n := dims[0]
	if dt.IsFloat() {
		start, _ := c.ConstFloats(0)
		delta, _ := c.ConstFloats(2)
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = start[0] + float64(i)*delta[0]
		}
		return ewSetFloats(c, dt, dims, vals)
	}
	start, ok1 := c.ConstInts(0)
	delta, ok2 := c.ConstInt64s(2)
	if !ok1 || !ok2 {
		return nil
	}
	vals := make([]sym.Expr, n)
	for i := range vals {
		v, ok := ewTry(func() sym.Expr { return start[0].AddInt(int64(i) * delta[0]) })
		if !ok {
			return nil
		}
		vals[i] = v
	}
	return c.SetConst(0, dt, dims, &shape.Const{Ints: vals})
}

// --- random generators ---

// genDType returns the dtype attribute, or def when absent.
func genDType(c *shape.Ctx, def onnx.DataType) (onnx.DataType, error) {
	dt, ok, err := ewAttrDType(c, "dtype")
	if err != nil {
		return onnx.Undefined, err
	}
	if !ok {
		return def, nil
	}
	return dt, nil
}

func inferRandom(c *shape.Ctx) error {
	dt, err := genDType(c, onnx.Float)
	if err != nil {
		return err
	}
	s, ok := c.AttrInts("shape")
	if !ok {
		return fmt.Errorf("attribute shape is required")
	}
	for _, d := range s {
		if d < 0 {
			return fmt.Errorf("attribute shape: negative dimension %d", d)
		}
	}
	c.SetOutput(0, shape.TensorDims(dt, s...))
	return nil
}

// inferRandomLike covers RandomNormalLike, RandomUniformLike and Bernoulli:
// the input's shape with the dtype attribute or the input's type.
func inferRandomLike(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt, err := genDType(c, x.DType)
	if err != nil {
		return err
	}
	return ewSameShape(c, dt)
}

func inferMultinomial(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt, err := genDType(c, onnx.Int32)
	if err != nil {
		return err
	}
	n := c.AttrInt("sample_size", 1)
	if n < 0 {
		return fmt.Errorf("sample_size %d is negative", n)
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.Tensor(dt, c.Fresh("batch"), sym.Const(n)))
		return nil
	}
	if x.Rank != 2 {
		return fmt.Errorf("input must be 2-D [batch, classes], got rank %d", x.Rank)
	}
	c.SetOutput(0, shape.Tensor(dt, x.Shape[0], sym.Const(n)))
	return nil
}

func init() {
	for _, s := range []int64{1, 9, 11, 12, 13, 19, 21, 23, 24, 25} {
		shape.Register(shape.Op{Type: "Constant", Since: s, Infer: inferConstant})
	}
	for _, s := range []int64{9, 20, 21, 23, 24, 25} {
		shape.Register(shape.Op{Type: "ConstantOfShape", Since: s, Infer: inferConstantOfShape})
	}
	for _, s := range []int64{9, 22} {
		shape.Register(shape.Op{Type: "EyeLike", Since: s, Infer: inferEyeLike})
	}
	for _, s := range []int64{11, 27} {
		shape.Register(shape.Op{Type: "Range", Since: s, Infer: inferRange, Eval: evalRange})
	}
	for _, name := range []string{"RandomNormal", "RandomUniform"} {
		for _, s := range []int64{1, 22} {
			shape.Register(shape.Op{Type: name, Since: s, Infer: inferRandom})
		}
	}
	for _, name := range []string{"RandomNormalLike", "RandomUniformLike"} {
		for _, s := range []int64{1, 22} {
			shape.Register(shape.Op{Type: name, Since: s, Infer: inferRandomLike})
		}
	}
	for _, s := range []int64{15, 22} {
		shape.Register(shape.Op{Type: "Bernoulli", Since: s, Infer: inferRandomLike})
	}
	for _, s := range []int64{7, 22} {
		shape.Register(shape.Op{Type: "Multinomial", Since: s, Infer: inferMultinomial})
	}
}

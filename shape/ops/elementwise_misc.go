package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Variadic elementwise operators (Max, Min, Sum, Mean), Where, Clip, PRelu,
// SwiGLU, Identity and Dropout.

// --- variadic ---

// ewVariadic describes Max, Min, Sum or Mean.
type ewVariadic struct {
	name string
	op   *ewBinary // pairwise fold
	mean bool
}

func (v *ewVariadic) infer(c *shape.Ctx) error {
	if c.NumInputs() == 0 {
		return fmt.Errorf("%s needs at least one input", v.name)
	}
	vals := make([]*shape.Value, c.NumInputs())
	for i := range vals {
		in, err := ewTensorInput(c, i)
		if err != nil {
			return err
		}
		vals[i] = in
	}
	dt := ewDType(c, 0)
	var s []sym.Expr
	var ok bool
	var err error
	if c.Opset > 0 && c.Opset < 8 {
		// Before opset 8 all inputs have the same shape.
		s, ok, err = ewMergeShapes(vals...)
		if err != nil {
			s, ok, err = shape.Broadcast(vals...)
		}
	} else {
		s, ok, err = shape.Broadcast(vals...)
	}
	if err != nil {
		return err
	}
	ewSetShape(c, dt, s, ok)
	return nil
}

func (v *ewVariadic) eval(c *shape.Ctx) error {
	out, outDT, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	var acc *shape.Const
	accDT := onnx.Undefined
	for i := 0; i < c.NumInputs(); i++ {
		d, ok := inputDims(c, i)
		if !ok || len(d) > len(out) {
			return nil
		}
		x := ewExpand(c.Const(i), d, out)
		if acc == nil {
			acc, accDT = x, c.ElemType(i)
			continue
		}
		acc = ewApply2(v.op, accDT, c.ElemType(i), outDT, acc, x)
		if acc == nil {
			return nil
		}
	}
	if v.mean {
		fs, ok := ewFloats(acc, outDT)
		if !ok {
			return nil
		}
		res := make([]float64, len(fs))
		for i, f := range fs {
			res[i] = f / float64(c.NumInputs())
		}
		acc = ewFromFloats(outDT, res)
		if acc == nil {
			return nil
		}
	}
	return c.SetConst(0, outDT, out, acc)
}

// --- Where ---

func inferWhere(c *shape.Ctx) error {
	var vals [3]*shape.Value
	for i := range vals {
		in, err := ewTensorInput(c, i)
		if err != nil {
			return err
		}
		vals[i] = in
	}
	dt := ewDType(c, 1, 2)
	s, ok, err := shape.Broadcast(vals[:]...)
	if err != nil {
		return err
	}
	ewSetShape(c, dt, s, ok)
	return nil
}

func evalWhere(c *shape.Ctx) error {
	out, outDT, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	var ex [3]*shape.Const
	for i := range ex {
		d, ok := inputDims(c, i)
		if !ok || len(d) > len(out) {
			return nil
		}
		ex[i] = ewExpand(c.Const(i), d, out)
	}
	cond, x, y := ex[0], ex[1], ex[2]
	n := int(numel(out))
	pick := make([]int64, n) // index into the concatenation of x and y
	for i := 0; i < n; i++ {
		var b bool
		switch {
		case cond.Ints != nil:
			v, ok := cond.Ints[i].IsConst()
			if !ok {
				return nil
			}
			b = v != 0
		case cond.Floats != nil:
			b = cond.Floats[i] != 0
		default:
			return nil
		}
		if b {
			pick[i] = int64(i)
		} else {
			pick[i] = int64(n + i)
		}
	}
	both := ewConcatConst(x, y, c.ElemType(1), c.ElemType(2), outDT)
	if both == nil {
		return nil
	}
	return c.SetConst(0, outDT, out, take(both, pick))
}

// ewConcatConst joins two contents of the same storage kind (converting
// concrete integers to floats when one side is float).
func ewConcatConst(a, b *shape.Const, dtA, dtB, outDT onnx.DataType) *shape.Const {
	switch {
	case a.Strs != nil && b.Strs != nil:
		return &shape.Const{Strs: append(append([]string{}, a.Strs...), b.Strs...)}
	case a.Ints != nil && b.Ints != nil && !outDT.IsFloat():
		return &shape.Const{Ints: append(append([]sym.Expr{}, a.Ints...), b.Ints...)}
	}
	fa, ok1 := ewFloats(a, dtA)
	fb, ok2 := ewFloats(b, dtB)
	if !ok1 || !ok2 {
		return nil
	}
	return &shape.Const{Floats: append(append([]float64{}, fa...), fb...)}
}

// --- Clip ---

func evalClip(c *shape.Ctx) error {
	dims, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	x := c.Const(0)
	if x.Len() == 0 {
		return c.SetConst(0, dt, dims, ewEmpty(dt))
	}
	if c.Opset > 0 && c.Opset < 11 {
		lo := ewAttrF(c, "min", -math.MaxFloat32)
		hi := ewAttrF(c, "max", math.MaxFloat32)
		return ewClipFloats(c, dt, dims, x, &lo, &hi)
	}
	bound := func(i int) (*shape.Const, error) {
		if !c.HasInput(i) {
			return nil, nil
		}
		b := c.Const(i)
		if b.Len() != 1 {
			return nil, fmt.Errorf("input %d: clip bound must have one element, got %d", i, b.Len())
		}
		return b, nil
	}
	lo, err := bound(1)
	if err != nil {
		return err
	}
	hi, err := bound(2)
	if err != nil {
		return err
	}
	if x.Ints != nil {
		out := make([]sym.Expr, len(x.Ints))
		for i, v := range x.Ints {
			r := v
			if lo != nil && lo.Ints != nil {
				r = ewClipMax(dt, r, lo.Ints[0])
			}
			if hi != nil && hi.Ints != nil {
				r = ewClipMin(dt, r, hi.Ints[0])
			}
			out[i] = r
		}
		return c.SetConst(0, dt, dims, &shape.Const{Ints: out})
	}
	var lof, hif *float64
	if lo != nil {
		f, ok := ewFloats(lo, c.ElemType(1))
		if !ok {
			return nil
		}
		lof = &f[0]
	}
	if hi != nil {
		f, ok := ewFloats(hi, c.ElemType(2))
		if !ok {
			return nil
		}
		hif = &f[0]
	}
	return ewClipFloats(c, dt, dims, x, lof, hif)
}

// ewClipMax is max(a, b) for integers of type dt (symbolic allowed).
func ewClipMax(dt onnx.DataType, a, b sym.Expr) sym.Expr {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	if aok && bok {
		if ewCmpInts(dt, av, bv) >= 0 {
			return a
		}
		return b
	}
	return sym.Max(a, b)
}

// ewClipMin is min(a, b) for integers of type dt (symbolic allowed).
func ewClipMin(dt onnx.DataType, a, b sym.Expr) sym.Expr {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	if aok && bok {
		if ewCmpInts(dt, av, bv) <= 0 {
			return a
		}
		return b
	}
	return sym.Min(a, b)
}

func ewClipFloats(c *shape.Ctx, dt onnx.DataType, dims []int64, x *shape.Const, lo, hi *float64) error {
	xs, ok := ewFloats(x, dt)
	if !ok {
		return nil
	}
	res := make([]float64, len(xs))
	for i, v := range xs {
		if lo != nil && v < *lo {
			v = *lo
		}
		if hi != nil && v > *hi {
			v = *hi
		}
		res[i] = v
	}
	return ewSetFloats(c, dt, dims, res)
}

// --- PRelu ---

func inferPRelu(c *shape.Ctx) error {
	x, slope, err := ewTwoInputs(c)
	if err != nil {
		return err
	}
	dt := ewDType(c, 0, 1)
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	if c.Opset >= 7 && slope.Rank >= 0 {
		if slope.Rank > x.Rank {
			return fmt.Errorf("slope of rank %d does not broadcast to X of rank %d", slope.Rank, x.Rank)
		}
		s, _, err := shape.Broadcast(x, slope)
		if err != nil {
			return err
		}
		c.SetOutput(0, shape.Tensor(dt, s...))
		return nil
	}
	return c.SameAsInput(0, 0)
}

func evalPRelu(c *shape.Ctx) error {
	out, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	xd, ok1 := inputDims(c, 0)
	sd, ok2 := inputDims(c, 1)
	if !ok1 || !ok2 || len(sd) > len(out) {
		return nil
	}
	if c.Opset > 0 && c.Opset < 7 && numel(sd) != numel(out) {
		// Before 7 the slope is one value or one per channel (axis 1).
		switch {
		case numel(sd) == 1:
			sd = nil
		case len(sd) == 1 && len(out) >= 2 && sd[0] == out[1]:
			perChannel := make([]int64, len(out)-1)
			for i := range perChannel {
				perChannel[i] = 1
			}
			perChannel[0] = sd[0]
			sd = perChannel
		}
	}
	if !ewBroadcastable(sd, out) {
		return nil
	}
	x := ewExpand(c.Const(0), xd, out)
	s := ewExpand(c.Const(1), sd, out)
	op := &ewBinary{
		ints: func(_ onnx.DataType, a, b int64) (int64, bool) {
			if a < 0 {
				return a * b, true
			}
			return a, true
		},
		floats: func(a, b float64) float64 {
			if a < 0 {
				return a * b
			}
			return a
		},
	}
	return ewSet(c, dt, out, ewApply2(op, c.ElemType(0), c.ElemType(1), dt, x, s))
}

// ewBroadcastable reports whether in broadcasts to out numpy-style.
func ewBroadcastable(in, out []int64) bool {
	if len(in) > len(out) {
		return false
	}
	off := len(out) - len(in)
	for i, d := range in {
		if d != 1 && d != out[off+i] {
			return false
		}
	}
	return true
}

// --- SwiGLU ---

func inferSwiGLU(c *shape.Ctx) error {
	a, b, err := ewTwoInputs(c)
	if err != nil {
		return err
	}
	dt := ewDType(c, 0, 1)
	s, ok, err := ewMergeShapes(a, b)
	if err != nil {
		return fmt.Errorf("A and B must have the same shape: %w", err)
	}
	ewSetShape(c, dt, s, ok)
	return nil
}

func evalSwiGLU(c *shape.Ctx) error {
	alpha := ewAttrF(c, "alpha", 1)
	op := &ewBinary{floats: func(a, b float64) float64 { return a * ewSigmoid(alpha*a) * b }}
	return op.eval(c)
}

// --- Identity and Dropout ---

func inferIdentity(c *shape.Ctx) error {
	in := c.Input(0)
	if in == nil {
		return errMissing(0)
	}
	out := in.Clone()
	out.Init = nil
	out.Sparse = nil
	if in.Kind == onnx.KindTensor {
		out.Const = c.Const(0)
	}
	c.SetOutput(0, out)
	return nil
}

func inferDropout(c *shape.Ctx) error {
	if _, err := ewTensorInput(c, 0); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	if c.HasOutput(1) {
		if err := c.SameAsInput(1, 0); err != nil {
			return err
		}
		if c.Opset >= 10 || c.Opset <= 0 {
			c.Output(1).DType = onnx.Bool
		}
	}
	return nil
}

// evalDropout computes the outputs in inference mode (or with ratio 0),
// where Dropout is the identity and the mask is all true.
func evalDropout(c *shape.Ctx) error {
	if c.Opset >= 12 && c.HasInput(2) {
		tm, ok := c.ConstInt64s(2)
		if !ok || len(tm) != 1 {
			return nil
		}
		if tm[0] != 0 {
			ratio := 0.5
			if c.HasInput(1) {
				r, ok := c.ConstFloats(1)
				if !ok || len(r) != 1 {
					return nil
				}
				ratio = r[0]
			}
			if ratio != 0 {
				return nil // random
			}
		}
	}
	dims, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	if err := c.SetConst(0, dt, dims, c.Const(0)); err != nil {
		return err
	}
	if c.HasOutput(1) {
		mt := c.Output(1).DType
		n := int(numel(dims))
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		cv := ewFromFloats(mt, ones)
		if cv == nil {
			return nil
		}
		return c.SetConst(1, mt, dims, cv)
	}
	return nil
}

func init() {
	for _, v := range []*ewVariadic{
		{name: "Max", op: ewMax2},
		{name: "Min", op: ewMin2},
		{name: "Sum", op: ewAdd},
		{name: "Mean", op: ewAdd, mean: true},
	} {
		vers := []int64{1, 6, 8, 13}
		if v.name == "Max" || v.name == "Min" {
			vers = []int64{1, 6, 8, 12, 13}
		}
		for _, s := range vers {
			shape.Register(shape.Op{Type: v.name, Since: s, Infer: v.infer, Eval: v.eval})
		}
	}
	shape.Register(
		shape.Op{Type: "Where", Since: 9, Infer: inferWhere, Eval: evalWhere},
		shape.Op{Type: "Where", Since: 16, Infer: inferWhere, Eval: evalWhere},
		shape.Op{Type: "SwiGLU", Since: 28, Infer: inferSwiGLU, Eval: evalSwiGLU},
	)
	clip := &ewUnary{}
	for _, s := range []int64{1, 6, 11, 12, 13} {
		shape.Register(shape.Op{Type: "Clip", Since: s, Infer: clip.infer, Eval: evalClip})
	}
	for _, s := range []int64{1, 6, 7, 9, 16} {
		shape.Register(shape.Op{Type: "PRelu", Since: s, Infer: inferPRelu, Eval: evalPRelu})
	}
	for _, s := range []int64{1, 13, 14, 16, 19, 21, 23, 24, 25} {
		shape.Register(shape.Op{Type: "Identity", Since: s, Infer: inferIdentity})
	}
	for _, s := range []int64{1, 6, 7, 10, 12, 13, 22} {
		shape.Register(shape.Op{Type: "Dropout", Since: s, Infer: inferDropout, Eval: evalDropout})
	}
}

package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// This file holds the machinery of the elementwise family (value conversion
// between storage kinds, integer wrapping, float rounding, broadcasting of
// contents) and the binary operators: arithmetic, comparison, logic and
// bitwise ones, with the limited broadcasting of opsets before 7.

// --- value helpers ---

// ewNonNeg reports whether e is provably >= 0 (symbols are dimensions, >= 1).
func ewNonNeg(e sym.Expr) bool {
	if v, ok := e.IsConst(); ok {
		return v >= 0
	}
	if s := e.Sign(); s == 0 || s == 1 {
		return true
	}
	m, ok := ewTry(func() sym.Expr { return sym.Min(e, sym.Const(0)) })
	if !ok {
		return false
	}
	v, isConst := m.IsConst()
	return isConst && v == 0
}

// ewSign returns -1, 0 or 1 when the sign of e is provable, else 2.
func ewSign(e sym.Expr) int {
	if s := e.Sign(); s != 2 {
		return s
	}
	if ewNonNeg(e) {
		if d, ok := ewTry(func() sym.Expr { return e.AddInt(-1) }); ok && ewNonNeg(d) {
			return 1
		}
		return 2
	}
	if n, ok := ewTry(func() sym.Expr { return e.Neg().AddInt(-1) }); ok && ewNonNeg(n) {
		return -1
	}
	return 2
}

// ewTry runs a symbolic computation, turning overflow and division by zero
// into ok == false.
func ewTry(f func() sym.Expr) (e sym.Expr, ok bool) {
	var err error
	func() {
		defer sym.Catch(&err)
		e = f()
	}()
	return e, err == nil
}

// ewTrySym runs a symbolic kernel that may decline (ok false) or overflow.
func ewTrySym(f func() (sym.Expr, bool)) (sym.Expr, bool) {
	ok := false
	e, tried := ewTry(func() sym.Expr {
		var e sym.Expr
		e, ok = f()
		return e
	})
	return e, tried && ok
}

// ewWrap reduces a concrete integer to the range of dt (two's complement
// wrap-around); bool becomes 0 or 1. Other types are returned unchanged.
func ewWrap(dt onnx.DataType, v int64) int64 {
	switch dt {
	case onnx.Bool:
		if v != 0 {
			return 1
		}
		return 0
	case onnx.Int8:
		return int64(int8(v))
	case onnx.Uint8:
		return int64(uint8(v))
	case onnx.Int16:
		return int64(int16(v))
	case onnx.Uint16:
		return int64(uint16(v))
	case onnx.Int32:
		return int64(int32(v))
	case onnx.Uint32:
		return int64(uint32(v))
	case onnx.Uint4:
		return v & 15
	case onnx.Int4:
		return (v&15 ^ 8) - 8
	case onnx.Uint2:
		return v & 3
	case onnx.Int2:
		return (v&3 ^ 2) - 2
	}
	return v
}

// ewIntRange returns the value range of an integer type.
func ewIntRange(dt onnx.DataType) (lo, hi float64, ok bool) {
	switch dt {
	case onnx.Bool:
		return 0, 1, true
	case onnx.Int8:
		return math.MinInt8, math.MaxInt8, true
	case onnx.Uint8:
		return 0, math.MaxUint8, true
	case onnx.Int16:
		return math.MinInt16, math.MaxInt16, true
	case onnx.Uint16:
		return 0, math.MaxUint16, true
	case onnx.Int32:
		return math.MinInt32, math.MaxInt32, true
	case onnx.Uint32:
		return 0, math.MaxUint32, true
	case onnx.Int64:
		return math.MinInt64, math.MaxInt64, true
	case onnx.Uint64:
		return 0, math.MaxUint64, true
	case onnx.Uint4:
		return 0, 15, true
	case onnx.Int4:
		return -8, 7, true
	case onnx.Uint2:
		return 0, 3, true
	case onnx.Int2:
		return -2, 1, true
	}
	return 0, 0, false
}

// ewRound rounds x to the precision of the floating type dt.
func ewRound(dt onnx.DataType, x float64) float64 {
	switch dt {
	case onnx.Float:
		return float64(float32(x))
	case onnx.Float16:
		return ewRoundBits(x, 10, -14, 65504)
	case onnx.BFloat16:
		return ewRoundBits(x, 7, -126, 3.3895313892515355e38)
	}
	return x
}

// ewRoundBits rounds x to a binary format with mant fraction bits, minimum
// normal exponent minExp and largest finite value max (round half to even;
// overflow gives infinity).
func ewRoundBits(x float64, mant int, minExp int, max float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	_, e := math.Frexp(x) // |x| = f * 2^e with f in [0.5, 1)
	e--
	if e < minExp {
		e = minExp
	}
	q := math.Ldexp(1, e-mant)
	r := math.RoundToEven(x/q) * q
	if math.Abs(r) > max {
		return math.Copysign(math.Inf(1), x)
	}
	return r
}

// ewIntToFloat converts a concrete integer of type dt to float64.
func ewIntToFloat(dt onnx.DataType, v int64) float64 {
	if dt == onnx.Uint64 {
		return float64(uint64(v))
	}
	return float64(v)
}

// ewFloats returns contents as float64s; integers must be concrete.
func ewFloats(cv *shape.Const, dt onnx.DataType) ([]float64, bool) {
	if cv == nil {
		return nil, false
	}
	if cv.Floats != nil {
		return cv.Floats, true
	}
	if len(cv.Strs) > 0 {
		return nil, false
	}
	out := make([]float64, len(cv.Ints))
	for i, x := range cv.Ints {
		v, ok := x.IsConst()
		if !ok {
			return nil, false
		}
		out[i] = ewIntToFloat(dt, v)
	}
	return out, true
}

// ewFloatToInt converts a float to the integer type dt, truncating toward
// zero and wrapping like a C cast through int64; NaN and values beyond int64
// fail.
func ewFloatToInt(dt onnx.DataType, x float64) (int64, bool) {
	if dt == onnx.Bool {
		if x != 0 {
			return 1, true
		}
		return 0, true
	}
	t := math.Trunc(x)
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return 0, false
	}
	if dt == onnx.Uint64 && t >= 0 && t < 18446744073709551616.0 {
		return int64(uint64(t)), true
	}
	if t < -9223372036854775808.0 || t >= 9223372036854775808.0 {
		return 0, false
	}
	return ewWrap(dt, int64(t)), true
}

// ewFromFloats stores float results as contents of type dt: rounded for
// float types, truncated for integers, compared with zero for bool. It
// returns nil when a value has no integer equivalent.
func ewFromFloats(dt onnx.DataType, vals []float64) *shape.Const {
	if dt.IsFloat() || dt == onnx.Undefined {
		out := make([]float64, len(vals))
		for i, v := range vals {
			out[i] = ewRound(dt, v)
		}
		return &shape.Const{Floats: out}
	}
	if dt == onnx.String {
		return nil
	}
	out := make([]sym.Expr, len(vals))
	for i, v := range vals {
		iv, ok := ewFloatToInt(dt, v)
		if !ok {
			return nil
		}
		out[i] = sym.Const(iv)
	}
	return &shape.Const{Ints: out}
}

// ewBool converts a Go bool to 0 or 1.
func ewBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ewExpand returns contents of shape in broadcast (numpy-style) to out.
func ewExpand(cv *shape.Const, in, out []int64) *shape.Const {
	if ewSameDims(in, out) {
		return cv
	}
	return take(cv, broadcastMap(out, in))
}

func ewSameDims(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ewOutDims returns the concrete dims of output 0 when its contents may be
// computed (concrete shape of at most MaxConstElements elements).
func ewOutDims(c *shape.Ctx, o int) ([]int64, bool) {
	v := c.Output(o)
	if v == nil {
		return nil, false
	}
	d, ok := v.Dims()
	if !ok || numel(d) > int64(c.MaxConstElements()) {
		return nil, false
	}
	return d, true
}

// ewEmpty returns empty contents of the storage kind of dt.
func ewEmpty(dt onnx.DataType) *shape.Const { return constKindFor(dt, 0) }

// ewDType returns the element type of the first present input among idx.
func ewDType(c *shape.Ctx, idx ...int) onnx.DataType {
	for _, i := range idx {
		if dt := c.ElemType(i); dt != onnx.Undefined {
			return dt
		}
	}
	return onnx.Undefined
}

// ewTensorInput returns input i, checking that it is present and a tensor
// (or of unknown kind).
func ewTensorInput(c *shape.Ctx, i int) (*shape.Value, error) {
	v := c.Input(i)
	if v == nil {
		return nil, errMissing(i)
	}
	if v.Kind != onnx.KindTensor && v.Kind != onnx.KindUnknown && v.Kind != onnx.KindSparseTensor {
		return nil, fmt.Errorf("input %d: got %s, want a tensor", i, shape.TypeString(v))
	}
	return v, nil
}

// ewMergeShapes combines shapes that must be equal (no broadcasting),
// preferring concrete dims. Unknown ranks are skipped.
func ewMergeShapes(vals ...*shape.Value) ([]sym.Expr, bool, error) {
	var out []sym.Expr
	known := false
	for _, v := range vals {
		if v == nil || v.Rank < 0 {
			continue
		}
		if !known {
			out = append([]sym.Expr(nil), v.Shape...)
			known = true
			continue
		}
		if len(v.Shape) != len(out) {
			return nil, false, fmt.Errorf("shapes %s and %s differ in rank", shape.ShapeString(vals[0]), shape.ShapeString(v))
		}
		for i, d := range v.Shape {
			a, aok := out[i].IsConst()
			b, bok := d.IsConst()
			switch {
			case aok && bok && a != b:
				return nil, false, fmt.Errorf("dims %d and %d differ at axis %d", a, b, i)
			case bok && !aok:
				out[i] = d
			}
		}
	}
	return out, known, nil
}

// --- binary operators ---

// ewBinary describes the evaluation of a binary elementwise operator.
type ewBinary struct {
	name string
	// cmp marks comparisons and logic operators, whose output is bool.
	cmp bool
	// ints computes the result for concrete integers of input type dt
	// (wrapped to the output type by the caller); ok false leaves the
	// contents unknown (division by zero).
	ints func(dt onnx.DataType, a, b int64) (int64, bool)
	// syms computes the result with a symbolic operand; nil or ok false
	// leaves the contents unknown.
	syms func(a, b sym.Expr) (sym.Expr, bool)
	// floats computes the result for floating-point operands (comparisons
	// return 0 or 1).
	floats func(a, b float64) float64
	// strs compares strings (Equal only).
	strs func(a, b string) bool
}

// ewApply2 computes op over two same-length contents. dtA and dtB are the
// input types, outDT the output type; nil means unknown.
func ewApply2(op *ewBinary, dtA, dtB, outDT onnx.DataType, a, b *shape.Const) *shape.Const {
	n := a.Len()
	if b.Len() != n {
		return nil
	}
	switch {
	case a.Strs != nil || b.Strs != nil:
		if op.strs == nil || a.Strs == nil || b.Strs == nil {
			return nil
		}
		out := make([]sym.Expr, n)
		for i := range out {
			out[i] = sym.Const(ewBool(op.strs(a.Strs[i], b.Strs[i])))
		}
		return &shape.Const{Ints: out}
	case a.Floats != nil || b.Floats != nil || dtA.IsFloat() || dtB.IsFloat():
		if op.floats == nil {
			return nil
		}
		fa, ok1 := ewFloats(a, dtA)
		fb, ok2 := ewFloats(b, dtB)
		if !ok1 || !ok2 {
			return nil
		}
		res := make([]float64, n)
		for i := range res {
			res[i] = op.floats(fa[i], fb[i])
		}
		return ewFromFloats(outDT, res)
	}
	out := make([]sym.Expr, n)
	for i := range out {
		x, y := a.Ints[i], b.Ints[i]
		xv, xok := x.IsConst()
		yv, yok := y.IsConst()
		if xok && yok && op.ints != nil {
			r, ok := op.ints(dtA, xv, yv)
			if !ok {
				return nil
			}
			out[i] = sym.Const(ewWrap(outDT, r))
			continue
		}
		if op.syms == nil {
			return nil
		}
		r, ok := ewTrySym(func() (sym.Expr, bool) { return op.syms(x, y) })
		if !ok {
			return nil
		}
		if v, isC := r.IsConst(); isC {
			r = sym.Const(ewWrap(outDT, v))
		}
		out[i] = r
	}
	return &shape.Const{Ints: out}
}

// ewLegacyDims returns the dims B takes for numpy broadcasting onto A under
// the limited broadcasting of opsets before 7 (broadcast=1, optional axis).
func ewLegacyDims(c *shape.Ctx, a, b []int64) []int64 {
	if numel(b) == 1 {
		return nil
	}
	ax := c.Attr("axis")
	if ax == nil {
		return b
	}
	axis := ax.I
	if axis < 0 {
		axis += int64(len(a))
	}
	if axis < 0 || axis+int64(len(b)) > int64(len(a)) {
		return b
	}
	out := make([]int64, len(a)-int(axis))
	for i := range out {
		out[i] = 1
	}
	copy(out, b)
	return out
}

// ewLegacy reports whether a binary node uses the broadcasting of opsets
// before 7 (whose output has A's shape).
func ewLegacy(c *shape.Ctx) bool { return c.Opset < 7 && c.Opset > 0 }

// infer sets the output of a binary operator.
func (op *ewBinary) infer(c *shape.Ctx) error {
	a, b, err := ewTwoInputs(c)
	if err != nil {
		return err
	}
	dt := ewDType(c, 0, 1)
	if op.cmp {
		dt = onnx.Bool
	}
	if ewLegacy(c) {
		return op.inferLegacy(c, a, b, dt)
	}
	s, ok, err := shape.Broadcast(a, b)
	if err != nil {
		return err
	}
	ewSetShape(c, dt, s, ok)
	return nil
}

// inferLegacy implements the opset < 7 rule: with broadcast=1, B is
// broadcast onto A (a one-element B, suffix matching, or matching from
// axis); without it the shapes must be equal. The output has A's shape.
func (op *ewBinary) inferLegacy(c *shape.Ctx, a, b *shape.Value, dt onnx.DataType) error {
	if c.AttrInt("broadcast", 0) == 0 {
		s, ok, err := ewMergeShapes(a, b)
		if err != nil {
			// Some exporters relied on numpy broadcasting anyway.
			if bs, bok, berr := shape.Broadcast(a, b); berr == nil && bok {
				c.SetOutput(0, shape.Tensor(dt, bs...))
				return nil
			}
			return fmt.Errorf("broadcast=0 needs equal shapes: %w", err)
		}
		ewSetShape(c, dt, s, ok)
		return nil
	}
	if a.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	out := append([]sym.Expr(nil), a.Shape...)
	if b.Rank >= 0 {
		if bd, ok := b.Dims(); ok && numel(bd) == 1 {
			c.SetOutput(0, shape.Tensor(dt, out...))
			return nil
		}
		if b.Rank > a.Rank {
			return fmt.Errorf("broadcast: B has rank %d, more than A's %d", b.Rank, a.Rank)
		}
		start := a.Rank - b.Rank
		if ax := c.Attr("axis"); ax != nil {
			axis := ax.I
			if axis < 0 {
				axis += int64(a.Rank)
			}
			if axis < 0 || axis+int64(b.Rank) > int64(a.Rank) {
				return fmt.Errorf("broadcast: axis %d does not fit B of rank %d into A of rank %d", ax.I, b.Rank, a.Rank)
			}
			start = int(axis)
		}
		for j, d := range b.Shape {
			av, aok := out[start+j].IsConst()
			bv, bok := d.IsConst()
			switch {
			case aok && bok && av != bv && bv != 1:
				return fmt.Errorf("broadcast: B dim %d is %d, A has %d", j, bv, av)
			case bok && !aok && bv != 1:
				out[start+j] = d
			}
		}
	}
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

// eval computes the contents of a binary operator.
func (op *ewBinary) eval(c *shape.Ctx) error {
	out, outDT, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	ad, bd, ok := ewTwoDims(c)
	if !ok {
		return nil
	}
	if ewLegacy(c) && c.AttrInt("broadcast", 0) != 0 {
		bd = ewLegacyDims(c, ad, bd)
	}
	if len(ad) > len(out) || len(bd) > len(out) {
		return nil
	}
	a := ewExpand(c.Const(0), ad, out)
	b := ewExpand(c.Const(1), bd, out)
	return ewSet(c, outDT, out, ewApply2(op, c.ElemType(0), c.ElemType(1), outDT, a, b))
}

// register registers the operator at the given versions; legacy versions
// (< 7) share the same functions, which check the opset.
func (op *ewBinary) register(since ...int64) {
	for _, s := range since {
		shape.Register(shape.Op{Type: op.name, Since: s, Infer: op.infer, Eval: op.eval})
	}
}

// --- integer kernels ---

func ewUnsigned(dt onnx.DataType) bool {
	switch dt {
	case onnx.Uint8, onnx.Uint16, onnx.Uint32, onnx.Uint64, onnx.Uint4, onnx.Uint2, onnx.Bool:
		return true
	}
	return false
}

// ewTruncDiv is C integer division (truncation toward zero).
func ewTruncDiv(dt onnx.DataType, a, b int64) (int64, bool) {
	if b == 0 {
		return 0, false
	}
	if dt == onnx.Uint64 {
		return int64(uint64(a) / uint64(b)), true
	}
	if a == math.MinInt64 && b == -1 {
		return a, true
	}
	return a / b, true
}

// ewSymDiv divides symbolically with truncation toward zero when the signs
// of both operands are provable.
func ewSymDiv(a, b sym.Expr) (sym.Expr, bool) {
	sa, sb := ewSign(a), ewSign(b)
	if sa == 0 {
		return sym.Const(0), true
	}
	if sa == 2 && ewNonNeg(a) {
		sa = 1 // a >= 0: floor and truncation agree for b > 0
	}
	if sa == 2 || sb == 2 || sb == 0 {
		return sym.Expr{}, false
	}
	if sa < 0 {
		a = a.Neg()
	}
	if sb < 0 {
		b = b.Neg()
	}
	q := sym.FloorDiv(a, b)
	if sa*sb < 0 {
		q = q.Neg()
	}
	return q, true
}

// ewIntMod returns integer modulo: Python's % (the sign follows the
// divisor) or, with cmod, C's fmod (the sign follows the dividend).
func ewIntMod(cmod bool) func(dt onnx.DataType, a, b int64) (int64, bool) {
	return func(dt onnx.DataType, a, b int64) (int64, bool) {
		switch {
		case b == 0:
			return 0, false
		case dt == onnx.Uint64:
			return int64(uint64(a) % uint64(b)), true
		case b == -1:
			return 0, true
		}
		r := a % b
		if !cmod && r != 0 && (r < 0) != (b < 0) {
			r += b
		}
		return r, true
	}
}

// ewCmpInts compares concrete integers of type dt.
func ewCmpInts(dt onnx.DataType, a, b int64) int {
	if dt == onnx.Uint64 {
		switch ua, ub := uint64(a), uint64(b); {
		case ua < ub:
			return -1
		case ua > ub:
			return 1
		}
		return 0
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ewSymCmp compares symbolic values: -1, 0, 1, or 2 when not provable.
func ewSymCmp(a, b sym.Expr) int {
	if a.Equal(b) {
		return 0
	}
	d, ok := ewTry(func() sym.Expr { return a.Sub(b) })
	if !ok {
		return 2
	}
	return ewSign(d)
}

// ewIntPow is integer exponentiation with wrap-around; negative exponents
// give what C's truncated pow gives (0 except for bases 1 and -1).
func ewIntPow(dt onnx.DataType, a, b int64) (int64, bool) {
	if b < 0 {
		switch a {
		case 1:
			return 1, true
		case -1:
			if b%2 == 0 {
				return 1, true
			}
			return -1, true
		case 0:
			return 0, false
		}
		return 0, true
	}
	r := int64(1)
	for base := a; b > 0; b >>= 1 {
		if b&1 != 0 {
			r *= base
		}
		base *= base
	}
	return r, true
}

// ewPyModFloat is Python's % for floats (sign follows the divisor).
func ewPyModFloat(a, b float64) float64 {
	r := math.Mod(a, b)
	if r != 0 && (r < 0) != (b < 0) {
		r += b
	}
	return r
}

func ewShift(dt onnx.DataType, a, b int64, left bool) int64 {
	bits := uint64(dt.Bits())
	if bits == 0 {
		bits = 64
	}
	s := uint64(b)
	if s >= bits {
		return 0
	}
	if left {
		return int64(uint64(a) << s)
	}
	mask := uint64(math.MaxUint64)
	if bits < 64 {
		mask = 1<<bits - 1
	}
	return int64((uint64(a) & mask) >> s)
}

// ewFCmp builds a float comparison returning 0 or 1.
func ewFCmp(f func(a, b float64) bool) func(a, b float64) float64 {
	return func(a, b float64) float64 {
		if f(a, b) {
			return 1
		}
		return 0
	}
}

// ewICmp builds an integer comparison from a predicate on the sign of a-b.
func ewICmp(pred func(s int) bool) (func(onnx.DataType, int64, int64) (int64, bool), func(a, b sym.Expr) (sym.Expr, bool)) {
	ints := func(dt onnx.DataType, a, b int64) (int64, bool) {
		return ewBool(pred(ewCmpInts(dt, a, b))), true
	}
	syms := func(a, b sym.Expr) (sym.Expr, bool) {
		s := ewSymCmp(a, b)
		if s == 2 {
			return sym.Expr{}, false
		}
		return sym.Const(ewBool(pred(s))), true
	}
	return ints, syms
}

func ewLogic(f func(a, b bool) bool) *ewBinary {
	return &ewBinary{
		cmp:    true,
		ints:   func(_ onnx.DataType, a, b int64) (int64, bool) { return ewBool(f(a != 0, b != 0)), true },
		floats: func(a, b float64) float64 { return float64(ewBool(f(a != 0, b != 0))) },
	}
}

func ewBitwise(name string, f func(a, b int64) int64) *ewBinary {
	return &ewBinary{
		name: name,
		ints: func(_ onnx.DataType, a, b int64) (int64, bool) { return f(a, b), true },
	}
}

func ewCompare(name string, pred func(s int) bool, fp func(a, b float64) bool) *ewBinary {
	ints, syms := ewICmp(pred)
	return &ewBinary{name: name, cmp: true, ints: ints, syms: syms, floats: ewFCmp(fp)}
}

var (
	ewAdd = &ewBinary{
		name:   "Add",
		ints:   func(_ onnx.DataType, a, b int64) (int64, bool) { return a + b, true },
		syms:   func(a, b sym.Expr) (sym.Expr, bool) { return a.Add(b), true },
		floats: func(a, b float64) float64 { return a + b },
	}
	ewSub = &ewBinary{
		name:   "Sub",
		ints:   func(_ onnx.DataType, a, b int64) (int64, bool) { return a - b, true },
		syms:   func(a, b sym.Expr) (sym.Expr, bool) { return a.Sub(b), true },
		floats: func(a, b float64) float64 { return a - b },
	}
	ewMul = &ewBinary{
		name:   "Mul",
		ints:   func(_ onnx.DataType, a, b int64) (int64, bool) { return a * b, true },
		syms:   func(a, b sym.Expr) (sym.Expr, bool) { return a.Mul(b), true },
		floats: func(a, b float64) float64 { return a * b },
	}
	ewDiv = &ewBinary{
		name:   "Div",
		ints:   ewTruncDiv,
		syms:   ewSymDiv,
		floats: func(a, b float64) float64 { return a / b },
	}
	ewPow = &ewBinary{
		name: "Pow",
		ints: ewIntPow,
		syms: func(a, b sym.Expr) (sym.Expr, bool) {
			n, ok := b.IsConst()
			if !ok || n < 0 || n > 64 {
				return sym.Expr{}, false
			}
			return a.Pow(int(n)), true
		},
		floats: math.Pow,
	}
	ewMax2 = &ewBinary{
		name: "Max",
		ints: func(dt onnx.DataType, a, b int64) (int64, bool) {
			if ewCmpInts(dt, a, b) >= 0 {
				return a, true
			}
			return b, true
		},
		syms: func(a, b sym.Expr) (sym.Expr, bool) { return sym.Max(a, b), true },
		floats: func(a, b float64) float64 {
			if math.IsNaN(a) || math.IsNaN(b) {
				return math.NaN()
			}
			return math.Max(a, b)
		},
	}
	ewMin2 = &ewBinary{
		name: "Min",
		ints: func(dt onnx.DataType, a, b int64) (int64, bool) {
			if ewCmpInts(dt, a, b) <= 0 {
				return a, true
			}
			return b, true
		},
		syms: func(a, b sym.Expr) (sym.Expr, bool) { return sym.Min(a, b), true },
		floats: func(a, b float64) float64 {
			if math.IsNaN(a) || math.IsNaN(b) {
				return math.NaN()
			}
			return math.Min(a, b)
		},
	}
	ewEqual = &ewBinary{
		name: "Equal", cmp: true,
		strs: func(a, b string) bool { return a == b },
	}
)

func init() {
	ewEqual.ints, ewEqual.syms = ewICmp(func(s int) bool { return s == 0 })
	ewEqual.floats = ewFCmp(func(a, b float64) bool { return a == b })

	ewAdd.register(1, 7, 13, 14)
	ewSub.register(1, 7, 13, 14)
	ewMul.register(1, 7, 13, 14)
	ewDiv.register(1, 7, 13, 14)
	ewPow.register(1, 7, 12, 13, 15)
	ewEqual.register(1, 7, 11, 13, 19)
	ewCompare("Greater", func(s int) bool { return s > 0 }, func(a, b float64) bool { return a > b }).register(1, 7, 9, 13)
	ewCompare("Less", func(s int) bool { return s < 0 }, func(a, b float64) bool { return a < b }).register(1, 7, 9, 13)
	ewCompare("GreaterOrEqual", func(s int) bool { return s >= 0 }, func(a, b float64) bool { return a >= b }).register(12, 16)
	ewCompare("LessOrEqual", func(s int) bool { return s <= 0 }, func(a, b float64) bool { return a <= b }).register(12, 16)

	for _, l := range []struct {
		name string
		f    func(a, b bool) bool
	}{
		{"And", func(a, b bool) bool { return a && b }},
		{"Or", func(a, b bool) bool { return a || b }},
		{"Xor", func(a, b bool) bool { return a != b }},
	} {
		op := ewLogic(l.f)
		op.name = l.name
		op.register(1, 7)
	}

	ewBitwise("BitwiseAnd", func(a, b int64) int64 { return a & b }).register(18)
	ewBitwise("BitwiseOr", func(a, b int64) int64 { return a | b }).register(18)
	ewBitwise("BitwiseXor", func(a, b int64) int64 { return a ^ b }).register(18)

	shape.Register(shape.Op{Type: "Mod", Since: 10, Infer: ewModOp(false).infer, Eval: func(c *shape.Ctx) error {
		return ewModOp(c.AttrInt("fmod", 0) != 0).eval(c)
	}})
	shape.Register(shape.Op{Type: "BitShift", Since: 11, Infer: (&ewBinary{}).infer, Eval: func(c *shape.Ctx) error {
		left := c.AttrString("direction", "") == "LEFT"
		op := &ewBinary{name: "BitShift", ints: func(dt onnx.DataType, a, b int64) (int64, bool) {
			return ewShift(dt, a, b, left), true
		}}
		return op.eval(c)
	}})
}

// ewModOp returns Mod with Python semantics (fmod=0) or C's fmod (fmod=1).
func ewModOp(fmod bool) *ewBinary {
	if fmod {
		return &ewBinary{
			name: "Mod",
			ints: ewIntMod(true),
			syms: func(a, b sym.Expr) (sym.Expr, bool) {
				// C and Python agree when both operands are non-negative.
				if !ewNonNeg(a) || ewSign(b) != 1 {
					return sym.Expr{}, false
				}
				return sym.Mod(a, b), true
			},
			floats: math.Mod,
		}
	}
	return &ewBinary{
		name: "Mod",
		ints: ewIntMod(false),
		syms: func(a, b sym.Expr) (sym.Expr, bool) {
			if s := ewSign(b); s == 0 || s == 2 {
				return sym.Expr{}, false
			}
			return sym.Mod(a, b), true
		},
		floats: ewPyModFloat,
	}
}

// ewBroadcastDims broadcasts concrete dims numpy-style.
func ewBroadcastDims(a, b []int64) ([]int64, bool) {
	if len(a) < len(b) {
		a, b = b, a
	}
	out := append([]int64{}, a...)
	off := len(a) - len(b)
	for i, d := range b {
		switch o := out[off+i]; {
		case o == d || d == 1:
		case o == 1:
			out[off+i] = d
		default:
			return nil, false
		}
	}
	return out, true
}

// ewBegin starts the evaluation of output 0: it returns the output's dims
// and type, with ok false when there is nothing more to do (a shape that is
// unknown or too large for contents, or an empty output, whose contents it
// sets).
func ewBegin(c *shape.Ctx) (dims []int64, dt onnx.DataType, ok bool, err error) {
	dims, ok = ewOutDims(c, 0)
	if !ok {
		return nil, onnx.Undefined, false, nil
	}
	dt = c.Output(0).DType
	if numel(dims) == 0 {
		return dims, dt, false, c.SetConst(0, dt, dims, ewEmpty(dt))
	}
	return dims, dt, true, nil
}

// ewSet sets output 0's contents when cv is known (nil leaves them unknown).
func ewSet(c *shape.Ctx, dt onnx.DataType, dims []int64, cv *shape.Const) error {
	if cv == nil {
		return nil
	}
	return c.SetConst(0, dt, dims, cv)
}

// ewSetFloats sets output 0's contents from float results (see ewFromFloats).
func ewSetFloats(c *shape.Ctx, dt onnx.DataType, dims []int64, vals []float64) error {
	return ewSet(c, dt, dims, ewFromFloats(dt, vals))
}

// ewSetShape sets output 0 to a tensor of shape s, or of unknown rank when
// known is false.
func ewSetShape(c *shape.Ctx, dt onnx.DataType, s []sym.Expr, known bool) {
	if !known {
		c.SetOutput(0, shape.UnknownRank(dt))
		return
	}
	c.SetOutput(0, shape.Tensor(dt, s...))
}

// ewTwoInputs returns inputs 0 and 1, which must be present tensors.
func ewTwoInputs(c *shape.Ctx) (*shape.Value, *shape.Value, error) {
	a, err := ewTensorInput(c, 0)
	if err != nil {
		return nil, nil, err
	}
	b, err := ewTensorInput(c, 1)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// ewTwoDims returns the concrete dims of inputs 0 and 1.
func ewTwoDims(c *shape.Ctx) ([]int64, []int64, bool) {
	a, ok1 := inputDims(c, 0)
	b, ok2 := inputDims(c, 1)
	return a, b, ok1 && ok2
}

// ewSameShape sets output 0 to input 0's shape with element type dt.
func ewSameShape(c *shape.Ctx, dt onnx.DataType) error {
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	c.Output(0).DType = dt
	return nil
}

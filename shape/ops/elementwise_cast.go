package ops

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Cast, CastLike and BitCast.

// ewTypeNames maps TensorProto.DataType enum names (Cast-1's string `to`).
var ewTypeNames = map[string]onnx.DataType{
	"FLOAT": onnx.Float, "UINT8": onnx.Uint8, "INT8": onnx.Int8, "UINT16": onnx.Uint16,
	"INT16": onnx.Int16, "INT32": onnx.Int32, "INT64": onnx.Int64, "STRING": onnx.String,
	"BOOL": onnx.Bool, "FLOAT16": onnx.Float16, "DOUBLE": onnx.Double, "UINT32": onnx.Uint32,
	"UINT64": onnx.Uint64, "COMPLEX64": onnx.Complex64, "COMPLEX128": onnx.Complex128,
	"BFLOAT16": onnx.BFloat16, "FLOAT8E4M3FN": onnx.Float8E4M3FN, "FLOAT8E4M3FNUZ": onnx.Float8E4M3FNUZ,
	"FLOAT8E5M2": onnx.Float8E5M2, "FLOAT8E5M2FNUZ": onnx.Float8E5M2FNUZ, "UINT4": onnx.Uint4,
	"INT4": onnx.Int4, "FLOAT4E2M1": onnx.Float4E2M1, "FLOAT8E8M0": onnx.Float8E8M0,
	"UINT2": onnx.Uint2, "INT2": onnx.Int2,
}

// ewAttrDType reads a data type attribute given as an enum value or (Cast-1)
// as an enum name. ok is false when the attribute is absent.
func ewAttrDType(c *shape.Ctx, name string) (onnx.DataType, bool, error) {
	a := c.Attr(name)
	if a == nil {
		return onnx.Undefined, false, nil
	}
	var dt onnx.DataType
	if a.Type == onnx.AttrString || a.Type == onnx.AttrUndefined && a.S != "" {
		s := strings.ToUpper(strings.TrimPrefix(a.S, "TensorProto."))
		t, ok := ewTypeNames[s]
		if !ok {
			if t, ok = onnx.ParseDataType(a.S); !ok {
				return onnx.Undefined, true, fmt.Errorf("attribute %s: unknown data type %q", name, a.S)
			}
		}
		dt = t
	} else {
		dt = onnx.DataType(a.I)
	}
	if dt == onnx.Undefined || strings.HasPrefix(dt.String(), "dtype(") {
		return onnx.Undefined, true, fmt.Errorf("attribute %s: invalid data type %d", name, int32(dt))
	}
	return dt, true, nil
}

// ewCastTarget checks input 0 and returns the required `to` attribute.
func ewCastTarget(c *shape.Ctx) (onnx.DataType, error) {
	if _, err := ewTensorInput(c, 0); err != nil {
		return onnx.Undefined, err
	}
	to, ok, err := ewAttrDType(c, "to")
	if err != nil {
		return onnx.Undefined, err
	}
	if !ok {
		return onnx.Undefined, fmt.Errorf("attribute to is required")
	}
	return to, nil
}

func inferCast(c *shape.Ctx) error {
	to, err := ewCastTarget(c)
	if err != nil {
		return err
	}
	return ewSameShape(c, to)
}

func inferCastLike(c *shape.Ctx) error {
	if _, err := ewTensorInput(c, 0); err != nil {
		return err
	}
	if _, err := ewTensorInput(c, 1); err != nil {
		return err
	}
	if err := ewSameShape(c, c.ElemType(1)); err != nil {
		return err
	}
	// Only input 0's contents matter: the engine evaluates only when all are known.
	if c.Const(0) != nil {
		return evalCast(c)
	}
	return nil
}

// evalCast converts input 0's contents to the output type.
func evalCast(c *shape.Ctx) error {
	dims, to, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	return ewSet(c, to, dims, ewCast(c.Const(0), c.ElemType(0), to))
}

// ewCast converts contents of type from to type to; nil when they cannot be
// computed (symbolic values to float, unparsable strings, float8 targets).
func ewCast(cv *shape.Const, from, to onnx.DataType) *shape.Const {
	if cv == nil {
		return nil
	}
	if cv.Len() == 0 {
		return ewEmpty(to)
	}
	switch {
	case to == onnx.Undefined || to == onnx.Complex64 || to == onnx.Complex128:
		return nil
	case to == onnx.String:
		return ewCastToString(cv, from)
	case cv.Strs != nil:
		return ewCastFromString(cv.Strs, to)
	case cv.Floats != nil:
		if to.Bits() == 8 && to.IsFloat() || to == onnx.Float4E2M1 {
			return nil // float8/float4 rounding is not modelled
		}
		return ewFromFloats(to, cv.Floats)
	}
	// integer or bool source
	if to.IsFloat() {
		if to.Bits() == 8 || to == onnx.Float4E2M1 {
			return nil
		}
		fs, ok := ewFloats(cv, from)
		if !ok {
			return nil
		}
		return ewFromFloats(to, fs)
	}
	out := make([]sym.Expr, len(cv.Ints))
	for i, x := range cv.Ints {
		if v, ok := x.IsConst(); ok {
			if to == onnx.Bool {
				out[i] = sym.Const(ewBool(v != 0))
				continue
			}
			out[i] = sym.Const(ewWrap(to, v))
			continue
		}
		switch to {
		case onnx.Int64, onnx.Int32, onnx.Uint64, onnx.Uint32:
			// symbolic dimensions fit these types
			out[i] = x
		case onnx.Bool:
			s := ewSign(x)
			if s == 2 {
				return nil
			}
			out[i] = sym.Const(ewBool(s != 0))
		default:
			return nil
		}
	}
	return &shape.Const{Ints: out}
}

func ewCastToString(cv *shape.Const, from onnx.DataType) *shape.Const {
	out := make([]string, cv.Len())
	switch {
	case cv.Strs != nil:
		copy(out, cv.Strs)
	case cv.Floats != nil:
		bits := 64
		if from == onnx.Float || from == onnx.Float16 || from == onnx.BFloat16 {
			bits = 32
		}
		for i, f := range cv.Floats {
			switch {
			case math.IsNaN(f):
				out[i] = "NaN"
			case math.IsInf(f, 1):
				out[i] = "INF"
			case math.IsInf(f, -1):
				out[i] = "-INF"
			default:
				out[i] = strconv.FormatFloat(f, 'g', -1, bits)
			}
		}
	default:
		for i, x := range cv.Ints {
			v, ok := x.IsConst()
			if !ok {
				return nil
			}
			if from == onnx.Uint64 {
				out[i] = strconv.FormatUint(uint64(v), 10)
			} else if from == onnx.Bool {
				out[i] = strconv.FormatBool(v != 0)
			} else {
				out[i] = strconv.FormatInt(v, 10)
			}
		}
	}
	return &shape.Const{Strs: out}
}

func ewCastFromString(ss []string, to onnx.DataType) *shape.Const {
	if to.IsFloat() {
		fs := make([]float64, len(ss))
		for i, s := range ss {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
					return nil
				}
			}
			fs[i] = f
		}
		return ewFromFloats(to, fs)
	}
	out := make([]sym.Expr, len(ss))
	for i, s := range ss {
		s = strings.TrimSpace(s)
		if to == onnx.Bool {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return nil
			}
			out[i] = sym.Const(ewBool(b))
			continue
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(s, 10, 64)
			if uerr != nil {
				return nil
			}
			v = int64(u)
		}
		out[i] = sym.Const(ewWrap(to, v))
	}
	return &shape.Const{Ints: out}
}

// --- BitCast ---

func inferBitCast(c *shape.Ctx) error {
	to, err := ewCastTarget(c)
	if err != nil {
		return err
	}
	if to == onnx.String {
		return fmt.Errorf("cannot bitcast to string")
	}
	from := c.ElemType(0)
	if from == onnx.String {
		return fmt.Errorf("cannot bitcast from string")
	}
	if from != onnx.Undefined && from.Bits() != to.Bits() {
		return fmt.Errorf("bitcast from %s (%d bits) to %s (%d bits): widths differ", from, from.Bits(), to, to.Bits())
	}
	return ewSameShape(c, to)
}

// evalBitCast reinterprets concrete values of the common 8- to 64-bit types.
func evalBitCast(c *shape.Ctx) error {
	dims, to, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	from := c.ElemType(0)
	bits := from.Bits()
	if !ewBitsType(from) || !ewBitsType(to) || bits != to.Bits() {
		return nil
	}
	cv := c.Const(0)
	n := cv.Len()
	var ints []sym.Expr
	var floats []float64
	if to.IsFloat() {
		floats = make([]float64, n)
	} else {
		ints = make([]sym.Expr, n)
	}
	for i := 0; i < n; i++ {
		var u uint64
		switch {
		case cv.Floats != nil:
			switch from {
			case onnx.Float:
				u = uint64(math.Float32bits(float32(cv.Floats[i])))
			case onnx.Double:
				u = math.Float64bits(cv.Floats[i])
			}
		case cv.Ints != nil:
			v, ok := cv.Ints[i].IsConst()
			if !ok {
				return nil
			}
			u = uint64(v)
			if bits < 64 {
				u &= 1<<uint(bits) - 1
			}
		default:
			return nil
		}
		switch to {
		case onnx.Float:
			floats[i] = float64(math.Float32frombits(uint32(u)))
		case onnx.Double:
			floats[i] = math.Float64frombits(u)
		default:
			ints[i] = sym.Const(ewWrap(to, int64(u)))
		}
	}
	if to.IsFloat() {
		return c.SetConst(0, to, dims, &shape.Const{Floats: floats})
	}
	return c.SetConst(0, to, dims, &shape.Const{Ints: ints})
}

// ewBitsType reports types whose bit patterns evalBitCast handles.
func ewBitsType(dt onnx.DataType) bool {
	switch dt {
	case onnx.Float, onnx.Double, onnx.Bool, onnx.Int8, onnx.Uint8, onnx.Int16, onnx.Uint16,
		onnx.Int32, onnx.Uint32, onnx.Int64, onnx.Uint64:
		return true
	}
	return false
}

func init() {
	for _, s := range []int64{1, 6, 9, 13, 19, 21, 23, 24, 25} {
		shape.Register(shape.Op{Type: "Cast", Since: s, Infer: inferCast, Eval: evalCast})
	}
	for _, s := range []int64{15, 19, 21, 23, 24, 25} {
		shape.Register(shape.Op{Type: "CastLike", Since: s, Infer: inferCastLike})
	}
	shape.Register(shape.Op{Type: "BitCast", Since: 26, Infer: inferBitCast, Eval: evalBitCast})
}

// Package shape infers the type and shape of every value of an ONNX graph, with symbolic dimensions.
package shape

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Value is what inference knows about one named value of a graph.
type Value struct {
	Name  string
	Kind  onnx.TypeKind // KindUnknown when nothing is known
	DType onnx.DataType // tensor element type; map key type
	// Shape holds one expression per axis; Rank is -1 when even the rank is unknown.
	Shape []sym.Expr
	Rank  int
	// Elem is the element type of a sequence or optional, the value type of a map.
	Elem *Value
	// Const holds the contents when they are known (always with a concrete shape).
	Const *Const
	// Seq holds the known items of a sequence, when its length is known.
	Seq      []*Value
	SeqKnown bool
	// Opt says, for an optional, whether it holds a value (OptPresent), is
	// empty (OptEmpty) or is not known (OptUnknown). Elem is the held type.
	Opt OptState
	// Init is the initializer behind this value, if any. Its values are loaded
	// only when a rule needs them.
	Init *onnx.Tensor
	// Sparse marks an initializer stored as a sparse tensor.
	Sparse *onnx.SparseTensor
	// Source says where the shape came from when it was not inferred by a rule
	// (for example "declared in value_info" for outputs of unsupported operators).
	Source string

	// loadErr remembers why Init's values could not be read.
	loadErr error
}

// OptState is the state of an optional value.
type OptState int8

// Optional states.
const (
	OptUnknown OptState = iota
	OptPresent
	OptEmpty
)

// Const holds known tensor contents in row-major order. Exactly one slice is
// used: Ints for integer and bool types (entries may be symbolic, as in a
// Shape → Gather → Concat chain), Floats for floating-point types, Strs for strings.
type Const struct {
	Ints   []sym.Expr
	Floats []float64
	Strs   []string
}

// Len is the number of elements.
func (c *Const) Len() int {
	switch {
	case c.Ints != nil:
		return len(c.Ints)
	case c.Floats != nil:
		return len(c.Floats)
	}
	return len(c.Strs)
}

// Tensor returns a tensor value of the given type and shape.
func Tensor(dt onnx.DataType, shape ...sym.Expr) *Value {
	if shape == nil {
		shape = []sym.Expr{}
	}
	return &Value{Kind: onnx.KindTensor, DType: dt, Shape: shape, Rank: len(shape)}
}

// TensorDims returns a tensor value with a concrete shape.
func TensorDims(dt onnx.DataType, dims ...int64) *Value {
	s := make([]sym.Expr, len(dims))
	for i, d := range dims {
		s[i] = sym.Const(d)
	}
	return Tensor(dt, s...)
}

// UnknownRank returns a tensor value whose rank is unknown.
func UnknownRank(dt onnx.DataType) *Value {
	return &Value{Kind: onnx.KindTensor, DType: dt, Rank: -1}
}

// Unknown returns a value about which nothing is known.
func Unknown() *Value { return &Value{Rank: -1} }

// SequenceOf returns a sequence whose items have the given type (shape may differ per item).
func SequenceOf(elem *Value) *Value {
	return &Value{Kind: onnx.KindSequence, Elem: elem, Rank: -1}
}

// OptionalOf returns an optional wrapping elem.
func OptionalOf(elem *Value) *Value {
	return &Value{Kind: onnx.KindOptional, Elem: elem, Rank: -1}
}

// IsTensor reports whether v is a tensor (possibly of unknown shape).
func (v *Value) IsTensor() bool { return v != nil && v.Kind == onnx.KindTensor }

// HasShape reports whether the rank is known.
func (v *Value) HasShape() bool { return v != nil && v.Rank >= 0 }

// Dims returns the shape as int64s when every dim is concrete.
func (v *Value) Dims() ([]int64, bool) {
	if v == nil || v.Rank < 0 {
		return nil, false
	}
	out := make([]int64, len(v.Shape))
	for i, d := range v.Shape {
		c, ok := d.IsConst()
		if !ok {
			return nil, false
		}
		out[i] = c
	}
	return out, true
}

// NumElements is the product of the dims (symbolic when the dims are).
func (v *Value) NumElements() (sym.Expr, bool) {
	if v == nil || v.Rank < 0 {
		return sym.Expr{}, false
	}
	return sym.Product(v.Shape...), true
}

// Clone returns a shallow copy with its own shape slice and no name.
func (v *Value) Clone() *Value {
	c := *v
	c.Shape = append([]sym.Expr(nil), v.Shape...)
	c.Name = ""
	c.Source = ""
	return &c
}

// WithShape returns a tensor of v's type with another shape.
func (v *Value) WithShape(shape []sym.Expr) *Value {
	dt := onnx.Undefined
	if v != nil {
		dt = v.DType
	}
	return Tensor(dt, shape...)
}

// ShapeString formats a shape like [batch, 3, 224, 224], or ? for unknown rank.
func ShapeString(v *Value) string {
	if v == nil || v.Rank < 0 {
		return "?"
	}
	parts := make([]string, len(v.Shape))
	for i, d := range v.Shape {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TypeString formats the type of v, such as float32[batch, 1000] or seq(float32[?]).
func TypeString(v *Value) string {
	if v == nil {
		return "?"
	}
	switch v.Kind {
	case onnx.KindTensor:
		return v.DType.String() + ShapeString(v)
	case onnx.KindSparseTensor:
		return "sparse " + v.DType.String() + ShapeString(v)
	case onnx.KindSequence:
		return "seq(" + TypeString(v.Elem) + ")"
	case onnx.KindOptional:
		return "optional(" + TypeString(v.Elem) + ")"
	case onnx.KindMap:
		return fmt.Sprintf("map(%s, %s)", v.DType, TypeString(v.Elem))
	}
	return "?"
}

// JSONShape renders a shape for JSON output: integers for concrete dims,
// strings for symbolic ones; nil for unknown rank.
func JSONShape(v *Value) []any {
	if v == nil || v.Rank < 0 {
		return nil
	}
	out := make([]any, len(v.Shape))
	for i, d := range v.Shape {
		if c, ok := d.IsConst(); ok {
			out[i] = c
		} else {
			out[i] = d.String()
		}
	}
	return out
}

// FromType converts a declared ONNX type. Unnamed unknown dims get fresh
// symbols from fresh (which may be nil to leave them as "?"-named symbols).
func FromType(t *onnx.Type, fresh func(axis int) sym.Expr) *Value {
	if t == nil {
		return Unknown()
	}
	switch t.Kind {
	case onnx.KindTensor, onnx.KindSparseTensor:
		v := &Value{Kind: t.Kind, DType: t.Elem, Rank: -1}
		if t.Shape != nil {
			v.Rank = len(t.Shape.Dims)
			v.Shape = make([]sym.Expr, len(t.Shape.Dims))
			for i, d := range t.Shape.Dims {
				switch {
				case d.HasValue && d.Value >= 0:
					v.Shape[i] = sym.Const(d.Value)
				case d.Param != "" && validSymbol(d.Param):
					v.Shape[i] = sym.Var(d.Param)
				case fresh != nil:
					v.Shape[i] = fresh(i)
				default:
					v.Shape[i] = sym.Var(fmt.Sprintf("unk_%d", i))
				}
			}
		}
		return v
	case onnx.KindSequence, onnx.KindOptional:
		return &Value{Kind: t.Kind, Elem: FromType(t.Inner, nil), Rank: -1}
	case onnx.KindMap:
		return &Value{Kind: t.Kind, DType: t.Elem, Elem: FromType(t.Inner, nil), Rank: -1}
	}
	return &Value{Kind: t.Kind, Rank: -1}
}

// validSymbol reports whether a dim_param can be used as a symbol name as it
// is (some exporters write expressions such as "batch*2" or "unk__3").
func validSymbol(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '.' || r == '/' || r == ':' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Package onnx reads ONNX model files into a light, read-only graph without copying weight bytes.
package onnx

import "fmt"

// DataType is an ONNX TensorProto.DataType.
type DataType int32

// Tensor element types (onnx.proto TensorProto.DataType).
const (
	Undefined      DataType = 0
	Float          DataType = 1
	Uint8          DataType = 2
	Int8           DataType = 3
	Uint16         DataType = 4
	Int16          DataType = 5
	Int32          DataType = 6
	Int64          DataType = 7
	String         DataType = 8
	Bool           DataType = 9
	Float16        DataType = 10
	Double         DataType = 11
	Uint32         DataType = 12
	Uint64         DataType = 13
	Complex64      DataType = 14
	Complex128     DataType = 15
	BFloat16       DataType = 16
	Float8E4M3FN   DataType = 17
	Float8E4M3FNUZ DataType = 18
	Float8E5M2     DataType = 19
	Float8E5M2FNUZ DataType = 20
	Uint4          DataType = 21
	Int4           DataType = 22
	Float4E2M1     DataType = 23
	Float8E8M0     DataType = 24
	Uint2          DataType = 25
	Int2           DataType = 26
)

var dtypeNames = map[DataType]string{
	Undefined: "undefined", Float: "float32", Uint8: "uint8", Int8: "int8", Uint16: "uint16",
	Int16: "int16", Int32: "int32", Int64: "int64", String: "string", Bool: "bool",
	Float16: "float16", Double: "float64", Uint32: "uint32", Uint64: "uint64",
	Complex64: "complex64", Complex128: "complex128", BFloat16: "bfloat16",
	Float8E4M3FN: "float8e4m3fn", Float8E4M3FNUZ: "float8e4m3fnuz", Float8E5M2: "float8e5m2",
	Float8E5M2FNUZ: "float8e5m2fnuz", Uint4: "uint4", Int4: "int4", Float4E2M1: "float4e2m1",
	Float8E8M0: "float8e8m0", Uint2: "uint2", Int2: "int2",
}

func (t DataType) String() string {
	if s, ok := dtypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("dtype(%d)", int32(t))
}

// ParseDataType maps a name such as "float32" (or ONNX's "FLOAT") to its DataType.
func ParseDataType(s string) (DataType, bool) {
	for t, n := range dtypeNames {
		if n == s {
			return t, true
		}
	}
	switch s {
	case "FLOAT", "float":
		return Float, true
	case "DOUBLE", "double":
		return Double, true
	case "FLOAT16", "half":
		return Float16, true
	case "INT64":
		return Int64, true
	case "INT32":
		return Int32, true
	case "BOOL":
		return Bool, true
	}
	return Undefined, false
}

// Bits is the storage width of one element in bits (0 for strings and undefined).
func (t DataType) Bits() int {
	switch t {
	case Bool, Uint8, Int8, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0:
		return 8
	case Uint16, Int16, Float16, BFloat16:
		return 16
	case Float, Int32, Uint32:
		return 32
	case Double, Int64, Uint64, Complex64:
		return 64
	case Complex128:
		return 128
	case Uint4, Int4, Float4E2M1:
		return 4
	case Uint2, Int2:
		return 2
	}
	return 0
}

// IsFloat reports floating-point (and complex) element types.
func (t DataType) IsFloat() bool {
	switch t {
	case Float, Double, Float16, BFloat16, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
		Float8E5M2FNUZ, Float4E2M1, Float8E8M0, Complex64, Complex128:
		return true
	}
	return false
}

// IsInteger reports integer element types (bool excluded).
func (t DataType) IsInteger() bool {
	switch t {
	case Uint8, Int8, Uint16, Int16, Int32, Int64, Uint32, Uint64, Uint4, Int4, Uint2, Int2:
		return true
	}
	return false
}

// Model is a decoded ModelProto. Strings are copied; weight bytes are not:
// tensors refer to byte ranges of the file, read only on demand.
type Model struct {
	IRVersion       int64
	Opsets          map[string]int64 // domain ("" is ai.onnx) → version
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *Graph
	Functions       []*Function
	Metadata        []KV
	TrainingInfo    int // number of TrainingInfoProto entries (not interpreted)

	// Path is the file the model was read from ("" for in-memory data), Dir
	// the folder that external data locations are relative to.
	Path string
	Dir  string
	// FileSize is the size of the serialized model in bytes.
	FileSize int64

	src *source
}

// Close releases the model file. Tensor data cannot be read afterwards.
func (m *Model) Close() error {
	if m == nil || m.src == nil {
		return nil
	}
	return m.src.close()
}

// Opset returns the imported version of a domain ("" and "ai.onnx" are the same), or 0.
func (m *Model) Opset(domain string) int64 {
	if domain == "ai.onnx" {
		domain = ""
	}
	return m.Opsets[domain]
}

// KV is a string key/value pair (StringStringEntryProto).
type KV struct{ Key, Value string }

// Graph is a decoded GraphProto.
type Graph struct {
	Name               string
	Nodes              []*Node
	Initializers       []*Tensor
	SparseInitializers []*SparseTensor
	Inputs             []*ValueInfo
	Outputs            []*ValueInfo
	ValueInfo          []*ValueInfo
	Metadata           []KV
}

// Node is a decoded NodeProto.
type Node struct {
	Name     string
	OpType   string
	Domain   string // "" is ai.onnx
	Overload string
	Inputs   []string // "" marks an omitted optional input
	Outputs  []string
	Attrs    []*Attribute
	Metadata []KV
}

// Attr returns the attribute with the given name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Meta returns a node metadata value.
func (n *Node) Meta(key string) (string, bool) {
	for _, kv := range n.Metadata {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// AttrType is an AttributeProto.AttributeType.
type AttrType int32

// Attribute types.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
	AttrTypeProto     AttrType = 13
	AttrTypeProtos    AttrType = 14
)

// Attribute is a decoded AttributeProto.
type Attribute struct {
	Name        string
	Type        AttrType
	RefAttrName string // inside functions: the caller's attribute this one refers to

	F             float32
	I             int64
	S             string
	T             *Tensor
	G             *Graph
	Sparse        *SparseTensor
	TP            *Type
	Floats        []float32
	Ints          []int64
	Strings       []string
	Tensors       []*Tensor
	Graphs        []*Graph
	SparseTensors []*SparseTensor
	TypeProtos    []*Type
}

// ValueInfo is a decoded ValueInfoProto.
type ValueInfo struct {
	Name string
	Type *Type // nil when absent
}

// TypeKind tells which member of TypeProto's oneof is set.
type TypeKind int

// Type kinds.
const (
	KindUnknown TypeKind = iota
	KindTensor
	KindSequence
	KindMap
	KindOptional
	KindSparseTensor
	KindOpaque
)

func (k TypeKind) String() string {
	return [...]string{"unknown", "tensor", "sequence", "map", "optional", "sparse_tensor", "opaque"}[k]
}

// Type is a decoded TypeProto.
type Type struct {
	Kind       TypeKind
	Elem       DataType // tensor / sparse tensor element type; map key type
	Shape      *Shape   // tensor / sparse tensor shape; nil means unknown rank
	Inner      *Type    // sequence / optional element type; map value type
	Domain     string   // opaque
	Name       string   // opaque
	Denotation string
}

// Shape is a decoded TensorShapeProto.
type Shape struct {
	Dims []Dim
}

// Dim is one TensorShapeProto.Dimension: a value, a named parameter, or neither (unknown).
type Dim struct {
	Value    int64
	HasValue bool
	Param    string
}

func (d Dim) String() string {
	switch {
	case d.HasValue:
		return fmt.Sprint(d.Value)
	case d.Param != "":
		return d.Param
	}
	return "?"
}

// Function is a decoded FunctionProto (a model-local function).
type Function struct {
	Name       string
	Domain     string
	Overload   string
	Inputs     []string
	Outputs    []string
	Attributes []string     // attribute names without defaults
	AttrProtos []*Attribute // attributes with default values
	Nodes      []*Node
	Opsets     map[string]int64
	ValueInfo  []*ValueInfo
	DocString  string
}

// SparseTensor is a decoded SparseTensorProto.
type SparseTensor struct {
	Values  *Tensor
	Indices *Tensor
	Dims    []int64
}

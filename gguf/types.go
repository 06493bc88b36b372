package gguf

import "fmt"

// Type is a ggml tensor type (enum ggml_type).
type Type uint32

// TypeInfo is a ggml type's storage: BlockSize elements are stored in
// BlockBytes bytes.
type TypeInfo struct {
	Name       string
	BlockSize  int64
	BlockBytes int64
	Quantized  bool
}

// BitsPerWeight is the real storage per element, scales and minimums included.
func (t TypeInfo) BitsPerWeight() float64 {
	return float64(8*t.BlockBytes) / float64(t.BlockSize)
}

// types holds ggml's type_traits: block sizes from ggml.c and block byte
// sizes from the block structs of ggml-common.h (ggml-org/ggml at
// d99724f, August 2026). Numbers removed from the format (4, 5, 31–33,
// 36–38) are absent, so files using them are rejected as unknown.
var types = map[Type]TypeInfo{
	0:  {"F32", 1, 4, false},
	1:  {"F16", 1, 2, false},
	2:  {"Q4_0", 32, 18, true},
	3:  {"Q4_1", 32, 20, true},
	6:  {"Q5_0", 32, 22, true},
	7:  {"Q5_1", 32, 24, true},
	8:  {"Q8_0", 32, 34, true},
	9:  {"Q8_1", 32, 36, true},
	10: {"Q2_K", 256, 84, true},
	11: {"Q3_K", 256, 110, true},
	12: {"Q4_K", 256, 144, true},
	13: {"Q5_K", 256, 176, true},
	14: {"Q6_K", 256, 210, true},
	15: {"Q8_K", 256, 292, true},
	16: {"IQ2_XXS", 256, 66, true},
	17: {"IQ2_XS", 256, 74, true},
	18: {"IQ3_XXS", 256, 98, true},
	19: {"IQ1_S", 256, 50, true},
	20: {"IQ4_NL", 32, 18, true},
	21: {"IQ3_S", 256, 110, true},
	22: {"IQ2_S", 256, 82, true},
	23: {"IQ4_XS", 256, 136, true},
	24: {"I8", 1, 1, false},
	25: {"I16", 1, 2, false},
	26: {"I32", 1, 4, false},
	27: {"I64", 1, 8, false},
	28: {"F64", 1, 8, false},
	29: {"IQ1_M", 256, 56, true},
	30: {"BF16", 1, 2, false},
	34: {"TQ1_0", 256, 54, true},
	35: {"TQ2_0", 256, 66, true},
	39: {"MXFP4", 32, 17, true},
	40: {"NVFP4", 64, 36, true},
	41: {"Q1_0", 128, 18, true},
	42: {"Q2_0", 64, 18, true},
}

// Info returns the storage of a type; ok is false for an unknown type.
func (t Type) Info() (TypeInfo, bool) {
	ti, ok := types[t]
	return ti, ok
}

func (t Type) String() string {
	if ti, ok := types[t]; ok {
		return ti.Name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ValueType is a GGUF metadata value type.
type ValueType uint32

// Metadata value types (gguf_type).
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (v ValueType) String() string {
	if int(v) < len(valueTypeNames) {
		return valueTypeNames[v]
	}
	return fmt.Sprintf("value_type(%d)", uint32(v))
}

// size is the encoded size of a scalar value type (0 for string and array).
func (v ValueType) size() int64 {
	switch v {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/greenai/greenai/onnx"
)

// Helpers to build metadata values for EncodeHeader.

// U32 is a uint32 value.
func U32(x uint32) Value { return Value{Type: TypeUint32, U: uint64(x)} }

// U64 is a uint64 value.
func U64(x uint64) Value { return Value{Type: TypeUint64, U: x} }

// I32 is an int32 value.
func I32(x int32) Value { return Value{Type: TypeInt32, I: int64(x)} }

// F32 is a float32 value.
func F32(x float32) Value { return Value{Type: TypeFloat32, F: float64(x)} }

// Str is a string value.
func Str(s string) Value { return Value{Type: TypeString, S: s} }

// Bool is a bool value.
func Bool(b bool) Value { return Value{Type: TypeBool, B: b} }

// Array is an array of values of one type.
func Array(elem ValueType, items ...Value) Value {
	return Value{Type: TypeArray, Elem: elem, Len: uint64(len(items)), Items: items}
}

// EncodeHeader writes a version-3 little-endian GGUF header for the
// metadata and the tensors (Name, Dims in GGUF order, Type), laying the
// tensors out back to back at the file's alignment, and returns the header
// (padded to the data section's start) and the data section's length. It
// makes fixtures and header-only copies; it never needs the weights.
func EncodeHeader(meta []KV, tensors []Tensor) (header []byte, dataLen int64, err error) {
	align := int64(32)
	for _, kv := range meta {
		if kv.Key == "general.alignment" {
			align = int64(kv.Value.U)
		}
	}
	if align <= 0 || align&(align-1) != 0 {
		return nil, 0, fmt.Errorf("general.alignment %d is not a power of two", align)
	}
	le := binary.LittleEndian
	b := []byte(Magic)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, uint64(len(tensors)))
	b = le.AppendUint64(b, uint64(len(meta)))
	str := func(s string) {
		b = le.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	var val func(v Value) error
	val = func(v Value) error {
		switch v.Type {
		case TypeUint8, TypeInt8:
			b = append(b, byte(v.U|uint64(v.I)))
		case TypeBool:
			if v.B {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case TypeUint16, TypeInt16:
			b = le.AppendUint16(b, uint16(v.U|uint64(v.I)))
		case TypeUint32, TypeInt32:
			b = le.AppendUint32(b, uint32(v.U|uint64(v.I)))
		case TypeUint64, TypeInt64:
			b = le.AppendUint64(b, v.U|uint64(v.I))
		case TypeFloat32:
			b = le.AppendUint32(b, math.Float32bits(float32(v.F)))
		case TypeFloat64:
			b = le.AppendUint64(b, math.Float64bits(v.F))
		case TypeString:
			str(v.S)
		case TypeArray:
			b = le.AppendUint32(b, uint32(v.Elem))
			b = le.AppendUint64(b, uint64(len(v.Items)))
			for _, it := range v.Items {
				if it.Type != v.Elem {
					return fmt.Errorf("array of %s holds a %s", v.Elem, it.Type)
				}
				if err := val(it); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("value type %d", v.Type)
		}
		return nil
	}
	for _, kv := range meta {
		str(kv.Key)
		b = le.AppendUint32(b, uint32(kv.Value.Type))
		if err := val(kv.Value); err != nil {
			return nil, 0, fmt.Errorf("key %q: %v", kv.Key, err)
		}
	}
	var at int64
	for _, t := range tensors {
		ti, ok := t.Type.Info()
		if !ok {
			return nil, 0, fmt.Errorf("tensor %q: unknown type %d", t.Name, t.Type)
		}
		n, err := onnx.NumElements(t.Dims)
		if err != nil {
			return nil, 0, fmt.Errorf("tensor %q: %v", t.Name, err)
		}
		if len(t.Dims) > 0 && t.Dims[0]%ti.BlockSize != 0 {
			return nil, 0, fmt.Errorf("tensor %q: first dim %d not a multiple of %d", t.Name, t.Dims[0], ti.BlockSize)
		}
		str(t.Name)
		b = le.AppendUint32(b, uint32(len(t.Dims)))
		for _, d := range t.Dims {
			b = le.AppendUint64(b, uint64(d))
		}
		b = le.AppendUint32(b, uint32(t.Type))
		b = le.AppendUint64(b, uint64(at))
		at = alignUp(at+n/ti.BlockSize*ti.BlockBytes, align)
	}
	for int64(len(b))%align != 0 {
		b = append(b, 0)
	}
	return b, at, nil
}

// WriteSparse writes a GGUF file whose data section is a hole: it has its
// full declared size but the weights take no disk space and read as zeros.
func WriteSparse(path string, meta []KV, tensors []Tensor) error {
	hdr, n, err := EncodeHeader(meta, tensors)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, hdr, 0o644); err != nil {
		return err
	}
	return os.Truncate(path, int64(len(hdr))+n)
}

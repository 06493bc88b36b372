package onnx

import (
	"fmt"
	"os"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/greenai/greenai/internal/onnxproto"
)

// Value is a decoded value file of ONNX's test suite: a TensorProto, a
// SequenceProto or an OptionalProto (maps are not supported).
type Value struct {
	Kind     TypeKind
	Tensor   *Tensor  // KindTensor
	Sequence []*Value // KindSequence
	Optional *Value   // KindOptional: nil when the optional is empty
}

// ReadValueFile reads an input_N.pb / output_N.pb file whose declared type is
// t (nil means tensor).
func ReadValueFile(path string, t *Type) (*Value, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kind := KindTensor
	if t != nil && t.Kind != KindUnknown {
		kind = t.Kind
	}
	v, err := DecodeValue(data, kind)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return v, nil
}

// DecodeValue decodes a serialized TensorProto, SequenceProto or OptionalProto.
func DecodeValue(data []byte, kind TypeKind) (*Value, error) {
	d := &decoder{src: memSource(data, "<value>")}
	return d.value(field{typ: protowire.BytesType, n: int64(len(data))}, kind, 0)
}

// valueKinds are the kinds of SequenceProto's (and OptionalProto's) value fields.
var valueKinds = map[protowire.Number]TypeKind{
	pb.SequenceTensorValues: KindTensor, pb.SequenceSparseTensorValues: KindSparseTensor,
	pb.SequenceSequenceValues: KindSequence, pb.SequenceMapValues: KindMap, pb.SequenceOptionalValues: KindOptional,
}

func (d *decoder) value(f field, kind TypeKind, depth int) (*Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("values nested deeper than %d", maxDepth)
	}
	switch kind {
	case KindTensor, KindSparseTensor:
		t, err := d.tensor(f)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindTensor, Tensor: t}, nil
	case KindSequence, KindOptional:
		v := &Value{Kind: kind}
		var elem int64
		err := d.message(f, func(h field) error {
			if h.num == pb.SequenceElemType && h.typ == protowire.VarintType {
				elem = int64(h.x)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		// elem_type: 1 tensor, 2 sparse tensor, 3 sequence, 4 map, 5 optional.
		innerKind := map[int64]TypeKind{1: KindTensor, 2: KindSparseTensor, 3: KindSequence, 4: KindMap, 5: KindOptional}[elem]
		err = d.message(f, func(h field) error {
			k, ok := valueKinds[h.num]
			if !ok {
				return nil
			}
			if innerKind != KindUnknown && k != innerKind {
				return fmt.Errorf("field %d does not match elem_type %d", h.num, elem)
			}
			if k == KindMap || k == KindSparseTensor {
				return fmt.Errorf("%s values are not supported", k)
			}
			item, err := d.value(h, k, depth+1)
			if err != nil {
				return err
			}
			if kind == KindSequence {
				v.Sequence = append(v.Sequence, item)
			} else {
				v.Optional = item
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s values are not supported", kind)
}

package shape

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// FromData converts a decoded value file (tensor, sequence or optional) into
// a Value with known contents where they are at most maxElems elements.
func FromData(d *onnx.Value, maxElems int) (*Value, error) {
	switch d.Kind {
	case onnx.KindTensor:
		return ValueFromTensor(d.Tensor, maxElems)
	case onnx.KindSequence:
		v := &Value{Kind: onnx.KindSequence, Rank: -1, SeqKnown: true, Seq: []*Value{}}
		for _, it := range d.Sequence {
			iv, err := FromData(it, maxElems)
			if err != nil {
				return nil, err
			}
			v.Seq = append(v.Seq, iv)
		}
		v.Elem = seqElem(v.Seq)
		return v, nil
	case onnx.KindOptional:
		v := &Value{Kind: onnx.KindOptional, Rank: -1, Opt: OptEmpty, Elem: Unknown()}
		if d.Optional != nil {
			v.Opt = OptPresent
			iv, err := FromData(d.Optional, maxElems)
			if err != nil {
				return nil, err
			}
			v.Elem = iv
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s values are not supported", d.Kind)
}

// seqElem is the common type of a sequence's items: their shared element
// type and, where all items agree, their shape. Ranks that differ make the
// rank unknown; dims that differ become a symbol standing for "varies by item".
func seqElem(items []*Value) *Value {
	if len(items) == 0 {
		return Unknown()
	}
	first := items[0]
	e := first.Clone()
	e.Const = nil
	e.Init = nil
	for _, it := range items[1:] {
		if it.Kind != e.Kind || it.DType != e.DType {
			return Unknown()
		}
		if it.Rank != e.Rank {
			e.Rank = -1
			e.Shape = nil
			continue
		}
		for j := range e.Shape {
			if !e.Shape[j].Equal(it.Shape[j]) {
				// Items differ in this dim: the common type cannot claim one.
				e.Shape[j] = sym.Var(fmt.Sprintf("seq_item_dim%d", j))
			}
		}
	}
	return e
}

// ReadInputData reads DIR/input_0.pb, input_1.pb, … (serialized TensorProto,
// SequenceProto or OptionalProto, as in ONNX's backend test suite) as the
// values of the main graph's inputs that are not initializers, in order.
// Trailing optional inputs may be missing. Contents are kept for values of
// at most maxElems elements. It returns the values by input name.
func ReadInputData(m *onnx.Model, dir string, maxElems int) (map[string]*Value, error) {
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	out := map[string]*Value{}
	i := 0
	for _, in := range m.Graph.Inputs {
		if inits[in.Name] {
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("input_%d.pb", i))
		i++
		if _, err := os.Stat(p); err != nil {
			break // trailing optional inputs omitted
		}
		d, err := onnx.ReadValueFile(p, in.Type)
		if err != nil {
			return nil, err
		}
		v, err := FromData(d, maxElems)
		if err != nil {
			return nil, fmt.Errorf("%s: input %q: %w", p, in.Name, err)
		}
		out[in.Name] = v
	}
	if len(out) == 0 && i > 0 {
		return nil, fmt.Errorf("%s: no input_0.pb found", dir)
	}
	return out, nil
}

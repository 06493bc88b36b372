package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"

	"github.com/greenai/greenai/onnx"
)

// Spec describes a tensor to lay out in a new header.
type Spec struct {
	Name  string
	DType string
	Shape []int64
}

// EncodeHeader lays the tensors out back to back in the given order and
// returns the file's first bytes (the 8-byte length and the JSON header,
// padded with spaces to a multiple of 8 as the reference writer does) and
// the length of the data section that must follow. It writes fixtures and
// header-only copies of models; it never needs the weights.
func EncodeHeader(specs []Spec, meta map[string]string) (header []byte, dataLen int64, err error) {
	obj := map[string]any{}
	if meta != nil {
		obj["__metadata__"] = meta
	}
	var at int64
	for _, sp := range specs {
		b, ok := dtypeBits[sp.DType]
		if !ok {
			return nil, 0, fmt.Errorf("tensor %q: unknown dtype %q", sp.Name, sp.DType)
		}
		n, err := onnx.NumElements(sp.Shape)
		if err != nil {
			return nil, 0, fmt.Errorf("tensor %q: %v", sp.Name, err)
		}
		if n > (1<<62)/int64(b) {
			return nil, 0, fmt.Errorf("tensor %q: byte size overflows", sp.Name)
		}
		size := n * int64(b) / 8
		shape := sp.Shape
		if shape == nil {
			shape = []int64{}
		}
		obj[sp.Name] = map[string]any{"dtype": sp.DType, "shape": shape, "data_offsets": []int64{at, at + size}}
		at += size
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, 0, err
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	out := make([]byte, 8, 8+len(js))
	binary.LittleEndian.PutUint64(out, uint64(len(js)))
	return append(out, js...), at, nil
}

// WriteSparse writes a file with the header of specs whose data section is
// a hole: the file has its full declared size, but the weights take no
// disk space (on file systems with sparse files) and read as zeros.
func WriteSparse(path string, specs []Spec, meta map[string]string) error {
	hdr, n, err := EncodeHeader(specs, meta)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, hdr, 0o644); err != nil {
		return err
	}
	return os.Truncate(path, int64(len(hdr))+n)
}

package gguf

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzGGUF feeds arbitrary bytes to the header reader: it must never panic
// or allocate without bound, every failure must be a named *Error, and an
// accepted header must keep every tensor's data inside the file. The
// metadata mapping must not panic either.
func FuzzGGUF(f *testing.F) {
	h, n, _ := EncodeHeader([]KV{{"general.architecture", Str("llama")}, {"llama.block_count", U32(1)}},
		[]Tensor{{Name: "token_embd.weight", Dims: []int64{32, 4}, Type: 8}})
	f.Add(append(h, make([]byte, n)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == nil || e.File != "fuzz" {
				t.Fatalf("unnamed error %T: %v", err, err)
			}
			return
		}
		for _, tt := range file.Tensors {
			if tt.Offset%file.Alignment != 0 || file.DataStart+tt.Offset+tt.Bytes > int64(len(data)) {
				t.Fatalf("accepted tensor %+v outside the file", tt)
			}
			file.HFNames(&tt)
		}
		file.HFConfig()
		file.Stats()
	})
}

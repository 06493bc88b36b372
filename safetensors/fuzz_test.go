package safetensors

import (
	"errors"
	"testing"
)

// FuzzSafetensorsHeader feeds arbitrary files to the header reader: it must
// never panic, every failure must be a named *Error, and an accepted header
// must describe tensors that tile the data section exactly.
func FuzzSafetensorsHeader(f *testing.F) {
	f.Add(raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(raw(`{"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"F4","shape":[2],"data_offsets":[8,9]}}`, 9))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data, "fuzz")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == nil || e.File != "fuzz" {
				t.Fatalf("unnamed error %T: %v", err, err)
			}
			return
		}
		at := int64(0)
		for _, tt := range file.Tensors {
			b, ok := DTypeBits(tt.DType)
			if !ok || tt.Begin != at || tt.End-tt.Begin != tt.Elements*int64(b)/8 {
				t.Fatalf("accepted a bad tensor %+v", tt)
			}
			at = tt.End
		}
		if at != file.Size-file.DataStart() {
			t.Fatalf("tensors end at %d, data section %d", at, file.Size-file.DataStart())
		}
	})
}

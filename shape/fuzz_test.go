package shape_test

import (
	"os"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// FuzzInfer: whatever the bytes, decoding and inference return an error or
// a result, never a panic or a hang.
func FuzzInfer(f *testing.F) {
	f.Add(onnxbuild.Chain(6))
	if data, err := os.ReadFile("../testdata/models/squeezenet1_1.onnx"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnx.Decode(data, "")
		if err != nil {
			return
		}
		shape.Infer(m, shape.Options{MaxConstElements: 1 << 10})
	})
}

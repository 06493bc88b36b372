package modelfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/gguf"
	"github.com/greenai/greenai/safetensors"
)

// FuzzOpen gives arbitrary bytes to the loader as a file: whatever it is
// taken for (GGUF, safetensors, JSON config, ONNX), opening must not panic
// or hang, and an opened model's check must be consistent.
func FuzzOpen(f *testing.F) {
	meta, ts := ggufLlamaHeader(tiny, 8)
	h, n, _ := gguf.EncodeHeader(meta, ts)
	f.Add(append(h, make([]byte, n)...))
	f.Add([]byte(tiny.config()))
	sh, sn, _ := safetensors.EncodeHeader(tiny.hfTensors("F16")[:3], nil)
	f.Add(append(sh, make([]byte, sn)...))
	f.Add([]byte(`{"weight_map":{"a":"model.safetensors"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "input")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Open(p, Options{})
		if err != nil {
			return
		}
		defer m.Close()
		if c := m.Check; c != nil && c.Matched > c.ConfigTensors {
			t.Fatalf("matched %d of %d", c.Matched, c.ConfigTensors)
		}
	})
}

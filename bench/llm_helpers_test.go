package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/greenai/greenai/safetensors"
)

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

func writeFile(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }

// writeShards writes specs as n sparse safetensors shards with an index.
func writeShards(dir string, specs []safetensors.Spec, n int) error {
	per := (len(specs) + n - 1) / n
	wm := map[string]string{}
	for i := 0; i*per < len(specs); i++ {
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, n)
		part := specs[i*per : min((i+1)*per, len(specs))]
		if err := safetensors.WriteSparse(filepath.Join(dir, name), part, map[string]string{"format": "pt"}); err != nil {
			return err
		}
		for _, s := range part {
			wm[s.Name] = name
		}
	}
	js, err := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": wm})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, safetensors.IndexName), js, 0o644)
}

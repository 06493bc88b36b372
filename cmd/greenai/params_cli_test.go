package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGPT2SuspectedTiedCopy: GPT-2's structure-only export has no weight
// bytes, so the tied lm_head cannot be deduplicated by content. inspect and
// fpo name the suspected copy, say it was not checked, and give PyTorch's
// 124,439,808 as the count if it is a copy.
func TestGPT2SuspectedTiedCopy(t *testing.T) {
	for _, cmd := range []string{"inspect", "fpo"} {
		out, _, err := runCLI(t, cmd, filepath.Join(models, "gpt2_small.onnx"))
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, want := range []string{
			"onnx::MatMul_1450 [768×50257] may be a transposed copy of wte.weight (tied weights); not checked, so counted: 124439808 if it is.",
			`Not checked: the values cannot be read (tensor "wte.weight": external data file "gpt2_small.onnx.data" not found`,
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s output lacks %q:\n%s", cmd, want, out)
			}
		}
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTinyConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(tinyLlama), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFPOPhases(t *testing.T) {
	cfg := writeTinyConfig(t)
	out, _, err := runCLI(t, "fpo", "--phase", "decode", cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4 × bfloat16[batch, 2, past, 16]", "(past_key_values.0.key … past_key_values.1.value)", "Language model (llama, phase decode)",
		"KV cache read", "≈ Kaplan", "≈ PaLM", "approximations"} {
		if !strings.Contains(out, want) {
			t.Errorf("fpo --phase decode lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "≈ Megatron") {
		t.Errorf("Megatron's rule has no decode form:\n%s", out)
	}
	out, _, err = runCLI(t, "fpo", "--json", "--phase", "prefill", "--dim", "batch=2", "--dim", "sequence=16", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		LM struct {
			Phase string `json:"phase"`
			KV    any    `json:"kv_cache_after_bytes"`
			Rules []struct {
				Name   string `json:"name"`
				Approx bool   `json:"approximation"`
				OffBy  string `json:"off_by"`
			} `json:"rules_of_thumb"`
		} `json:"language_model"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// 2 layers × (k, v) × batch 2 × 2 kv heads × 16 positions × 16 dims × 2 bytes
	if doc.LM.Phase != "prefill" || doc.LM.KV != float64(2*2*2*2*16*16*2) || len(doc.LM.Rules) != 3 || !doc.LM.Rules[0].Approx || doc.LM.Rules[0].OffBy == "" {
		t.Errorf("language_model %+v", doc.LM)
	}
}

func TestPhaseMistakes(t *testing.T) {
	cfg := writeTinyConfig(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fpo", "--phase", "generate", cfg}, `unknown phase "generate"`},
		{[]string{"fpo", "--phase", "decode", "../../testdata/models/gpt2_small.onnx"}, "--phase applies to a config.json"},
		{[]string{"cost", "--phase", "decode", "--model", cfg}, "cost prices training"},
	} {
		_, _, err := runCLI(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != 2 {
			t.Errorf("%v: %v (exit %d), want usage error %q", c.args, err, exitCode(err), c.want)
		}
	}
}

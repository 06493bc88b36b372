package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/gguf"
	"github.com/greenai/greenai/safetensors"
)

// tinyLlama is a two-layer Llama config and its Hugging Face tensors.
const tinyLlama = `{"model_type":"llama","architectures":["LlamaForCausalLM"],"vocab_size":100,"hidden_size":64,
"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":128,"torch_dtype":"bfloat16"}`

func tinyLlamaTensors() []safetensors.Spec {
	s := []safetensors.Spec{{Name: "model.embed_tokens.weight", DType: "BF16", Shape: []int64{100, 64}}}
	for i := 0; i < 2; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		for _, t := range []struct {
			n string
			s []int64
		}{{"input_layernorm", []int64{64}}, {"self_attn.q_proj", []int64{64, 64}}, {"self_attn.k_proj", []int64{32, 64}},
			{"self_attn.v_proj", []int64{32, 64}}, {"self_attn.o_proj", []int64{64, 64}}, {"post_attention_layernorm", []int64{64}},
			{"mlp.gate_proj", []int64{128, 64}}, {"mlp.up_proj", []int64{128, 64}}, {"mlp.down_proj", []int64{64, 128}}} {
			s = append(s, safetensors.Spec{Name: p + t.n + ".weight", DType: "BF16", Shape: t.s})
		}
	}
	return append(s, safetensors.Spec{Name: "model.norm.weight", DType: "BF16", Shape: []int64{64}},
		safetensors.Spec{Name: "lm_head.weight", DType: "BF16", Shape: []int64{100, 64}})
}

const tinyLlamaParams = 100*64*2 + 2*(64+64*64+2*32*64+64*64+64+3*128*64) + 64

func TestInspectFolderAndConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(tinyLlama), 0o644)
	if err := safetensors.WriteSparse(filepath.Join(dir, "model.safetensors"), tinyLlamaTensors(), nil); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "inspect", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Weights    safetensors header of 1 file: 21 tensors", "agrees: all 21 parameter tensors", fmt.Sprintf("%d elements", tinyLlamaParams)} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %q:\n%s", want, out)
		}
	}
	// fpo --json carries the check; a config alone has no weights section.
	out, _, err = runCLI(t, "fpo", "--json", dir)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Source map[string]any `json:"source"`
		Check  struct {
			ConfigParams int64 `json:"config_params"`
			StoredParams int64 `json:"stored_params"`
			Agrees       bool  `json:"agrees"`
		} `json:"weights_check"`
		Weights struct {
			ByDType []map[string]any `json:"by_dtype"`
		} `json:"weights"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source["kind"] != "folder" || !doc.Check.Agrees || doc.Check.ConfigParams != tinyLlamaParams || doc.Check.StoredParams != tinyLlamaParams || doc.Weights.ByDType[0]["dtype"] != "BF16" {
		t.Errorf("fpo json: %+v", doc)
	}
	// The config file alone, under a name that does not say what it is.
	cfg := filepath.Join(t.TempDir(), "model.onnx")
	os.WriteFile(cfg, []byte(tinyLlama), 0o644)
	out, _, err = runCLI(t, "inspect", "--json", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"kind": "config"`) || strings.Contains(out, "weights_check") {
		t.Errorf("config inspect:\n%s", out)
	}
}

func TestFolderMismatchReported(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(tinyLlama), 0o644)
	ts := tinyLlamaTensors()
	ts[2].Shape = []int64{48, 64} // q_proj of layer 0
	safetensors.WriteSparse(filepath.Join(dir, "model.safetensors"), ts, nil)
	out, _, err := runCLI(t, "inspect", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "disagrees: 1 with another shape") || !strings.Contains(out, "model.layers.0.self_attn.q_proj.weight stored [48 64], config [64 64]") {
		t.Errorf("inspect:\n%s", out)
	}
	// A hostile header is a named error.
	f, _ := os.OpenFile(filepath.Join(dir, "model.safetensors"), os.O_WRONLY, 0)
	f.WriteAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 0)
	f.Close()
	if _, _, err := runCLI(t, "fpo", dir); err == nil || !strings.Contains(err.Error(), "header length out of range") {
		t.Errorf("hostile header: %v", err)
	}
}

func TestFPOFromGGUF(t *testing.T) {
	meta := []gguf.KV{
		{Key: "general.architecture", Value: gguf.Str("llama")},
		{Key: "llama.block_count", Value: gguf.U32(2)}, {Key: "llama.embedding_length", Value: gguf.U32(64)},
		{Key: "llama.feed_forward_length", Value: gguf.U32(128)}, {Key: "llama.attention.head_count", Value: gguf.U32(4)},
		{Key: "llama.attention.head_count_kv", Value: gguf.U32(2)},
	}
	p := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := gguf.WriteSparse(p, meta, []gguf.Tensor{{Name: "token_embd.weight", Dims: []int64{64, 100}, Type: 8}}); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "fpo", "--json", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"kind": "gguf"`) || !strings.Contains(out, `"dtype": "Q8_0"`) || !strings.Contains(out, `"bits_per_weight": 8.5`) {
		t.Errorf("fpo json lacks the GGUF source:\n%.2000s", out)
	}
	// A missing metadata key is named.
	p2 := filepath.Join(t.TempDir(), "bad.gguf")
	gguf.WriteSparse(p2, append(meta[:3:3], meta[4:]...), nil)
	if _, _, err := runCLI(t, "inspect", p2); err == nil || !strings.Contains(err.Error(), "llama.feed_forward_length") {
		t.Errorf("missing key: %v", err)
	}
}

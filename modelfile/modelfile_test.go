package modelfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/gguf"
	"github.com/greenai/greenai/safetensors"
)

// llamaDims are a Llama-architecture model's sizes.
type llamaDims struct {
	vocab, hidden, layers, heads, kvHeads, inter int64
	tied                                         bool
}

func (d llamaDims) config() string {
	return fmt.Sprintf(`{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":%d,"hidden_size":%d,
"num_hidden_layers":%d,"num_attention_heads":%d,"num_key_value_heads":%d,"intermediate_size":%d,
"rms_norm_eps":1e-05,"rope_theta":10000.0,"max_position_embeddings":4096,"tie_word_embeddings":%v,"torch_dtype":"bfloat16"}`,
		d.vocab, d.hidden, d.layers, d.heads, d.kvHeads, d.inter, d.tied)
}

// hfTensors lists the tensors of a Llama checkpoint as the Hugging Face
// state dict names and shapes them (written out by hand, independently of
// the builder).
func (d llamaDims) hfTensors(dtype string) []safetensors.Spec {
	kv := d.kvHeads * (d.hidden / d.heads)
	s := []safetensors.Spec{{Name: "model.embed_tokens.weight", DType: dtype, Shape: []int64{d.vocab, d.hidden}}}
	for i := int64(0); i < d.layers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		s = append(s,
			safetensors.Spec{Name: p + "input_layernorm.weight", DType: dtype, Shape: []int64{d.hidden}},
			safetensors.Spec{Name: p + "self_attn.q_proj.weight", DType: dtype, Shape: []int64{d.hidden, d.hidden}},
			safetensors.Spec{Name: p + "self_attn.k_proj.weight", DType: dtype, Shape: []int64{kv, d.hidden}},
			safetensors.Spec{Name: p + "self_attn.v_proj.weight", DType: dtype, Shape: []int64{kv, d.hidden}},
			safetensors.Spec{Name: p + "self_attn.o_proj.weight", DType: dtype, Shape: []int64{d.hidden, d.hidden}},
			safetensors.Spec{Name: p + "post_attention_layernorm.weight", DType: dtype, Shape: []int64{d.hidden}},
			safetensors.Spec{Name: p + "mlp.gate_proj.weight", DType: dtype, Shape: []int64{d.inter, d.hidden}},
			safetensors.Spec{Name: p + "mlp.up_proj.weight", DType: dtype, Shape: []int64{d.inter, d.hidden}},
			safetensors.Spec{Name: p + "mlp.down_proj.weight", DType: dtype, Shape: []int64{d.hidden, d.inter}},
		)
	}
	s = append(s, safetensors.Spec{Name: "model.norm.weight", DType: dtype, Shape: []int64{d.hidden}})
	if !d.tied {
		s = append(s, safetensors.Spec{Name: "lm_head.weight", DType: dtype, Shape: []int64{d.vocab, d.hidden}})
	}
	return s
}

var llama2_7B = llamaDims{32000, 4096, 32, 32, 32, 11008, false}

const llama2_7BParams = 6_738_415_616 // the model card's count

var tiny = llamaDims{100, 64, 2, 4, 2, 128, false}

func writeFolder(t *testing.T, d llamaDims, specs []safetensors.Spec) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigName), []byte(d.config()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteSparse(filepath.Join(dir, "model.safetensors"), specs, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFolderAgrees(t *testing.T) {
	dir := writeFolder(t, llama2_7B, llama2_7B.hfTensors("BF16"))
	m, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Kind != Folder || m.Weights == nil || m.Check == nil {
		t.Fatalf("kind %s, weights %v", m.Kind, m.Weights)
	}
	c := m.Check
	if m.Weights.Params != llama2_7BParams || c.ConfigParams != llama2_7BParams || c.MatchedParams != llama2_7BParams || !c.Agrees {
		t.Errorf("stored %d, config %d, matched %d, agrees %v: %+v", m.Weights.Params, c.ConfigParams, c.MatchedParams, c.Agrees, c)
	}
	if len(m.Weights.ByDType) != 1 || m.Weights.ByDType[0].DType != "BF16" || m.Weights.Bytes != 2*llama2_7BParams {
		t.Errorf("by dtype %+v", m.Weights.ByDType)
	}
	var b bytes.Buffer
	m.WriteText(&b)
	if !strings.Contains(b.String(), "agrees") || !strings.Contains(b.String(), "6,738,415,616") {
		t.Errorf("text:\n%s", b.String())
	}
	checkWidth(t, b.String())
}

func checkWidth(t *testing.T, s string) {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
}

func TestFolderMismatch(t *testing.T) {
	specs := tiny.hfTensors("F32")
	// A wrong shape, a buffer, an unknown tensor, a missing tensor.
	for i := range specs {
		if specs[i].Name == "model.layers.1.mlp.up_proj.weight" {
			specs[i].Shape = []int64{96, 64}
		}
	}
	specs = append(specs, safetensors.Spec{Name: "model.layers.0.self_attn.rotary_emb.inv_freq", DType: "F32", Shape: []int64{8}},
		safetensors.Spec{Name: "model.layers.0.adapter.weight", DType: "F32", Shape: []int64{4, 64}})
	var kept []safetensors.Spec
	for _, s := range specs {
		if s.Name != "model.layers.0.input_layernorm.weight" {
			kept = append(kept, s)
		}
	}
	m, err := Open(writeFolder(t, tiny, kept), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Check
	if c.Agrees || len(c.Mismatched) != 1 || c.Mismatched[0].Name != "model.layers.1.mlp.up_proj.weight" ||
		len(c.Missing) != 1 || c.Missing[0].Name != "model.layers.0.input_layernorm.weight" || len(c.NotExplained) != 2 {
		t.Fatalf("check %+v", c)
	}
	for _, e := range c.NotExplained {
		if e.Known != strings.HasSuffix(e.Name, "inv_freq") {
			t.Errorf("%s: known %v (%s)", e.Name, e.Known, e.Why)
		}
	}
	var b bytes.Buffer
	m.WriteText(&b)
	out := b.String()
	if want := "disagrees: 1 with another shape; 1 missing from the file; 1 stored but not explained by the config"; c.Summary() != want {
		t.Errorf("summary %q, want %q", c.Summary(), want)
	}
	for _, want := range []string{"model.layers.0.adapter.weight", "inv_freq", "-1,848"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	checkWidth(t, out)
}

func TestTiedStoredTwice(t *testing.T) {
	d := tiny
	d.tied = true
	specs := d.hfTensors("F16")
	specs = append(specs, safetensors.Spec{Name: "lm_head.weight", DType: "F16", Shape: []int64{d.vocab, d.hidden}})
	m, err := Open(writeFolder(t, d, specs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Check
	if !c.Agrees || len(c.NotExplained) != 1 || !strings.Contains(c.NotExplained[0].Why, "tied") || c.StoredParams-c.ConfigParams != d.vocab*d.hidden {
		t.Errorf("check %+v", c)
	}
	// Untied config, embedding stored once.
	d.tied = false
	m, err = Open(writeFolder(t, d, d.hfTensors("F16")[:len(d.hfTensors("F16"))-1]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Check; c.Agrees || len(c.Missing) != 1 || !strings.Contains(c.Missing[0].Why, "tie_word_embeddings") {
		t.Errorf("untied check %+v", c)
	}
}

func TestDetectByContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	onnxBytes, err := os.ReadFile("../testdata/models/alexnet.onnx")
	if err != nil {
		t.Fatal(err)
	}
	hdr, n, _ := safetensors.EncodeHeader([]safetensors.Spec{{Name: "w", DType: "F32", Shape: []int64{2}}}, nil)
	gh, gn, _ := gguf.EncodeHeader([]gguf.KV{{Key: "general.architecture", Value: gguf.Str("llama")}}, nil)
	cases := map[string]Kind{
		write("config.onnx", []byte(tiny.config())):             Config,
		write("model.json", onnxBytes):                          ONNX,
		write("weights.bin", append(hdr, make([]byte, n)...)):   Tensors,
		write("m.safetensors", append(gh, make([]byte, gn)...)): GGUF,
		dir: Folder,
	}
	for p, want := range cases {
		if k, err := Detect(p); err != nil || k != want {
			t.Errorf("%s: %s %v, want %s", filepath.Base(p), k, err, want)
		}
	}
	// A config.json named like an ONNX file opens as a config.
	m, err := Open(filepath.Join(dir, "config.onnx"), Options{})
	if err != nil || m.Kind != Config || m.Weights != nil {
		t.Fatalf("config: %v %+v", err, m)
	}
	// Unreadable inputs say what they are not.
	for name, data := range map[string][]byte{"x.json": []byte(`{"hello":1}`), "x.bin": []byte("hello world, not a model")} {
		_, err := Open(write(name, data), Options{})
		if !errors.Is(err, ErrNotModel) && !strings.Contains(fmt.Sprint(err), "not a model") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A safetensors file without a config.json beside it.
	if _, err := Open(filepath.Join(dir, "weights.bin"), Options{}); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("lone safetensors: %v", err)
	}
}

func TestHostileWeightsNamed(t *testing.T) {
	dir := writeFolder(t, tiny, tiny.hfTensors("F32"))
	p := filepath.Join(dir, "model.safetensors")
	f, _ := os.OpenFile(p, os.O_WRONLY, 0)
	f.WriteAt([]byte{0, 0, 0, 0, 0, 0, 0, 0x80}, 0) // header length 2^63
	f.Close()
	_, err := Open(dir, Options{})
	if !errors.Is(err, safetensors.ErrHeaderLength) || !strings.Contains(err.Error(), p) {
		t.Errorf("got %v", err)
	}
}

// ggufLlama writes the GGUF header of a Llama model (F16, dims reversed).
func ggufLlama(t *testing.T, d llamaDims) string { return ggufLlamaTyped(t, d, 1) }

// ggufLlamaTyped is ggufLlama with the matrices of ggml type matrix.
func ggufLlamaTyped(t *testing.T, d llamaDims, matrix gguf.Type) string {
	t.Helper()
	meta, ts := ggufLlamaHeader(d, matrix)
	p := filepath.Join(t.TempDir(), "model.bin")
	if err := gguf.WriteSparse(p, meta, ts); err != nil {
		t.Fatal(err)
	}
	return p
}

// ggufLlamaHeader is the metadata and tensor table of a Llama GGUF.
func ggufLlamaHeader(d llamaDims, matrix gguf.Type) ([]gguf.KV, []gguf.Tensor) {
	meta := []gguf.KV{
		{Key: "general.architecture", Value: gguf.Str("llama")},
		{Key: "llama.block_count", Value: gguf.U32(uint32(d.layers))},
		{Key: "llama.embedding_length", Value: gguf.U32(uint32(d.hidden))},
		{Key: "llama.feed_forward_length", Value: gguf.U32(uint32(d.inter))},
		{Key: "llama.attention.head_count", Value: gguf.U32(uint32(d.heads))},
		{Key: "llama.attention.head_count_kv", Value: gguf.U32(uint32(d.kvHeads))},
		{Key: "llama.context_length", Value: gguf.U32(4096)},
		{Key: "llama.rope.freq_base", Value: gguf.F32(10000)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: gguf.F32(1e-5)},
	}
	var ts []gguf.Tensor
	rev := func(s []int64) []int64 {
		out := make([]int64, len(s))
		for i := range s {
			out[len(s)-1-i] = s[i]
		}
		return out
	}
	for _, s := range d.hfTensors("F16") {
		name := map[string]string{"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}[s.Name]
		if name == "" {
			var layer int
			var rest string
			fmt.Sscanf(strings.Replace(s.Name, "model.layers.", "", 1), "%d.%s", &layer, &rest)
			g := map[string]string{"input_layernorm.weight": "attn_norm", "self_attn.q_proj.weight": "attn_q", "self_attn.k_proj.weight": "attn_k",
				"self_attn.v_proj.weight": "attn_v", "self_attn.o_proj.weight": "attn_output", "post_attention_layernorm.weight": "ffn_norm",
				"mlp.gate_proj.weight": "ffn_gate", "mlp.up_proj.weight": "ffn_up", "mlp.down_proj.weight": "ffn_down"}[rest]
			name = fmt.Sprintf("blk.%d.%s.weight", layer, g)
		}
		ty := matrix
		if len(s.Shape) == 1 {
			ty = 0
		}
		ts = append(ts, gguf.Tensor{Name: name, Dims: rev(s.Shape), Type: ty})
	}
	ts = append(ts, gguf.Tensor{Name: "rope_freqs.weight", Dims: []int64{d.hidden / d.heads / 2}, Type: 0})
	return meta, ts
}

// A model that llama.cpp's gguf-split cut in three files, opened from its
// second file.
func TestGGUFSplit(t *testing.T) {
	meta, ts := ggufLlamaHeader(llama2_7B, 1)
	dir := t.TempDir()
	u16 := func(x int) gguf.Value { return gguf.Value{Type: gguf.TypeUint16, U: uint64(x)} }
	per := (len(ts) + 2) / 3
	for i := 0; i < 3; i++ {
		kv := []gguf.KV{{Key: "split.no", Value: u16(i)}, {Key: "split.count", Value: u16(3)}}
		if i == 0 {
			kv = append(append([]gguf.KV{}, meta...), kv...)
		}
		p := filepath.Join(dir, fmt.Sprintf("llama-%05d-of-00003.gguf", i+1))
		if err := gguf.WriteSparse(p, kv, ts[i*per:min((i+1)*per, len(ts))]); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Open(filepath.Join(dir, "llama-00002-of-00003.gguf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Weights.Files) != 3 || !m.Check.Agrees || m.Check.ConfigParams != llama2_7BParams {
		t.Errorf("files %v, check %s", m.Weights.Files, m.Check.Summary())
	}
	// The folder of the splits opens them too.
	if m, err := Open(dir, Options{}); err != nil || len(m.Weights.Files) != 3 {
		t.Errorf("folder of splits: %v", err)
	}
}

func TestGGUFWithoutConfig(t *testing.T) {
	p := ggufLlama(t, llama2_7B)
	m, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Check
	if m.Kind != GGUF || c.ConfigParams != llama2_7BParams || c.MatchedParams != llama2_7BParams || !c.Agrees ||
		len(c.NotExplained) != 1 || c.NotExplained[0].Name != "rope_freqs.weight" {
		t.Errorf("check %+v", c)
	}
	if m.Weights.Params != llama2_7BParams+64 {
		t.Errorf("stored %d", m.Weights.Params)
	}
	var b bytes.Buffer
	m.WriteText(&b)
	if !strings.Contains(b.String(), "GGUF metadata") || !strings.Contains(b.String(), "bits/weight") {
		t.Errorf("text:\n%s", b.String())
	}
	checkWidth(t, b.String())
}

func TestGGUFQuantized(t *testing.T) {
	m, err := Open(ggufLlamaTyped(t, tiny, 8), Options{}) // Q8_0
	if err != nil {
		t.Fatal(err)
	}
	var q Count8
	for _, d := range m.Weights.ByDType {
		if d.DType == "Q8_0" {
			q = Count8{d.Params, d.Bytes, d.BitsPerWeight}
		}
	}
	matrices := m.Weights.Params - tiny.hidden/tiny.heads/2 - 5*tiny.hidden // minus rope_freqs and the five norms
	if q.params != matrices || q.bytes != matrices/32*34 || q.bpw != 8.5 || !m.Check.Agrees {
		t.Errorf("Q8_0 %+v, want %d params; check %s", q, matrices, m.Check.Summary())
	}
	var b bytes.Buffer
	m.WriteText(&b)
	if !strings.Contains(b.String(), "assume float32") {
		t.Errorf("text:\n%s", b.String())
	}
}

type Count8 struct {
	params, bytes int64
	bpw           float64
}

// GPT-2's hub checkpoint names modules without the transformer. prefix,
// stores the causal-mask buffers attn.bias and no lm_head (tied).
func TestGPT2HubNames(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ConfigName), []byte(`{"model_type":"gpt2","vocab_size":100,"n_embd":64,"n_layer":2,"n_head":4,"n_positions":32}`), 0o644)
	specs := []safetensors.Spec{{Name: "wte.weight", DType: "F32", Shape: []int64{100, 64}}, {Name: "wpe.weight", DType: "F32", Shape: []int64{32, 64}},
		{Name: "ln_f.weight", DType: "F32", Shape: []int64{64}}, {Name: "ln_f.bias", DType: "F32", Shape: []int64{64}}}
	for i := 0; i < 2; i++ {
		p := fmt.Sprintf("h.%d.", i)
		for _, s := range []struct {
			n string
			s []int64
		}{{"ln_1.weight", []int64{64}}, {"ln_1.bias", []int64{64}}, {"attn.c_attn.weight", []int64{64, 192}}, {"attn.c_attn.bias", []int64{192}},
			{"attn.c_proj.weight", []int64{64, 64}}, {"attn.c_proj.bias", []int64{64}}, {"ln_2.weight", []int64{64}}, {"ln_2.bias", []int64{64}},
			{"mlp.c_fc.weight", []int64{64, 256}}, {"mlp.c_fc.bias", []int64{256}}, {"mlp.c_proj.weight", []int64{256, 64}}, {"mlp.c_proj.bias", []int64{64}},
			{"attn.bias", []int64{1, 1, 32, 32}}} {
			specs = append(specs, safetensors.Spec{Name: p + s.n, DType: "F32", Shape: s.s})
		}
	}
	if err := safetensors.WriteSparse(filepath.Join(dir, "model.safetensors"), specs, nil); err != nil {
		t.Fatal(err)
	}
	m, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Check
	if !c.Agrees || c.Matched != c.ConfigTensors || len(c.NotExplained) != 2 || !strings.Contains(c.NotExplained[0].Why, "causal-mask") || len(c.Transposed) != 0 {
		t.Errorf("check %s: %+v", c.Summary(), c)
	}
}

func TestCandidates(t *testing.T) {
	got := fmt.Sprint(candidates("bert.encoder.layer.0.attention.output.LayerNorm.gamma"))
	want := "[bert.encoder.layer.0.attention.output.LayerNorm.weight encoder.layer.0.attention.output.LayerNorm.weight model.encoder.layer.0.attention.output.LayerNorm.weight transformer.encoder.layer.0.attention.output.LayerNorm.weight bert.encoder.layer.0.attention.output.LayerNorm.weight roberta.encoder.layer.0.attention.output.LayerNorm.weight]"
	if got != want {
		t.Errorf("got %s", got)
	}
}

// One shard of an indexed folder, or the index, opens the whole model.
func TestShardOpensFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ConfigName), []byte(tiny.config()), 0o644)
	specs := tiny.hfTensors("F32")
	wm := map[string]string{}
	for i, part := range [][]safetensors.Spec{specs[:10], specs[10:]} {
		name := fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)
		if err := safetensors.WriteSparse(filepath.Join(dir, name), part, nil); err != nil {
			t.Fatal(err)
		}
		for _, s := range part {
			wm[s.Name] = name
		}
	}
	js, _ := json.Marshal(map[string]any{"weight_map": wm})
	os.WriteFile(filepath.Join(dir, safetensors.IndexName), js, 0o644)
	for _, p := range []string{filepath.Join(dir, "model-00002-of-00002.safetensors"), filepath.Join(dir, safetensors.IndexName), dir} {
		m, err := Open(p, Options{})
		if err != nil || len(m.Weights.Files) != 2 || !m.Check.Agrees {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}

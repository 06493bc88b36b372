package gguf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	tF32  Type = 0
	tF16  Type = 1
	tQ4_0 Type = 2
	tQ8_0 Type = 8
	tQ4K  Type = 12
	tQ6K  Type = 14
	tBF16 Type = 30
)

// llama3_70B is the metadata and tensor table of a Llama-3-70B GGUF as
// llama.cpp writes a Q4_K_M quantization (token embedding Q4_K, output
// Q6_K, attn_v and ffn_down Q6_K, the rest Q4_K, norms F32). Dims are in
// GGUF order.
func llama3_70B() ([]KV, []Tensor) {
	const vocab, hidden, layers, inter, kv = 128256, 8192, 80, 28672, 1024
	meta := []KV{
		{"general.architecture", Str("llama")},
		{"general.name", Str("Meta Llama 3 70B")},
		{"llama.block_count", U32(layers)},
		{"llama.context_length", U32(8192)},
		{"llama.embedding_length", U32(hidden)},
		{"llama.feed_forward_length", U32(inter)},
		{"llama.attention.head_count", U32(64)},
		{"llama.attention.head_count_kv", U32(8)},
		{"llama.rope.freq_base", F32(500000)},
		{"llama.attention.layer_norm_rms_epsilon", F32(1e-5)},
		{"general.file_type", U32(15)},
		{"tokenizer.ggml.model", Str("gpt2")},
		{"tokenizer.ggml.tokens", Array(TypeString, Str("a"), Str("b"))},
	}
	ts := []Tensor{{Name: "token_embd.weight", Dims: []int64{hidden, vocab}, Type: tQ4K}}
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		ts = append(ts,
			Tensor{Name: p + "attn_norm.weight", Dims: []int64{hidden}, Type: tF32},
			Tensor{Name: p + "attn_q.weight", Dims: []int64{hidden, hidden}, Type: tQ4K},
			Tensor{Name: p + "attn_k.weight", Dims: []int64{hidden, kv}, Type: tQ4K},
			Tensor{Name: p + "attn_v.weight", Dims: []int64{hidden, kv}, Type: tQ6K},
			Tensor{Name: p + "attn_output.weight", Dims: []int64{hidden, hidden}, Type: tQ4K},
			Tensor{Name: p + "ffn_norm.weight", Dims: []int64{hidden}, Type: tF32},
			Tensor{Name: p + "ffn_gate.weight", Dims: []int64{hidden, inter}, Type: tQ4K},
			Tensor{Name: p + "ffn_up.weight", Dims: []int64{hidden, inter}, Type: tQ4K},
			Tensor{Name: p + "ffn_down.weight", Dims: []int64{inter, hidden}, Type: tQ6K},
		)
	}
	ts = append(ts, Tensor{Name: "output_norm.weight", Dims: []int64{hidden}, Type: tF32},
		Tensor{Name: "output.weight", Dims: []int64{hidden, vocab}, Type: tQ6K})
	return meta, ts
}

func TestTypeTable(t *testing.T) {
	// Bits per weight as llama.cpp documents them.
	want := map[Type]float64{tF32: 32, tF16: 16, tBF16: 16, tQ4_0: 4.5, 3: 5, 6: 5.5, 7: 6, tQ8_0: 8.5, 9: 9,
		10: 2.625, 11: 3.4375, tQ4K: 4.5, 13: 5.5, tQ6K: 6.5625, 15: 9.125, 16: 2.0625, 17: 2.3125, 18: 3.0625,
		19: 1.5625, 20: 4.5, 21: 3.4375, 22: 2.5625, 23: 4.25, 29: 1.75, 34: 1.6875, 35: 2.0625, 39: 4.25}
	for ty, bpw := range want {
		ti, ok := ty.Info()
		if !ok || ti.BitsPerWeight() != bpw {
			t.Errorf("%s: %v bits per weight, want %v", ty, ti.BitsPerWeight(), bpw)
		}
	}
	if _, ok := Type(4).Info(); ok {
		t.Error("the removed Q4_2 (4) is known")
	}
}

func TestLlama3_70BSparse(t *testing.T) {
	meta, ts := llama3_70B()
	p := filepath.Join(t.TempDir(), "llama3-70b-q4_k_m.gguf")
	if err := WriteSparse(p, meta, ts); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	st := f.Stats()
	if st.Elements != 70_553_706_496 || st.Tensors != 723 {
		t.Errorf("got %d params in %d tensors", st.Elements, st.Tensors)
	}
	// Q4_K: 144 bytes per 256 weights, Q6_K 210, F32 4 bytes each.
	const hidden, vocab, kv, inter = 8192, 128256, 1024, 28672
	q4 := int64(hidden*vocab + 80*(2*hidden*hidden+hidden*kv+2*hidden*inter))
	q6 := int64(hidden*vocab + 80*(hidden*kv+inter*hidden))
	f32 := int64(hidden * (2*80 + 1))
	if c := st.ByType["Q4_K"]; c.Elements != q4 || c.Bytes != q4/256*144 || c.BitsPerWeight != 4.5 {
		t.Errorf("Q4_K %+v, want %d elements", c, q4)
	}
	if c := st.ByType["Q6_K"]; c.Elements != q6 || c.Bytes != q6/256*210 {
		t.Errorf("Q6_K %+v", c)
	}
	if c := st.ByType["F32"]; c.Elements != f32 || c.Bytes != 4*f32 {
		t.Errorf("F32 %+v", c)
	}
	if st.Bytes != q4/256*144+q6/256*210+4*f32 {
		t.Errorf("bytes %d", st.Bytes)
	}
	if f.Tensor("blk.79.ffn_down.weight").Shape()[1] != inter {
		t.Error("shape not reversed")
	}
	js, err := f.HFConfig()
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	json.Unmarshal(js, &cfg)
	want := map[string]any{"model_type": "llama", "num_hidden_layers": 80.0, "hidden_size": 8192.0, "intermediate_size": 28672.0,
		"num_attention_heads": 64.0, "num_key_value_heads": 8.0, "rope_theta": 500000.0, "rms_norm_eps": 1e-5,
		"vocab_size": 128256.0, "max_position_embeddings": 8192.0, "tie_word_embeddings": false}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("config %s = %v, want %v", k, cfg[k], v)
		}
	}
	if _, ok := cfg["torch_dtype"]; ok {
		t.Error("a quantized file has no torch_dtype")
	}
	names, ok := f.HFNames(f.Tensor("blk.3.attn_q.weight"))
	if !ok || names[0].Name != "model.layers.3.self_attn.q_proj.weight" {
		t.Errorf("names %v", names)
	}
}

func TestMetadataValues(t *testing.T) {
	meta := []KV{
		{"general.architecture", Str("llama")},
		{"u8", Value{Type: TypeUint8, U: 200}}, {"i8", Value{Type: TypeInt8, I: -3}},
		{"u16", Value{Type: TypeUint16, U: 65000}}, {"i16", Value{Type: TypeInt16, I: -300}},
		{"u32", U32(4_000_000_000)}, {"i32", I32(-5)}, {"f32", F32(0.5)}, {"b", Bool(true)},
		{"s", Str("héllo")}, {"u64", U64(1 << 40)}, {"i64", Value{Type: TypeInt64, I: -1 << 40}},
		{"f64", Value{Type: TypeFloat64, F: math.Pi}},
		{"nested", Array(TypeArray, Array(TypeInt32, I32(1), I32(2)), Array(TypeInt32))},
		{"strs", Array(TypeString, Str("x"), Str(""))},
		{"general.alignment", U32(64)},
	}
	ts := []Tensor{{Name: "a", Dims: []int64{32, 2}, Type: tQ8_0}, {Name: "b", Dims: []int64{3}, Type: tF16}, {Name: "c", Dims: []int64{}, Type: tF32}}
	hdr, n, err := EncodeHeader(meta, ts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(append(hdr, make([]byte, n)...)), int64(len(hdr))+n, "tiny.gguf")
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) *Value { v, _ := f.Get(k); return v }
	if get("u8").U != 200 || get("i8").I != -3 || get("u16").U != 65000 || get("i16").I != -300 || get("u32").U != 4e9 ||
		get("i32").I != -5 || get("f32").F != 0.5 || !get("b").B || get("s").S != "héllo" || get("u64").U != 1<<40 ||
		get("i64").I != -1<<40 || get("f64").F != math.Pi {
		t.Errorf("scalars: %+v", f.Metadata)
	}
	if v := get("nested"); v.Len != 2 || v.Items[0].Items[1].I != 2 || v.Items[1].Len != 0 {
		t.Errorf("nested %+v", v)
	}
	if f.Alignment != 64 || f.DataStart%64 != 0 || f.Tensor("b").Offset != 128 || f.Tensor("c").Offset != 192 {
		t.Errorf("alignment %d, data %d, offsets %d %d", f.Alignment, f.DataStart, f.Tensor("b").Offset, f.Tensor("c").Offset)
	}
	st := f.Stats()
	if st.Elements != 68 || st.Bytes != 2*34+6+4 {
		t.Errorf("stats %+v", st)
	}
	// The same header big-endian.
	if _, err := Read(bytes.NewReader(bigEndian(t, meta, ts)), 4096, "be.gguf"); err != nil {
		t.Errorf("big-endian: %v", err)
	}
}

// bigEndian writes a minimal big-endian header (no tensors data needed:
// 4096 bytes of file).
func bigEndian(t *testing.T, meta []KV, ts []Tensor) []byte {
	be := binary.BigEndian
	b := []byte(Magic)
	b = be.AppendUint32(b, 3)
	b = be.AppendUint64(b, 1)
	b = be.AppendUint64(b, 1)
	b = be.AppendUint64(b, 4)
	b = append(b, "name"...)
	b = be.AppendUint32(b, uint32(TypeUint32))
	b = be.AppendUint32(b, 7)
	b = be.AppendUint64(b, 1)
	b = append(b, "w"...)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint64(b, 4)
	b = be.AppendUint32(b, uint32(tF32))
	b = be.AppendUint64(b, 0)
	return append(b, make([]byte, 4096-len(b))...)
}

// hdr assembles a little-endian file from parts: uint32, uint64, string
// (written as a gguf_string) or []byte.
func hdr(parts ...any) []byte {
	le := binary.LittleEndian
	b := []byte(Magic)
	for _, p := range parts {
		switch x := p.(type) {
		case uint32:
			b = le.AppendUint32(b, x)
		case uint64:
			b = le.AppendUint64(b, x)
		case int:
			b = le.AppendUint64(b, uint64(x))
		case string:
			b = le.AppendUint64(b, uint64(len(x)))
			b = append(b, x...)
		case []byte:
			b = append(b, x...)
		}
	}
	return b
}

func TestHostile(t *testing.T) {
	v3 := uint32(3)
	pad := make([]byte, 256)
	tensor := func(name string, dims []uint64, ty uint32, off uint64) []byte {
		b := hdr(name, uint32(len(dims)))[4:]
		for _, d := range dims {
			b = binary.LittleEndian.AppendUint64(b, d)
		}
		b = binary.LittleEndian.AppendUint32(b, ty)
		return binary.LittleEndian.AppendUint64(b, off)
	}
	cases := []struct {
		name        string
		data        []byte
		kind        error
		key, tensor string
	}{
		{"empty", nil, ErrMagic, "", ""},
		{"magic", []byte("GGML0000000000000000000000"), ErrMagic, "", ""},
		{"version 1", hdr(uint32(1), 0, 0), ErrVersion, "", ""},
		{"version 9", hdr(uint32(9), 0, 0), ErrVersion, "", ""},
		{"truncated counts", hdr(v3, 0), ErrTruncated, "", ""},
		{"huge kv count", hdr(v3, 0, uint64(1)<<62), ErrCount, "", ""},
		{"huge tensor count", hdr(v3, uint64(1)<<62, 0, pad), ErrCount, "", ""},
		{"kv count past end", hdr(v3, 0, 1000, pad), ErrCount, "", ""},
		{"key length past end", hdr(v3, 0, 1, uint64(1)<<40, pad), ErrString, "", ""},
		{"key length 2^64-1", hdr(v3, 0, 1, uint64(math.MaxUint64), pad), ErrString, "", ""},
		{"value string past end", hdr(v3, 0, 1, "k", uint32(TypeString), uint64(1)<<40, pad), ErrString, "k", ""},
		{"unknown value type", hdr(v3, 0, 1, "k", uint32(13), pad), ErrValueType, "k", ""},
		{"bool 2", hdr(v3, 0, 1, "k", uint32(TypeBool), []byte{2}, pad), ErrMetadata, "k", ""},
		{"array count past end", hdr(v3, 0, 1, "k", uint32(TypeArray), uint32(TypeUint64), uint64(1)<<40, pad), ErrCount, "k", ""},
		{"array of strings past end", hdr(v3, 0, 1, "k", uint32(TypeArray), uint32(TypeString), uint64(1)<<30, pad), ErrCount, "k", ""},
		{"array of unknown", hdr(v3, 0, 1, "k", uint32(TypeArray), uint32(99), 1, pad), ErrValueType, "k", ""},
		{"deep arrays", hdr(v3, 0, 1, "k", uint32(TypeArray), uint32(TypeArray), 1, uint32(TypeArray), 1, uint32(TypeArray), 1, uint32(TypeArray), 1, uint32(TypeArray), 1, pad), ErrMetadata, "k", ""},
		{"duplicate key", hdr(v3, 0, 2, "k", uint32(TypeUint8), []byte{1}, "k", uint32(TypeUint8), []byte{1}, pad), ErrDuplicate, "k", ""},
		{"alignment 0", hdr(v3, 0, 1, "general.alignment", uint32(TypeUint32), uint32(0), pad), ErrAlignment, "general.alignment", ""},
		{"alignment 3", hdr(v3, 0, 1, "general.alignment", uint32(TypeUint32), uint32(3), pad), ErrAlignment, "general.alignment", ""},
		{"alignment type", hdr(v3, 0, 1, "general.alignment", uint32(TypeUint64), uint64(32), pad), ErrAlignment, "general.alignment", ""},
		{"5 dims", hdr(v3, 1, 0, tensor("w", []uint64{1, 1, 1, 1, 1}, 0, 0), pad), ErrDims, "", "w"},
		{"dims overflow", hdr(v3, 1, 0, tensor("w", []uint64{1 << 32, 1 << 32}, 0, 0), pad), ErrDims, "", "w"},
		{"dim 2^63", hdr(v3, 1, 0, tensor("w", []uint64{1 << 63}, 0, 0), pad), ErrDims, "", "w"},
		{"bytes overflow", hdr(v3, 1, 0, tensor("w", []uint64{1 << 31, 1 << 31}, 0, 0), pad), ErrDims, "", "w"},
		{"huge data", hdr(v3, 1, 0, tensor("w", []uint64{1 << 30, 1 << 30}, 0, 0), pad), ErrPastEnd, "", "w"},
		{"unknown type", hdr(v3, 1, 0, tensor("w", []uint64{4}, 4, 0), pad), ErrType, "", "w"},
		{"type 1000", hdr(v3, 1, 0, tensor("w", []uint64{4}, 1000, 0), pad), ErrType, "", "w"},
		{"block", hdr(v3, 1, 0, tensor("w", []uint64{33}, uint32(tQ8_0), 0), pad), ErrDims, "", "w"},
		{"offset past end", hdr(v3, 1, 0, tensor("w", []uint64{4}, 0, 1<<40), pad), ErrPastEnd, "", "w"},
		{"offset 2^64-1", hdr(v3, 1, 0, tensor("w", []uint64{4}, 0, math.MaxUint64), pad), ErrPastEnd, "", "w"},
		{"data past end", hdr(v3, 1, 0, tensor("w", []uint64{1 << 20}, 0, 0), pad), ErrPastEnd, "", "w"},
		{"misaligned", hdr(v3, 1, 0, tensor("w", []uint64{4}, 0, 4), pad), ErrAlignment, "", "w"},
		{"overlap", hdr(v3, 2, 0, tensor("a", []uint64{16}, 0, 0), tensor("b", []uint64{4}, 0, 32), pad), ErrOverlap, "", "b"},
		{"duplicate tensor", hdr(v3, 2, 0, tensor("a", []uint64{4}, 0, 0), tensor("a", []uint64{4}, 0, 32), pad), ErrDuplicate, "", "a"},
		{"truncated tensor", hdr(v3, 1, 0, tensor("w", []uint64{4, 4}, 0, 0)[:20], make([]byte, 10)), ErrTruncated, "", "w"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.data), int64(len(c.data)), "bad.gguf")
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, c.kind) || e.Key != c.key || e.Tensor != c.tensor || e.File != "bad.gguf" {
			t.Errorf("%s: got %v (%+v), want %v key %q tensor %q", c.name, err, e, c.kind, c.key, c.tensor)
		}
	}
}

func TestHFConfigMissingKey(t *testing.T) {
	meta, ts := llama3_70B()
	var cut []KV
	for _, kv := range meta {
		if kv.Key != "llama.feed_forward_length" {
			cut = append(cut, kv)
		}
	}
	hdr, n, _ := EncodeHeader(cut, ts[1:3])
	f, err := Read(bytes.NewReader(append(hdr, make([]byte, n)...)), int64(len(hdr))+n, "x.gguf")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.HFConfig()
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrMissingKey || e.Key != "llama.feed_forward_length" {
		t.Errorf("got %v", err)
	}
	// An architecture without a mapping (encoders, encoder-decoders, RNNs)
	// is an error naming general.architecture, its value and what is mapped.
	for _, arch := range []string{"rwkv7", "mamba"} {
		g := &File{Path: "y.gguf", meta: map[string]int{}, tensor: map[string]int{}}
		g.Metadata = []KV{{"general.architecture", Str(arch)}}
		g.meta["general.architecture"] = 0
		_, err := g.HFConfig()
		if !errors.Is(err, ErrMetadata) || !errors.As(err, &e) || e.Key != "general.architecture" {
			t.Errorf("unmapped architecture %s: %v", arch, err)
			continue
		}
		for _, want := range []string{`key "general.architecture"`, fmt.Sprintf("architecture %q has no mapping", arch), "mapped: ", "deepseek2", "llama", "qwen3moe"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("unmapped architecture %s: %q lacks %q", arch, err, want)
			}
		}
	}
}

// BLOOM's MLP is 4·hidden by construction; a file that says otherwise is
// an error naming the key, not a silently different model.
func TestHFConfigBloomFFN(t *testing.T) {
	meta := []KV{{"general.architecture", Str("bloom")}, {"bloom.block_count", U32(2)}, {"bloom.embedding_length", U32(64)},
		{"bloom.attention.head_count", U32(4)}, {"bloom.feed_forward_length", U32(200)}}
	ts := []Tensor{{Name: "token_embd.weight", Dims: []int64{64, 100}, Type: tF16}}
	h, n, err := EncodeHeader(meta, ts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(append(h, make([]byte, n)...)), int64(len(h))+n, "bloom.gguf")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.HFConfig()
	var e *Error
	if !errors.As(err, &e) || e.Key != "bloom.feed_forward_length" || !strings.Contains(err.Error(), "4 × embedding_length = 256") {
		t.Errorf("got %v", err)
	}
	f.Metadata[len(f.Metadata)-1].Value = U32(256)
	cfg, err := f.HFConfigMap()
	if err != nil || cfg["model_type"] != "bloom" || cfg["hidden_size"] != int64(64) || cfg["vocab_size"] != int64(100) || cfg["tie_word_embeddings"] != true {
		t.Errorf("config %v, %v", cfg, err)
	}
}

// llama.cpp's BERT: sizes from bert.*, type_vocab_size from the
// token_types tensor (else tokenizer.ggml.token_type_count), no
// tie_word_embeddings (the encoder has no LM head), and every tensor named
// as in Hugging Face's BertModel.
func TestHFConfigBERT(t *testing.T) {
	meta := []KV{{"general.architecture", Str("bert")}, {"bert.block_count", U32(2)}, {"bert.embedding_length", U32(64)},
		{"bert.attention.head_count", U32(4)}, {"bert.feed_forward_length", U32(128)}, {"bert.context_length", U32(512)},
		{"bert.attention.layer_norm_epsilon", F32(1e-12)}, {"tokenizer.ggml.token_type_count", U32(2)}}
	ts := []Tensor{{Name: "token_embd.weight", Dims: []int64{64, 100}, Type: tF16}, {Name: "token_types.weight", Dims: []int64{64, 3}, Type: tF32},
		{Name: "token_embd_norm.bias", Dims: []int64{64}, Type: tF32}, {Name: "blk.1.attn_output_norm.weight", Dims: []int64{64}, Type: tF32},
		{Name: "blk.0.ffn_down.weight", Dims: []int64{128, 64}, Type: tF16}, {Name: "cls.output.weight", Dims: []int64{64, 2}, Type: tF16}}
	h, n, err := EncodeHeader(meta, ts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(append(h, make([]byte, n)...)), int64(len(h))+n, "bert.gguf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.HFConfigMap()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model_type": "bert", "num_hidden_layers": int64(2), "hidden_size": int64(64), "num_attention_heads": int64(4),
		"intermediate_size": int64(128), "max_position_embeddings": int64(512), "layer_norm_eps": 1e-12, "vocab_size": int64(100), "type_vocab_size": int64(3)}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %v (%T), want %v", k, cfg[k], cfg[k], v)
		}
	}
	if _, ok := cfg["tie_word_embeddings"]; ok {
		t.Errorf("tie_word_embeddings set for an encoder: %v", cfg)
	}
	if a := fmt.Sprint(cfg["architectures"]); a != "[BertModel]" {
		t.Errorf("architectures %s", a)
	}
	names := map[string]string{"token_embd.weight": "embeddings.word_embeddings.weight [100 64]", "token_types.weight": "embeddings.token_type_embeddings.weight [3 64]",
		"token_embd_norm.bias": "embeddings.LayerNorm.bias [64]", "blk.1.attn_output_norm.weight": "encoder.layer.1.attention.output.LayerNorm.weight [64]",
		"blk.0.ffn_down.weight": "encoder.layer.0.output.dense.weight [64 128]"}
	for i := range f.Tensors {
		tt := &f.Tensors[i]
		hfs, ok := f.HFNames(tt)
		if tt.Name == "cls.output.weight" {
			if ok {
				t.Errorf("classifier head %s mapped to %v", tt.Name, hfs)
			}
			continue
		}
		if !ok || len(hfs) != 1 || fmt.Sprintf("%s %v", hfs[0].Name, hfs[0].Shape) != names[tt.Name] {
			t.Errorf("%s → %v %v, want %s", tt.Name, hfs, ok, names[tt.Name])
		}
	}
	// Without the tensor the count key gives the token types; without
	// context_length the error names the key.
	g, err := Read(bytes.NewReader(append(h, make([]byte, n)...)), int64(len(h))+n, "bert.gguf")
	if err != nil {
		t.Fatal(err)
	}
	delete(g.tensor, "token_types.weight")
	if cfg, err := g.HFConfigMap(); err != nil || cfg["type_vocab_size"] != int64(2) {
		t.Errorf("type_vocab_size from token_type_count: %v, %v", cfg["type_vocab_size"], err)
	}
	delete(g.meta, "bert.context_length")
	var e *Error
	if _, err := g.HFConfig(); !errors.As(err, &e) || e.Kind != ErrMissingKey || e.Key != "bert.context_length" || !strings.Contains(err.Error(), "max_position_embeddings") {
		t.Errorf("missing context_length: %v", err)
	}
}

// T5: sizes from t5.*, feed_forward_proj from whether ffn_gate exists,
// the enc./dec. stacks named as in T5ForConditionalGeneration.
func TestHFConfigT5(t *testing.T) {
	meta := []KV{{"general.architecture", Str("t5")}, {"t5.block_count", U32(2)}, {"t5.embedding_length", U32(64)},
		{"t5.attention.head_count", U32(4)}, {"t5.attention.key_length", U32(16)}, {"t5.attention.value_length", U32(16)},
		{"t5.feed_forward_length", U32(128)}, {"t5.attention.relative_buckets_count", U32(32)}, {"t5.decoder_block_count", U32(3)}}
	ts := []Tensor{{Name: "token_embd.weight", Dims: []int64{64, 100}, Type: tF16}, {Name: "enc.blk.0.ffn_gate.weight", Dims: []int64{64, 128}, Type: tF16},
		{Name: "enc.blk.0.ffn_up.weight", Dims: []int64{64, 128}, Type: tF16}, {Name: "dec.blk.1.ffn_up.weight", Dims: []int64{64, 128}, Type: tF16},
		{Name: "dec.blk.0.attn_rel_b.weight", Dims: []int64{4, 32}, Type: tF32}, {Name: "dec.blk.1.cross_attn_o.weight", Dims: []int64{64, 64}, Type: tF16},
		{Name: "dec.blk.0.ffn_norm.weight", Dims: []int64{64}, Type: tF32}, {Name: "enc.blk.0.cross_attn_q.weight", Dims: []int64{64, 64}, Type: tF16}}
	h, n, err := EncodeHeader(meta, ts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(append(h, make([]byte, n)...)), int64(len(h))+n, "t5.gguf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.HFConfigMap()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model_type": "t5", "num_layers": int64(2), "num_decoder_layers": int64(3), "d_model": int64(64), "num_heads": int64(4),
		"d_kv": int64(16), "d_ff": int64(128), "relative_attention_num_buckets": int64(32), "vocab_size": int64(100),
		"feed_forward_proj": "gated-gelu", "tie_word_embeddings": true}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %v (%T), want %v", k, cfg[k], cfg[k], v)
		}
	}
	names := map[string]string{"token_embd.weight": "shared.weight [100 64]", "enc.blk.0.ffn_gate.weight": "encoder.block.0.layer.1.DenseReluDense.wi_0.weight [128 64]",
		"enc.blk.0.ffn_up.weight": "encoder.block.0.layer.1.DenseReluDense.wi_1.weight [128 64]", "dec.blk.1.ffn_up.weight": "decoder.block.1.layer.2.DenseReluDense.wi.weight [128 64]",
		"dec.blk.0.attn_rel_b.weight":   "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight [32 4]",
		"dec.blk.1.cross_attn_o.weight": "decoder.block.1.layer.1.EncDecAttention.o.weight [64 64]", "dec.blk.0.ffn_norm.weight": "decoder.block.0.layer.2.layer_norm.weight [64]"}
	for i := range f.Tensors {
		tt := &f.Tensors[i]
		hfs, ok := f.HFNames(tt)
		if tt.Name == "enc.blk.0.cross_attn_q.weight" {
			if ok {
				t.Errorf("encoder cross-attention %s mapped to %v", tt.Name, hfs)
			}
			continue
		}
		if !ok || len(hfs) != 1 || fmt.Sprintf("%s %v", hfs[0].Name, hfs[0].Shape) != names[tt.Name] {
			t.Errorf("%s → %v %v, want %s", tt.Name, hfs, ok, names[tt.Name])
		}
	}
	var e *Error
	f.Metadata[5].Value = U32(8)
	if _, err := f.HFConfig(); !errors.As(err, &e) || e.Key != "t5.attention.value_length" || !strings.Contains(err.Error(), "d_kv") {
		t.Errorf("value_length ≠ key_length: %v", err)
	}
	f.Metadata[5].Value = U32(16)
	delete(f.meta, "t5.attention.relative_buckets_count")
	if _, err := f.HFConfig(); !errors.As(err, &e) || e.Kind != ErrMissingKey || e.Key != "t5.attention.relative_buckets_count" {
		t.Errorf("missing relative_buckets_count: %v", err)
	}
}

func TestExpertNames(t *testing.T) {
	meta := []KV{{"general.architecture", Str("qwen3moe")}}
	ts := []Tensor{{Name: "blk.0.ffn_up_exps.weight", Dims: []int64{64, 32, 4}, Type: tF16}, {Name: "rope_freqs.weight", Dims: []int64{32}, Type: tF32}}
	h, n, err := EncodeHeader(meta, ts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(append(h, make([]byte, n)...)), int64(len(h))+n, "moe.gguf")
	if err != nil {
		t.Fatal(err)
	}
	names, ok := f.HFNames(f.Tensor("blk.0.ffn_up_exps.weight"))
	if !ok || len(names) != 4 || names[3].Name != "model.layers.0.mlp.experts.3.up_proj.weight" || fmt.Sprint(names[3].Shape) != "[32 64]" {
		t.Errorf("experts %v", names)
	}
	if _, ok := f.HFNames(f.Tensor("rope_freqs.weight")); ok {
		t.Error("rope_freqs has no HF name")
	}
}

func TestReadsNoWeights(t *testing.T) {
	meta, ts := llama3_70B()
	p := filepath.Join(t.TempDir(), "m.gguf")
	if err := WriteSparse(p, meta, ts); err != nil {
		t.Fatal(err)
	}
	fh, _ := os.Open(p)
	defer fh.Close()
	st, _ := fh.Stat()
	cr := &countingReader{r: fh}
	f, err := Read(cr, st.Size(), p)
	if err != nil {
		t.Fatal(err)
	}
	if cr.max > f.DataStart+64<<10 {
		t.Errorf("read up to byte %d; the data starts at %d", cr.max, f.DataStart)
	}
}

type countingReader struct {
	r   *os.File
	max int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if e := off + int64(n); e > c.max {
		c.max = e
	}
	return n, err
}

func writeSplit(t *testing.T, dir string, meta []KV, ts []Tensor, n int) []string {
	t.Helper()
	u16 := func(x int) Value { return Value{Type: TypeUint16, U: uint64(x)} }
	per := (len(ts) + n - 1) / n
	var paths []string
	for i := 0; i < n; i++ {
		kv := []KV{{"split.no", u16(i)}, {"split.count", u16(n)}}
		if i == 0 {
			kv = append(meta, append(kv, KV{"split.tensors.count", I32(int32(len(ts)))})...)
		}
		p := filepath.Join(dir, fmt.Sprintf("m-%05d-of-%05d.gguf", i+1, n))
		if err := WriteSparse(p, kv, ts[i*per:min((i+1)*per, len(ts))]); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestSplit(t *testing.T) {
	meta, ts := llama3_70B()
	dir := t.TempDir()
	paths := writeSplit(t, dir, meta, ts, 3)
	files, err := ReadSplit(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	f := Merge(files)
	if len(files) != 3 || f.Path != paths[0] || len(f.Parts) != 3 || f.Stats().Elements != 70_553_706_496 {
		t.Fatalf("%d files, path %s, %d params", len(files), f.Path, f.Stats().Elements)
	}
	js, err := f.HFConfig()
	if err != nil || !bytes.Contains(js, []byte(`"tie_word_embeddings": false`)) || !bytes.Contains(js, []byte(`"vocab_size": 128256`)) {
		t.Errorf("config %s: %v", js, err)
	}
	os.Remove(paths[2])
	if _, err := ReadSplit(paths[0]); !errors.Is(err, ErrRead) || !bytes.Contains([]byte(err.Error()), []byte("m-00003-of-00003.gguf")) {
		t.Errorf("missing split: %v", err)
	}
	// A split whose name does not follow the pattern.
	os.Rename(paths[0], filepath.Join(dir, "renamed.gguf"))
	if _, err := ReadSplit(filepath.Join(dir, "renamed.gguf")); !errors.Is(err, ErrMetadata) {
		t.Errorf("renamed: %v", err)
	}
}

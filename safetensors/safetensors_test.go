package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// llama3_70B lists the tensors of Llama-3-70B (BF16) as the Hugging Face
// checkpoint names and shapes them.
func llama3_70B() []Spec {
	const (
		vocab, hidden, layers, inter = 128256, 8192, 80, 28672
		kv                           = 8 * 128
	)
	s := []Spec{{"model.embed_tokens.weight", "BF16", []int64{vocab, hidden}}}
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		s = append(s,
			Spec{p + "input_layernorm.weight", "BF16", []int64{hidden}},
			Spec{p + "self_attn.q_proj.weight", "BF16", []int64{hidden, hidden}},
			Spec{p + "self_attn.k_proj.weight", "BF16", []int64{kv, hidden}},
			Spec{p + "self_attn.v_proj.weight", "BF16", []int64{kv, hidden}},
			Spec{p + "self_attn.o_proj.weight", "BF16", []int64{hidden, hidden}},
			Spec{p + "post_attention_layernorm.weight", "BF16", []int64{hidden}},
			Spec{p + "mlp.gate_proj.weight", "BF16", []int64{inter, hidden}},
			Spec{p + "mlp.up_proj.weight", "BF16", []int64{inter, hidden}},
			Spec{p + "mlp.down_proj.weight", "BF16", []int64{hidden, inter}},
		)
	}
	return append(s, Spec{"model.norm.weight", "BF16", []int64{hidden}}, Spec{"lm_head.weight", "BF16", []int64{vocab, hidden}})
}

// The published parameter count of Llama-3-70B (the model card's 70.6 B;
// PyTorch's numel sum).
const llama3_70BParams = 70_553_706_496

func TestHugeHeaderDeclaredSize(t *testing.T) {
	hdr, n, err := EncodeHeader(llama3_70B(), map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseHeader(hdr[8:], n, "llama3-70b")
	if err != nil {
		t.Fatal(err)
	}
	st := Sum(f.Tensors)
	if st.Elements != llama3_70BParams || st.Bytes != 2*llama3_70BParams || st.Tensors != 723 {
		t.Errorf("got %d params, %d bytes, %d tensors; want %d, %d, 723", st.Elements, st.Bytes, st.Tensors, int64(llama3_70BParams), int64(2*llama3_70BParams))
	}
	if c := st.ByDType["BF16"]; c.Elements != llama3_70BParams || len(st.ByDType) != 1 {
		t.Errorf("by dtype: %v", st.ByDType)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata %v", f.Metadata)
	}
	// The same header with fewer data bytes than it declares.
	if _, err := ParseHeader(hdr[8:], n-1, "llama3-70b"); !errors.Is(err, ErrPastEnd) {
		t.Errorf("short data: %v, want ErrPastEnd", err)
	}
}

// writeSharded writes specs as a sharded folder of sparse files with an
// index, k tensors per shard.
func writeSharded(t *testing.T, dir string, specs []Spec, k int) {
	t.Helper()
	wm := map[string]string{}
	nshards := (len(specs) + k - 1) / k
	for i := 0; i < nshards; i++ {
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, nshards)
		part := specs[i*k : min((i+1)*k, len(specs))]
		if err := WriteSparse(filepath.Join(dir, name), part, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		for _, s := range part {
			wm[s.Name] = name
		}
	}
	js, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": wm})
	if err := os.WriteFile(filepath.Join(dir, IndexName), js, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestShardedSparseFolder(t *testing.T) {
	dir := t.TempDir()
	writeSharded(t, dir, llama3_70B(), 25)
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Elements != llama3_70BParams || len(s.Files) != 29 {
		t.Errorf("got %d params in %d files", st.Elements, len(s.Files))
	}
	if tt := s.Tensor("model.layers.79.mlp.down_proj.weight"); tt == nil || tt.Shape[1] != 28672 {
		t.Errorf("lookup: %+v", tt)
	}
	// A shard the index names is missing.
	os.Remove(filepath.Join(dir, "model-00007-of-00029.safetensors"))
	_, err = OpenDir(dir)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrMissingShard || e.Tensor == "" || !strings.Contains(err.Error(), "model-00007-of-00029.safetensors") {
		t.Errorf("missing shard: %v", err)
	}
}

func TestSingleFileAndDTypes(t *testing.T) {
	dir := t.TempDir()
	specs := []Spec{
		{"a", "F64", []int64{2, 3}}, {"b", "F32", []int64{5}}, {"c", "F16", []int64{4, 4}},
		{"d", "BF16", []int64{3}}, {"e", "I64", []int64{}}, {"f", "F8_E4M3", []int64{7}},
		{"g", "F8_E5M2", []int64{1, 1}}, {"h", "BOOL", []int64{9}}, {"i", "U8", []int64{0, 5}},
		{"j", "F4", []int64{6}}, {"k", "I32", []int64{2}}, {"l", "U16", []int64{3}},
	}
	p := filepath.Join(dir, "model.safetensors")
	hdr, n, err := EncodeHeader(specs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(hdr, make([]byte, n)...), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	want := map[string]Count{
		"F64": {1, 6, 48}, "F32": {1, 5, 20}, "F16": {1, 16, 32}, "BF16": {1, 3, 6}, "I64": {1, 1, 8},
		"F8_E4M3": {1, 7, 7}, "F8_E5M2": {1, 1, 1}, "BOOL": {1, 9, 9}, "U8": {1, 0, 0}, "F4": {1, 6, 3},
		"I32": {1, 2, 8}, "U16": {1, 3, 6},
	}
	for k, w := range want {
		if st.ByDType[k] != w {
			t.Errorf("%s: got %+v, want %+v", k, st.ByDType[k], w)
		}
	}
	if st.Elements != 59 || st.Bytes != 148 || st.Tensors != 12 {
		t.Errorf("totals %+v", st)
	}
}

// raw builds a file from a JSON header and a data length.
func raw(header string, data int) []byte {
	b := make([]byte, 8, 8+len(header)+data)
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, data)...)
}

func TestHostileHeaders(t *testing.T) {
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, 1<<63)
	over := make([]byte, 16)
	binary.LittleEndian.PutUint64(over, 9)
	big := make([]byte, 16)
	binary.LittleEndian.PutUint64(big, MaxHeaderSize+1)
	cases := []struct {
		name   string
		data   []byte
		kind   error
		tensor string
	}{
		{"empty", nil, ErrHeaderLength, ""},
		{"2^63", huge, ErrHeaderLength, ""},
		{"past file", over, ErrHeaderLength, ""},
		{"over cap", big, ErrHeaderLength, ""},
		{"not json", raw("hello!!!", 0), ErrHeaderJSON, ""},
		{"array", raw(`[1,2]`, 0), ErrHeaderJSON, ""},
		{"truncated json", raw(`{"a":{"dtype":"F32"`, 0), ErrHeaderJSON, "a"},
		{"trailing", raw(`{} {}`, 0), ErrHeaderJSON, ""},
		{"duplicate", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 4), ErrHeaderJSON, "a"},
		{"unknown field", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4],"x":1}}`, 4), ErrHeaderJSON, "a"},
		{"no dtype", raw(`{"a":{"shape":[],"data_offsets":[0,4]}}`, 4), ErrHeaderJSON, "a"},
		{"metadata not strings", raw(`{"__metadata__":{"a":1}}`, 0), ErrHeaderJSON, ""},
		{"unknown dtype", raw(`{"a":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}`, 4), ErrDType, "a"},
		{"negative dim", raw(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), ErrShape, "a"},
		{"overflow", raw(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4), ErrShape, "a"},
		{"byte overflow", raw(`{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}}`, 4), ErrShape, "a"},
		{"dim not int", raw(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, 4), ErrHeaderJSON, "a"},
		{"size mismatch", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4), ErrSize, "a"},
		{"one offset", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, 4), ErrOffsets, "a"},
		{"reversed", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, 4), ErrOffsets, "a"},
		{"past end", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 4), ErrPastEnd, "b"},
		{"huge offsets", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775806,9223372036854775807]}}`, 4), ErrPastEnd, "a"},
		{"overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), ErrOverlap, "b"},
		{"gap", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), ErrGap, "a"},
		{"trailing data", raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8), ErrGap, ""},
		{"sub-byte", raw(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 2), ErrSize, "a"},
	}
	for _, c := range cases {
		_, err := Parse(c.data, "bad.safetensors")
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, c.kind) || e.Tensor != c.tensor || e.File != "bad.safetensors" {
			t.Errorf("%s: got %v (%#v), want kind %v tensor %q", c.name, err, e, c.kind, c.tensor)
		}
	}
}

func TestIndexErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSparse(filepath.Join(dir, "a.safetensors"), []Spec{{"x", "F32", []int64{2}}, {"y", "F32", []int64{2}}}, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		index string
		kind  error
	}{
		{`{"weight_map":{"x":"a.safetensors"}}`, ErrIndex},                                         // y in the shard, not in the index
		{`{"weight_map":{"x":"a.safetensors","y":"a.safetensors","z":"a.safetensors"}}`, ErrIndex}, // z not in the shard
		{`{"weight_map":{"x":"../a.safetensors"}}`, ErrIndex},
		{`{"weight_map":{"x":"b.safetensors"}}`, ErrMissingShard},
		{`{"metadata":{}}`, ErrIndex},
		{`{"weight_map":`, ErrIndex},
	}
	for _, c := range cases {
		os.WriteFile(filepath.Join(dir, IndexName), []byte(c.index), 0o644)
		if _, err := OpenDir(dir); !errors.Is(err, c.kind) {
			t.Errorf("%s: got %v, want %v", c.index, err, c.kind)
		}
	}
	os.WriteFile(filepath.Join(dir, IndexName), []byte(`{"weight_map":{"x":"a.safetensors","y":"a.safetensors"}}`), 0o644)
	if s, err := OpenDir(dir); err != nil || s.Stats().Elements != 4 {
		t.Errorf("good index: %v", err)
	}
	// Two shards and no index.
	os.Remove(filepath.Join(dir, IndexName))
	WriteSparse(filepath.Join(dir, "b.safetensors"), []Spec{{"z", "F32", []int64{2}}}, nil)
	if _, err := OpenDir(dir); !errors.Is(err, ErrIndex) {
		t.Errorf("no index: %v", err)
	}
}

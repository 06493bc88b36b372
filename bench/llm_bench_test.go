package bench

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/gguf"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/safetensors"
	"github.com/greenai/greenai/shape"
)

// llmConfigs are the configs of issue 10's speed target, as published
// (testdata/*.json), with the parameter counts they must give.
var llmConfigs = []struct {
	name   string
	params int64
}{
	{"llama-3-70b", 70_553_706_496},
	{"deepseek-v3", 671_026_419_200}, // without the multi-token-prediction layer
}

// countConfig does what `greenai fpo CONFIG` does: detect and open the
// input, build the graph, infer every shape, count FPO (symbolic in batch,
// sequence and past unless dims are given).
func countConfig(path string, phase hf.Phase, dims map[string]int64) (*fpo.Report, error) {
	m, err := modelfile.Open(path, modelfile.Options{Build: hf.BuildOptions{Phase: phase}})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	res, err := shape.Infer(m.Graph, shape.Options{Dims: dims})
	if err != nil {
		return nil, err
	}
	if len(res.Failures) > 0 {
		return nil, fmt.Errorf("%s: inference failed at %s: %s", path, res.Failures[0].Node, res.Failures[0].Err)
	}
	return fpo.Count(res, fpo.Options{})
}

// BenchmarkConfigCount times counting Llama-3-70B and DeepSeek-V3 from
// their config.json, per phase, symbolic and at batch 1 × 4096 tokens
// (target: under 1 s and 100 MB RSS). peak-RSS-MB is the test process's
// (see measure); bench/llm.sh measures the CLI as a separate process.
func BenchmarkConfigCount(b *testing.B) {
	for _, c := range llmConfigs {
		path := filepath.Join("testdata", c.name+".json")
		for _, ph := range []hf.Phase{hf.Train, hf.Prefill, hf.Decode} {
			for _, bound := range []bool{false, true} {
				dims := map[string]int64(nil)
				label := "symbolic"
				if bound {
					dims = map[string]int64{"batch": 1, "sequence": 4096}
					if ph == hf.Decode {
						dims = map[string]int64{"batch": 1, "past": 4096}
					}
					label = "1x4096"
				}
				b.Run(fmt.Sprintf("%s/%s/%s", c.name, ph, label), func(b *testing.B) {
					measure(b, path, func(p string) (any, error) {
						rep, err := countConfig(p, ph, dims)
						if err == nil && rep.Params.Params != c.params {
							err = fmt.Errorf("%s: %d params, want %d", p, rep.Params.Params, c.params)
						}
						return rep, err
					})
				})
			}
		}
	}
}

// BenchmarkFolderCheck times inspecting a Llama-3-70B folder: the config,
// 30 sparse safetensors shards (headers only on disk) and their check
// against the graph.
func BenchmarkFolderCheck(b *testing.B) {
	dir := b.TempDir()
	data, err := readFile(filepath.Join("testdata", "llama-3-70b.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "config.json"), data); err != nil {
		b.Fatal(err)
	}
	m, err := modelfile.Open(filepath.Join(dir, "config.json"), modelfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var specs []safetensors.Spec
	for _, t := range m.Graph.Graph.Initializers {
		specs = append(specs, safetensors.Spec{Name: t.Name, DType: "BF16", Shape: t.Dims})
	}
	if err := writeShards(dir, specs, 30); err != nil {
		b.Fatal(err)
	}
	measure(b, filepath.Join(dir, "config.json"), func(string) (any, error) {
		m, err := modelfile.Open(dir, modelfile.Options{})
		if err == nil && !m.Check.Agrees {
			err = fmt.Errorf("check: %s", m.Check.Summary())
		}
		return m, err
	})
}

// BenchmarkGGUFHeader times reading the header of a Llama-3-70B Q4_K GGUF
// as llama.cpp writes it, with its tokenizer (128,256 tokens, their types
// and scores, 280,147 merges: ~6 MB of metadata before the tensor table),
// in a sparse file of the real size (about 40 GB declared): what inspect
// and fpo read of a GGUF file, and all they keep of those arrays is their
// length.
func BenchmarkGGUFHeader(b *testing.B) {
	const vocab, hidden, layers, inter, kv = 128256, 8192, 80, 28672, 1024
	str := func(n int, f string) gguf.Value {
		items := make([]gguf.Value, n)
		for i := range items {
			items[i] = gguf.Str(fmt.Sprintf(f, i))
		}
		return gguf.Array(gguf.TypeString, items...)
	}
	types := make([]gguf.Value, vocab)
	scores := make([]gguf.Value, vocab)
	for i := range types {
		types[i], scores[i] = gguf.I32(1), gguf.F32(0)
	}
	meta := []gguf.KV{
		{Key: "general.architecture", Value: gguf.Str("llama")},
		{Key: "llama.block_count", Value: gguf.U32(layers)}, {Key: "llama.embedding_length", Value: gguf.U32(hidden)},
		{Key: "llama.feed_forward_length", Value: gguf.U32(inter)}, {Key: "llama.attention.head_count", Value: gguf.U32(64)},
		{Key: "llama.attention.head_count_kv", Value: gguf.U32(8)}, {Key: "llama.rope.freq_base", Value: gguf.F32(500000)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: gguf.F32(1e-5)}, {Key: "llama.context_length", Value: gguf.U32(8192)},
		{Key: "tokenizer.ggml.model", Value: gguf.Str("gpt2")},
		{Key: "tokenizer.ggml.tokens", Value: str(vocab, "tok%06d")},
		{Key: "tokenizer.ggml.token_type", Value: gguf.Array(gguf.TypeInt32, types...)},
		{Key: "tokenizer.ggml.scores", Value: gguf.Array(gguf.TypeFloat32, scores...)},
		{Key: "tokenizer.ggml.merges", Value: str(280147, "m%06d m%06d")},
	}
	const q4k, q6k, f32 = 12, 14, 0
	ts := []gguf.Tensor{{Name: "token_embd.weight", Dims: []int64{hidden, vocab}, Type: q4k}}
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		ts = append(ts,
			gguf.Tensor{Name: p + "attn_norm.weight", Dims: []int64{hidden}, Type: f32},
			gguf.Tensor{Name: p + "attn_q.weight", Dims: []int64{hidden, hidden}, Type: q4k},
			gguf.Tensor{Name: p + "attn_k.weight", Dims: []int64{hidden, kv}, Type: q4k},
			gguf.Tensor{Name: p + "attn_v.weight", Dims: []int64{hidden, kv}, Type: q6k},
			gguf.Tensor{Name: p + "attn_output.weight", Dims: []int64{hidden, hidden}, Type: q4k},
			gguf.Tensor{Name: p + "ffn_norm.weight", Dims: []int64{hidden}, Type: f32},
			gguf.Tensor{Name: p + "ffn_gate.weight", Dims: []int64{hidden, inter}, Type: q4k},
			gguf.Tensor{Name: p + "ffn_up.weight", Dims: []int64{hidden, inter}, Type: q4k},
			gguf.Tensor{Name: p + "ffn_down.weight", Dims: []int64{inter, hidden}, Type: q6k})
	}
	ts = append(ts, gguf.Tensor{Name: "output_norm.weight", Dims: []int64{hidden}, Type: f32},
		gguf.Tensor{Name: "output.weight", Dims: []int64{hidden, vocab}, Type: q6k})
	path := filepath.Join(b.TempDir(), "llama-3-70b-q4_k_m.gguf")
	if err := gguf.WriteSparse(path, meta, ts); err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		measure(b, path, func(p string) (any, error) { return gguf.ReadFile(p) })
	})
	b.Run("open+check", func(b *testing.B) {
		measure(b, path, func(p string) (any, error) {
			m, err := modelfile.Open(p, modelfile.Options{})
			if err == nil && (!m.Check.Agrees || m.Check.ConfigParams != 70_553_706_496) {
				err = fmt.Errorf("check: %s, %d params", m.Check.Summary(), m.Check.ConfigParams)
			}
			return m, err
		})
	})
}

package modelfile

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/gguf"
	"github.com/greenai/greenai/hf"
)

// The GGUF round trip per family: a small Hugging Face config is built into
// a graph; its parameters are written as a GGUF header the way llama.cpp's
// converter names, merges (experts) and orders (dims reversed) them, with
// the metadata keys llama.cpp writes; the GGUF file is then opened without
// any config.json. The graph built from its metadata must have exactly the
// original parameters, and the header check must agree. The tables below
// are llama.cpp's naming written out by hand, independently of package
// gguf's mapping.

type family struct {
	name   string
	arch   string         // general.architecture
	config string         // config.json
	meta   map[string]any // GGUF key (after "<arch>.") → value
}

var families = []family{
	{"mixtral", "llama", `{"model_type":"mixtral","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":2,"intermediate_size":96,"num_local_experts":4,"num_experts_per_tok":2,"rope_theta":1000000.0,"rms_norm_eps":1e-05,"max_position_embeddings":256}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 2, "feed_forward_length": 96,
			"expert_count": 4, "expert_used_count": 2, "rope.freq_base": 1e6, "attention.layer_norm_rms_epsilon": 1e-5, "context_length": 256}},
	{"qwen2", "qwen2", `{"model_type":"qwen2","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":2,"intermediate_size":96,"tie_word_embeddings":true}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 2, "feed_forward_length": 96}},
	{"qwen3", "qwen3", `{"model_type":"qwen3","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":2,"head_dim":32,"intermediate_size":96}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 2, "feed_forward_length": 96,
			"attention.key_length": 32, "attention.value_length": 32}},
	{"qwen3_moe", "qwen3moe", `{"model_type":"qwen3_moe","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":2,"head_dim":16,"intermediate_size":96,"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":32}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 2, "feed_forward_length": 96,
			"attention.key_length": 16, "expert_count": 4, "expert_used_count": 2, "expert_feed_forward_length": 32}},
	{"gemma2", "gemma2", `{"model_type":"gemma2","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":2,"head_dim":32,"intermediate_size":96,"attn_logit_softcapping":50.0,"final_logit_softcapping":30.0,"sliding_window":64}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 2, "feed_forward_length": 96,
			"attention.key_length": 32, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "attention.sliding_window": 64}},
	{"gemma3", "gemma3", `{"model_type":"gemma3_text","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":2,"head_dim":32,"intermediate_size":96,"sliding_window":64}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 2, "feed_forward_length": 96,
			"attention.key_length": 32, "attention.sliding_window": 64}},
	{"phi3", "phi3", `{"model_type":"phi3","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":4,"intermediate_size":96}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 4, "feed_forward_length": 96}},
	{"olmo2", "olmo2", `{"model_type":"olmo2","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":4,"intermediate_size":96}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 4, "feed_forward_length": 96}},
	{"deepseek_v3", "deepseek2", `{"model_type":"deepseek_v3","vocab_size":100,"hidden_size":64,"num_hidden_layers":3,"num_attention_heads":4,
"num_key_value_heads":4,"intermediate_size":96,"q_lora_rank":32,"kv_lora_rank":16,"qk_nope_head_dim":16,"qk_rope_head_dim":8,"v_head_dim":16,
"n_routed_experts":4,"n_shared_experts":1,"moe_intermediate_size":32,"first_k_dense_replace":1,"num_experts_per_tok":2,"n_group":2,"topk_group":1,
"routed_scaling_factor":2.5}`,
		map[string]any{"block_count": 3, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 4, "feed_forward_length": 96,
			"attention.q_lora_rank": 32, "attention.kv_lora_rank": 16, "attention.key_length": 24, "attention.value_length": 16, "rope.dimension_count": 8,
			"expert_count": 4, "expert_shared_count": 1, "expert_feed_forward_length": 32, "leading_dense_block_count": 1, "expert_used_count": 2,
			"expert_group_count": 2, "expert_group_used_count": 1, "expert_weights_scale": 2.5, "expert_gating_func": 2}},
	// Converted for absorbed MLA: kv_b_proj stored as attn_k_b + attn_v_b,
	// key/value_length the latent sizes, *_mla the per-head ones.
	{"deepseek_v3_mla", "deepseek2", `{"model_type":"deepseek_v3","vocab_size":100,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
"num_key_value_heads":4,"intermediate_size":96,"q_lora_rank":32,"kv_lora_rank":32,"qk_nope_head_dim":16,"qk_rope_head_dim":8,"v_head_dim":16,
"n_routed_experts":4,"n_shared_experts":1,"moe_intermediate_size":32,"first_k_dense_replace":1,"num_experts_per_tok":2,"n_group":2,"topk_group":1}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.head_count_kv": 1, "feed_forward_length": 96,
			"attention.q_lora_rank": 32, "attention.kv_lora_rank": 32, "attention.key_length": 40, "attention.value_length": 32,
			"attention.key_length_mla": 24, "attention.value_length_mla": 16, "rope.dimension_count": 8,
			"expert_count": 4, "expert_shared_count": 1, "expert_feed_forward_length": 32, "leading_dense_block_count": 1, "expert_used_count": 2,
			"expert_group_count": 2, "expert_group_used_count": 1}},
	{"bloom", "bloom", `{"model_type":"bloom","vocab_size":100,"hidden_size":64,"n_layer":2,"n_head":4}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "feed_forward_length": 256, "attention.layer_norm_epsilon": 1e-5}},
	// llama.cpp's BERT: the encoder only (no pooler, no MLM head).
	{"bert", "bert", `{"model_type":"bert","architectures":["BertModel"],"vocab_size":100,"hidden_size":64,"num_hidden_layers":2,
"num_attention_heads":4,"intermediate_size":128,"max_position_embeddings":128,"type_vocab_size":2,"layer_norm_eps":1e-12}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "feed_forward_length": 128, "context_length": 128,
			"attention.layer_norm_epsilon": 1e-12}},
	{"t5", "t5", `{"model_type":"t5","vocab_size":100,"d_model":64,"num_layers":2,"num_decoder_layers":3,"num_heads":4,"d_kv":16,"d_ff":128,
"relative_attention_num_buckets":32,"feed_forward_proj":"relu","layer_norm_epsilon":1e-06}`,
		map[string]any{"block_count": 2, "decoder_block_count": 3, "embedding_length": 64, "attention.head_count": 4, "attention.key_length": 16,
			"attention.value_length": 16, "feed_forward_length": 128, "attention.relative_buckets_count": 32, "attention.layer_norm_rms_epsilon": 1e-6,
			"context_length": 512}},
	// Flan-T5: gated-gelu, an untied LM head.
	{"flan_t5", "t5", `{"model_type":"t5","vocab_size":100,"d_model":64,"num_layers":2,"num_heads":4,"d_kv":16,"d_ff":128,
"relative_attention_num_buckets":32,"feed_forward_proj":"gated-gelu","tie_word_embeddings":false}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.key_length": 16,
			"feed_forward_length": 128, "attention.relative_buckets_count": 32}},
	// T5EncoderModel (llama.cpp's t5encoder): the encoder stack alone.
	{"t5encoder", "t5encoder", `{"model_type":"t5","architectures":["T5EncoderModel"],"vocab_size":100,"d_model":64,"num_layers":2,"num_heads":4,
"d_kv":16,"d_ff":128,"relative_attention_num_buckets":32,"feed_forward_proj":"gated-gelu"}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "attention.key_length": 16,
			"attention.value_length": 16, "feed_forward_length": 128, "attention.relative_buckets_count": 32}},
	{"gpt2", "gpt2", `{"model_type":"gpt2","vocab_size":100,"n_embd":64,"n_layer":2,"n_head":4,"n_positions":128}`,
		map[string]any{"block_count": 2, "embedding_length": 64, "attention.head_count": 4, "context_length": 128, "feed_forward_length": 256}},
}

// llama.cpp's tensor names per Hugging Face module (after model.layers.N.
// or transformer.h.N.).
var ggufBlock = map[string]string{
	"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
	"self_attn.o_proj": "attn_output", "self_attn.qkv_proj": "attn_qkv", "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
	"post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
	"mlp.gate_up_proj": "ffn_up", "mlp.gate": "ffn_gate_inp", "block_sparse_moe.gate": "ffn_gate_inp",
	"mlp.shared_experts.gate_proj": "ffn_gate_shexp", "mlp.shared_experts.up_proj": "ffn_up_shexp", "mlp.shared_experts.down_proj": "ffn_down_shexp",
	"self_attn.q_a_proj": "attn_q_a", "self_attn.q_a_layernorm": "attn_q_a_norm", "self_attn.q_b_proj": "attn_q_b",
	"self_attn.kv_a_proj_with_mqa": "attn_kv_a_mqa", "self_attn.kv_a_layernorm": "attn_kv_a_norm", "self_attn.kv_b_proj": "attn_kv_b",
	"pre_feedforward_layernorm": "ffn_norm", "post_feedforward_layernorm": "post_ffw_norm",
	"self_attention.query_key_value": "attn_qkv", "self_attention.dense": "attn_output", "mlp.dense_h_to_4h": "ffn_up", "mlp.dense_4h_to_h": "ffn_down",
	"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down",
}

var (
	layerRe  = regexp.MustCompile(`^(?:model\.layers|transformer\.h)\.(\d+)\.(.+)\.(weight|bias)$`)
	expertRe = regexp.MustCompile(`^(?:mlp|block_sparse_moe)\.experts\.(\d+)\.(\w+)$`)
)

// llama.cpp's BERT tensor names (gguf-py's TENSOR_NAMES and
// tensor_mapping for MODEL_ARCH.BERT).
var ggufBERT = map[string]string{
	"embeddings.word_embeddings": "token_embd", "embeddings.token_type_embeddings": "token_types",
	"embeddings.position_embeddings": "position_embd", "embeddings.LayerNorm": "token_embd_norm",
}

var (
	bertLayerRe = regexp.MustCompile(`^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$`)
	ggufBERTBlk = map[string]string{
		"attention.self.query": "attn_q", "attention.self.key": "attn_k", "attention.self.value": "attn_v",
		"attention.output.dense": "attn_output", "attention.output.LayerNorm": "attn_output_norm",
		"intermediate.dense": "ffn_up", "output.dense": "ffn_down", "output.LayerNorm": "layer_output_norm",
	}
)

// llama.cpp's T5 tensor names (gguf-py's TENSOR_NAMES and tensor_mapping
// for MODEL_ARCH.T5), after (encoder|decoder).block.N.
var (
	t5LayerRe = regexp.MustCompile(`^(encoder|decoder)\.block\.(\d+)\.(.+)\.weight$`)
	ggufT5    = map[string]string{
		"layer.0.layer_norm": "attn_norm", "layer.0.SelfAttention.q": "attn_q", "layer.0.SelfAttention.k": "attn_k",
		"layer.0.SelfAttention.v": "attn_v", "layer.0.SelfAttention.o": "attn_o", "layer.0.SelfAttention.relative_attention_bias": "attn_rel_b",
	}
	ggufT5Enc = map[string]string{"layer.1.layer_norm": "ffn_norm", "layer.1.DenseReluDense.wi": "ffn_up", "layer.1.DenseReluDense.wi_0": "ffn_gate",
		"layer.1.DenseReluDense.wi_1": "ffn_up", "layer.1.DenseReluDense.wo": "ffn_down"}
	ggufT5Dec = map[string]string{"layer.1.layer_norm": "cross_attn_norm", "layer.1.EncDecAttention.q": "cross_attn_q", "layer.1.EncDecAttention.k": "cross_attn_k",
		"layer.1.EncDecAttention.v": "cross_attn_v", "layer.1.EncDecAttention.o": "cross_attn_o", "layer.2.layer_norm": "ffn_norm",
		"layer.2.DenseReluDense.wi": "ffn_up", "layer.2.DenseReluDense.wi_0": "ffn_gate", "layer.2.DenseReluDense.wi_1": "ffn_up", "layer.2.DenseReluDense.wo": "ffn_down"}
)

// toGGUF names a graph parameter as llama.cpp would; experts are reported
// with their index for merging.
func toGGUF(arch, name string) (gname string, expert int, err error) {
	if arch == "t5" || arch == "t5encoder" {
		switch name {
		case "shared.weight":
			return "token_embd.weight", -1, nil
		case "lm_head.weight":
			return "output.weight", -1, nil
		case "encoder.final_layer_norm.weight":
			return "enc.output_norm.weight", -1, nil
		case "decoder.final_layer_norm.weight":
			return "dec.output_norm.weight", -1, nil
		}
		if m := t5LayerRe.FindStringSubmatch(name); m != nil {
			g, ok := ggufT5[m[3]]
			if !ok && m[1] == "encoder" {
				g, ok = ggufT5Enc[m[3]]
			} else if !ok {
				g, ok = ggufT5Dec[m[3]]
			}
			if ok {
				return fmt.Sprintf("%s.blk.%s.%s.weight", m[1][:3], m[2], g), -1, nil
			}
		}
		return "", 0, fmt.Errorf("no GGUF name for %s", name)
	}
	if arch == "bert" {
		i := strings.LastIndexByte(name, '.')
		if g, ok := ggufBERT[name[:i]]; ok {
			return g + name[i:], -1, nil
		}
		if m := bertLayerRe.FindStringSubmatch(name); m != nil && ggufBERTBlk[m[2]] != "" {
			return fmt.Sprintf("blk.%s.%s.%s", m[1], ggufBERTBlk[m[2]], m[3]), -1, nil
		}
		return "", 0, fmt.Errorf("no GGUF name for %s", name)
	}
	switch name {
	case "model.embed_tokens.weight", "transformer.wte.weight", "transformer.word_embeddings.weight":
		return "token_embd.weight", -1, nil
	case "transformer.word_embeddings_layernorm.weight", "transformer.word_embeddings_layernorm.bias":
		return "token_embd_norm." + name[strings.LastIndexByte(name, '.')+1:], -1, nil
	case "transformer.wpe.weight":
		return "position_embd.weight", -1, nil
	case "model.norm.weight", "transformer.ln_f.weight":
		return "output_norm.weight", -1, nil
	case "transformer.ln_f.bias":
		return "output_norm.bias", -1, nil
	case "lm_head.weight":
		return "output.weight", -1, nil
	}
	if strings.HasSuffix(name, ".mlp.gate.e_score_correction_bias") {
		layer := strings.TrimSuffix(strings.TrimPrefix(name, "model.layers."), ".mlp.gate.e_score_correction_bias")
		return "blk." + layer + ".exp_probs_b.bias", -1, nil
	}
	m := layerRe.FindStringSubmatch(name)
	if m == nil {
		return "", 0, fmt.Errorf("no GGUF name for %s", name)
	}
	layer, mod, suffix := m[1], m[2], m[3]
	if e := expertRe.FindStringSubmatch(mod); e != nil {
		var idx int
		fmt.Sscan(e[1], &idx)
		part := map[string]string{"gate_proj": "gate", "up_proj": "up", "down_proj": "down", "w1": "gate", "w3": "up", "w2": "down"}[e[2]]
		return fmt.Sprintf("blk.%s.ffn_%s_exps.%s", layer, part, suffix), idx, nil
	}
	g, ok := ggufBlock[mod]
	if (arch == "gemma2" || arch == "gemma3" || arch == "olmo2") && mod == "post_attention_layernorm" {
		g, ok = "post_attention_norm", true
	}
	if !ok {
		return "", 0, fmt.Errorf("no GGUF name for %s", name)
	}
	return fmt.Sprintf("blk.%s.%s.%s", layer, g, suffix), -1, nil
}

func metaValue(v any) gguf.Value {
	switch x := v.(type) {
	case int:
		return gguf.U32(uint32(x))
	case float64:
		return gguf.F32(float32(x))
	}
	panic(fmt.Sprint(v))
}

func TestGGUFFamiliesRoundTrip(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			cfg, err := hf.ParseConfig([]byte(fam.config))
			if err != nil {
				t.Fatal(err)
			}
			g, err := hf.Build(cfg, hf.BuildOptions{NoHead: fam.arch == "bert"})
			if err != nil {
				t.Fatal(err)
			}
			meta := []gguf.KV{{Key: "general.architecture", Value: gguf.Str(fam.arch)}}
			keys := make([]string, 0, len(fam.meta))
			for k := range fam.meta {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				meta = append(meta, gguf.KV{Key: fam.arch + "." + k, Value: metaValue(fam.meta[k])})
			}
			if fam.name == "deepseek_v3" {
				meta = append(meta, gguf.KV{Key: "deepseek2.expert_weights_norm", Value: gguf.Bool(true)})
			}
			if fam.arch == "bert" {
				meta = append(meta, gguf.KV{Key: "bert.attention.causal", Value: gguf.Bool(false)}, gguf.KV{Key: "tokenizer.ggml.token_type_count", Value: gguf.U32(2)})
			}
			// Parameters → GGUF tensors: PyTorch shapes reversed, experts
			// merged into [experts, rows, cols], GPT-2's Conv1D weights
			// transposed as llama.cpp's converter does.
			var ts []gguf.Tensor
			merged := map[string]int{}
			want := map[string][]int64{}
			for _, init := range g.Graph.Initializers {
				want[init.Name] = init.Dims
				name, expert, err := toGGUF(fam.arch, init.Name)
				if err != nil {
					t.Fatal(err)
				}
				shape := append([]int64(nil), init.Dims...)
				if fam.name == "deepseek_v3_mla" && strings.HasSuffix(init.Name, "kv_b_proj.weight") {
					layer := strings.Split(init.Name, ".")[2]
					ts = append(ts, gguf.Tensor{Name: "blk." + layer + ".attn_k_b.weight", Dims: []int64{32, 16, 4}, Type: 1},
						gguf.Tensor{Name: "blk." + layer + ".attn_v_b.weight", Dims: []int64{16, 32, 4}, Type: 1})
					continue
				}
				if fam.arch == "gpt2" && len(shape) == 2 && strings.Contains(init.Name, ".h.") {
					shape[0], shape[1] = shape[1], shape[0]
				}
				if expert >= 0 {
					if i, ok := merged[name]; ok {
						ts[i].Dims[2]++
						continue
					}
					merged[name] = len(ts)
					shape = append([]int64{1}, shape...)
				}
				dims := make([]int64, len(shape))
				for i := range shape {
					dims[len(shape)-1-i] = shape[i]
				}
				ty := gguf.Type(1) // F16
				if len(dims) == 1 {
					ty = 0 // F32
				}
				ts = append(ts, gguf.Tensor{Name: name, Dims: dims, Type: ty})
			}
			p := filepath.Join(t.TempDir(), fam.name+".gguf")
			if err := gguf.WriteSparse(p, meta, ts); err != nil {
				t.Fatal(err)
			}
			m, err := Open(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]int64{}
			for _, init := range m.Graph.Graph.Initializers {
				got[init.Name] = init.Dims
			}
			if a, b := fmt.Sprint(got), fmt.Sprint(want); a != b {
				var cj map[string]any
				json.Unmarshal(m.ConfigJSON, &cj)
				t.Errorf("graph from GGUF metadata differs:\n got %s\nwant %s\nconfig %v", a, b, cj)
			}
			c := m.Check
			if !c.Agrees || c.StoredParams != c.ConfigParams || c.Matched != len(want) {
				t.Errorf("check: %s; %+v", c.Summary(), c)
			}
			if fam.arch == "bert" {
				// By hand: embeddings 100·64 + 128·64 + 2·64 + 2·64 (LayerNorm);
				// per layer 4·(64·64+64) + 2·64 + (64·128+128) + (128·64+64) + 2·64.
				const want = 100*64 + 128*64 + 2*64 + 2*64 + 2*(4*(64*64+64)+2*64+(64*128+128)+(128*64+64)+2*64)
				if c.StoredParams != want || c.ConfigParams != want {
					t.Errorf("bert params: stored %d, config %d, want %d", c.StoredParams, c.ConfigParams, want)
				}
				if !strings.Contains(m.ConfigSource, "(no pooler: the file has none)") {
					t.Errorf("config source %q does not say the pooler is left out", m.ConfigSource)
				}
			}
			if fam.arch == "t5encoder" {
				// By hand: shared 100·64; per layer 4·64² + 3·64·128 (gated) + 2·64;
				// the bias table 32·4 and the final norm.
				const want = 100*64 + 2*(4*64*64+3*64*128+2*64) + 32*4 + 64
				if c.StoredParams != want || c.ConfigParams != want {
					t.Errorf("t5encoder params: stored %d, config %d, want %d", c.StoredParams, c.ConfigParams, want)
				}
			}
			if fam.name == "deepseek_v3_mla" && len(c.Split) != 2 {
				t.Errorf("split %v", c.Split)
			}
			if fam.arch == "gpt2" && len(c.Transposed) != 6 { // c_attn, c_fc, c_proj of the MLP; the square attn.c_proj looks the same either way
				t.Errorf("transposed %v", c.Transposed)
			}
		})
	}
}

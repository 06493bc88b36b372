package gguf

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Architecture is general.architecture, or "".
func (f *File) Architecture() string {
	if v, ok := f.Get("general.architecture"); ok && v.Type == TypeString {
		return v.S
	}
	return ""
}

// metaErr names a key that is missing or of the wrong type.
func (f *File) metaErr(kind error, key, format string, args ...any) *Error {
	return &Error{File: f.Path, Offset: -1, Key: key, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

func (f *File) intKey(key string) (int64, bool, error) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false, nil
	}
	i, ok := v.Int()
	if !ok {
		return 0, true, f.metaErr(ErrMetadata, key, "want an integer, got %s", v.Type)
	}
	return i, true, nil
}

func (f *File) floatKey(key string) (float64, bool, error) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false, nil
	}
	x, ok := v.Float()
	if !ok {
		return 0, true, f.metaErr(ErrMetadata, key, "want a number, got %s", v.Type)
	}
	return x, true, nil
}

// hfFamily is how one GGUF architecture's metadata becomes a Hugging Face
// config: the model_type and class, and per HF key the GGUF key (after
// "<arch>.") it comes from.
type hfFamily struct {
	modelType, class string
	required         [][2]string // HF key, GGUF key: missing is an error
	optional         [][2]string // copied when present
	floats           map[string]bool
}

var llamaLike = [][2]string{
	{"num_hidden_layers", "block_count"},
	{"hidden_size", "embedding_length"},
	{"num_attention_heads", "attention.head_count"},
}

var llamaOptional = [][2]string{
	{"num_key_value_heads", "attention.head_count_kv"},
	{"max_position_embeddings", "context_length"},
	{"rms_norm_eps", "attention.layer_norm_rms_epsilon"},
	{"rope_theta", "rope.freq_base"},
	{"head_dim", "attention.key_length"},
	{"sliding_window", "attention.sliding_window"},
}

var floatKeys = map[string]bool{
	"rms_norm_eps": true, "rope_theta": true, "layer_norm_epsilon": true, "layer_norm_eps": true,
	"attn_logit_softcapping": true, "final_logit_softcapping": true, "routed_scaling_factor": true,
}

func join(lists ...[][2]string) [][2]string {
	var out [][2]string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var ffn = [][2]string{{"intermediate_size", "feed_forward_length"}}

var t5Keys = [][2]string{
	{"num_layers", "block_count"}, {"d_model", "embedding_length"}, {"num_heads", "attention.head_count"},
	{"d_kv", "attention.key_length"}, {"d_ff", "feed_forward_length"}, {"relative_attention_num_buckets", "attention.relative_buckets_count"},
}

var families = map[string]hfFamily{
	"llama":   {"llama", "LlamaForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"mistral": {"mistral", "MistralForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"qwen2":   {"qwen2", "Qwen2ForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"qwen3":   {"qwen3", "Qwen3ForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"qwen2moe": {"qwen2_moe", "Qwen2MoeForCausalLM", join(llamaLike, [][2]string{
		{"num_experts", "expert_count"}, {"num_experts_per_tok", "expert_used_count"},
		{"moe_intermediate_size", "expert_feed_forward_length"},
	}), join(llamaOptional, [][2]string{{"shared_expert_intermediate_size", "expert_shared_feed_forward_length"}, {"intermediate_size", "feed_forward_length"}}), nil},
	"qwen3moe": {"qwen3_moe", "Qwen3MoeForCausalLM", join(llamaLike, [][2]string{
		{"num_experts", "expert_count"}, {"num_experts_per_tok", "expert_used_count"},
		{"moe_intermediate_size", "expert_feed_forward_length"},
	}), join(llamaOptional, [][2]string{{"intermediate_size", "feed_forward_length"}}), nil},
	"gemma":  {"gemma", "GemmaForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"gemma2": {"gemma2", "Gemma2ForCausalLM", join(llamaLike, ffn), join(llamaOptional, [][2]string{{"attn_logit_softcapping", "attn_logit_softcapping"}, {"final_logit_softcapping", "final_logit_softcapping"}}), nil},
	"gemma3": {"gemma3_text", "Gemma3ForCausalLM", join(llamaLike, ffn), join(llamaOptional, [][2]string{{"attn_logit_softcapping", "attn_logit_softcapping"}, {"final_logit_softcapping", "final_logit_softcapping"}}), nil},
	"phi3":   {"phi3", "Phi3ForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"olmo2":  {"olmo2", "Olmo2ForCausalLM", join(llamaLike, ffn), llamaOptional, nil},
	"deepseek2": {"deepseek_v3", "DeepseekV3ForCausalLM", join(llamaLike, ffn, [][2]string{
		{"n_routed_experts", "expert_count"}, {"num_experts_per_tok", "expert_used_count"},
		{"moe_intermediate_size", "expert_feed_forward_length"}, {"kv_lora_rank", "attention.kv_lora_rank"},
		{"qk_rope_head_dim", "rope.dimension_count"}, {"v_head_dim", "attention.value_length"},
		{"first_k_dense_replace", "leading_dense_block_count"},
	}), [][2]string{
		{"num_key_value_heads", "attention.head_count_kv"},
		{"max_position_embeddings", "context_length"},
		{"rms_norm_eps", "attention.layer_norm_rms_epsilon"},
		{"rope_theta", "rope.freq_base"},
		{"q_lora_rank", "attention.q_lora_rank"},
		{"n_shared_experts", "expert_shared_count"},
		{"routed_scaling_factor", "expert_weights_scale"},
		{"n_group", "expert_group_count"},
		{"topk_group", "expert_group_used_count"},
	}, nil},
	// BLOOM's MLP is always 4·hidden (feed_forward_length is checked).
	"bloom": {"bloom", "BloomForCausalLM", [][2]string{
		{"n_layer", "block_count"}, {"hidden_size", "embedding_length"}, {"n_head", "attention.head_count"},
	}, [][2]string{{"layer_norm_epsilon", "attention.layer_norm_epsilon"}}, nil},
	// llama.cpp's BERT files hold the encoder only (no pooler, no MLM
	// head): the graph is built without them (modelfile builds bert with
	// NoHead). type_vocab_size is set from the token_types tensor.
	"bert": {"bert", "BertModel", [][2]string{
		{"num_hidden_layers", "block_count"}, {"hidden_size", "embedding_length"}, {"num_attention_heads", "attention.head_count"},
		{"intermediate_size", "feed_forward_length"}, {"max_position_embeddings", "context_length"},
	}, [][2]string{{"layer_norm_eps", "attention.layer_norm_epsilon"}}, nil},
	// T5 and its encoder alone: feed_forward_proj is set from the tensors
	// (ffn_gate present: gated-gelu, else relu), as llama.cpp decides it.
	"t5":        {"t5", "T5ForConditionalGeneration", t5Keys, [][2]string{{"num_decoder_layers", "decoder_block_count"}, {"layer_norm_epsilon", "attention.layer_norm_rms_epsilon"}}, nil},
	"t5encoder": {"t5", "T5EncoderModel", t5Keys, [][2]string{{"layer_norm_epsilon", "attention.layer_norm_rms_epsilon"}}, nil},
	"gpt2": {"gpt2", "GPT2LMHeadModel", [][2]string{
		{"n_layer", "block_count"}, {"n_embd", "embedding_length"}, {"n_head", "attention.head_count"},
	}, [][2]string{
		{"n_positions", "context_length"}, {"n_inner", "feed_forward_length"}, {"layer_norm_epsilon", "attention.layer_norm_epsilon"},
	}, nil},
}

// HFConfig maps the metadata of a GGUF file to the equivalent Hugging Face
// config.json, for files that come without one. It supports the
// architectures in families; a key the architecture needs and the file
// lacks is an ErrMissingKey error naming it. Nothing is guessed: optional
// HF keys are written only when the file has their GGUF key.
func (f *File) HFConfig() ([]byte, error) {
	m, err := f.HFConfigMap()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(m, "", "  ")
}

// HFConfigMap is HFConfig as a map.
func (f *File) HFConfigMap() (map[string]any, error) {
	arch := f.Architecture()
	if arch == "" {
		return nil, f.metaErr(ErrMissingKey, "general.architecture", "the file does not say its architecture")
	}
	fam, ok := families[arch]
	if !ok {
		names := make([]string, 0, len(families))
		for k := range families {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, f.metaErr(ErrMetadata, "general.architecture", "architecture %q has no mapping to a Hugging Face config (mapped: %s)", arch, strings.Join(names, ", "))
	}
	cfg := map[string]any{}
	modelType, class := fam.modelType, fam.class
	if arch == "llama" {
		// llama.cpp stores Mixtral as llama with experts.
		if n, ok, _ := f.intKey("llama.expert_count"); ok && n > 0 {
			modelType, class = "mixtral", "MixtralForCausalLM"
			fam.required = join(fam.required, [][2]string{{"num_local_experts", "expert_count"}, {"num_experts_per_tok", "expert_used_count"}})
		}
	}
	cfg["model_type"] = modelType
	cfg["architectures"] = []string{class}
	set := func(hfKey, gKey string, required bool) error {
		key := arch + "." + gKey
		if floatKeys[hfKey] {
			x, ok, err := f.floatKey(key)
			if err != nil {
				return err
			}
			if !ok {
				if required {
					return f.metaErr(ErrMissingKey, key, "needed for the config's %s", hfKey)
				}
				return nil
			}
			// float32 metadata: print the shortest decimal that is the same float32.
			if v, _ := f.Get(key); v.Type == TypeFloat32 {
				x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', -1, 32), 64)
			}
			cfg[hfKey] = x
			return nil
		}
		n, ok, err := f.intKey(key)
		if err != nil {
			return err
		}
		if !ok {
			if required {
				return f.metaErr(ErrMissingKey, key, "needed for the config's %s", hfKey)
			}
			return nil
		}
		cfg[hfKey] = n
		return nil
	}
	for _, kv := range fam.required {
		if err := set(kv[0], kv[1], true); err != nil {
			return nil, err
		}
	}
	for _, kv := range fam.optional {
		if err := set(kv[0], kv[1], false); err != nil {
			return nil, err
		}
	}
	if arch == "deepseek2" {
		// Files converted for absorbed MLA (attn_k_b/attn_v_b) give the
		// latent sizes in key_length/value_length and the per-head ones
		// in key_length_mla/value_length_mla.
		klKey := arch + ".attention.key_length"
		if _, ok := f.Get(arch + ".attention.key_length_mla"); ok {
			klKey = arch + ".attention.key_length_mla"
			vl, _, err := f.intKey(arch + ".attention.value_length_mla")
			if err != nil {
				return nil, err
			}
			if vl > 0 {
				cfg["v_head_dim"] = vl
			}
		}
		kl, ok, err := f.intKey(klKey)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, f.metaErr(ErrMissingKey, klKey, "needed for qk_nope_head_dim")
		}
		rope := cfg["qk_rope_head_dim"].(int64)
		cfg["qk_nope_head_dim"] = kl - rope
		if g, ok, _ := f.intKey(arch + ".expert_gating_func"); ok {
			switch g {
			case 1:
				cfg["scoring_func"] = "softmax"
			case 2:
				cfg["scoring_func"] = "sigmoid"
			}
		}
		if v, ok := f.Get(arch + ".expert_weights_norm"); ok && v.Type == TypeBool {
			cfg["norm_topk_prob"] = v.B
		}
	}
	if arch == "bloom" {
		ff, ok, err := f.intKey("bloom.feed_forward_length")
		if err != nil {
			return nil, err
		}
		if h := cfg["hidden_size"].(int64); ok && ff != 4*h {
			return nil, f.metaErr(ErrMetadata, "bloom.feed_forward_length", "is %d; BLOOM's MLP is 4 × embedding_length = %d", ff, 4*h)
		}
	}
	if arch == "t5" || arch == "t5encoder" {
		if vl, ok, err := f.intKey(arch + ".attention.value_length"); err != nil {
			return nil, err
		} else if kl := cfg["d_kv"].(int64); ok && vl != kl {
			return nil, f.metaErr(ErrMetadata, arch+".attention.value_length", "is %d; T5's value heads have d_kv = attention.key_length = %d", vl, kl)
		}
		cfg["feed_forward_proj"] = "relu"
		if f.Tensor("enc.blk.0.ffn_gate.weight") != nil {
			cfg["feed_forward_proj"] = "gated-gelu"
		}
	}
	if arch == "bert" {
		tv, err := f.typeVocab()
		if err != nil {
			return nil, err
		}
		cfg["type_vocab_size"] = tv
	}
	vocab, err := f.vocabSize()
	if err != nil {
		return nil, err
	}
	cfg["vocab_size"] = vocab
	if arch != "gpt2" && arch != "bert" && arch != "t5encoder" {
		cfg["tie_word_embeddings"] = f.Tensor("output.weight") == nil
	}
	if dt := f.floatDType(); dt != "" {
		cfg["torch_dtype"] = dt
	}
	return cfg, nil
}

// vocabSize is the rows of token_embd.weight, else the length of the
// tokenizer's token list.
func (f *File) vocabSize() (int64, error) {
	if t := f.Tensor("token_embd.weight"); t != nil && len(t.Dims) == 2 {
		return t.Dims[1], nil
	}
	if v, ok := f.Get("tokenizer.ggml.tokens"); ok && v.Type == TypeArray {
		return int64(v.Len), nil
	}
	return 0, f.metaErr(ErrMissingKey, "tokenizer.ggml.tokens", "no token list and no token_embd.weight tensor to give the vocabulary size")
}

// typeVocab is BERT's number of token types: the rows of
// token_types.weight, else tokenizer.ggml.token_type_count, else 0 (a file
// with neither has no token-type embedding).
func (f *File) typeVocab() (int64, error) {
	if t := f.Tensor("token_types.weight"); t != nil {
		if len(t.Dims) != 2 {
			return 0, f.metaErr(ErrMetadata, "token_types.weight", "has %d dims; want 2 ([hidden, token types])", len(t.Dims))
		}
		return t.Dims[1], nil
	}
	n, ok, err := f.intKey("tokenizer.ggml.token_type_count")
	if err != nil || !ok {
		return 0, err
	}
	if n < 0 {
		return 0, f.metaErr(ErrMetadata, "tokenizer.ggml.token_type_count", "is %d; want ≥ 0", n)
	}
	return n, nil
}

// floatDType is the torch_dtype of an unquantized file whose matrices are
// all one float type, else "" (a quantized file has no torch dtype).
func (f *File) floatDType() string {
	seen := ""
	for _, t := range f.Tensors {
		if len(t.Dims) < 2 {
			continue
		}
		var dt string
		switch t.Type {
		case 0:
			dt = "float32"
		case 1:
			dt = "float16"
		case 30:
			dt = "bfloat16"
		default:
			return ""
		}
		if seen != "" && seen != dt {
			return ""
		}
		seen = dt
	}
	return seen
}

// HFTensor is a tensor as the Hugging Face checkpoint names and shapes it.
type HFTensor struct {
	Name  string
	Shape []int64
	// Part marks a piece of the HF tensor: llama.cpp stores DeepSeek's
	// kv_b_proj split in attn_k_b and attn_v_b for absorbed MLA; the
	// pieces' elements add up to the tensor's, their shapes do not say it.
	Part bool
}

var blkRe = regexp.MustCompile(`^blk\.(\d+)\.(.+)$`)

// Per-block GGUF names → HF names, after "model.layers.N.".
var blockNames = map[string]string{
	"attn_norm":           "input_layernorm",
	"attn_q":              "self_attn.q_proj",
	"attn_k":              "self_attn.k_proj",
	"attn_v":              "self_attn.v_proj",
	"attn_qkv":            "self_attn.qkv_proj",
	"attn_output":         "self_attn.o_proj",
	"attn_q_norm":         "self_attn.q_norm",
	"attn_k_norm":         "self_attn.k_norm",
	"ffn_norm":            "post_attention_layernorm",
	"ffn_gate":            "mlp.gate_proj",
	"ffn_up":              "mlp.up_proj",
	"ffn_down":            "mlp.down_proj",
	"ffn_gate_inp":        "mlp.gate",
	"ffn_gate_shexp":      "mlp.shared_experts.gate_proj",
	"ffn_up_shexp":        "mlp.shared_experts.up_proj",
	"ffn_down_shexp":      "mlp.shared_experts.down_proj",
	"attn_q_a":            "self_attn.q_a_proj",
	"attn_q_a_norm":       "self_attn.q_a_layernorm",
	"attn_q_b":            "self_attn.q_b_proj",
	"attn_kv_a_mqa":       "self_attn.kv_a_proj_with_mqa",
	"attn_kv_a_norm":      "self_attn.kv_a_layernorm",
	"attn_kv_b":           "self_attn.kv_b_proj",
	"post_attention_norm": "post_attention_layernorm",
	"post_ffw_norm":       "post_feedforward_layernorm",
}

// Per-architecture exceptions to blockNames.
var archBlockNames = map[string]map[string]string{
	"gemma2":   {"ffn_norm": "pre_feedforward_layernorm"},
	"gemma3":   {"ffn_norm": "pre_feedforward_layernorm"},
	"phi3":     {"ffn_up": "mlp.gate_up_proj"},
	"qwen2moe": {"ffn_gate_shexp": "mlp.shared_expert.gate_proj", "ffn_up_shexp": "mlp.shared_expert.up_proj", "ffn_down_shexp": "mlp.shared_expert.down_proj", "ffn_gate_inp_shexp": "mlp.shared_expert_gate"},
	"bloom":    {"attn_norm": "input_layernorm", "attn_qkv": "self_attention.query_key_value", "attn_output": "self_attention.dense", "ffn_norm": "post_attention_layernorm", "ffn_up": "mlp.dense_h_to_4h", "ffn_down": "mlp.dense_4h_to_h"},
	"gpt2":     {"attn_norm": "ln_1", "attn_qkv": "attn.c_attn", "attn_output": "attn.c_proj", "ffn_norm": "ln_2", "ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"},
}

// Merged expert tensors: [experts, rows, cols] in PyTorch order, one HF
// tensor per expert.
var expertNames = map[string][2]string{
	"ffn_gate_exps": {"mlp.experts.%d.gate_proj", "block_sparse_moe.experts.%d.w1"},
	"ffn_up_exps":   {"mlp.experts.%d.up_proj", "block_sparse_moe.experts.%d.w3"},
	"ffn_down_exps": {"mlp.experts.%d.down_proj", "block_sparse_moe.experts.%d.w2"},
}

// MaxExperts bounds the experts a merged expert tensor is split into
// (real models have up to a few hundred); a larger first dim is reported
// as a tensor with no known Hugging Face name.
const MaxExperts = 1 << 12

// HFNames maps a GGUF tensor to the Hugging Face tensor(s) it holds, with
// PyTorch shapes (GGUF stores dims reversed). A merged expert tensor
// (blk.N.ffn_up_exps.weight, [experts, rows, cols]) becomes one tensor per
// expert. ok is false for a name with no HF counterpart (rope_freqs.weight,
// llama.cpp's precomputed rotary frequencies, for example).
func (f *File) HFNames(t *Tensor) (out []HFTensor, ok bool) {
	arch := f.Architecture()
	switch arch {
	case "bert":
		return bertNames(t)
	case "t5", "t5encoder":
		return f.t5Names(t)
	}
	mixtral := arch == "llama" && f.Tensor("blk.0.ffn_gate_inp.weight") != nil
	shape := t.Shape()
	prefix, layers := "model.", "model.layers."
	if arch == "gpt2" || arch == "bloom" {
		prefix, layers = "transformer.", "transformer.h."
	}
	base, suffix, found := cutLast(t.Name)
	if !found {
		return nil, false
	}
	switch base {
	case "token_embd":
		return []HFTensor{{Name: prefix + hfTop(arch, "embed") + suffix, Shape: shape}}, true
	case "token_embd_norm":
		if arch != "bloom" {
			return nil, false
		}
		return []HFTensor{{Name: prefix + "word_embeddings_layernorm" + suffix, Shape: shape}}, true
	case "position_embd":
		return []HFTensor{{Name: prefix + "wpe" + suffix, Shape: shape}}, true
	case "output_norm":
		return []HFTensor{{Name: prefix + hfTop(arch, "norm") + suffix, Shape: shape}}, true
	case "output":
		return []HFTensor{{Name: "lm_head" + suffix, Shape: shape}}, true
	}
	m := blkRe.FindStringSubmatch(base)
	if m == nil {
		return nil, false
	}
	layer, part := m[1], m[2]
	if part == "attn_k_b" || part == "attn_v_b" {
		return []HFTensor{{Name: layers + layer + ".self_attn.kv_b_proj" + suffix, Shape: shape, Part: true}}, true
	}
	if part == "exp_probs_b" {
		return []HFTensor{{Name: layers + layer + ".mlp.gate.e_score_correction_bias", Shape: shape}}, true
	}
	if e, isExp := expertNames[part]; isExp {
		if len(shape) != 3 || shape[0] > MaxExperts {
			return nil, false
		}
		pat := e[0]
		if mixtral {
			pat = e[1]
		}
		for i := int64(0); i < shape[0]; i++ {
			out = append(out, HFTensor{Name: layers + layer + "." + fmt.Sprintf(pat, i) + suffix, Shape: shape[1:]})
		}
		return out, true
	}
	hfPart, ok := archBlockNames[arch][part]
	if !ok {
		hfPart, ok = blockNames[part]
	}
	if !ok {
		return nil, false
	}
	if mixtral && part == "ffn_gate_inp" {
		hfPart = "block_sparse_moe.gate"
	}
	return []HFTensor{{Name: layers + layer + "." + hfPart + suffix, Shape: shape}}, true
}

// BERT's GGUF names → Hugging Face BertModel names (llama.cpp's converter
// drops the "bert." prefix of task models, the pooler and the MLM head).
var bertTop = map[string]string{
	"token_embd":      "embeddings.word_embeddings",
	"token_types":     "embeddings.token_type_embeddings",
	"position_embd":   "embeddings.position_embeddings",
	"token_embd_norm": "embeddings.LayerNorm",
}

var bertBlock = map[string]string{
	"attn_q":            "attention.self.query",
	"attn_k":            "attention.self.key",
	"attn_v":            "attention.self.value",
	"attn_output":       "attention.output.dense",
	"attn_output_norm":  "attention.output.LayerNorm",
	"ffn_up":            "intermediate.dense",
	"ffn_down":          "output.dense",
	"layer_output_norm": "output.LayerNorm",
}

func bertNames(t *Tensor) ([]HFTensor, bool) {
	base, suffix, found := cutLast(t.Name)
	if !found {
		return nil, false
	}
	if n, ok := bertTop[base]; ok {
		return []HFTensor{{Name: n + suffix, Shape: t.Shape()}}, true
	}
	m := blkRe.FindStringSubmatch(base)
	if m == nil {
		return nil, false
	}
	n, ok := bertBlock[m[2]]
	if !ok {
		return nil, false
	}
	return []HFTensor{{Name: "encoder.layer." + m[1] + "." + n + suffix, Shape: t.Shape()}}, true
}

// T5's GGUF names → Hugging Face T5ForConditionalGeneration names.
var t5Top = map[string]string{
	"token_embd": "shared", "output": "lm_head",
	"enc.output_norm": "encoder.final_layer_norm", "dec.output_norm": "decoder.final_layer_norm",
}

var t5Block = map[string]string{
	"attn_norm": "layer.0.layer_norm", "attn_q": "layer.0.SelfAttention.q", "attn_k": "layer.0.SelfAttention.k",
	"attn_v": "layer.0.SelfAttention.v", "attn_o": "layer.0.SelfAttention.o", "attn_rel_b": "layer.0.SelfAttention.relative_attention_bias",
	"cross_attn_norm": "layer.1.layer_norm", "cross_attn_q": "layer.1.EncDecAttention.q", "cross_attn_k": "layer.1.EncDecAttention.k",
	"cross_attn_v": "layer.1.EncDecAttention.v", "cross_attn_o": "layer.1.EncDecAttention.o",
	"cross_attn_rel_b": "layer.1.EncDecAttention.relative_attention_bias",
	"ffn_gate":         "DenseReluDense.wi_0", "ffn_down": "DenseReluDense.wo",
}

var t5BlkRe = regexp.MustCompile(`^(enc|dec)\.blk\.(\d+)\.(.+)$`)

func (f *File) t5Names(t *Tensor) ([]HFTensor, bool) {
	base, suffix, found := cutLast(t.Name)
	if !found {
		return nil, false
	}
	if n, ok := t5Top[base]; ok {
		return []HFTensor{{Name: n + suffix, Shape: t.Shape()}}, true
	}
	m := t5BlkRe.FindStringSubmatch(base)
	if m == nil {
		return nil, false
	}
	stack, layer, part := "encoder", m[2], m[3]
	ffn := "layer.1."
	if m[1] == "dec" {
		stack, ffn = "decoder", "layer.2."
	} else if strings.HasPrefix(part, "cross_") {
		return nil, false
	}
	var n string
	switch part {
	case "ffn_norm":
		n = ffn + "layer_norm"
	case "ffn_up":
		n = ffn + "DenseReluDense.wi"
		if f.Tensor(m[1]+".blk."+layer+".ffn_gate"+suffix) != nil {
			n += "_1"
		}
	case "ffn_gate", "ffn_down":
		n = ffn + t5Block[part]
	default:
		var ok bool
		if n, ok = t5Block[part]; !ok {
			return nil, false
		}
	}
	return []HFTensor{{Name: stack + ".block." + layer + "." + n + suffix, Shape: t.Shape()}}, true
}

func hfTop(arch, what string) string {
	switch arch {
	case "gpt2":
		return map[string]string{"embed": "wte", "norm": "ln_f"}[what]
	case "bloom":
		return map[string]string{"embed": "word_embeddings", "norm": "ln_f"}[what]
	}
	return map[string]string{"embed": "embed_tokens", "norm": "norm"}[what]
}

// cutLast splits "blk.0.attn_q.weight" into "blk.0.attn_q" and ".weight".
func cutLast(name string) (string, string, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "", "", false
	}
	return name[:i], name[i:], true
}

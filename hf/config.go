// Package hf turns a Hugging Face config.json into the computation graph an exporter would emit, built from one shared block library, so that the shape and fpo engines count it exactly.
package hf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/greenai/greenai/onnx"
)

// NormKind is a normalization layer.
type NormKind int

// Normalizations.
const (
	LayerNorm    NormKind = iota // (x−μ)/σ·w + b
	RMSNorm                      // x/rms(x)·w
	GemmaRMSNorm                 // x/rms(x)·(1 + w)
)

// PosKind is how positions enter attention.
type PosKind int

// Position encodings.
const (
	PosLearned  PosKind = iota // a learned table added to the embeddings (GPT-2, BERT)
	PosRoPE                    // rotary embeddings on q and k
	PosALiBi                   // linear biases on the attention scores
	PosRelative                // T5's bucketed relative attention bias
)

// Placement is where a block's norms sit.
type Placement int

// Norm placements.
const (
	PreNorm  Placement = iota // x + f(norm(x)) (GPT-2, Llama)
	PostNorm                  // norm(x + f(x)) (BERT)
	OutNorm                   // x + norm(f(x)) (OLMo 2)
	Sandwich                  // x + norm(f(norm(x))) (Gemma 2/3)
)

// MoE describes mixture-of-experts MLPs.
type MoE struct {
	Experts      int64 // routed experts per MoE layer
	TopK         int64 // experts each token is sent to
	Intermediate int64 // hidden size of one routed expert
	Shared       int64 // hidden size of the shared expert MLP (0: none)
	SharedGate   bool  // a sigmoid gate on the shared expert (Qwen2-MoE)
	FirstDense   int64 // the first layers use a dense MLP (DeepSeek first_k_dense_replace)
	Step         int64 // every Step-th layer is MoE (decoder_sparse_step), 1: all
	DenseLayers  []int64
	NormTopK     bool    // renormalize the top-k weights
	Sigmoid      bool    // sigmoid scores with a correction bias and group-limited choice (DeepSeek-V3)
	Groups       int64   // n_group
	TopKGroups   int64   // topk_group
	Scaling      float64 // routed_scaling_factor
}

// MLA describes DeepSeek's multi-head latent attention.
type MLA struct {
	QLoraRank, KVLoraRank      int64 // 0 q rank: q is a plain projection
	QKNopeDim, QKRopeDim, VDim int64
}

// Config is a parsed config.json, resolved per family into the parameters of
// the block library. Fields hold the values the builder uses; Keys records
// which config key gave each one (for documentation and error messages).
type Config struct {
	ModelType    string
	Architecture string        // architectures[0], "" when absent
	DType        onnx.DataType // torch_dtype (float32 when absent, as PyTorch loads)

	Vocab, Hidden, Layers, Heads, KVHeads, HeadDim, Intermediate int64
	MaxPositions                                                 int64 // learned position table size
	TypeVocab                                                    int64 // BERT token types
	Act                                                          string
	Norm                                                         NormKind
	NormBias                                                     bool // norms have a bias (LayerNorm)
	Placement                                                    Placement
	Pos                                                          PosKind
	RopeTheta                                                    float64
	RotaryDim                                                    int64 // rotated features per head (partial rotary)
	QKVBias, OutBias, MLPBias                                    bool
	Gated                                                        bool // gate·act ⊙ up MLP (SwiGLU/GeGLU)
	Tied                                                         bool // lm_head reads the embedding matrix
	QKNorm                                                       string
	SlidingWindow                                                int64  // 0: none
	Sliding                                                      []bool // per layer: uses the window
	AttnSoftcap, FinalSoftcap                                    float64
	ScaleEmbed                                                   bool    // embeddings × √hidden (Gemma)
	ResidualPostNorm                                             bool    // the residual is the normed input (BLOOM apply_residual_connection_post_layernorm)
	AttnScale                                                    float64 // 0: 1/√head_dim
	MoE                                                          *MoE
	MLA                                                          *MLA

	// Encoder-decoder (T5).
	DecoderLayers          int64
	RelBuckets, RelMaxDist int64
	EncoderOnly            bool // T5EncoderModel: the encoder stack alone
	Pooler                 bool
	PadToken               int64 // RoBERTa positions start at pad_token_id + 1
	NumLabels              int64

	raw map[string]any
}

// ConfigError is a config problem that names the key.
type ConfigError struct {
	ModelType, Key, Msg string
}

func (e *ConfigError) Error() string {
	if e.ModelType != "" {
		return fmt.Sprintf("config.json (model_type %q): key %q: %s", e.ModelType, e.Key, e.Msg)
	}
	return fmt.Sprintf("config.json: key %q: %s", e.Key, e.Msg)
}

// families maps model_type to its resolver.
var families = map[string]func(*reader, *Config) error{
	"gpt2":        resolveGPT2,
	"bert":        resolveBERT,
	"roberta":     resolveBERT,
	"llama":       resolveLlama,
	"mistral":     resolveLlama,
	"qwen2":       resolveLlama,
	"qwen3":       resolveLlama,
	"phi3":        resolveLlama,
	"olmo2":       resolveLlama,
	"gemma":       resolveGemma,
	"gemma2":      resolveGemma,
	"gemma3_text": resolveGemma,
	"mixtral":     resolveMoE,
	"qwen2_moe":   resolveMoE,
	"qwen3_moe":   resolveMoE,
	"deepseek_v3": resolveDeepSeek,
	"t5":          resolveT5,
	"bloom":       resolveBloom,
}

// ModelTypes lists the supported model_type values.
func ModelTypes() []string {
	var out []string
	for k := range families {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ParseConfig parses a Hugging Face config.json. An unknown model_type, a
// missing key the builder needs, or a value out of range is an error that
// names the key; nothing is guessed. Keys that Hugging Face's configuration
// class gives a default (rope_theta, attention_bias, tie_word_embeddings…)
// take that default, as transformers does when loading the same file.
func ParseConfig(data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	if raw == nil {
		return nil, fmt.Errorf("config.json: not a JSON object")
	}
	r := &reader{m: raw}
	mt, ok := raw["model_type"]
	if !ok {
		return nil, &ConfigError{Key: "model_type", Msg: "missing: the model family cannot be told without it"}
	}
	mts, ok := mt.(string)
	if !ok {
		return nil, &ConfigError{Key: "model_type", Msg: fmt.Sprintf("is %v, not a string", mt)}
	}
	r.mt = mts
	res, ok := families[mts]
	if !ok {
		if mts == "gemma3" {
			return nil, &ConfigError{ModelType: mts, Key: "model_type", Msg: "gemma3 is the multimodal model (vision tower + language model): the vision tower is not supported; count the language model from its text_config with model_type gemma3_text"}
		}
		return nil, &ConfigError{Key: "model_type", Msg: fmt.Sprintf("unknown model_type %q (supported: %s)", mts, strings.Join(ModelTypes(), ", "))}
	}
	c := &Config{ModelType: mts, raw: raw, DType: onnx.Float}
	if a, ok := raw["architectures"].([]any); ok && len(a) > 0 {
		if s, ok := a[0].(string); ok {
			c.Architecture = s
		}
	}
	for _, key := range []string{"torch_dtype", "dtype"} {
		if v, ok := raw[key]; ok && v != nil {
			s, ok := v.(string)
			dt, known := torchDType(s)
			if !ok || !known {
				return nil, &ConfigError{ModelType: mts, Key: key, Msg: fmt.Sprintf("unknown dtype %v (known: float32, float16, bfloat16, float64)", v)}
			}
			c.DType = dt
			break
		}
	}
	if err := res(r, c); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func torchDType(s string) (onnx.DataType, bool) {
	switch strings.TrimPrefix(s, "torch.") {
	case "float32", "float":
		return onnx.Float, true
	case "float16", "half":
		return onnx.Float16, true
	case "bfloat16":
		return onnx.BFloat16, true
	case "float64", "double":
		return onnx.Double, true
	}
	return 0, false
}

// validate checks the resolved values, naming the key that gave them.
func (c *Config) validate() error {
	bad := func(key, msg string) error { return &ConfigError{ModelType: c.ModelType, Key: key, Msg: msg} }
	if c.Heads > 0 && c.KVHeads > 0 && c.Heads%c.KVHeads != 0 {
		return bad(c.key("num_key_value_heads"), fmt.Sprintf("%d query heads are not a multiple of %d key/value heads", c.Heads, c.KVHeads))
	}
	// The builder makes nodes per layer and per expert, so these counts
	// bound its memory: 2^40 layers passed the dim limit and ran the
	// process out of memory. The largest published models have a few
	// hundred layers and experts.
	if lk, n := c.layerKey(); n > maxLayers {
		return bad(lk, fmt.Sprintf("is %d layers, beyond the %d the builder accepts", n, maxLayers))
	}
	if c.MoE != nil {
		if c.MoE.Experts > maxExperts {
			return bad(c.firstKey("n_routed_experts", "num_local_experts", "num_experts"), fmt.Sprintf("is %d experts, beyond the %d the builder accepts", c.MoE.Experts, maxExperts))
		}
		if _, n := c.layerKey(); n*c.MoE.Experts > maxExpertWeights {
			return bad(c.firstKey("n_routed_experts", "num_local_experts", "num_experts"), fmt.Sprintf("%d experts in each of %d layers exceed the %d expert MLPs the builder accepts", c.MoE.Experts, n, maxExpertWeights))
		}
		if c.MoE.TopK > c.MoE.Experts {
			return bad("num_experts_per_tok", fmt.Sprintf("%d experts per token exceed the %d experts", c.MoE.TopK, c.MoE.Experts))
		}
		if c.MoE.Groups > 0 && (c.MoE.Experts%c.MoE.Groups != 0 || c.MoE.TopKGroups > c.MoE.Groups) {
			return bad("n_group", fmt.Sprintf("%d experts cannot be split into %d groups with topk_group %d", c.MoE.Experts, c.MoE.Groups, c.MoE.TopKGroups))
		}
	}
	if c.RotaryDim > c.HeadDim || c.RotaryDim%2 != 0 {
		if c.Pos == PosRoPE && c.MLA == nil {
			return bad("partial_rotary_factor", fmt.Sprintf("rotary dim %d must be even and at most head_dim %d", c.RotaryDim, c.HeadDim))
		}
	}
	return nil
}

// Limits on the counts the builder loops over (see validate).
const (
	maxLayers  = 1 << 14
	maxExperts = 1 << 14
	// maxExpertWeights bounds layers × experts (DeepSeek-V3: 61 × 256).
	maxExpertWeights = 1 << 20
)

// layerKey returns the config key that gave the larger of the layer
// counts (encoder/decoder) and that count.
func (c *Config) layerKey() (string, int64) {
	if c.DecoderLayers > c.Layers {
		return "num_decoder_layers", c.DecoderLayers
	}
	return c.firstKey("num_hidden_layers", "n_layer", "num_layers"), c.Layers
}

// firstKey returns the first of keys present in the raw config, else the
// first key.
func (c *Config) firstKey(keys ...string) string {
	for _, k := range keys {
		if _, ok := c.raw[k]; ok {
			return k
		}
	}
	return keys[0]
}

// key names the config key a field came from, for messages.
func (c *Config) key(k string) string { return k }

// reader reads typed keys and remembers the first error.
type reader struct {
	m   map[string]any
	mt  string
	err error
}

func (r *reader) fail(key, msg string) {
	if r.err == nil {
		r.err = &ConfigError{ModelType: r.mt, Key: key, Msg: msg}
	}
}

func (r *reader) has(key string) bool {
	v, ok := r.m[key]
	return ok && v != nil
}

// first returns the first of keys present (non-null) and whether one was.
func (r *reader) first(keys ...string) (string, bool) {
	for _, k := range keys {
		if r.has(k) {
			return k, true
		}
	}
	return "", false
}

// num reads a number key.
func (r *reader) num(key string) (json.Number, bool) {
	v := r.m[key]
	n, ok := v.(json.Number)
	if !ok {
		r.fail(key, fmt.Sprintf("is %s, not a number", describe(v)))
		return "", false
	}
	return n, true
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprint(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprint(v)
}

// intKey reads a required positive integer, trying aliases in order.
func (r *reader) pos(keys ...string) int64 {
	k, ok := r.first(keys...)
	if !ok {
		if len(keys) == 1 {
			r.fail(keys[0], "missing: the builder needs it")
		} else {
			r.fail(keys[0], fmt.Sprintf("missing (nor found as %s): the builder needs it", strings.Join(keys[1:], ", ")))
		}
		return 0
	}
	v := r.intOf(k)
	if r.err == nil && v <= 0 {
		r.fail(k, fmt.Sprintf("is %d; it must be positive", v))
	}
	return v
}

// posOr reads an optional positive integer with Hugging Face's default.
func (r *reader) posOr(def int64, keys ...string) int64 {
	k, ok := r.first(keys...)
	if !ok {
		return def
	}
	v := r.intOf(k)
	if r.err == nil && v <= 0 {
		r.fail(k, fmt.Sprintf("is %d; it must be positive", v))
	}
	return v
}

// nonNeg reads an optional non-negative integer.
func (r *reader) nonNeg(def int64, keys ...string) int64 {
	k, ok := r.first(keys...)
	if !ok {
		return def
	}
	v := r.intOf(k)
	if r.err == nil && v < 0 {
		r.fail(k, fmt.Sprintf("is %d; it must not be negative", v))
	}
	return v
}

const maxDim = 1 << 40

func (r *reader) intOf(k string) int64 {
	n, ok := r.num(k)
	if !ok {
		return 0
	}
	v, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) {
			r.fail(k, fmt.Sprintf("is %s, not an integer", n))
			return 0
		}
		v = int64(f)
	}
	if v > maxDim {
		r.fail(k, fmt.Sprintf("is %d, beyond the %d the builder accepts", v, int64(maxDim)))
		return 0
	}
	return v
}

func (r *reader) float(def float64, keys ...string) float64 {
	k, ok := r.first(keys...)
	if !ok {
		return def
	}
	n, ok := r.num(k)
	if !ok {
		return 0
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(k, fmt.Sprintf("is %s, not a finite number", n))
	}
	return f
}

func (r *reader) boolean(def bool, key string) bool {
	if !r.has(key) {
		return def
	}
	b, ok := r.m[key].(bool)
	if !ok {
		r.fail(key, fmt.Sprintf("is %s, not true or false", describe(r.m[key])))
	}
	return b
}

func (r *reader) str(def string, keys ...string) string {
	k, ok := r.first(keys...)
	if !ok {
		return def
	}
	s, ok := r.m[k].(string)
	if !ok {
		r.fail(k, fmt.Sprintf("is %s, not a string", describe(r.m[k])))
	}
	return s
}

// act checks an activation name against those the block library has.
func (r *reader) act(def string, keys ...string) string {
	k, _ := r.first(keys...)
	a := r.str(def, keys...)
	switch a {
	case "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "silu", "swish", "relu", "gelu_python", "quick_gelu":
		return a
	}
	if k == "" {
		k = keys[0]
	}
	r.fail(k, fmt.Sprintf("unknown activation %q (known: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, silu, relu, quick_gelu)", a))
	return a
}

// divisible checks hidden = heads × head_dim where the family derives it.
func (r *reader) headDim(hidden, heads int64, key string) int64 {
	if r.err != nil || heads == 0 {
		return 0
	}
	if hidden%heads != 0 {
		r.fail(key, fmt.Sprintf("hidden size %d is not divisible by %d heads (and no head_dim is given)", hidden, heads))
		return 0
	}
	return hidden / heads
}

func resolveGPT2(r *reader, c *Config) error {
	c.Vocab = r.pos("vocab_size")
	c.Hidden = r.pos("n_embd", "hidden_size")
	c.Layers = r.pos("n_layer", "num_hidden_layers")
	c.Heads = r.pos("n_head", "num_attention_heads")
	c.KVHeads = c.Heads
	c.HeadDim = r.headDim(c.Hidden, c.Heads, "n_head")
	c.Intermediate = r.posOr(4*c.Hidden, "n_inner")
	c.MaxPositions = r.pos("n_positions", "max_position_embeddings")
	c.Act = r.act("gelu_new", "activation_function")
	c.Norm, c.NormBias, c.Placement, c.Pos = LayerNorm, true, PreNorm, PosLearned
	c.QKVBias, c.OutBias, c.MLPBias = true, true, true
	c.Tied = r.boolean(true, "tie_word_embeddings")
	if r.boolean(false, "scale_attn_by_inverse_layer_idx") || r.boolean(false, "reorder_and_upcast_attn") {
		// Both change only the scalar scale, not the count.
		_ = 0
	}
	return nil
}

func resolveBERT(r *reader, c *Config) error {
	c.Vocab = r.pos("vocab_size")
	c.Hidden = r.pos("hidden_size")
	c.Layers = r.pos("num_hidden_layers")
	c.Heads = r.pos("num_attention_heads")
	c.KVHeads = c.Heads
	c.HeadDim = r.headDim(c.Hidden, c.Heads, "num_attention_heads")
	c.Intermediate = r.pos("intermediate_size")
	c.MaxPositions = r.pos("max_position_embeddings")
	c.TypeVocab = r.nonNeg(2, "type_vocab_size")
	if c.ModelType == "roberta" {
		c.PadToken = r.nonNeg(1, "pad_token_id")
	}
	c.Act = r.act("gelu", "hidden_act")
	if pe := r.str("absolute", "position_embedding_type"); pe != "absolute" {
		r.fail("position_embedding_type", fmt.Sprintf("%q is not supported (only absolute)", pe))
	}
	c.Norm, c.NormBias, c.Placement, c.Pos = LayerNorm, true, PostNorm, PosLearned
	c.QKVBias, c.OutBias, c.MLPBias = true, true, true
	c.Tied = r.boolean(true, "tie_word_embeddings")
	switch c.Architecture {
	case "", "BertModel", "RobertaModel":
		c.Pooler = true
	case "BertForMaskedLM", "RobertaForMaskedLM", "BertForPreTraining":
	case "BertForSequenceClassification", "RobertaForSequenceClassification":
		c.Pooler = c.ModelType == "bert"
		c.NumLabels = 2
		if m, ok := r.m["id2label"].(map[string]any); ok && len(m) > 0 {
			c.NumLabels = int64(len(m))
		}
		if r.has("num_labels") {
			c.NumLabels = r.pos("num_labels")
		}
	default:
		r.fail("architectures", fmt.Sprintf("%q is not supported (supported: %sModel, %sForMaskedLM, %sForSequenceClassification)", c.Architecture, title(c.ModelType), title(c.ModelType), title(c.ModelType)))
	}
	return nil
}

func title(s string) string {
	switch s {
	case "bert":
		return "Bert"
	case "roberta":
		return "Roberta"
	}
	return s
}

// resolveLlama covers the Llama-style decoders: Llama 2/3, Mistral, Qwen2,
// Qwen3, Phi-3 and OLMo 2 (RMSNorm, RoPE, GQA, SwiGLU).
// decoderCore reads what every Llama-style decoder config has: the sizes,
// grouped kv heads, head_dim (hidden/heads when absent), a silu SwiGLU MLP,
// pre-norm RMSNorm and RoPE (theta only sets constants).
func decoderCore(r *reader, c *Config, theta float64) {
	c.Vocab = r.pos("vocab_size")
	c.Hidden = r.pos("hidden_size")
	c.Layers = r.pos("num_hidden_layers")
	c.Heads = r.pos("num_attention_heads")
	c.KVHeads = r.posOr(c.Heads, "num_key_value_heads")
	if r.has("head_dim") {
		c.HeadDim = r.pos("head_dim")
	} else {
		c.HeadDim = r.headDim(c.Hidden, c.Heads, "num_attention_heads")
	}
	c.Act = r.act("silu", "hidden_act")
	c.Norm, c.Placement, c.Pos, c.Gated = RMSNorm, PreNorm, PosRoPE, true
	c.RopeTheta = r.float(theta, "rope_theta")
	c.RotaryDim = c.HeadDim
}

// qwenWindows reads Qwen's optional sliding windows: with
// use_sliding_window, the layers from max_window_layers on slide.
func qwenWindows(r *reader, c *Config) {
	if !r.boolean(false, "use_sliding_window") {
		return
	}
	c.SlidingWindow = r.nonNeg(0, "sliding_window")
	maxWin := r.nonNeg(c.Layers, "max_window_layers")
	c.Sliding = make([]bool, c.Layers)
	for i := range c.Sliding {
		c.Sliding[i] = int64(i) >= maxWin
	}
}

func resolveLlama(r *reader, c *Config) error {
	decoderCore(r, c, 10000)
	c.Intermediate = r.pos("intermediate_size")
	if r.has("partial_rotary_factor") {
		f := r.float(1, "partial_rotary_factor")
		if f <= 0 || f > 1 {
			r.fail("partial_rotary_factor", fmt.Sprintf("is %v; it must be in (0, 1]", f))
		}
		c.RotaryDim = int64(float64(c.HeadDim) * f)
	}
	switch c.ModelType {
	case "llama":
		c.QKVBias = r.boolean(false, "attention_bias")
		c.OutBias = c.QKVBias
		c.MLPBias = r.boolean(false, "mlp_bias")
		c.Tied = r.boolean(false, "tie_word_embeddings")
	case "mistral":
		c.Tied = r.boolean(false, "tie_word_embeddings")
		c.SlidingWindow = r.nonNeg(0, "sliding_window")
	case "qwen2":
		c.QKVBias = true
		c.Tied = r.boolean(false, "tie_word_embeddings")
		qwenWindows(r, c)
	case "qwen3":
		c.QKVBias = r.boolean(false, "attention_bias")
		c.OutBias = c.QKVBias
		c.QKNorm = "head"
		c.Tied = r.boolean(false, "tie_word_embeddings")
		qwenWindows(r, c)
	case "phi3":
		c.Tied = r.boolean(false, "tie_word_embeddings")
		c.SlidingWindow = r.nonNeg(0, "sliding_window")
	case "olmo2":
		c.QKVBias = r.boolean(false, "attention_bias")
		c.OutBias = c.QKVBias
		c.QKNorm = "full"
		c.Placement = OutNorm
		c.Tied = r.boolean(false, "tie_word_embeddings")
	}
	layerTypes(r, c)
	return nil
}

// layerTypes reads layer_types (newer configs: "sliding_attention" or
// "full_attention" per layer).
func layerTypes(r *reader, c *Config) {
	lt, ok := r.m["layer_types"].([]any)
	if !ok || r.err != nil {
		return
	}
	if int64(len(lt)) != c.Layers {
		r.fail("layer_types", fmt.Sprintf("has %d entries for %d layers", len(lt), c.Layers))
		return
	}
	c.Sliding = make([]bool, c.Layers)
	any := false
	for i, v := range lt {
		switch v {
		case "sliding_attention":
			c.Sliding[i] = true
			any = true
		case "full_attention":
		default:
			r.fail("layer_types", fmt.Sprintf("entry %d is %s, not sliding_attention or full_attention", i, describe(v)))
			return
		}
	}
	if any && c.SlidingWindow == 0 {
		c.SlidingWindow = r.pos("sliding_window")
	}
}

func resolveGemma(r *reader, c *Config) error {
	c.Vocab = r.pos("vocab_size")
	c.Hidden = r.pos("hidden_size")
	c.Layers = r.pos("num_hidden_layers")
	c.Heads = r.pos("num_attention_heads")
	c.KVHeads = r.posOr(c.Heads, "num_key_value_heads")
	c.HeadDim = r.pos("head_dim")
	c.Intermediate = r.pos("intermediate_size")
	c.Act = r.act("gelu_pytorch_tanh", "hidden_activation", "hidden_act")
	c.Norm, c.Placement, c.Pos, c.Gated = GemmaRMSNorm, PreNorm, PosRoPE, true
	c.RopeTheta = r.float(10000, "rope_theta")
	c.RotaryDim = c.HeadDim
	c.ScaleEmbed = true
	c.QKVBias = r.boolean(false, "attention_bias")
	c.OutBias = c.QKVBias
	c.Tied = r.boolean(true, "tie_word_embeddings")
	if c.ModelType == "gemma" {
		return nil
	}
	c.Placement = Sandwich
	if r.has("query_pre_attn_scalar") {
		q := r.float(0, "query_pre_attn_scalar")
		if r.err == nil && q <= 0 {
			r.fail("query_pre_attn_scalar", fmt.Sprintf("is %v; it must be positive (the attention scale is its inverse square root)", q))
		}
		c.AttnScale = 1 / math.Sqrt(q)
	}
	c.AttnSoftcap = r.float(0, "attn_logit_softcapping")
	c.FinalSoftcap = r.float(0, "final_logit_softcapping")
	if c.AttnSoftcap < 0 || c.FinalSoftcap < 0 {
		r.fail("attn_logit_softcapping", "soft-capping values must not be negative")
	}
	c.SlidingWindow = r.nonNeg(0, "sliding_window")
	if c.ModelType == "gemma3_text" {
		c.QKNorm = "head"
	}
	if r.has("layer_types") {
		layerTypes(r, c)
		return nil
	}
	if c.SlidingWindow == 0 {
		return nil
	}
	// Older files: Gemma 2 alternates local/global starting with a local
	// layer; Gemma 3 has sliding_window_pattern (every Nth layer global).
	c.Sliding = make([]bool, c.Layers)
	pattern := int64(2)
	if c.ModelType == "gemma3_text" {
		pattern = r.posOr(6, "sliding_window_pattern")
	}
	for i := range c.Sliding {
		c.Sliding[i] = (int64(i)+1)%pattern != 0
	}
	return nil
}

func resolveMoE(r *reader, c *Config) error {
	decoderCore(r, c, 1e6)
	c.Tied = r.boolean(false, "tie_word_embeddings")
	m := &MoE{Step: 1}
	c.MoE = m
	switch c.ModelType {
	case "mixtral":
		c.Intermediate = r.pos("intermediate_size")
		m.Experts = r.pos("num_local_experts")
		m.Intermediate = c.Intermediate
		m.NormTopK = true
		c.SlidingWindow = r.nonNeg(0, "sliding_window")
	case "qwen2_moe", "qwen3_moe":
		c.Intermediate = r.posOr(0, "intermediate_size")
		m.Experts = r.pos("num_experts")
		m.Intermediate = r.pos("moe_intermediate_size")
		m.Step = r.posOr(1, "decoder_sparse_step")
		m.NormTopK = r.boolean(c.ModelType == "qwen2_moe", "norm_topk_prob")
		if l, ok := r.m["mlp_only_layers"].([]any); ok {
			for i, v := range l {
				n, ok := v.(json.Number)
				k, err := n.Int64()
				if !ok || err != nil || k < 0 {
					r.fail("mlp_only_layers", fmt.Sprintf("entry %d is %s, not a layer index", i, describe(v)))
					break
				}
				m.DenseLayers = append(m.DenseLayers, k)
			}
		}
		if len(m.DenseLayers) > 0 || m.Step > 1 {
			c.Intermediate = r.pos("intermediate_size")
		}
		if c.ModelType == "qwen2_moe" {
			c.QKVBias = true
			m.Shared = r.nonNeg(0, "shared_expert_intermediate_size")
			m.SharedGate = m.Shared > 0
		} else {
			c.QKVBias = r.boolean(false, "attention_bias")
			c.OutBias = c.QKVBias
			c.QKNorm = "head"
		}
	}
	m.TopK = r.pos("num_experts_per_tok")
	return nil
}

func resolveDeepSeek(r *reader, c *Config) error {
	c.Vocab = r.pos("vocab_size")
	c.Hidden = r.pos("hidden_size")
	c.Layers = r.pos("num_hidden_layers")
	c.Heads = r.pos("num_attention_heads")
	c.KVHeads = c.Heads
	c.Intermediate = r.pos("intermediate_size")
	c.Act = r.act("silu", "hidden_act")
	c.Norm, c.Placement, c.Pos, c.Gated = RMSNorm, PreNorm, PosRoPE, true
	c.RopeTheta = r.float(10000, "rope_theta")
	c.Tied = r.boolean(false, "tie_word_embeddings")
	c.QKVBias = r.boolean(false, "attention_bias")
	a := &MLA{
		QLoraRank:  r.nonNeg(0, "q_lora_rank"),
		KVLoraRank: r.pos("kv_lora_rank"),
		QKNopeDim:  r.pos("qk_nope_head_dim"),
		QKRopeDim:  r.pos("qk_rope_head_dim"),
		VDim:       r.pos("v_head_dim"),
	}
	c.MLA = a
	c.HeadDim = a.QKNopeDim + a.QKRopeDim
	c.RotaryDim = a.QKRopeDim
	c.AttnScale = 0 // 1/√(qk_head_dim); rope_scaling's mscale only changes the scalar
	m := &MoE{Step: r.posOr(1, "moe_layer_freq")}
	m.Experts = r.pos("n_routed_experts")
	m.TopK = r.pos("num_experts_per_tok")
	m.Intermediate = r.pos("moe_intermediate_size")
	m.Shared = r.nonNeg(0, "n_shared_experts") * m.Intermediate
	m.FirstDense = r.nonNeg(0, "first_k_dense_replace")
	m.NormTopK = r.boolean(true, "norm_topk_prob")
	m.Sigmoid = true
	m.Groups = r.posOr(1, "n_group")
	m.TopKGroups = r.posOr(1, "topk_group")
	m.Scaling = r.float(1, "routed_scaling_factor")
	if m.FirstDense > c.Layers {
		r.fail("first_k_dense_replace", fmt.Sprintf("is %d, more than the %d layers", m.FirstDense, c.Layers))
	}
	c.MoE = m
	return nil
}

func resolveT5(r *reader, c *Config) error {
	c.Vocab = r.pos("vocab_size")
	c.Hidden = r.pos("d_model")
	c.Layers = r.pos("num_layers")
	c.DecoderLayers = r.posOr(c.Layers, "num_decoder_layers")
	c.Heads = r.pos("num_heads")
	c.KVHeads = c.Heads
	c.HeadDim = r.pos("d_kv")
	c.Intermediate = r.pos("d_ff")
	c.RelBuckets = r.pos("relative_attention_num_buckets")
	c.RelMaxDist = r.posOr(128, "relative_attention_max_distance")
	c.Norm, c.Placement, c.Pos = RMSNorm, PreNorm, PosRelative
	c.Tied = r.boolean(true, "tie_word_embeddings")
	ff := r.str("relu", "feed_forward_proj")
	act := ff
	if strings.HasPrefix(ff, "gated-") {
		c.Gated = true
		act = strings.TrimPrefix(ff, "gated-")
	}
	switch act {
	case "relu", "gelu", "gelu_new", "silu":
		if act == "gelu" && c.Gated {
			act = "gelu_new" // transformers maps gated-gelu to gelu_new
		}
		c.Act = act
	default:
		r.fail("feed_forward_proj", fmt.Sprintf("%q is not supported (relu, gated-gelu, gated-silu)", ff))
	}
	c.AttnScale = 1 // T5 does not scale the scores
	c.EncoderOnly = c.Architecture == "T5EncoderModel"
	return nil
}

// resolveBloom is BLOOM: GPT-2-like pre-norm LayerNorm blocks with a fused
// query_key_value, ALiBi instead of position embeddings, a LayerNorm after
// the word embeddings, a 4·hidden tanh-GELU MLP and a tied LM head.
func resolveBloom(r *reader, c *Config) error {
	c.Vocab = r.pos("vocab_size")
	// BloomConfig: n_embed, when given, overrides hidden_size.
	c.Hidden = r.pos("n_embed", "hidden_size")
	c.Layers = r.pos("n_layer", "num_hidden_layers")
	c.Heads = r.pos("n_head", "num_attention_heads")
	c.KVHeads = c.Heads
	c.HeadDim = r.headDim(c.Hidden, c.Heads, "n_head")
	c.Intermediate = 4 * c.Hidden
	c.Act = "gelu_pytorch_tanh" // BloomGelu: the tanh approximation
	c.Norm, c.NormBias, c.Placement, c.Pos = LayerNorm, true, PreNorm, PosALiBi
	c.QKVBias, c.OutBias, c.MLPBias = true, true, true
	c.ResidualPostNorm = r.boolean(false, "apply_residual_connection_post_layernorm")
	c.Tied = r.boolean(true, "tie_word_embeddings")
	return nil
}

package hf

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/greenai/greenai/onnx"
)

// Phase is what one run of the built graph computes.
type Phase int

// Phases of a language model.
const (
	// Train is a forward pass over batch×sequence tokens with logits at every
	// position (the forward half of a training step; cost adds backward and
	// optimizer).
	Train Phase = iota
	// Prefill processes a prompt of batch×sequence tokens, fills the KV
	// cache and computes the logits of the last position only (as
	// generate() does).
	Prefill
	// Decode is one generation step: batch×1 new tokens attending to a KV
	// cache of past tokens.
	Decode
)

var phaseNames = []string{"train", "prefill", "decode"}

func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", int(p))
}

// ParsePhase reads train, prefill or decode.
func ParsePhase(s string) (Phase, error) {
	for i, n := range phaseNames {
		if s == n {
			return Phase(i), nil
		}
	}
	return 0, fmt.Errorf("unknown phase %q (known: %s)", s, strings.Join(phaseNames, ", "))
}

// BuildOptions control the graph.
type BuildOptions struct {
	Phase Phase
	// NoHead leaves out the task head (LM head, pooler, classifier): the
	// graph ends at the last hidden states.
	NoHead bool
}

// Symbolic dimension names of the built graphs' inputs.
const (
	DimBatch    = "batch"
	DimSequence = "sequence"
	DimPast     = "past"
	// DimDecoderSequence is the decoder length of an encoder-decoder in training.
	DimDecoderSequence = "decoder_sequence"
)

// Opset is the ai.onnx opset of the built graphs (RMSNormalization needs 23).
const Opset = 23

// Build builds the computation graph of a parsed config for a phase. The
// graph's initializers are named and shaped as in the Hugging Face state
// dict, in the config's torch_dtype, and hold no data.
func Build(cfg *Config, opts BuildOptions) (*onnx.Model, error) {
	if cfg == nil {
		return nil, errors.New("no config")
	}
	if opts.Phase < Train || opts.Phase > Decode {
		return nil, fmt.Errorf("unknown phase %d", int(opts.Phase))
	}
	m := &lm{builder: newBuilder(cfg.DType), c: cfg, ph: opts.Phase, noHead: opts.NoHead, rope: map[string][2]string{}, win: map[int64][2]string{}}
	var err error
	switch cfg.ModelType {
	case "gpt2":
		err = m.gpt2()
	case "bert", "roberta":
		err = m.bert()
	case "t5":
		err = m.t5()
	case "bloom":
		err = m.bloom()
	default:
		err = m.decoder()
	}
	if err != nil {
		return nil, err
	}
	model := &onnx.Model{
		IRVersion:    10,
		Opsets:       map[string]int64{"": Opset},
		ProducerName: "greenai hf",
		Graph:        m.g,
		DocString:    fmt.Sprintf("%s (%s) built from config.json for the %s phase", cfg.ModelType, cfg.Architecture, opts.Phase),
		Metadata: []onnx.KV{
			{Key: "greenai.hf.model_type", Value: cfg.ModelType},
			{Key: "greenai.hf.phase", Value: opts.Phase.String()},
		},
	}
	return model, nil
}

// lm is the state of one build: shared values computed once per model.
type lm struct {
	*builder
	c      *Config
	ph     Phase
	noHead bool

	ids    string // input_ids
	bs     string // Shape(input_ids): [batch, sequence] (sequence is 1 in decode)
	seq    string // sequence length scalar
	start  string // first position: 0, or past in decode
	pos    string // int64 positions [sequence]
	mask   string // causal bool [sequence, sequence] (train, prefill)
	rope   map[string][2]string
	win    map[int64][2]string // window → (gather indices, valid mask)
	alibi  string              // ALiBi bias [heads, 1, keys]
	shapes map[string]string
	layer  int
	cache  []string // decode/prefill: names of present outputs in order
}

// shape4 is the reshape target [batch, sequence, dims...].
func (m *lm) shapeBS(dims ...int64) string {
	key := fmt.Sprint(dims)
	if m.shapes == nil {
		m.shapes = map[string]string{}
	}
	if s, ok := m.shapes[key]; ok {
		return s
	}
	s := m.op("", "Concat", []string{m.bs, m.ints(dims...)}, aInt("axis", 0))
	m.shapes[key] = s
	return s
}

// tokens starts a decoder-style graph: input_ids and, in decode, the past
// length from the cache inputs.
func (m *lm) tokens(name string) {
	seqDim := any(DimSequence)
	if m.ph == Decode {
		seqDim = int64(1)
	}
	m.ids = name
	m.input(name, onnx.Int64, DimBatch, seqDim)
	m.bs = m.op("", "Shape", []string{name})
	m.seq = m.op("", "Gather", []string{m.bs, m.int0(1)}, aInt("axis", 0))
	m.start = m.int0(0)
}

// positions computes the int64 position ids [sequence]: Range(start, start+sequence).
func (m *lm) positions() string {
	if m.pos == "" {
		end := m.seq
		if m.ph == Decode {
			end = m.op("", "Add", []string{m.start, m.seq})
		}
		m.pos = m.op("", "Range", []string{m.start, end, m.int0(1)})
	}
	return m.pos
}

// declareCache declares the decode phase's KV-cache inputs, layer by layer
// (past_key_values.N.key, .value: [batch, kv_heads, past, head_dim]), and
// reads the past length, the first position of the new token, from the
// first one.
func (m *lm) declareCache(layers int64, dims func(i int64) (kv, kd, vd int64)) {
	if m.ph != Decode {
		return
	}
	for i := int64(0); i < layers; i++ {
		kv, kd, vd := dims(i)
		m.input(fmt.Sprintf("past_key_values.%d.key", i), m.dt, DimBatch, kv, DimPast, kd)
		m.input(fmt.Sprintf("past_key_values.%d.value", i), m.dt, DimBatch, kv, DimPast, vd)
	}
	m.start = m.op("", "Gather", []string{m.op("", "Shape", []string{"past_key_values.0.key"}), m.int0(2)}, aInt("axis", 0))
}

// causalMask is the lower-triangular bool [sequence, sequence].
func (m *lm) causalMask() string {
	if m.mask == "" {
		ss := m.op("", "Concat", []string{m.op("", "Unsqueeze", []string{m.seq, m.ints(0)}), m.op("", "Unsqueeze", []string{m.seq, m.ints(0)})}, aInt("axis", 0))
		ones := m.op("", "Expand", []string{m.scalar(1), ss})
		tri := m.op("", "Trilu", []string{ones}, aInt("upper", 0))
		m.mask = m.op("", "Cast", []string{tri}, aInt("to", int64(onnx.Bool)))
	}
	return m.mask
}

// --- blocks ---

// linear is nn.Linear on [T, in]: Gemm with the [out, in] weight transposed.
func (m *lm) linear(x, module string, in, out int64, bias bool) string {
	ins := []string{x, m.param(module+".weight", out, in)}
	if bias {
		ins = append(ins, m.param(module+".bias", out))
	}
	return m.op(module, "Gemm", ins, aInt("transB", 1))
}

// conv1d is GPT-2's Conv1D: addmm with an [in, out] weight.
func (m *lm) conv1d(x, module string, in, out int64) string {
	return m.op(module, "Gemm", []string{x, m.param(module+".weight", in, out), m.param(module+".bias", out)})
}

// norm applies the config's normalization over the last axis.
func (m *lm) norm(x, module string, dim int64) string {
	return m.normKind(m.c.Norm, x, module, dim)
}

func (m *lm) normKind(k NormKind, x, module string, dim int64) string {
	w := m.param(module+".weight", dim)
	switch k {
	case LayerNorm:
		ins := []string{x, w}
		if m.c.NormBias {
			ins = append(ins, m.param(module+".bias", dim))
		}
		return m.op(module, "LayerNormalization", ins, aInt("axis", -1))
	case GemmaRMSNorm:
		w = m.op(module, "Add", []string{w, m.scalar(1)})
	}
	return m.op(module, "RMSNormalization", []string{x, w}, aInt("axis", -1))
}

// act applies an activation function.
func (m *lm) act(x, module, name string) string {
	switch name {
	case "silu", "swish":
		return m.op(module, "Mul", []string{x, m.op(module, "Sigmoid", []string{x})})
	case "gelu", "gelu_python":
		return m.op(module, "Gelu", []string{x})
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return m.op(module, "Gelu", []string{x}, aString("approximate", "tanh"))
	case "relu":
		return m.op(module, "Relu", []string{x})
	case "quick_gelu":
		return m.op(module, "Mul", []string{x, m.op(module, "Sigmoid", []string{m.op(module, "Mul", []string{x, m.scalar(1.702)})})})
	}
	panic("hf: unchecked activation " + name)
}

// mlpNames are the linear layers' names inside an MLP module.
type mlpNames struct{ gate, up, down, gateUp string }

var llamaMLP = mlpNames{gate: "gate_proj", up: "up_proj", down: "down_proj"}

// mlp is the feed-forward block on [T, hidden].
func (m *lm) mlp(x, module string, inter int64, n mlpNames, bias bool) string {
	h := m.c.Hidden
	var a string
	switch {
	case n.gateUp != "":
		gu := m.linear(x, module+"."+n.gateUp, h, 2*inter, bias)
		parts := m.node(module, "Split", []string{gu, m.ints(inter, inter)}, 2, aInt("axis", 1))
		a = m.op(module, "Mul", []string{m.act(parts[0], module, m.c.Act), parts[1]})
	case m.c.Gated:
		g := m.linear(x, module+"."+n.gate, h, inter, bias)
		u := m.linear(x, module+"."+n.up, h, inter, bias)
		a = m.op(module, "Mul", []string{m.act(g, module, m.c.Act), u})
	default:
		a = m.act(m.linear(x, module+"."+n.up, h, inter, bias), module, m.c.Act)
	}
	return m.linear(a, module+"."+n.down, inter, h, bias)
}

// ropeTables returns cos and sin [sequence, 1, rot] in the model dtype,
// computed as Hugging Face's rotary embedding does on every forward:
// inv_freq = 1/θ^(2i/rot), freqs = positions ⊗ inv_freq, emb = [freqs, freqs].
func (m *lm) ropeTables(rot int64, theta float64) (string, string) {
	key := fmt.Sprint(rot, theta)
	if t, ok := m.rope[key]; ok {
		return t[0], t[1]
	}
	const mod = "model.rotary_emb"
	idx := m.op(mod, "Range", []string{m.int0(0), m.int0(rot), m.int0(2)})
	exps := m.op(mod, "Div", []string{m.op(mod, "Cast", []string{idx}, aInt("to", int64(onnx.Float))), m.scalar(float64(rot))})
	inv := m.op(mod, "Reciprocal", []string{m.op(mod, "Pow", []string{m.scalar(theta), exps})})
	pos := m.op(mod, "Unsqueeze", []string{m.op(mod, "Cast", []string{m.positions()}, aInt("to", int64(onnx.Float))), m.ints(1)})
	freqs := m.op(mod, "MatMul", []string{pos, m.op(mod, "Unsqueeze", []string{inv, m.ints(0)})})
	emb := m.op(mod, "Concat", []string{freqs, freqs}, aInt("axis", -1))
	cos := m.op(mod, "Cos", []string{emb})
	sin := m.op(mod, "Sin", []string{emb})
	if m.dt != onnx.Float {
		cos = m.op(mod, "Cast", []string{cos}, aInt("to", int64(m.dt)))
		sin = m.op(mod, "Cast", []string{sin}, aInt("to", int64(m.dt)))
	}
	cos = m.op(mod, "Unsqueeze", []string{cos, m.ints(1)})
	sin = m.op(mod, "Unsqueeze", []string{sin, m.ints(1)})
	m.rope[key] = [2]string{cos, sin}
	return cos, sin
}

// applyRope rotates the first rot features of x [b, s, H, d]:
// x·cos + rotate_half(x)·sin.
func (m *lm) applyRope(x, module string, d, rot int64, theta float64) string {
	cos, sin := m.ropeTables(rot, theta)
	xr, pass := x, ""
	if rot < d {
		p := m.node(module, "Split", []string{x, m.ints(rot, d-rot)}, 2, aInt("axis", -1))
		xr, pass = p[0], p[1]
	}
	half := m.node(module, "Split", []string{xr, m.ints(rot/2, rot/2)}, 2, aInt("axis", -1))
	rh := m.op(module, "Concat", []string{m.op(module, "Neg", []string{half[1]}), half[0]}, aInt("axis", -1))
	out := m.op(module, "Add", []string{m.op(module, "Mul", []string{xr, cos}), m.op(module, "Mul", []string{rh, sin})})
	if pass != "" {
		out = m.op(module, "Concat", []string{out, pass}, aInt("axis", -1))
	}
	return out
}

// attnSpec describes one attention call.
type attnSpec struct {
	module         string
	heads, kv      int64
	d, vd          int64
	window         int64   // sliding window (0: none)
	softcap        float64 // tanh soft-capping of the scores (0: none)
	scale          float64 // score scale (0: 1/√d)
	causal         bool
	bias           string // added to the scores ([heads, sq, sk] or broadcastable)
	alibi          bool   // add ALiBi's linear position bias to the scores
	cache          string // KV-cache name prefix (past_key_values.N); "" for none
	cacheInputs    bool   // decode: concatenate the cache inputs
	cachedKV       bool   // cross-attention in decode: k and v are the cache inputs
	crossK, crossV string
}

// attend is scaled dot-product attention. q is [b, sq, heads, d], k and v
// [b, sk, kv, d|vd] (before the cache); the result is [b·sq, heads·vd].
//
// Full attention scores are one MatMul [.., sq, d]×[.., d, sk]. A sliding
// window of w keys is counted as what a windowed kernel computes: each query
// gathers its min(sequence, w) keys (Gather by a [sequence, min(sequence, w)]
// index), so the scores are [.., sq, min(sequence, w)]; in decode the cache
// is sliced to its last w positions. Grouped-query attention broadcasts the
// kv heads over the query groups instead of copying them.
func (m *lm) attend(a attnSpec, q, k, v string) string {
	mod := a.module
	tr := func(x string) string { return m.op(mod, "Transpose", []string{x}, aInts("perm", 0, 2, 1, 3)) }
	q = tr(q)
	if a.cachedKV {
		k, v = a.crossK, a.crossV
	} else {
		k, v = tr(k), tr(v)
		if a.cacheInputs {
			prefix := strings.Replace(a.cache, "present", "past_key_values", 1)
			pk, pv := prefix+".key", prefix+".value"
			k = m.op(mod, "Concat", []string{pk, k}, aInt("axis", 2))
			v = m.op(mod, "Concat", []string{pv, v}, aInt("axis", 2))
		}
		if a.cache != "" {
			m.output(a.cache+".key", m.dt, k)
			m.output(a.cache+".value", m.dt, v)
		}
	}
	g := a.heads / a.kv
	grouped := g > 1
	if grouped {
		// q [b, heads, sq, d] → [b, kv, g, sq, d]; k, v [b, kv, 1, sk, d].
		q = m.op(mod, "Reshape", []string{q, m.ints(0, a.kv, g, -1, a.d)})
	}
	scale := a.scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(a.d))
	}
	windowed := a.window > 0 && m.ph != Decode
	var scores, valid string
	if windowed {
		idx, ok := m.windowIndex(a.window)
		valid = ok
		kw := m.op(mod, "Gather", []string{k, idx}, aInt("axis", 2)) // [b, kv, sq, W, d]
		vw := m.op(mod, "Gather", []string{v, idx}, aInt("axis", 2))
		if grouped {
			kw = m.op(mod, "Unsqueeze", []string{kw, m.ints(2)})
			vw = m.op(mod, "Unsqueeze", []string{vw, m.ints(2)})
		}
		k, v = kw, vw
		qc := m.op(mod, "Unsqueeze", []string{q, m.ints(-1)}) // [.., sq, d, 1]
		scores = m.op(mod, "MatMul", []string{k, qc})         // [.., sq, W, 1]
	} else {
		if a.window > 0 { // decode: the last min(past+1, w) cached positions
			last := m.decodeWindow(a.window)
			k = m.op(mod, "Gather", []string{k, last}, aInt("axis", 2))
			v = m.op(mod, "Gather", []string{v, last}, aInt("axis", 2))
		}
		if grouped {
			k = m.op(mod, "Unsqueeze", []string{k, m.ints(2)})
			v = m.op(mod, "Unsqueeze", []string{v, m.ints(2)})
		}
		kt := m.op(mod, "Transpose", []string{k}, aInts("perm", transposeLast(grouped)...))
		scores = m.op(mod, "MatMul", []string{q, kt})
	}
	if scale != 1 {
		scores = m.op(mod, "Mul", []string{scores, m.scalar(scale)})
	}
	if a.softcap > 0 {
		scores = m.op(mod, "Mul", []string{m.op(mod, "Tanh", []string{m.op(mod, "Div", []string{scores, m.scalar(a.softcap)})}), m.scalar(a.softcap)})
	}
	if a.bias != "" {
		scores = m.op(mod, "Add", []string{scores, a.bias})
	}
	if a.alibi {
		bias := m.alibiBias(a.heads) // [heads, 1, sk]
		if grouped {
			bias = m.op(mod, "Reshape", []string{bias, m.ints(a.kv, g, 1, -1)})
		}
		scores = m.op(mod, "Add", []string{scores, bias})
	}
	axis := int64(-1)
	switch {
	case windowed:
		axis = -2
		if a.causal {
			scores = m.op(mod, "Where", []string{valid, scores, m.scalar(math.Inf(-1))})
		}
	case a.causal && m.ph != Decode:
		scores = m.op(mod, "Where", []string{m.causalMask(), scores, m.scalar(math.Inf(-1))})
	}
	p := m.op(mod, "Softmax", []string{scores}, aInt("axis", axis))
	var o string
	if windowed {
		rank := int64(5)
		if grouped {
			rank = 6
		}
		perm := make([]int64, rank)
		for i := range perm {
			perm[i] = int64(i)
		}
		perm[rank-1], perm[rank-2] = perm[rank-2], perm[rank-1]
		o = m.op(mod, "MatMul", []string{m.op(mod, "Transpose", []string{p}, aInts("perm", perm...)), v}) // [.., sq, 1, vd]
	} else {
		o = m.op(mod, "MatMul", []string{p, v})
	}
	o = m.op(mod, "Reshape", []string{o, m.ints(0, a.heads, -1, a.vd)}) // [b, heads, sq, vd]
	o = m.op(mod, "Transpose", []string{o}, aInts("perm", 0, 2, 1, 3))
	return m.op(mod, "Reshape", []string{o, m.ints(-1, a.heads*a.vd)})
}

func transposeLast(grouped bool) []int64 {
	if grouped {
		return []int64{0, 1, 2, 4, 3}
	}
	return []int64{0, 1, 3, 2}
}

// windowIndex returns, for a sliding window of w keys, the key positions
// [sequence, W] each query reads (W = min(sequence, w)), clamped at 0, and
// the bool mask of those that are real (index ≥ 0 before clamping).
func (m *lm) windowIndex(w int64) (string, string) {
	if t, ok := m.win[w]; ok {
		return t[0], t[1]
	}
	const mod = "model.sliding_window"
	W := m.op(mod, "Min", []string{m.seq, m.int0(w)})
	r := m.op(mod, "Range", []string{m.int0(0), m.seq, m.int0(1)})
	j := m.op(mod, "Range", []string{m.int0(0), W, m.int0(1)})
	idx := m.op(mod, "Add", []string{m.op(mod, "Unsqueeze", []string{r, m.ints(1)}), m.op(mod, "Unsqueeze", []string{j, m.ints(0)})})
	idx = m.op(mod, "Sub", []string{idx, m.op(mod, "Sub", []string{W, m.int0(1)})}) // i − W + 1 + j
	valid := m.op(mod, "GreaterOrEqual", []string{idx, m.int0(0)})
	idx = m.op(mod, "Max", []string{idx, m.int0(0)})
	valid = m.op(mod, "Unsqueeze", []string{valid, m.ints(-1)}) // [s, W, 1]
	m.win[w] = [2]string{idx, valid}
	return idx, valid
}

// decodeWindow is the positions [min(past+1, w)] a decode step's window
// reads: the last w of the past+1 cached ones.
func (m *lm) decodeWindow(w int64) string {
	if t, ok := m.win[-w]; ok {
		return t[0]
	}
	const mod = "model.sliding_window"
	L := m.op(mod, "Add", []string{m.start, m.seq})
	W := m.op(mod, "Min", []string{L, m.int0(w)})
	r := m.op(mod, "Range", []string{m.op(mod, "Sub", []string{L, W}), L, m.int0(1)})
	m.win[-w] = [2]string{r, ""}
	return r
}

// toTokens flattens [b, s, h] to [b·s, h].
func (m *lm) toTokens(x string, h int64) string {
	return m.op("", "Reshape", []string{x, m.ints(-1, h)})
}

// heads4 reshapes [b·s, H·d] to [b, s, H, d].
func (m *lm) heads4(x, module string, heads, d int64) string {
	return m.op(module, "Reshape", []string{x, m.shapeBS(heads, d)})
}

// lmHead computes the logits from the final hidden states [T, h]: every
// position in train, the last one in prefill, the new one in decode.
func (m *lm) lmHead(x, weight, module string, bias string) string {
	h, V := m.c.Hidden, m.c.Vocab
	if m.ph == Prefill {
		x3 := m.op("", "Reshape", []string{x, m.shapeBS(h)})
		x = m.op("", "Gather", []string{x3, m.int0(-1)}, aInt("axis", 1)) // [b, h]
	}
	ins := []string{x, weight}
	if bias != "" {
		ins = append(ins, bias)
	}
	logits := m.op(module, "Gemm", ins, aInt("transB", 1))
	if c := m.c.FinalSoftcap; c > 0 {
		logits = m.op(module, "Mul", []string{m.op(module, "Tanh", []string{m.op(module, "Div", []string{logits, m.scalar(c)})}), m.scalar(c)})
	}
	if m.ph == Train {
		logits = m.op("", "Reshape", []string{logits, m.shapeBS(V)})
	} else {
		logits = m.op("", "Unsqueeze", []string{logits, m.ints(1)})
	}
	return logits
}

// --- GPT-2 ---

func (m *lm) gpt2() error {
	c := m.c
	m.tokens("input_ids")
	m.declareCache(c.Layers, func(int64) (int64, int64, int64) { return c.Heads, c.HeadDim, c.HeadDim })
	h := c.Hidden
	wte := m.param("transformer.wte.weight", c.Vocab, h)
	x := m.op("transformer.wte", "Gather", []string{wte, m.ids}, aInt("axis", 0))
	pe := m.op("transformer.wpe", "Gather", []string{m.param("transformer.wpe.weight", c.MaxPositions, h), m.positions()}, aInt("axis", 0))
	x = m.toTokens(m.op("transformer", "Add", []string{x, pe}), h)
	for i := int64(0); i < c.Layers; i++ {
		mod := fmt.Sprintf("transformer.h.%d", i)
		a := m.norm(x, mod+".ln_1", h)
		qkv := m.conv1d(a, mod+".attn.c_attn", h, 3*h)
		p := m.node(mod+".attn", "Split", []string{qkv, m.ints(h, h, h)}, 3, aInt("axis", 1))
		spec := attnSpec{module: mod + ".attn", heads: c.Heads, kv: c.Heads, d: c.HeadDim, vd: c.HeadDim, causal: true}
		m.cacheSpec(&spec, i)
		o := m.attend(spec, m.heads4(p[0], spec.module, c.Heads, c.HeadDim), m.heads4(p[1], spec.module, c.Heads, c.HeadDim), m.heads4(p[2], spec.module, c.Heads, c.HeadDim))
		x = m.op(mod, "Add", []string{x, m.conv1d(o, mod+".attn.c_proj", h, h)})
		f := m.norm(x, mod+".ln_2", h)
		f = m.act(m.conv1d(f, mod+".mlp.c_fc", h, c.Intermediate), mod+".mlp", c.Act)
		x = m.op(mod, "Add", []string{x, m.conv1d(f, mod+".mlp.c_proj", c.Intermediate, h)})
	}
	x = m.norm(x, "transformer.ln_f", h)
	return m.finish(x, "transformer.wte.weight")
}

// cacheSpec names the KV cache of attention layer i by phase.
func (m *lm) cacheSpec(a *attnSpec, i int64) {
	switch m.ph {
	case Prefill:
		a.cache = fmt.Sprintf("present.%d", i)
	case Decode:
		a.cache = fmt.Sprintf("present.%d", i)
		a.cacheInputs = true
	}
}

// finish adds the LM head (tied to tiedName when the config ties it) and the
// logits output, or the hidden states when there is no head.
func (m *lm) finish(x, tiedName string) error {
	if m.noHead {
		m.output("last_hidden_state", m.dt, m.op("", "Reshape", []string{x, m.shapeBS(m.c.Hidden)}))
		return nil
	}
	w := tiedName
	if !m.c.Tied {
		w = m.param("lm_head.weight", m.c.Vocab, m.c.Hidden)
	}
	m.output("logits", m.dt, m.lmHead(x, w, "lm_head", ""))
	return nil
}

// --- Llama-style decoders (Llama, Mistral, Mixtral, Qwen, Gemma, Phi-3, OLMo 2, DeepSeek-V3) ---

func (m *lm) decoder() error {
	c := m.c
	m.tokens("input_ids")
	m.declareCache(c.Layers, func(int64) (int64, int64, int64) {
		if c.MLA != nil {
			return c.Heads, c.MLA.QKNopeDim + c.MLA.QKRopeDim, c.MLA.VDim
		}
		return c.KVHeads, c.HeadDim, c.HeadDim
	})
	h := c.Hidden
	emb := m.param("model.embed_tokens.weight", c.Vocab, h)
	x := m.op("model.embed_tokens", "Gather", []string{emb, m.ids}, aInt("axis", 0))
	if c.ScaleEmbed {
		x = m.op("model", "Mul", []string{x, m.scalar(math.Sqrt(float64(h)))})
	}
	x = m.toTokens(x, h)
	for i := int64(0); i < c.Layers; i++ {
		mod := fmt.Sprintf("model.layers.%d", i)
		attn := func(in string) string { return m.selfAttention(in, mod+".self_attn", i) }
		ffn := func(in string) string { return m.feedForward(in, mod, i) }
		switch c.Placement {
		case PreNorm:
			x = m.op(mod, "Add", []string{x, attn(m.norm(x, mod+".input_layernorm", h))})
			x = m.op(mod, "Add", []string{x, ffn(m.norm(x, mod+".post_attention_layernorm", h))})
		case OutNorm:
			x = m.op(mod, "Add", []string{x, m.norm(attn(x), mod+".post_attention_layernorm", h)})
			x = m.op(mod, "Add", []string{x, m.norm(ffn(x), mod+".post_feedforward_layernorm", h)})
		case Sandwich:
			x = m.op(mod, "Add", []string{x, m.norm(attn(m.norm(x, mod+".input_layernorm", h)), mod+".post_attention_layernorm", h)})
			x = m.op(mod, "Add", []string{x, m.norm(ffn(m.norm(x, mod+".pre_feedforward_layernorm", h)), mod+".post_feedforward_layernorm", h)})
		}
	}
	x = m.norm(x, "model.norm", h)
	return m.finish(x, "model.embed_tokens.weight")
}

// selfAttention is one decoder layer's attention on [T, hidden].
func (m *lm) selfAttention(x, mod string, i int64) string {
	c := m.c
	if c.MLA != nil {
		return m.mla(x, mod, i)
	}
	h, H, KV, d := c.Hidden, c.Heads, c.KVHeads, c.HeadDim
	var q, k, v string
	if c.ModelType == "phi3" {
		qkv := m.linear(x, mod+".qkv_proj", h, (H+2*KV)*d, c.QKVBias)
		p := m.node(mod, "Split", []string{qkv, m.ints(H*d, KV*d, KV*d)}, 3, aInt("axis", 1))
		q, k, v = p[0], p[1], p[2]
	} else {
		q = m.linear(x, mod+".q_proj", h, H*d, c.QKVBias)
		k = m.linear(x, mod+".k_proj", h, KV*d, c.QKVBias)
		v = m.linear(x, mod+".v_proj", h, KV*d, c.QKVBias)
	}
	if c.QKNorm == "full" { // OLMo 2: RMSNorm over the whole projection
		q = m.norm(q, mod+".q_norm", H*d)
		k = m.norm(k, mod+".k_norm", KV*d)
	}
	q4, k4, v4 := m.heads4(q, mod, H, d), m.heads4(k, mod, KV, d), m.heads4(v, mod, KV, d)
	if c.QKNorm == "head" { // Qwen3, Gemma 3: RMSNorm over each head
		q4 = m.norm(q4, mod+".q_norm", d)
		k4 = m.norm(k4, mod+".k_norm", d)
	}
	theta := c.RopeTheta
	q4 = m.applyRope(q4, mod, d, c.RotaryDim, theta)
	k4 = m.applyRope(k4, mod, d, c.RotaryDim, theta)
	spec := attnSpec{module: mod, heads: H, kv: KV, d: d, vd: d, causal: true, softcap: c.AttnSoftcap, scale: c.AttnScale}
	if c.SlidingWindow > 0 && (c.Sliding == nil || c.Sliding[i]) {
		spec.window = c.SlidingWindow
	}
	m.cacheSpec(&spec, i)
	o := m.attend(spec, q4, k4, v4)
	return m.linear(o, mod+".o_proj", H*d, h, c.OutBias)
}

// feedForward is layer i's MLP or MoE block on [T, hidden].
func (m *lm) feedForward(x, mod string, i int64) string {
	c := m.c
	if c.MoE != nil && m.isMoELayer(i) {
		return m.moe(x, mod, i)
	}
	n := llamaMLP
	if c.ModelType == "phi3" {
		n = mlpNames{gateUp: "gate_up_proj", down: "down_proj"}
	}
	return m.mlp(x, mod+".mlp", c.Intermediate, n, c.MLPBias)
}

func (m *lm) isMoELayer(i int64) bool {
	e := m.c.MoE
	if i < e.FirstDense {
		return false
	}
	for _, d := range e.DenseLayers {
		if d == i {
			return false
		}
	}
	if m.c.ModelType == "deepseek_v3" {
		return i%e.Step == 0 // layer_idx % moe_layer_freq == 0
	}
	return (i+1)%e.Step == 0 // (layer_idx + 1) % decoder_sparse_step == 0
}

// alibiBias is ALiBi's bias [heads, 1, keys] (Press et al. 2022), as
// transformers' build_alibi_tensor computes it on every forward: for the
// largest power of two n ≤ heads, slopes base^1…base^n with base =
// 2^(−8/n); for the remaining r heads, the odd powers 1, 3, …, 2r−1 of
// 2^(−4/n); the bias of key position j is slope·j. It is built once per
// graph from the key positions (0 … sequence−1, or 0 … past in decode) and
// added to every layer's scaled scores (1 ADD per score).
//
// transformers derives the positions from the attention mask and builds
// the bias per batch item (batch·heads·keys MULs); the inputs here are
// unpadded, so it is built once (heads·keys MULs).
func (m *lm) alibiBias(heads int64) string {
	if m.alibi != "" {
		return m.alibi
	}
	const mod = "transformer.alibi"
	n := int64(1)
	for n*2 <= heads {
		n *= 2
	}
	powers := func(start, end, step int64) string {
		return m.op(mod, "Cast", []string{m.op(mod, "Range", []string{m.int0(start), m.int0(end), m.int0(step)})}, aInt("to", int64(onnx.Float)))
	}
	slopes := m.op(mod, "Pow", []string{m.scalar(math.Pow(2, -8/float64(n))), powers(1, 1+n, 1)})
	if n != heads {
		r := min(n, heads-n)
		extra := m.op(mod, "Pow", []string{m.scalar(math.Pow(2, -4/float64(n))), powers(1, 1+2*r, 2)})
		slopes = m.op(mod, "Concat", []string{slopes, extra}, aInt("axis", 0))
	}
	end := m.seq
	if m.ph == Decode {
		end = m.op(mod, "Add", []string{m.start, m.seq})
	}
	keys := m.op(mod, "Cast", []string{m.op(mod, "Range", []string{m.int0(0), end, m.int0(1)})}, aInt("to", int64(onnx.Float)))
	bias := m.op(mod, "Mul", []string{m.op(mod, "Unsqueeze", []string{slopes, m.ints(1, 2)}), m.op(mod, "Unsqueeze", []string{keys, m.ints(0, 1)})})
	if m.dt != onnx.Float {
		bias = m.op(mod, "Cast", []string{bias}, aInt("to", int64(m.dt)))
	}
	m.alibi = bias
	return bias
}

// --- BLOOM ---

// bloom builds BLOOM: word embeddings and their LayerNorm, pre-norm
// LayerNorm blocks (the residual is the normed input when
// apply_residual_connection_post_layernorm), a fused query_key_value whose
// output is per head [q, k, v], multi-head attention with ALiBi, a
// dense_h_to_4h → tanh GELU → dense_4h_to_h MLP, the final ln_f and the LM
// head tied to the word embeddings.
func (m *lm) bloom() error {
	c := m.c
	m.tokens("input_ids")
	m.declareCache(c.Layers, func(int64) (int64, int64, int64) { return c.Heads, c.HeadDim, c.HeadDim })
	h, H, d := c.Hidden, c.Heads, c.HeadDim
	wte := m.param("transformer.word_embeddings.weight", c.Vocab, h)
	x := m.op("transformer.word_embeddings", "Gather", []string{wte, m.ids}, aInt("axis", 0))
	x = m.toTokens(m.norm(x, "transformer.word_embeddings_layernorm", h), h)
	for i := int64(0); i < c.Layers; i++ {
		mod := fmt.Sprintf("transformer.h.%d", i)
		att := mod + ".self_attention"
		a := m.norm(x, mod+".input_layernorm", h)
		res := x
		if c.ResidualPostNorm {
			res = a
		}
		// view(batch, seq, heads, 3, head_dim): q, k, v interleaved per head.
		qkv := m.heads4(m.linear(a, att+".query_key_value", h, 3*h, true), att, H, 3*d)
		p := m.node(att, "Split", []string{qkv, m.ints(d, d, d)}, 3, aInt("axis", -1))
		spec := attnSpec{module: att, heads: H, kv: H, d: d, vd: d, causal: true, alibi: true}
		m.cacheSpec(&spec, i)
		o := m.attend(spec, p[0], p[1], p[2])
		x = m.op(mod, "Add", []string{res, m.linear(o, att+".dense", h, h, true)})
		f := m.norm(x, mod+".post_attention_layernorm", h)
		res = x
		if c.ResidualPostNorm {
			res = f
		}
		f = m.act(m.linear(f, mod+".mlp.dense_h_to_4h", h, c.Intermediate, true), mod+".mlp", c.Act)
		x = m.op(mod, "Add", []string{res, m.linear(f, mod+".mlp.dense_4h_to_h", c.Intermediate, h, true)})
	}
	x = m.norm(x, "transformer.ln_f", h)
	return m.finish(x, "transformer.word_embeddings.weight")
}

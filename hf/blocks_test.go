package hf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/train"
)

// Tiny configs whose counts are derived by hand below. Shared attention
// shape: hidden 32, 4 query heads, 2 kv heads, head_dim 8, 2 layers,
// vocabulary 50.
const tinyLlama = `{"model_type": "llama", "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 48, "torch_dtype": "float32"}`

func parse(t *testing.T, js string, edits ...string) *Config {
	t.Helper()
	if len(edits) > 0 {
		js = strings.TrimSuffix(strings.TrimSpace(js), "}") + ", " + strings.Join(edits, ", ") + "}"
	}
	c, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// evalEq compares two polynomials (possibly with min) at several points.
func evalEq(t *testing.T, what string, got, want sym.Expr) {
	t.Helper()
	if got.Equal(want) {
		return
	}
	for _, b := range []int64{1, 3} {
		for _, s := range []int64{1, 2, 4, 5, 17} {
			for _, p := range []int64{0, 3, 9} {
				bind := map[string]int64{DimBatch: b, DimSequence: s, DimPast: p}
				g, err1 := got.Eval(bind)
				w, err2 := want.Eval(bind)
				if err1 != nil || err2 != nil || g != w {
					t.Errorf("%s: got %v, want %v (at batch %d, sequence %d, past %d: %d vs %d, %v %v)", what, got, want, b, s, p, g, w, err1, err2)
					return
				}
			}
		}
	}
}

func expr(t *testing.T, s string) sym.Expr { return mustParse(t, s) }

// Per layer of tinyLlama (T = batch·sequence tokens): q 32·32, k and v
// 32·16 each, o 32·32, the SwiGLU MLP 3·32·48: 7680 MACs per token; scores
// and attention-weighted values 4 heads · 8 dims each per (query, key):
// 64·batch·sequence². RoPE's inv_freq ⊗ positions: 4 MACs per position,
// once. LM head 32·50 per token with logits.
func TestGQACounts(t *testing.T) {
	c := parse(t, tinyLlama)
	for _, tc := range []struct {
		ph   Phase
		macs string
	}{
		{Train, "2*(7680*batch*sequence + 64*batch*sequence^2) + 1600*batch*sequence + 4*sequence"},
		{Prefill, "2*(7680*batch*sequence + 64*batch*sequence^2) + 1600*batch + 4*sequence"},
		// one token attends past+1 keys
		{Decode, "2*(7680*batch + 64*batch*(past+1)) + 1600*batch + 4"},
	} {
		_, r := count(t, c, BuildOptions{Phase: tc.ph})
		evalEq(t, tc.ph.String()+" MACs", r.MACs, expr(t, tc.macs))
	}
	// Grouped-query attention shares k and v: with 4 kv heads (MHA) the k
	// and v projections double, the attention products do not change.
	mha := parse(t, tinyLlama)
	mha.KVHeads = 4
	_, r := count(t, mha, BuildOptions{Phase: Train})
	evalEq(t, "MHA MACs", r.MACs, expr(t, "2*(8704*batch*sequence + 64*batch*sequence^2) + 1600*batch*sequence + 4*sequence"))
}

// A decode step's KV cache: 2 layers × (k, v) × batch × 2 kv heads × past ×
// 8 dims × 4 bytes in; past+1 positions out.
func TestDecodeKVCache(t *testing.T) {
	c := parse(t, tinyLlama)
	res, _ := count(t, c, BuildOptions{Phase: Decode})
	s := Summarize(c, res)
	evalEq(t, "KV cache in", s.KVCacheIn, expr(t, "256*batch*past"))
	evalEq(t, "KV cache out", s.KVCacheOut, expr(t, "256*batch*(past+1)"))
	evalEq(t, "tokens", s.Tokens, expr(t, "batch"))
	for _, v := range res.Graph.Inputs {
		for _, d := range v.Shape {
			for _, name := range d.Vars() {
				if name != DimBatch && name != DimPast {
					t.Errorf("decode input %s has dim %s", v.Name, name)
				}
			}
		}
	}
	res, _ = count(t, c, BuildOptions{Phase: Prefill})
	s = Summarize(c, res)
	evalEq(t, "prefill KV cache out", s.KVCacheOut, expr(t, "256*batch*sequence"))
	if !s.KVCacheIn.Equal(sym.Expr{}) {
		t.Errorf("prefill reads a cache of %v bytes", s.KVCacheIn)
	}
}

// A sliding window of 4 keys: each query's scores and weighted values cover
// min(sequence, 4) keys; in decode, min(past+1, 4).
func TestSlidingWindow(t *testing.T) {
	c := parse(t, strings.Replace(tinyLlama, `"llama"`, `"mistral"`, 1), `"sliding_window": 4`)
	W := sym.Min(sym.Var(DimSequence), sym.Const(4))
	_, r := count(t, c, BuildOptions{Phase: Train})
	want := expr(t, "15360*batch*sequence + 1600*batch*sequence + 4*sequence").Add(W.Mul(expr(t, "128*batch*sequence")))
	evalEq(t, "train MACs", r.MACs, want)
	_, r = count(t, c, BuildOptions{Phase: Decode})
	Wd := sym.Min(sym.Var(DimPast).AddInt(1), sym.Const(4))
	evalEq(t, "decode MACs", r.MACs, expr(t, "15360*batch + 1600*batch + 4").Add(Wd.Mul(expr(t, "128*batch"))))
	// Below the window the count is full causal attention's.
	full, err := r.MACs.Eval(map[string]int64{DimBatch: 2, DimPast: 2})
	if err != nil || full != 2*(7680+64*3)*2+1600*2+4 {
		t.Errorf("decode MACs at past 2 = %d (%v)", full, err)
	}
}

// Mixtral-style MoE with 4 experts, top-2: router 32·4 MACs per token, the
// experts 2 slots × 3·32·48 per token, whatever the number of experts.
func TestMoETopK(t *testing.T) {
	js := strings.Replace(tinyLlama, `"llama"`, `"mixtral"`, 1)
	c := parse(t, js, `"num_local_experts": 4`, `"num_experts_per_tok": 2`)
	m, err := Build(c, BuildOptions{Phase: Train})
	if err != nil {
		t.Fatal(err)
	}
	res, r := countModel(t, m)
	// per layer 3072 (attention projections) + 128 (router) + 9216 (experts)
	evalEq(t, "MACs", r.MACs, expr(t, "2*(12416*batch*sequence + 64*batch*sequence^2) + 1600*batch*sequence + 4*sequence"))
	p := CountParams(c, m)
	if p.Total != 46624 || p.Active != 28192 || r.Params.Params != 46624 {
		t.Errorf("params total %d (engine %d) active %d, want 46624 and 28192", p.Total, r.Params.Params, p.Active)
	}
	// Training: every expert is trainable (its weights get gradients and
	// updates), and freezing by parameter name works.
	tr, err := train.Count(res, r, train.Options{Optimizer: train.Adam})
	if err != nil {
		t.Fatal(err)
	}
	if tr.TrainableParams != 46624 {
		t.Errorf("trainable %d, want all 46624", tr.TrainableParams)
	}
	fr, err := train.Count(res, r, train.Options{Optimizer: train.Adam, Freeze: []string{"model.layers.*.block_sparse_moe.experts.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if fr.FrozenParams != 2*4*4608 {
		t.Errorf("frozen %d, want the 8 experts' 36864", fr.FrozenParams)
	}
	// Eight experts instead of four: the same MACs except the router.
	c8 := parse(t, js, `"num_local_experts": 8`, `"num_experts_per_tok": 2`)
	_, r8 := count(t, c8, BuildOptions{Phase: Train})
	evalEq(t, "8 experts", r8.MACs.Sub(r.MACs), expr(t, "2*128*batch*sequence"))
	// Top-1: half the expert slots.
	c1 := parse(t, js, `"num_local_experts": 4`, `"num_experts_per_tok": 1`)
	_, r1 := count(t, c1, BuildOptions{Phase: Train})
	evalEq(t, "top-1", r.MACs.Sub(r1.MACs), expr(t, "2*4608*batch*sequence"))
}

// DeepSeek-style MLA: q 32→16→2·(4+2), kv 32→8+2, 8→2·(4+4), o 2·4→32
// (1408 MACs per token); scores over 6 dims and values over 4 for 2 heads
// (20·batch·sequence²). Layer 0 is dense (3·32·48), layer 1 MoE: router
// 32·4, 2 routed slots of 3·32·8, one shared expert 3·32·8.
const mlaConfig = `{"model_type": "deepseek_v3", "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2,
 "num_attention_heads": 2, "intermediate_size": 48, "q_lora_rank": 16, "kv_lora_rank": 8, "qk_nope_head_dim": 4,
 "qk_rope_head_dim": 2, "v_head_dim": 4, "n_routed_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 8,
 "n_shared_experts": 1, "first_k_dense_replace": 1, "n_group": 2, "topk_group": 1, "routed_scaling_factor": 2.5}`

func TestMLA(t *testing.T) {
	c := parse(t, mlaConfig)
	_, r := count(t, c, BuildOptions{Phase: Train})
	evalEq(t, "MACs", r.MACs, expr(t, "2*1408*batch*sequence + 40*batch*sequence^2 + 4608*batch*sequence + 2432*batch*sequence + 1600*batch*sequence + sequence"))
	res, r := count(t, c, BuildOptions{Phase: Decode})
	evalEq(t, "decode MACs", r.MACs, expr(t, "2*1408*batch + 40*batch*(past+1) + 4608*batch + 2432*batch + 1600*batch + 1"))
	// The cache holds per-head keys (6 dims) and values (4 dims), as
	// transformers' DeepseekV3Attention does: 2 layers × 2 heads × 10 × 4 bytes.
	evalEq(t, "KV cache", Summarize(c, res).KVCacheIn, expr(t, "160*batch*past"))
	// attention_bias biases q_a_proj (16), kv_a_proj_with_mqa (10) and
	// o_proj (32) in each of the 2 layers, as DeepseekV3Attention does;
	// q_b_proj and kv_b_proj stay bias-free.
	cb := parse(t, mlaConfig, `"attention_bias": true`)
	mb, err := Build(cb, BuildOptions{Phase: Train})
	if err != nil {
		t.Fatal(err)
	}
	m0, err := Build(c, BuildOptions{Phase: Train})
	if err != nil {
		t.Fatal(err)
	}
	if d := CountParams(cb, mb).Total - CountParams(c, m0).Total; d != 2*(16+10+32) {
		t.Errorf("attention_bias adds %d parameters, want 116", d)
	}
}

// Soft-capping (Gemma 2): tanh(x/c)·c on every score and logit: one DIV,
// one TANH (17 under the default table) and one MUL per element.
func TestSoftCapping(t *testing.T) {
	c := parse(t, `{"model_type": "gemma2", "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 48, "query_pre_attn_scalar": 8,
 "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "sliding_window": 4}`)
	if !c.Sliding[0] || c.Sliding[1] {
		t.Fatalf("Gemma 2 alternates local and global layers from a local one: %v", c.Sliding)
	}
	_, with := count(t, c, BuildOptions{Phase: Train})
	c.AttnSoftcap, c.FinalSoftcap = 0, 0
	_, without := count(t, c, BuildOptions{Phase: Train})
	per := int64(fpo.DefaultTable()[fpo.Div] + fpo.DefaultTable()[fpo.Tanh] + fpo.DefaultTable()[fpo.Mul])
	W := sym.Min(sym.Var(DimSequence), sym.Const(4))
	// layer 0: 4 heads × sequence × W scores; layer 1: 4 × sequence²; logits 50 per token.
	elems := W.Mul(expr(t, "4*batch*sequence")).Add(expr(t, "4*batch*sequence^2 + 50*batch*sequence"))
	evalEq(t, "soft-capping FPO", with.FPO.Sub(without.FPO), elems.MulInt(per))
	if !with.MACs.Equal(without.MACs) {
		t.Errorf("soft-capping changed MACs")
	}
}

// The graph carries no weight data: every initializer is shape-only, named
// as in the state dict, in the config's dtype.
func TestInitializersShapeOnly(t *testing.T) {
	c := loadConfig(t, "llama-3-8b")
	m, err := Build(c, BuildOptions{Phase: Train})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]int64{}
	for _, w := range m.Graph.Initializers {
		if w.HasData() {
			t.Errorf("%s holds data", w.Name)
		}
		if w.DataType != c.DType {
			t.Errorf("%s is %v, want %v", w.Name, w.DataType, c.DType)
		}
		names[w.Name] = w.Dims
	}
	for name, dims := range map[string][]int64{
		"model.embed_tokens.weight":              {128256, 4096},
		"model.layers.0.self_attn.q_proj.weight": {4096, 4096},
		"model.layers.0.self_attn.k_proj.weight": {1024, 4096},
		"model.layers.31.mlp.down_proj.weight":   {4096, 14336},
		"model.layers.0.input_layernorm.weight":  {4096},
		"model.norm.weight":                      {4096},
		"lm_head.weight":                         {128256, 4096},
	} {
		if fmt.Sprint(names[name]) != fmt.Sprint(dims) {
			t.Errorf("%s: %v, want %v", name, names[name], dims)
		}
	}
	if len(names) != 2+32*9+1 {
		t.Errorf("%d tensors, want 291", len(names))
	}
}

// ALiBi (BLOOM): hidden 32, 4 heads of 8, 2 layers, vocabulary 50. Per
// layer and token: query_key_value 32·96, dense 32·32, the 4h MLP 2·32·128
// (12288 MACs); scores and weighted values 4 heads · 8 dims each per
// (query, key) pair: 64·batch·sequence². ALiBi adds no MACs: its bias is one
// ADD per score (4 heads · sequence queries · sequence keys per batch item
// and layer; in decode 4 · (past+1)), built once from the key positions
// (4 slopes × keys MULs) and the slopes (base^1…base^4, base = 2^(−8/4):
// 4 POW).
func TestALiBi(t *testing.T) {
	const tinyBloom = `{"model_type": "bloom", "vocab_size": 50, "hidden_size": 32, "n_layer": 2, "n_head": 4}`
	c := parse(t, tinyBloom)
	pow := int64(fpo.DefaultTable()[fpo.Pow])
	for _, tc := range []struct {
		ph                 Phase
		macs, add, mul, pw string
	}{
		{Train, "2*(12288*batch*sequence + 64*batch*sequence^2) + 1600*batch*sequence", "4*batch*sequence^2", "4*sequence", "4"},
		{Prefill, "2*(12288*batch*sequence + 64*batch*sequence^2) + 1600*batch", "4*batch*sequence^2", "4*sequence", "4"},
		{Decode, "2*(12288*batch + 64*batch*(past+1)) + 1600*batch", "4*batch*(past+1)", "4*(past+1)", "4"},
	} {
		_, r := count(t, c, BuildOptions{Phase: tc.ph})
		evalEq(t, tc.ph.String()+" MACs", r.MACs, expr(t, tc.macs))
		var adds, muls, pows int
		for _, n := range r.Nodes {
			switch name := n.Node.Node.Name; {
			case strings.HasPrefix(name, "/transformer/h.") && strings.Contains(name, "/self_attention/Add"):
				adds++
				evalEq(t, tc.ph.String()+" "+name, n.FPO, expr(t, tc.add))
			case strings.HasPrefix(name, "/transformer/alibi/Mul"):
				muls++
				evalEq(t, tc.ph.String()+" "+name, n.FPO, expr(t, tc.mul))
			case strings.HasPrefix(name, "/transformer/alibi/Pow"):
				pows++
				evalEq(t, tc.ph.String()+" "+name, n.FPO, expr(t, tc.pw).MulInt(pow))
			}
		}
		if adds != 2 || muls != 1 || pows != 1 {
			t.Errorf("%s: %d bias adds (want one per layer), %d bias builds, %d slope powers (want 1 each)", tc.ph, adds, muls, pows)
		}
	}
	// 6 heads (not a power of two): 4 slopes base^1…base^4 and 2 more, the
	// odd powers 1 and 3 of 2^(−4/4) (transformers' build_alibi_tensor).
	c6 := parse(t, `{"model_type": "bloom", "vocab_size": 50, "hidden_size": 48, "n_layer": 1, "n_head": 6}`)
	m, err := Build(c6, BuildOptions{Phase: Prefill})
	if err != nil {
		t.Fatal(err)
	}
	_, r := countModel(t, m)
	bases := map[float32]bool{}
	consts := map[string]float32{}
	for _, n := range m.Graph.Nodes {
		if n.OpType == "Constant" && len(n.Attrs) == 1 && n.Attrs[0].Name == "value_float" {
			consts[n.Outputs[0]] = n.Attrs[0].F
		}
		if n.OpType == "Pow" {
			bases[consts[n.Inputs[0]]] = true
		}
	}
	if len(bases) != 2 || !bases[0.25] || !bases[0.5] {
		t.Errorf("slope bases %v, want 2^(-2) and 2^(-1)", bases)
	}
	var pw sym.Expr
	for _, n := range r.Nodes {
		if strings.HasPrefix(n.Node.Node.Name, "/transformer/alibi/Pow") {
			pw = pw.Add(n.FPO)
		}
	}
	evalEq(t, "6-head slope powers", pw, sym.Const(6*pow))
}

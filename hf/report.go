package hf

import (
	"strings"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Summary is what a language model's count adds to the fpo and cost reports:
// the phase, total and active parameters, the KV cache and the usual rules
// of thumb to set beside the exact count.
type Summary struct {
	ModelType string      `json:"model_type"`
	Phase     string      `json:"phase"`
	Params    ParamCounts `json:"params"`
	// NonEmbedding is the N of Kaplan's and PaLM's rules: the parameters one
	// token uses (active ones for mixture-of-experts), without the
	// embedding tables and the LM head.
	NonEmbedding int64 `json:"non_embedding_params"`
	// Tokens is the number of tokens one run processes.
	Tokens sym.Expr `json:"-"`
	// KVCacheIn is the size in bytes of the KV cache a decode step reads
	// (past tokens); KVCacheOut what a prefill or decode step leaves
	// (sequence or past+1 tokens). Zero in train.
	KVCacheIn, KVCacheOut sym.Expr `json:"-"`
}

// Summarize describes a model built by Build for cfg, using the shapes
// inference found (so bound dims are already substituted).
func Summarize(cfg *Config, res *shape.Result) *Summary {
	m := res.Model
	s := &Summary{ModelType: cfg.ModelType, Params: CountParams(cfg, m)}
	s.Phase = Train.String()
	for _, kv := range m.Metadata {
		if kv.Key == "greenai.hf.phase" {
			s.Phase = kv.Value
		}
	}
	s.NonEmbedding = s.Params.Active - s.Params.Embedding
	g := res.Graph
	for _, v := range g.Inputs {
		switch {
		case strings.HasPrefix(v.Name, "past_key_values."):
			s.KVCacheIn = s.KVCacheIn.Add(valueBytes(v))
		case v.Name == "input_ids" || v.Name == "decoder_input_ids":
			if n, ok := v.NumElements(); ok {
				s.Tokens = s.Tokens.Add(n)
			}
		}
	}
	for i, out := range g.Graph.Outputs {
		if strings.HasPrefix(out.Name, "present.") && i < len(g.Outputs) {
			s.KVCacheOut = s.KVCacheOut.Add(valueBytes(g.Outputs[i]))
		}
	}
	return s
}

func valueBytes(v *shape.Value) sym.Expr {
	n, ok := v.NumElements()
	if !ok {
		return sym.Expr{}
	}
	return n.MulInt(int64(v.DType.Bits() / 8))
}

// Approx is a rule-of-thumb estimate of FPO (1 MAC = 2 FPO, as the papers
// count FLOPs), labelled with its source and formula.
type Approx struct {
	Name    string   `json:"name"`
	Source  string   `json:"source"`
	Formula string   `json:"formula"`
	FPO     sym.Expr `json:"-"`
	// Note says what the rule leaves out for this model, when it does.
	Note string `json:"note,omitempty"`
}

// RulesOfThumb returns the usual approximations of a run's FPO for a model
// built for cfg in the phase of s: the forward pass (fpo) or, when training
// is true, a training step's forward and backward passes (cost). They are
// estimates; the exact count is the graph's.
//
//   - Kaplan et al. 2020: 2·N per token forward, 6·N per token in
//     training, N the non-embedding (active) parameters.
//   - PaLM (Chowdhery et al. 2022, appendix B): 6·N + 12·L·H·Q·T per token in
//     training (2·N + 4·L·H·Q·T forward), L layers, H heads, Q head dim,
//     T the context length.
//   - Megatron-LM (Narayanan et al. 2021, eq. 3): 96·B·s·l·h²·(1 + s/6h +
//     V/16lh) per training iteration, which includes recomputing the forward
//     pass (activation checkpointing); its forward terms are
//     24·B·s·l·h² + 4·B·s²·l·h + 2·B·s·h·V. It assumes multi-head attention,
//     a 4h MLP and logits at every position; decode is not covered.
func RulesOfThumb(cfg *Config, s *Summary, training bool) []Approx {
	b := sym.Var(DimBatch)
	var T, tokens sym.Expr // context length, tokens processed
	decode := s.Phase == Decode.String()
	switch {
	case decode:
		T = sym.Var(DimPast).AddInt(1)
		tokens = b
	default:
		T = sym.Var(DimSequence)
		tokens = b.Mul(T)
	}
	if cfg.ModelType == "t5" {
		tokens = s.Tokens
	}
	N := sym.Const(s.NonEmbedding)
	perN, perA := int64(2), int64(4)
	if training {
		perN, perA = 6, 12
	}
	var out []Approx
	kap := Approx{Name: "Kaplan", Source: "Kaplan et al. 2020", FPO: N.MulInt(perN).Mul(tokens)}
	kap.Formula = "2·N·tokens (forward), N = non-embedding parameters"
	if training {
		kap.Formula = "6·N·tokens, N = non-embedding parameters"
	}
	if cfg.MoE != nil {
		kap.Formula += " (active)"
	}
	out = append(out, kap)
	if cfg.ModelType == "t5" || cfg.ModelType == "bert" || cfg.ModelType == "roberta" {
		return out
	}
	L, H, Q := sym.Const(cfg.Layers), sym.Const(cfg.Heads), sym.Const(cfg.HeadDim)
	palm := Approx{Name: "PaLM", Source: "Chowdhery et al. 2022, appendix B"}
	palm.FPO = N.MulInt(perN).Add(L.Mul(H).Mul(Q).Mul(T).MulInt(perA)).Mul(tokens)
	palm.Formula = "(2·N + 4·L·H·Q·T)·tokens (forward), T = context"
	if training {
		palm.Formula = "(6·N + 12·L·H·Q·T)·tokens, T = context"
	}
	out = append(out, palm)
	if decode {
		return out
	}
	l, h, V := sym.Const(cfg.Layers), sym.Const(cfg.Hidden), sym.Const(cfg.Vocab)
	sq := sym.Var(DimSequence)
	bs := b.Mul(sq)
	meg := Approx{Name: "Megatron", Source: "Narayanan et al. 2021, eq. 3"}
	if training {
		// 96·B·s·l·h²·(1 + s/6h + V/16lh) = 96Bslh² + 16Bs²lh + 6BshV
		meg.FPO = bs.Mul(l).Mul(h).Mul(h).MulInt(96).Add(bs.Mul(sq).Mul(l).Mul(h).MulInt(16)).Add(bs.Mul(h).Mul(V).MulInt(6))
		meg.Formula = "96·B·s·l·h²·(1 + s/6h + V/16lh) (with forward recomputation)"
	} else {
		meg.FPO = bs.Mul(l).Mul(h).Mul(h).MulInt(24).Add(bs.Mul(sq).Mul(l).Mul(h).MulInt(4)).Add(bs.Mul(h).Mul(V).MulInt(2))
		meg.Formula = "24·B·s·l·h² + 4·B·s²·l·h + 2·B·s·h·V (forward terms)"
	}
	var notes []string
	if cfg.KVHeads != cfg.Heads || cfg.MLA != nil {
		notes = append(notes, "assumes multi-head attention")
	}
	if cfg.Gated || cfg.Intermediate != 4*cfg.Hidden || cfg.MoE != nil {
		notes = append(notes, "assumes a 4h two-matrix MLP")
	}
	if s.Phase == Prefill.String() {
		notes = append(notes, "assumes logits at every position")
	}
	meg.Note = strings.Join(notes, "; ")
	out = append(out, meg)
	return out
}

// Subst binds dims in the estimates (as --dim binds them in the count).
func Subst(as []Approx, dims map[string]int64) []Approx {
	if len(dims) == 0 {
		return as
	}
	bind := map[string]sym.Expr{}
	for k, v := range dims {
		bind[k] = sym.Const(v)
	}
	out := make([]Approx, len(as))
	for i, a := range as {
		a.FPO = a.FPO.Subst(bind)
		out[i] = a
	}
	return out
}

package hf

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
)

// bert builds BERT and RoBERTa encoders: learned word, position and
// token-type embeddings with a LayerNorm, post-norm layers with
// bidirectional attention (no padding mask: the inputs are unpadded), and
// the head named by architectures[0]: BertModel's pooler, the masked-LM head
// (tied to the word embeddings) or the sequence classifier.
func (m *lm) bert() error {
	c := m.c
	if m.ph == Decode {
		return fmt.Errorf("%s is an encoder: it has no decode phase (use train or prefill)", c.ModelType)
	}
	m.tokens("input_ids")
	h := c.Hidden
	p := ""
	if c.Architecture != "" && c.Architecture != "BertModel" && c.Architecture != "RobertaModel" {
		p = c.ModelType + "."
	}
	emb := p + "embeddings"
	x := m.op(emb+".word_embeddings", "Gather", []string{m.param(emb+".word_embeddings.weight", c.Vocab, h), m.ids}, aInt("axis", 0))
	if c.TypeVocab > 0 {
		// token_type_ids default to zeros: every token adds row 0.
		tt := m.op(emb+".token_type_embeddings", "Gather", []string{m.param(emb+".token_type_embeddings.weight", c.TypeVocab, h), m.int0(0)}, aInt("axis", 0))
		x = m.op(emb, "Add", []string{x, tt})
	}
	pos := m.positions()
	if c.ModelType == "roberta" {
		// RoBERTa numbers positions from padding_idx + 1.
		pos = m.op(emb, "Add", []string{pos, m.int0(c.PadToken + 1)})
	}
	pe := m.op(emb+".position_embeddings", "Gather", []string{m.param(emb+".position_embeddings.weight", c.MaxPositions, h), pos}, aInt("axis", 0))
	x = m.op(emb, "Add", []string{x, pe})
	x = m.toTokens(m.norm(x, emb+".LayerNorm", h), h)
	for i := int64(0); i < c.Layers; i++ {
		mod := fmt.Sprintf("%sencoder.layer.%d", p, i)
		att := mod + ".attention"
		q := m.linear(x, att+".self.query", h, h, true)
		k := m.linear(x, att+".self.key", h, h, true)
		v := m.linear(x, att+".self.value", h, h, true)
		spec := attnSpec{module: att + ".self", heads: c.Heads, kv: c.Heads, d: c.HeadDim, vd: c.HeadDim}
		o := m.attend(spec, m.heads4(q, spec.module, c.Heads, c.HeadDim), m.heads4(k, spec.module, c.Heads, c.HeadDim), m.heads4(v, spec.module, c.Heads, c.HeadDim))
		o = m.linear(o, att+".output.dense", h, h, true)
		x = m.norm(m.op(att+".output", "Add", []string{o, x}), att+".output.LayerNorm", h)
		f := m.act(m.linear(x, mod+".intermediate.dense", h, c.Intermediate, true), mod+".intermediate", c.Act)
		f = m.linear(f, mod+".output.dense", c.Intermediate, h, true)
		x = m.norm(m.op(mod+".output", "Add", []string{f, x}), mod+".output.LayerNorm", h)
	}
	if m.noHead {
		m.output("last_hidden_state", m.dt, m.op("", "Reshape", []string{x, m.shapeBS(h)}))
		return nil
	}
	first := func() string { // the [CLS] position: [b, h]
		return m.op("", "Gather", []string{m.op("", "Reshape", []string{x, m.shapeBS(h)}), m.int0(0)}, aInt("axis", 1))
	}
	switch c.Architecture {
	case "", "BertModel", "RobertaModel":
		m.output("last_hidden_state", m.dt, m.op("", "Reshape", []string{x, m.shapeBS(h)}))
		m.output("pooler_output", m.dt, m.pooler(first(), p+"pooler.dense"))
	case "BertForMaskedLM", "BertForPreTraining", "RobertaForMaskedLM":
		head, dense, ln, bias := "cls.predictions", "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias"
		if c.ModelType == "roberta" {
			head, dense, ln, bias = "lm_head", "lm_head.dense", "lm_head.layer_norm", "lm_head.bias"
		}
		t := m.act(m.linear(x, dense, h, h, true), head, c.Act)
		t = m.norm(t, ln, h)
		w := emb + ".word_embeddings.weight"
		if !c.Tied {
			w = m.param(head+".decoder.weight", c.Vocab, h)
		}
		logits := m.op(head+".decoder", "Gemm", []string{t, w, m.param(bias, c.Vocab)}, aInt("transB", 1))
		m.output("logits", m.dt, m.op("", "Reshape", []string{logits, m.shapeBS(c.Vocab)}))
		if c.Architecture == "BertForPreTraining" {
			pooled := m.pooler(first(), p+"pooler.dense")
			m.output("seq_relationship_logits", m.dt, m.linear(pooled, "cls.seq_relationship", h, 2, true))
		}
	case "BertForSequenceClassification":
		pooled := m.pooler(first(), p+"pooler.dense")
		m.output("logits", m.dt, m.linear(pooled, "classifier", h, c.NumLabels, true))
	case "RobertaForSequenceClassification":
		t := m.op("classifier", "Tanh", []string{m.linear(first(), "classifier.dense", h, h, true)})
		m.output("logits", m.dt, m.linear(t, "classifier.out_proj", h, c.NumLabels, true))
	default:
		return fmt.Errorf("architecture %q is not supported", c.Architecture)
	}
	return nil
}

// pooler is BERT's pooler: tanh(dense(first token)).
func (m *lm) pooler(x, module string) string {
	return m.op(module[:len(module)-len(".dense")], "Tanh", []string{m.linear(x, module, m.c.Hidden, m.c.Hidden, true)})
}

// stack points the per-sequence state (shape, length, positions, mask) at
// one token input, for models with two stacks (T5's encoder and decoder).
func (m *lm) stack(name string, seqDim any, start string) {
	m.ids = name
	m.input(name, onnx.Int64, DimBatch, seqDim)
	m.bs = m.op("", "Shape", []string{name})
	m.seq = m.op("", "Gather", []string{m.bs, m.int0(1)}, aInt("axis", 0))
	m.start = start
	m.pos, m.mask, m.shapes = "", "", nil
}

// t5 builds T5: a bidirectional encoder and a causal decoder with
// cross-attention, pre-norm RMSNorm (T5LayerNorm) blocks without biases,
// unscaled scores plus a bucketed relative position bias computed by the
// first block of each stack and added in every layer, and the LM head
// (tied: hidden states × d_model^-½ before the shared embedding).
//
// Phases: train runs the encoder over sequence tokens and the decoder over
// decoder_sequence tokens. Prefill runs the encoder and the first decoder
// step (one token), filling both caches. Decode is one decoder step with a
// self-attention cache of past tokens and the cross-attention cache of the
// sequence encoder states. T5EncoderModel is the encoder alone (train and
// prefill run it; it has no decode).
func (m *lm) t5() error {
	c := m.c
	d := c.Hidden
	H, dk := c.Heads, c.HeadDim
	inner := H * dk
	if c.EncoderOnly && m.ph == Decode {
		return fmt.Errorf("%s is an encoder: it has no decode phase (use train or prefill)", c.Architecture)
	}
	shared := m.param("shared.weight", c.Vocab, d)
	var enc, encBS string
	// In decode the encoder has run already: its parameters are declared
	// (they are the model's) but its nodes are dropped.
	nodes, inputs := len(m.g.Nodes), len(m.g.Inputs)
	{
		m.stack("input_ids", DimSequence, m.int0(0))
		x := m.toTokens(m.op("encoder.embed_tokens", "Gather", []string{shared, m.ids}, aInt("axis", 0)), d)
		bias := m.relBias("encoder.block.0.layer.0.SelfAttention", m.positions(), m.positions(), true)
		for i := int64(0); i < c.Layers; i++ {
			mod := fmt.Sprintf("encoder.block.%d.layer", i)
			a := m.norm(x, mod+".0.layer_norm", d)
			sa := mod + ".0.SelfAttention"
			q, k, v := m.t5QKV(a, sa)
			o := m.attend(attnSpec{module: sa, heads: H, kv: H, d: dk, vd: dk, scale: 1, bias: bias}, q, k, v)
			x = m.op(mod+".0", "Add", []string{x, m.linear(o, sa+".o", inner, d, false)})
			x = m.op(mod+".1", "Add", []string{x, m.t5FF(m.norm(x, mod+".1.layer_norm", d), mod+".1.DenseReluDense")})
		}
		enc = m.norm(x, "encoder.final_layer_norm", d)
		encBS = m.bs
	}
	if c.EncoderOnly {
		// T5EncoderModel: the last hidden states of the encoder.
		m.output("last_hidden_state", m.dt, m.op("", "Reshape", []string{enc, m.shapeBS(d)}))
		return nil
	}
	if m.ph == Decode {
		m.g.Nodes, m.g.Inputs = m.g.Nodes[:nodes], m.g.Inputs[:inputs]
		m.consts, m.shapes = map[string]string{}, nil
	}
	// Decoder.
	decLen := any(DimDecoderSequence)
	if m.ph != Train {
		decLen = int64(1)
	}
	start := m.int0(0)
	if m.ph == Decode {
		for i := int64(0); i < c.DecoderLayers; i++ {
			for _, part := range []struct{ name, len string }{{"decoder", DimPast}, {"encoder", DimSequence}} {
				for _, kv := range []string{"key", "value"} {
					m.input(fmt.Sprintf("past_key_values.%d.%s.%s", i, part.name, kv), m.dt, DimBatch, H, part.len, dk)
				}
			}
		}
		start = m.op("", "Gather", []string{m.op("", "Shape", []string{"past_key_values.0.decoder.key"}), m.int0(2)}, aInt("axis", 0))
	}
	m.stack("decoder_input_ids", decLen, start)
	x := m.toTokens(m.op("decoder.embed_tokens", "Gather", []string{shared, m.ids}, aInt("axis", 0)), d)
	kpos := m.positions()
	if m.ph == Decode {
		kpos = m.op("", "Range", []string{m.int0(0), m.op("", "Add", []string{m.start, m.seq}), m.int0(1)})
	}
	bias := m.relBias("decoder.block.0.layer.0.SelfAttention", m.positions(), kpos, false)
	for i := int64(0); i < c.DecoderLayers; i++ {
		mod := fmt.Sprintf("decoder.block.%d.layer", i)
		a := m.norm(x, mod+".0.layer_norm", d)
		sa := mod + ".0.SelfAttention"
		q, k, v := m.t5QKV(a, sa)
		spec := attnSpec{module: sa, heads: H, kv: H, d: dk, vd: dk, scale: 1, bias: bias, causal: true}
		if m.ph != Train {
			spec.cache = fmt.Sprintf("present.%d.decoder", i)
			spec.cacheInputs = m.ph == Decode
		}
		o := m.attend(spec, q, k, v)
		x = m.op(mod+".0", "Add", []string{x, m.linear(o, sa+".o", inner, d, false)})
		// Cross-attention over the encoder states.
		a = m.norm(x, mod+".1.layer_norm", d)
		ca := mod + ".1.EncDecAttention"
		q = m.heads4(m.linear(a, ca+".q", d, inner, false), ca, H, dk)
		cs := attnSpec{module: ca, heads: H, kv: H, d: dk, vd: dk, scale: 1}
		if m.ph == Decode {
			m.param(ca+".k.weight", inner, d)
			m.param(ca+".v.weight", inner, d)
			cs.cachedKV = true
			cs.crossK = fmt.Sprintf("past_key_values.%d.encoder.key", i)
			cs.crossV = fmt.Sprintf("past_key_values.%d.encoder.value", i)
			o = m.attend(cs, q, "", "")
		} else {
			ek := m.op(ca, "Reshape", []string{m.linear(enc, ca+".k", d, inner, false), m.concatShape(encBS, H, dk)})
			ev := m.op(ca, "Reshape", []string{m.linear(enc, ca+".v", d, inner, false), m.concatShape(encBS, H, dk)})
			if m.ph == Prefill {
				cs.cache = fmt.Sprintf("present.%d.encoder", i)
			}
			o = m.attend(cs, q, ek, ev)
		}
		x = m.op(mod+".1", "Add", []string{x, m.linear(o, ca+".o", inner, d, false)})
		x = m.op(mod+".2", "Add", []string{x, m.t5FF(m.norm(x, mod+".2.layer_norm", d), mod+".2.DenseReluDense")})
	}
	x = m.norm(x, "decoder.final_layer_norm", d)
	if m.noHead {
		m.output("last_hidden_state", m.dt, m.op("", "Reshape", []string{x, m.shapeBS(d)}))
		return nil
	}
	w := shared
	if c.Tied {
		x = m.op("", "Mul", []string{x, m.scalar(math.Pow(float64(d), -0.5))})
	} else {
		w = m.param("lm_head.weight", c.Vocab, d)
	}
	m.output("logits", m.dt, m.lmHeadAll(x, w, "lm_head"))
	return nil
}

// t5QKV is a T5 attention's bias-free q, k and v projections of a [T,
// d_model] input, as [b, s, heads, d_kv].
func (m *lm) t5QKV(a, mod string) (q, k, v string) {
	c := m.c
	d, H, dk := c.Hidden, c.Heads, c.HeadDim
	proj := func(name string) string { return m.heads4(m.linear(a, mod+"."+name, d, H*dk, false), mod, H, dk) }
	return proj("q"), proj("k"), proj("v")
}

// concatShape is [batch, len] of a given shape vector followed by dims.
func (m *lm) concatShape(bs string, dims ...int64) string {
	return m.op("", "Concat", []string{bs, m.ints(dims...)}, aInt("axis", 0))
}

// lmHeadAll is the LM head over every decoder position (T5 decodes one
// token per step, so prefill's one position is all of them).
func (m *lm) lmHeadAll(x, w, module string) string {
	logits := m.op(module, "Gemm", []string{x, w}, aInt("transB", 1))
	return m.op("", "Reshape", []string{logits, m.shapeBS(m.c.Vocab)})
}

// t5FF is T5's feed-forward: wi → act → wo, or gated wi_0·act ⊙ wi_1 → wo.
func (m *lm) t5FF(x, mod string) string {
	c := m.c
	var a string
	if c.Gated {
		a = m.op(mod, "Mul", []string{m.act(m.linear(x, mod+".wi_0", c.Hidden, c.Intermediate, false), mod, c.Act), m.linear(x, mod+".wi_1", c.Hidden, c.Intermediate, false)})
	} else {
		a = m.act(m.linear(x, mod+".wi", c.Hidden, c.Intermediate, false), mod, c.Act)
	}
	return m.linear(a, mod+".wo", c.Intermediate, c.Hidden, false)
}

// relBias is T5's relative position bias [1, heads, q, k]: positions'
// differences bucketed (exact buckets below max_exact, log-spaced up to
// relative_attention_max_distance) and looked up in the bias table.
func (m *lm) relBias(mod string, qpos, kpos string, bidirectional bool) string {
	c := m.c
	rel := m.op(mod, "Sub", []string{m.op(mod, "Unsqueeze", []string{kpos, m.ints(0)}), m.op(mod, "Unsqueeze", []string{qpos, m.ints(1)})})
	nb := c.RelBuckets
	var ret, n string
	if bidirectional {
		nb /= 2
		ret = m.op(mod, "Mul", []string{m.op(mod, "Cast", []string{m.op(mod, "Greater", []string{rel, m.int0(0)})}, aInt("to", int64(onnx.Int64))), m.int0(nb)})
		n = m.op(mod, "Abs", []string{rel})
	} else {
		n = m.op(mod, "Neg", []string{m.op(mod, "Min", []string{rel, m.int0(0)})})
	}
	maxExact := nb / 2
	small := m.op(mod, "Less", []string{n, m.int0(maxExact)})
	f := m.op(mod, "Div", []string{m.op(mod, "Cast", []string{n}, aInt("to", int64(onnx.Float))), m.scalar(float64(maxExact))})
	f = m.op(mod, "Div", []string{m.op(mod, "Log", []string{f}), m.scalar(math.Log(float64(c.RelMaxDist) / float64(maxExact)))})
	f = m.op(mod, "Mul", []string{f, m.scalar(float64(nb - maxExact))})
	large := m.op(mod, "Add", []string{m.op(mod, "Cast", []string{f}, aInt("to", int64(onnx.Int64))), m.int0(maxExact)})
	large = m.op(mod, "Min", []string{large, m.int0(nb - 1)})
	b := m.op(mod, "Where", []string{small, n, large})
	if ret != "" {
		b = m.op(mod, "Add", []string{ret, b})
	}
	table := m.param(mod+".relative_attention_bias.weight", c.RelBuckets, c.Heads)
	v := m.op(mod+".relative_attention_bias", "Gather", []string{table, b}, aInt("axis", 0)) // [q, k, heads]
	return m.op(mod, "Unsqueeze", []string{m.op(mod, "Transpose", []string{v}, aInts("perm", 2, 0, 1)), m.ints(0)})
}

package fpo

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Attention operators are counted at their real size for the given
// sequence lengths: every score of the (query × key) matrix is computed,
// scaled, masked and normalized, whatever part a mask later discards (a
// dense kernel computes them all). A key/value cache is concatenated, which
// is data movement.

func init() {
	Register("", onnxAttentionRule, "Attention")
	Register("", rotaryRule(0, 1, "num_heads"), "RotaryEmbedding")
	Register("", linearAttentionRule, "LinearAttention")
	ms := "com.microsoft"
	Register(ms, msAttentionRule(4, false), "Attention", "DecoderMaskedSelfAttention")
	Register(ms, msAttentionRule(8, true), "QAttention")
	Register(ms, msMHARule(6, 3, 4, 5), "MultiHeadAttention")
	Register(ms, msMHARule(5, 10, 3, 4), "DecoderMaskedMultiHeadAttention")
	Register(ms, gqaRule(false), "GroupQueryAttention")
	Register(ms, gqaRule(true), "SparseAttention")
	Register(ms, packedAttentionRule, "PackedAttention")
	Register(ms, packedMHARule, "PackedMultiHeadAttention")
	Register(ms, longformerRule, "LongformerAttention")
	Register(ms, rotaryRule(0, 2, "num_heads"), "RotaryEmbedding", "MRotaryEmbedding")
	Register(ms, gemmaRotaryRule, "GemmaRotaryEmbedding")
	Register(ms, relativePositionBiasRule, "RelativePositionBias")
	Register(ms, gatedRelativePositionBiasRule, "GatedRelativePositionBias")
	Register(ms, embedLayerNormRule(false), "EmbedLayerNormalization")
	Register(ms, embedLayerNormRule(true), "QEmbedLayerNormalization")
	Register(ms, removePaddingRule, "RemovePadding")
	Register(ms, restorePaddingRule, "RestorePadding")
}

// attnSize is what the cost of scaled dot-product attention depends on:
// batch B, query heads Hq, query length Sq, key length T (past + new),
// head sizes Dk (queries and keys) and Dv (values).
type attnSize struct {
	b, hq, sq, t, dk, dv sym.Expr
}

// scores is the number of attention scores B·Hq·Sq·T.
func (a attnSize) scores() sym.Expr { return a.b.Mul(a.hq).Mul(a.sq).Mul(a.t) }

// core counts Q·Kᵀ (B·Hq·Sq·T·Dk MACs), the softmax over T of every query
// row and the product with V (B·Hq·Sq·T·Dv MACs).
func (a attnSize) core() (Ops, sym.Expr) {
	s := a.scores()
	macs := s.Mul(a.dk).Add(s.Mul(a.dv))
	return macOps(macs).Add(softmaxOps(a.b.Mul(a.hq).Mul(a.sq), a.t)), macs
}

// attnCost accumulates an attention node's cost, and what makes it a
// bound rather than exact.
type attnCost struct {
	o     Ops
	macs  sym.Expr
	bound string
}

func (c *attnCost) add(o Ops) {
	c.o = c.o.Add(o)
}

func (c *attnCost) addMACs(m sym.Expr) {
	c.macs = c.macs.Add(m)
	c.add(macOps(m))
}

func (c *attnCost) cost() Cost { return Cost{Ops: c.o, MACs: c.macs, Bound: c.bound} }

// sharedBufferBound is the bound of attention over a past buffer shared
// with the present one: its length is the maximum, not the tokens so far.
const sharedBufferBound = "upper bound: the past/present buffer counted at its full length"

func newAttn(a attnSize) *attnCost {
	o, m := a.core()
	return &attnCost{o: o, macs: m} // Q·Kᵀ (B·Hq·Sq·T·Dk MACs), softmax over T, ·V (B·Hq·Sq·T·Dv MACs)
}

// perScore adds k primitives p per attention score.
func (c *attnCost) perScore(a attnSize, p Prim, k int64) {
	c.add(ops(p, a.scores().MulInt(k)))
}

// softcap adds softcap·tanh(score/softcap) per score: 2 MUL, 1 TANH (and
// the reciprocal of the cap once).
func (c *attnCost) softcap(a attnSize) {
	s := a.scores()
	c.add(ops(Mul, s.MulInt(2), Tanh, s, Div, 1)) // softcap·tanh(score/softcap) per score
}

// onnxAttentionRule: ai.onnx Attention (23+). Q and K are both scaled by
// √scale as the operator's definition prescribes (one MUL per element of
// Q and of the concatenated K; the default scale 1/√Dk and its root cost
// 2 SQRT and 1 DIV once), then Q·Kᵀ, the optional softcap, the masks (one
// ADD per score for an additive float mask, one CMP — a select — per score
// for a boolean mask, the causal mask, each sliding-window bound and
// nonpad_kv_seqlen), the softmax over T and ·V.
func onnxAttentionRule(n *Node) (Cost, error) {
	q, err := n.inShape(0, "Q", 3, 4)
	if err != nil {
		return Cost{}, err
	}
	k, err := n.inShape(1, "K", len(q))
	if err != nil {
		return Cost{}, err
	}
	v, err := n.inShape(2, "V", len(q))
	if err != nil {
		return Cost{}, err
	}
	var a attnSize
	var hkv sym.Expr
	a.b = q[0]
	if len(q) == 4 {
		a.hq, a.sq, a.dk = q[1], q[2], q[3]
		hkv, a.t, a.dv = k[1], k[2], v[3]
	} else {
		hqn, err := n.posAttr("q_num_heads")
		if err != nil {
			return Cost{}, err
		}
		hkvn, err := n.posAttr("kv_num_heads")
		if err != nil {
			return Cost{}, err
		}
		a.hq, hkv = sym.Const(hqn), sym.Const(hkvn)
		a.sq, a.t = q[1], k[1]
		a.dk = sym.FloorDiv(q[2], a.hq)
		a.dv = sym.FloorDiv(v[2], hkv)
	}
	if n.has(4) {
		pk, err := n.inShape(4, "past_key", 4)
		if err != nil {
			return Cost{}, err
		}
		a.t = a.t.Add(pk[2])
	}
	c := newAttn(a)
	qn := sym.Product(q...)
	kn := a.b.Mul(hkv).Mul(a.t).Mul(a.dk)
	scalar := ops(Sqrt, 1)
	if n.Node.Attr("scale") == nil {
		scalar = ops(Sqrt, 2, Div, 1)
	}
	c.add(ops(Mul, qn.Add(kn)).Add(scalar)) // Q·√scale and K·√scale
	if n.AttrFloat("softcap", 0) != 0 {
		c.softcap(a)
	}
	if m := n.In(3); m != nil {
		if m.DType == onnx.Bool {
			c.perScore(a, Cmp, 1) // boolean mask (1 select per score)
		} else {
			c.perScore(a, Add, 1) // additive mask (1 ADD per score)
		}
	}
	if n.AttrInt("is_causal", 0) != 0 {
		c.perScore(a, Cmp, 1) // causal mask (1 select per score)
	}
	for _, w := range []string{"left_window_size", "right_window_size"} {
		if n.AttrInt(w, -1) >= 0 {
			c.perScore(a, Cmp, 1)
		}
	}
	if n.has(6) {
		c.perScore(a, Cmp, 1) // nonpad_kv_seqlen mask (1 select per score)
	}
	return c.cost(), nil
}

// headSize is hidden/heads, exact for valid models.
func headSize(hidden sym.Expr, heads int64) sym.Expr {
	return sym.FloorDiv(hidden, sym.Const(heads))
}

// msAttentionRule: com.microsoft Attention, DecoderMaskedSelfAttention and
// QAttention, which include the input projection: input (B, S, I) times
// weights (I, Hq+Hk+Hv): B·S·I·(Hq+Hk+Hv) MACs, plus the bias (one ADD per
// projected element). QAttention's projection is an integer product: the
// zero points are subtracted from every input and weight element they are
// given for, and each projected element is dequantized (1 MUL) before the
// bias. Then the attention over T = past + S keys: scores scaled by one MUL
// each (the scale is the product's α), the mask (mask_index and/or
// unidirectional: one additive bias, 1 ADD per score), attention_bias (1
// ADD per score), softmax and ·V. With past_present_share_buffer the past
// is a buffer of its maximum length, which T then counts (an upper bound).
func msAttentionRule(pastIdx int, quantized bool) Rule {
	return func(n *Node) (Cost, error) {
		x, err := n.inShape(0, "input", 3)
		if err != nil {
			return Cost{}, err
		}
		w, err := n.inShape(1, "weights", 2)
		if err != nil {
			return Cost{}, err
		}
		heads, err := n.posAttr("num_heads")
		if err != nil {
			return Cost{}, err
		}
		proj := w[1]
		qh, kh, vh := sym.FloorDiv(proj, sym.Const(3)), sym.FloorDiv(proj, sym.Const(3)), sym.FloorDiv(proj, sym.Const(3))
		if qkv, ok := n.AttrInts("qkv_hidden_sizes"); ok && len(qkv) == 3 {
			qh, kh, vh = sym.Const(qkv[0]), sym.Const(qkv[1]), sym.Const(qkv[2])
		}
		b, s := x[0], x[1]
		a := attnSize{b: b, hq: sym.Const(heads), sq: s, t: s, dk: headSize(qh, heads), dv: headSize(vh, heads)}
		var bound string
		if n.has(pastIdx) {
			p, err := n.inShape(pastIdx, "past", 5)
			if err != nil {
				return Cost{}, err
			}
			if n.AttrInt("past_present_share_buffer", 0) != 0 {
				a.t = p[3]
				bound = sharedBufferBound
			} else {
				a.t = p[3].Add(s)
			}
		}
		c := newAttn(a)
		c.bound = bound
		rows := b.Mul(s)
		projected := rows.Mul(qh.Add(kh).Add(vh))
		c.addMACs(projected.Mul(x[2])) // input projection (B·S·I·(Hq+Hk+Hv) MACs)
		if quantized {
			if n.has(6) {
				c.add(ops(Add, sym.Product(x...))) // input zero point (1 ADD per input element)
			}
			if n.has(7) {
				c.add(ops(Add, sym.Product(w...))) // weight zero point (1 ADD per weight)
			}
			c.add(ops(Mul, projected)) // dequantization (1 MUL per projected element)
		}
		if n.has(2) {
			c.add(ops(Add, projected)) // bias (1 ADD per projected element)
		}
		c.perScore(a, Mul, 1) // scale (1 MUL per score)
		maskIdx, biasIdx := 3, 5
		if quantized {
			maskIdx, biasIdx = 5, -1
		}
		if n.has(maskIdx) || n.AttrInt("unidirectional", 0) != 0 {
			c.perScore(a, Add, 1) // mask (1 ADD per score)
		}
		if biasIdx > 0 && n.has(biasIdx) {
			c.perScore(a, Add, 1) // attention_bias (1 ADD per score)
		}
		if n.AttrInt("do_rotary", 0) != 0 {
			c.add(ops(Mul, rows.Mul(qh.Add(kh)).MulInt(2), Add, rows.Mul(qh.Add(kh)))) // rotary embedding of Q and K (2 MUL + 1 ADD per element)
		}
		return c.cost(), nil
	}
}

// msMHARule: MultiHeadAttention and DecoderMaskedMultiHeadAttention. Q, K
// and V come projected; the optional bias is added to every element of Q
// and of 3-D (or packed) K and V. Keys: T = past + L (the past buffer's
// length when past and present share it: an upper bound). Scores are
// scaled (1 MUL each); the key padding mask and attention_bias add 1 ADD
// per score each.
func msMHARule(pastIdx, biasIdx, maskIdx, attnBiasIdx int) Rule {
	return func(n *Node) (Cost, error) {
		q, err := n.inShape(0, "query", 3, 5)
		if err != nil {
			return Cost{}, err
		}
		heads, err := n.posAttr("num_heads")
		if err != nil {
			return Cost{}, err
		}
		out, err := n.outShape(0, "output", 3)
		if err != nil {
			return Cost{}, err
		}
		a := attnSize{b: q[0], hq: sym.Const(heads), sq: q[1], dv: headSize(out[2], heads)}
		k, v := n.In(1), n.In(2)
		biased := sym.Product(q...)
		switch {
		case len(q) == 5: // packed QKV (B, S, N, 3, H)
			a.t, a.dk = q[1], q[4]
		case k != nil && k.Rank == 5: // packed KV (B, L, N, 2, H)
			a.t, a.dk = k.Shape[1], k.Shape[4]
			biased = biased.Add(sym.Product(k.Shape...))
		case k != nil && k.Rank == 4: // BNSH (B, N, L, H): already projected with bias
			a.t, a.dk = k.Shape[2], k.Shape[3]
		case k != nil && k.Rank == 3:
			a.t, a.dk = k.Shape[1], headSize(k.Shape[2], heads)
			biased = biased.Add(sym.Product(k.Shape...))
		case k == nil && len(q) == 3 && n.Node.OpType == "DecoderMaskedMultiHeadAttention":
			// packed QKV (B, 1, 2·hidden + v_hidden)
			a.t = q[1]
			a.dk = headSize(q[2].Sub(out[2]), 2*heads)
		default:
			return Cost{}, fmt.Errorf("key: %w", errShape)
		}
		if v != nil && v.Rank == 3 {
			biased = biased.Add(sym.Product(v.Shape...))
		}
		var bound string
		if n.has(pastIdx) {
			p, err := n.inShape(pastIdx, "past_key", 4)
			if err != nil {
				return Cost{}, err
			}
			share := n.has(8)
			if n.Node.OpType == "DecoderMaskedMultiHeadAttention" {
				share = n.AttrInt("past_present_share_buffer", 0) != 0
			}
			if share {
				a.t = p[2]
				bound = sharedBufferBound
			} else {
				a.t = p[2].Add(a.t)
			}
		}
		c := newAttn(a)
		c.bound = bound
		if n.has(biasIdx) {
			c.add(ops(Add, biased)) // bias (1 ADD per element of Q, K, V)
		}
		c.perScore(a, Mul, 1) // scale (1 MUL per score)
		if n.has(maskIdx) {
			c.perScore(a, Add, 1) // mask (1 ADD per score)
		}
		if n.has(attnBiasIdx) {
			c.perScore(a, Add, 1) // attention_bias (1 ADD per score)
		}
		return c.cost(), nil
	}
}

// gqaRule: GroupQueryAttention (and SparseAttention, counted dense: an
// upper bound of its block-sparse layout). Query heads Hq = num_heads
// share kv_num_heads key/value heads; T is total_sequence_length when
// known, else the present key's length. Per score: the scale (1 MUL), the
// causal mask (1 select), the local window (1 select) when set, the
// attention_bias (1 ADD) when given, the softcap when set; smooth_softmax
// and head_sink add 1 ADD (and, for the sink, 1 EXP) per row. do_rotary
// rotates the new Q and K (2 MUL + 1 ADD per element).
func gqaRule(sparse bool) Rule {
	return func(n *Node) (Cost, error) {
		q, err := n.inShape(0, "query", 3)
		if err != nil {
			return Cost{}, err
		}
		heads, err := n.posAttr("num_heads")
		if err != nil {
			return Cost{}, err
		}
		kvHeads, err := n.posAttr("kv_num_heads")
		if err != nil {
			return Cost{}, err
		}
		out, err := n.outShape(0, "output", 3)
		if err != nil {
			return Cost{}, err
		}
		h := headSize(out[2], heads)
		a := attnSize{b: q[0], hq: sym.Const(heads), sq: q[1], dk: h, dv: h}
		totalIdx := 6
		if sparse {
			totalIdx = 7
		}
		switch t, ok := scalarInt(n.In(totalIdx)); {
		case ok:
			a.t = t
		case n.Out(1) != nil && n.Out(1).Rank == 4:
			a.t = n.Out(1).Shape[2]
		case n.has(3) && n.In(3).Rank == 4:
			a.t = n.In(3).Shape[2]
			if !sparse {
				a.t = a.t.Add(q[1])
			}
		default:
			a.t = q[1]
		}
		c := newAttn(a)
		if sparse {
			c.bound = "upper bound: the block-sparse layout counted dense"
		}
		c.perScore(a, Mul, 1) // scale (1 MUL per score)
		c.perScore(a, Cmp, 1) // causal mask (1 select per score)
		if n.AttrInt("local_window_size", -1) >= 0 {
			c.perScore(a, Cmp, 1) // local window (1 select per score)
		}
		if !sparse && n.has(10) {
			c.perScore(a, Add, 1) // attention_bias (1 ADD per score)
		}
		if n.AttrFloat("softcap", 0) != 0 {
			c.softcap(a)
		}
		rows := a.b.Mul(a.hq).Mul(a.sq)
		if !sparse && n.has(11) {
			c.add(ops(Add, rows, Exp, rows)) // head sink (1 EXP + 1 ADD per row)
		} else if n.AttrInt("smooth_softmax", 0) != 0 {
			c.add(ops(Add, rows)) // smooth softmax (1 ADD per row)
		}
		if n.AttrInt("do_rotary", 0) != 0 {
			rot := q[0].Mul(q[1]).Mul(h).MulInt(heads + kvHeads)
			c.add(ops(Mul, rot.MulInt(2), Add, rot)) // rotary embedding of Q and K (2 MUL + 1 ADD per element)
		}
		return c.cost(), nil
	}
}

// paddedSize reads (B, S) from a token_offset input: packed attention runs
// on tokens of variable-length sequences; its cost is counted as if every
// sequence had the padded length S (an upper bound: the real cost is
// Σ sᵢ² per head).
func paddedSize(n *Node, i int) (b, s sym.Expr, err error) {
	off, err := n.inShape(i, "token_offset", 2)
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	return off[0], off[1], nil
}

// packedAttentionRule: PackedAttention: the projection of the packed
// tokens (tokens·I·(Hq+Hk+Hv) MACs, bias ADDs), then attention as if
// padded to (B, S) (upper bound), scale and attention_bias per score.
func packedAttentionRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "input", 2)
	if err != nil {
		return Cost{}, err
	}
	w, err := n.inShape(1, "weights", 2)
	if err != nil {
		return Cost{}, err
	}
	heads, err := n.posAttr("num_heads")
	if err != nil {
		return Cost{}, err
	}
	b, s, err := paddedSize(n, 3)
	if err != nil {
		return Cost{}, err
	}
	third := sym.FloorDiv(w[1], sym.Const(3))
	qh, kh, vh := third, third, third
	if qkv, ok := n.AttrInts("qkv_hidden_sizes"); ok && len(qkv) == 3 {
		qh, kh, vh = sym.Const(qkv[0]), sym.Const(qkv[1]), sym.Const(qkv[2])
	}
	a := attnSize{b: b, hq: sym.Const(heads), sq: s, t: s, dk: headSize(qh, heads), dv: headSize(vh, heads)}
	projected := x[0].Mul(qh.Add(kh).Add(vh))
	c := packedAttn(n, a, 2, 5, projected)
	c.addMACs(projected.Mul(x[1])) // projection of the packed tokens
	return c.cost(), nil
}

// packedAttn counts packed attention on sequences padded to (B, S) (an
// upper bound), with the bias at input biasIdx added to `biased` elements,
// the scale and the attention_bias at input attnBiasIdx per score.
func packedAttn(n *Node, a attnSize, biasIdx, attnBiasIdx int, biased sym.Expr) *attnCost {
	c := newAttn(a)
	c.bound = "upper bound: sequences counted at their padded length"
	if n.has(biasIdx) {
		c.add(ops(Add, biased)) // bias
	}
	c.perScore(a, Mul, 1) // scale (1 MUL per score)
	if n.has(attnBiasIdx) {
		c.perScore(a, Add, 1) // attention_bias (1 ADD per score)
	}
	return c
}

// packedMHARule: PackedMultiHeadAttention: projected packed Q, K, V (or
// packed QKV), bias added to each element, attention as if padded to
// (B, S) (upper bound), scale and attention_bias per score.
func packedMHARule(n *Node) (Cost, error) {
	q, err := n.inShape(0, "query", 2, 4)
	if err != nil {
		return Cost{}, err
	}
	heads, err := n.posAttr("num_heads")
	if err != nil {
		return Cost{}, err
	}
	out, err := n.outShape(0, "output", 2)
	if err != nil {
		return Cost{}, err
	}
	b, s, err := paddedSize(n, 4)
	if err != nil {
		return Cost{}, err
	}
	a := attnSize{b: b, hq: sym.Const(heads), sq: s, t: s, dv: headSize(out[1], heads)}
	biased := sym.Product(q...)
	if len(q) == 4 {
		a.dk = q[3]
	} else {
		a.dk = headSize(q[1], heads)
		for _, i := range []int{1, 2} {
			if e, err := n.InNumel(i); err == nil {
				biased = biased.Add(e)
			}
		}
	}
	return packedAttn(n, a, 3, 6, biased).cost(), nil
}

// longformerRule: LongformerAttention: the local and the global projections
// of every token (2·B·S·I·3H MACs, bias ADDs), then sliding-window
// attention where each query scores 2·window+1 keys (scale and mask per
// score, softmax, ·V). The extra attention of the global tokens depends on
// the `global` input's contents and is not included (a lower bound).
func longformerRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "input", 3)
	if err != nil {
		return Cost{}, err
	}
	w, err := n.inShape(1, "weight", 2)
	if err != nil {
		return Cost{}, err
	}
	heads, window := n.AttrInt("num_heads", 0), n.AttrInt("window", 0)
	if heads < 1 || window < 0 {
		return Cost{}, fmt.Errorf("num_heads %d, window %d: want positive heads and a window ≥ 0", heads, window)
	}
	hidden := sym.FloorDiv(w[1], sym.Const(3))
	h := headSize(hidden, heads)
	a := attnSize{b: x[0], hq: sym.Const(heads), sq: x[1], t: sym.Const(2*window + 1), dk: h, dv: h}
	c := newAttn(a)
	// Sliding window: each query scores 2·window+1 keys.
	projected := x[0].Mul(x[1]).Mul(w[1])
	c.addMACs(projected.Mul(x[2]).MulInt(2)) // local and global projections
	c.add(ops(Add, projected.MulInt(2)))     // their biases
	c.perScore(a, Mul, 1)                    // scale
	c.perScore(a, Add, 1)                    // mask
	c.bound = "lower bound: the global tokens' attention depends on the data and is not included"
	return c.cost(), nil
}

// rotaryRule: RotaryEmbedding rotates pairs of the first rot features of
// every head: (x₁cos − x₂sin, x₂cos + x₁sin), 2 MUL + 1 ADD per rotated
// element; the rest is copied. rot is rotary_embedding_dim, else twice the
// cos cache's last dim, else the head size.
func rotaryRule(x, cos int, headsAttr string) Rule {
	return func(n *Node) (Cost, error) {
		s, err := n.inShape(x, "input", 3, 4)
		if err != nil {
			return Cost{}, err
		}
		numel := sym.Product(s...)
		var head, rot sym.Expr
		heads := n.AttrInt(headsAttr, 0)
		hasHead, hasRot := true, true
		switch {
		case len(s) == 4:
			head = s[3]
		case heads > 0:
			head = headSize(s[2], heads)
		default:
			hasHead = false // 3-D input without num_heads: the head is the rotary dim
		}
		if r := n.AttrInt("rotary_embedding_dim", 0); r > 0 {
			rot = sym.Const(r)
		} else if cs, err := n.Shape(n.In(cos)); err == nil && len(cs) > 0 {
			rot = cs[len(cs)-1].MulInt(2)
		} else {
			hasRot = false
		}
		rotated := numel
		if hasHead && hasRot && !rot.Equal(head) {
			rotated = sym.FloorDiv(numel, head).Mul(rot)
		}
		return Cost{Ops: ops(Mul, rotated.MulInt(2), Add, rotated)}, nil
	}
}

// gemmaRotaryRule: GemmaRotaryEmbedding computes sin and cos of emb (2 TRIG
// per element) and q·cos + q_rot·sin, k·cos + k_rot·sin (2 MUL + 1 ADD per
// element of q and k).
func gemmaRotaryRule(n *Node) (Cost, error) {
	emb, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	q, err := n.InNumel(1)
	if err != nil {
		return Cost{}, err
	}
	k, err := n.InNumel(3)
	if err != nil {
		return Cost{}, err
	}
	e := q.Add(k)
	return Cost{Ops: ops(Trig, emb.MulInt(2), Mul, e.MulInt(2), Add, e)}, nil
}

// linearAttentionRule: LinearAttention (27+) runs its recurrence token by
// token, per batch item and key/value head, on a state S of Dk×Dv:
//
//	linear:      S += k⊗v                                  Dk·Dv MACs
//	gated:       S = exp(g)·S + k⊗v                        + Dk·Dv MUL, EXP per decay value
//	delta:       S += β·k⊗(v − Sᵀk)                        Sᵀk Dk·Dv MACs, Dv ADD, Dv MUL, k⊗… Dk·Dv MACs
//	gated_delta: S = exp(g)·S, then the delta update
//
// and each query head reads o = scale·qᵀS (Dk·Dv MACs, Dv MUL). The state
// products are counted as MACs (they are the operator's matrix products).
func linearAttentionRule(n *Node) (Cost, error) {
	q, err := n.inShape(0, "query", 3)
	if err != nil {
		return Cost{}, err
	}
	v, err := n.inShape(2, "value", 3)
	if err != nil {
		return Cost{}, err
	}
	hq, err := n.posAttr("q_num_heads")
	if err != nil {
		return Cost{}, err
	}
	hkv, err := n.posAttr("kv_num_heads")
	if err != nil {
		return Cost{}, err
	}
	dk, dv := headSize(q[2], hq), headSize(v[2], hkv)
	tokens := q[0].Mul(q[1])
	state := dk.Mul(dv)
	perKV := tokens.MulInt(hkv)
	var o Ops
	macs := perKV.Mul(state) // the k⊗v (or β-weighted) update
	rule := n.AttrString("update_rule", "gated_delta")
	gated := rule == "gated" || rule == "gated_delta"
	delta := rule == "delta" || rule == "gated_delta"
	switch rule {
	case "linear", "gated", "delta", "gated_delta":
	default:
		return Cost{}, fmt.Errorf("update_rule %q: want linear, gated, delta or gated_delta", rule)
	}
	if gated {
		decay, err := n.InNumel(4)
		if err != nil {
			return Cost{}, fmt.Errorf("decay: %w", err)
		}
		o = o.Add(ops(Exp, decay, Mul, perKV.Mul(state)))
	}
	if delta {
		macs = macs.Add(perKV.Mul(state)) // Sᵀk
		o = o.Add(ops(Add, perKV.Mul(dv), Mul, perKV.Mul(dv)))
	}
	read := tokens.MulInt(hq)
	macs = macs.Add(read.Mul(state))
	o = o.Add(macOps(macs)).Add(ops(Mul, read.Mul(dv)))
	if n.Node.Attr("scale") == nil || n.AttrFloat("scale", 0) == 0 {
		o = o.Add(ops(Sqrt, 1, Div, 1))
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// relativePositionBiasRule: RelativePositionBias computes, per (query, key)
// pair, T5's bucket of the relative position: the difference (1 ADD), its
// sign and magnitude (2 CMP), and for far positions the logarithmic bucket
// log(|d|/max_exact)/log(max_distance/max_exact)·(buckets−max_exact) + max_exact
// (1 DIV, 1 LOG, 2 MUL, 1 ADD, 1 ROUND, 1 CMP for the cap, 1 CMP to pick
// exact or logarithmic); the table lookup per head is data movement.
func relativePositionBiasRule(n *Node) (Cost, error) {
	out, err := n.outShape(0, "output", 4)
	if err != nil {
		return Cost{}, err
	}
	pairs := out[2].Mul(out[3])
	per := ops(Add, 2, Cmp, 4, Div, 1, Log, 1, Mul, 2, Round, 1)
	return Cost{Ops: per.Scale(pairs)}, nil
}

// gatedRelativePositionBiasRule: GatedRelativePositionBias: q = query_layer
// + query_bias (1 ADD per element); per head and token the gate projection
// q·W (H×D MACs) + bias (D ADD), the two half sums (D−2 ADD), two sigmoids,
// gate = u·(r·eco_a − 1) + 2 (2 MUL, 2 ADD); the output gate·rel_pos is 1
// MUL per element.
func gatedRelativePositionBiasRule(n *Node) (Cost, error) {
	qn, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	w, err := n.inShape(3, "weight", 2)
	if err != nil {
		return Cost{}, err
	}
	out, err := n.outShape(0, "output", 4)
	if err != nil {
		return Cost{}, err
	}
	rows := out[0].Mul(out[1]).Mul(out[2]) // B·N·S
	d := w[1]
	macs := rows.Mul(w[0]).Mul(d)
	o := ops(Add, qn).Add(macOps(macs)).Add(ops(Add, rows.Mul(d)))
	o = o.Add(ops(Add, rows.Mul(d.AddInt(-2)))).Add(perElement["Sigmoid"].Scale(rows.MulInt(2)))
	o = o.Add(ops(Mul, rows.MulInt(2), Add, rows.MulInt(2))).Add(ops(Mul, sym.Product(out...)))
	return Cost{Ops: o, MACs: macs}, nil
}

// embedLayerNormRule: EmbedLayerNormalization gathers the word, position
// and (optional) segment embeddings (movement), adds them (1 or 2 ADD per
// element), layer-normalizes every token over the hidden size with gamma
// and beta, and sums the mask per sequence for mask_index (S−1 ADD per
// sequence). The quantized variant first dequantizes every gathered
// embedding element and gamma and beta (1 ADD + 1 MUL each).
func embedLayerNormRule(quantized bool) Rule {
	return func(n *Node) (Cost, error) {
		ids, err := n.inShape(0, "input_ids", 2)
		if err != nil {
			return Cost{}, err
		}
		emb, err := n.inShape(2, "word_embedding", 2)
		if err != nil {
			return Cost{}, err
		}
		tokens := ids[0].Mul(ids[1])
		hidden := emb[1]
		numel := tokens.Mul(hidden)
		tables := int64(2)
		if n.has(4) {
			tables = 3
		}
		o := ops(Add, numel.MulInt(tables-1))
		o = o.Add(normalizeOps(numel, tokens, false)).Add(ops(Mul, numel, Add, numel))
		if quantized {
			deq := numel.MulInt(tables).Add(hidden.MulInt(2))
			o = o.Add(dequantizeOps(deq, true))
		}
		if n.has(7) { // mask (input 7 in both variants)
			o = o.Add(ops(Add, tokens.Sub(ids[0])))
		}
		return Cost{Ops: o}, nil
	}
}

// removePaddingRule: RemovePadding packs the tokens (movement) and computes
// the cumulated sequence lengths (B ADD).
func removePaddingRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "input", 3)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: ops(Add, x[0])}, nil
}

// restorePaddingRule: RestorePadding scatters the tokens back (movement).
func restorePaddingRule(n *Node) (Cost, error) {
	return movementOf(n), nil // unpacking is data movement
}

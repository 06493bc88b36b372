package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Rules of ONNX Runtime's contrib operators (domain com.microsoft), the fused
// and quantized operators of optimized transformer and CNN exports. Shapes
// follow the schemas of onnxruntime/core/graph/contrib_ops and, where a
// schema leaves a dimension open, ONNX Runtime's kernels.
//
// The window geometry of the convolutions and poolings comes from conv.go
// (readWindow, convKernel, conv) and pool.go; matmul shapes from matmul.go.

const msDomain = "com.microsoft"

// msOp is a com.microsoft rule since version 1 (every contrib operator here
// has a single version).
func msOp(typ string, infer func(*shape.Ctx) error) shape.Op {
	return shape.Op{Domain: msDomain, Type: typ, Since: 1, Infer: infer}
}

func init() {
	shape.Register(
		// Attention.
		msOp("Attention", msInferAttention(4)),
		msOp("QAttention", msInferAttention(8)),
		msOp("DecoderMaskedSelfAttention", msInferAttention(4)),
		msOp("MultiHeadAttention", msInferMHA(6, false)),
		msOp("DecoderMaskedMultiHeadAttention", msInferMHA(5, true)),
		msOp("GroupQueryAttention", msInferGQA),
		msOp("SparseAttention", msInferSparseAttention),
		msOp("PackedAttention", msInferPackedAttention),
		msOp("PackedMultiHeadAttention", msInferPackedMHA),
		msOp("LongformerAttention", msInferSame),
		msOp("RotaryEmbedding", msInferSame),
		msOp("MRotaryEmbedding", msInferSame),
		msOp("GemmaRotaryEmbedding", msInferGemmaRotary),
		msOp("RelativePositionBias", msInferRelativePositionBias),
		msOp("GatedRelativePositionBias", msInferGatedRelativePositionBias),
		msOp("RemovePadding", msInferRemovePadding),
		msOp("RestorePadding", msInferRestorePadding),

		// Normalizations. SimplifiedLayerNormalization is registered by ONNX
		// Runtime in the ai.onnx domain (as is its LayerNormalization, which
		// the standard LayerNormalization-17 rule covers).
		msOp("EmbedLayerNormalization", msInferEmbedLayerNorm(false)),
		msOp("QEmbedLayerNormalization", msInferEmbedLayerNorm(true)),
		msOp("SkipLayerNormalization", msInferSkipLayerNorm),
		msOp("SkipSimplifiedLayerNormalization", msInferSkipLayerNorm),
		msOp("LayerNormalization", msInferLayerNorm(2)),
		msOp("SimplifiedLayerNormalization", msInferLayerNorm(1)),
		shape.Op{Type: "SimplifiedLayerNormalization", Since: 1, Infer: msInferLayerNorm(1)},
		msOp("GroupNorm", msInferSame),
		msOp("SkipGroupNorm", msInferSkipGroupNorm),

		// Activations and other elementwise operators.
		msOp("Gelu", msInferSame),
		msOp("FastGelu", msInferSame),
		msOp("BiasGelu", msInferSame),
		msOp("QuickGelu", msInferSame),
		msOp("BiasAdd", msInferSame),
		msOp("BiasSoftmax", msInferSame),
		msOp("BiasSplitGelu", msInferBiasSplitGelu),
		msOp("BiasDropout", msInferBiasDropout),
		msOp("MoE", msInferSame),
		msOp("QLinearSigmoid", msInferSame),
		msOp("QLinearLeakyRelu", msInferSame),
		msOp("QLinearSoftmax", msInferSame),
		msOp("Inverse", msInferMatrixSame),
		msOp("Trilu", msInferMatrixSame),
		msOp("IsAllFinite", msInferIsAllFinite),
		msOp("MurmurHash3", msInferMurmurHash3),
		msOp("NGramRepeatBlock", msInferNGramRepeatBlock),

		// Matrix products.
		msOp("FusedMatMul", msInferFusedMatMul),
		msOp("TransposeMatMul", msInferFusedMatMul),
		msOp("FusedMatMulActivation", msInferFusedMatMul),
		msOp("FusedGemm", msInferGemm(0, 1)),
		msOp("QGemm", msInferGemm(0, 3)),
		msOp("GemmFastGelu", mmInfer(0, 1, func(c *shape.Ctx) onnx.DataType { return c.ElemType(0) })),
		msOp("DynamicQuantizeMatMul", mmInfer(0, 1, func(c *shape.Ctx) onnx.DataType { return c.ElemType(0) })),
		msOp("MatMulIntegerToFloat", mmInfer(0, 1, func(c *shape.Ctx) onnx.DataType { return c.ElemType(2) })),
		msOp("MatMulInteger16", mmInfer(0, 1, func(*shape.Ctx) onnx.DataType { return onnx.Int32 })),
		msOp("MatMulNBits", msInferMatMulNBits),
		msOp("MatMulBnb4", msInferMatMulBnb4),
		msOp("MulInteger", msInferBroadcast(0, 2, func(*shape.Ctx) onnx.DataType { return onnx.Int32 })),
		msOp("QLinearAdd", msInferBroadcast(0, 3, func(c *shape.Ctx) onnx.DataType { return c.ElemType(0) })),
		msOp("QLinearMul", msInferBroadcast(0, 3, func(c *shape.Ctx) onnx.DataType { return c.ElemType(0) })),

		// Convolutions and pooling.
		msOp("FusedConv", func(c *shape.Ctx) error { return conv(c, 0, 1, c.ElemType(0)) }),
		msOp("QLinearConv", msInferQLinearConv),
		msOp("NhwcConv", func(c *shape.Ctx) error { return msConvNHWC(c, 0, 1, c.ElemType(0), true) }),
		msOp("NhwcFusedConv", func(c *shape.Ctx) error { return msConvNHWC(c, 0, 1, c.ElemType(0), false) }),
		msOp("NhwcMaxPool", msPoolNHWC),
		msOp("QLinearAveragePool", msInferQLinearAveragePool),
		msOp("QLinearGlobalAveragePool", msInferQLinearGlobalAveragePool),

		// Quantization.
		msOp("QuantizeLinear", msInferQuantizeLinear),
		msOp("DequantizeLinear", msInferDequantizeLinear),
		msOp("QLinearConcat", msInferQLinearConcat),
		msOp("QLinearReduceMean", msInferQLinearReduceMean),
		msOp("GatherBlockQuantized", msInferGatherBlockQuantized),

		// Others.
		msOp("TorchEmbedding", msInferTorchEmbedding),
		msOp("GridSample", msInferGridSample),
		msOp("CDist", msInferCDist),
		msOp("Unique", msInferUnique),
		msOp("Pad", msInferPad),
		msOp("CropAndResize", msInferCropAndResize),
		msOp("UnfoldTensor", msInferUnfoldTensor),
	)
}

// --- small helpers ---

// msHeads reads a required, positive head-count attribute.
func msHeads(c *shape.Ctx, name string) (int64, error) {
	a := c.Attr(name)
	if a == nil {
		return 0, fmt.Errorf("attribute %s is required", name)
	}
	if a.I < 1 {
		return 0, fmt.Errorf("attribute %s: %d, want a positive count", name, a.I)
	}
	return a.I, nil
}

// msDiv is a/k for a dim that a valid model makes a multiple of k.
func msDiv(what string, a sym.Expr, k int64) (sym.Expr, error) {
	if v, ok := a.IsConst(); ok && v%k != 0 {
		return sym.Expr{}, fmt.Errorf("%s %d is not divisible by %d", what, v, k)
	}
	return sym.FloorDiv(a, sym.Const(k)), nil
}

// msRank checks that input v (when its rank is known) has one of the ranks.
func msRank(v *shape.Value, what string, ranks ...int) error {
	if v == nil || v.Rank < 0 {
		return nil
	}
	for _, r := range ranks {
		if v.Rank == r {
			return nil
		}
	}
	return fmt.Errorf("%s has rank %d, want %v", what, v.Rank, ranks)
}

// msIn is a required tensor input and the ranks it may have (any when none).
type msIn struct {
	i     int
	what  string
	ranks []int
}

// msInputs returns required tensor inputs, checking their ranks.
func msInputs(c *shape.Ctx, ins ...msIn) ([]*shape.Value, error) {
	out := make([]*shape.Value, len(ins))
	for k, in := range ins {
		v, err := ewTensorInput(c, in.i)
		if err != nil {
			return nil, err
		}
		if len(in.ranks) > 0 {
			if err := msRank(v, in.what, in.ranks...); err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	return out, nil
}

// msDim returns dim i of v, or a new symbol when v's shape is not known.
func msDim(c *shape.Ctx, v *shape.Value, i int, hint string) sym.Expr {
	if v != nil && v.Rank > i {
		return v.Shape[i]
	}
	return c.Fresh(hint)
}

// msScalarInput returns the first value of integer input i when known, or a
// new symbol.
func msScalarInput(c *shape.Ctx, i int, hint string) sym.Expr {
	if v, ok := c.ConstInts(i); ok && len(v) > 0 {
		return v[0]
	}
	return c.Fresh(hint)
}

// msInferSame: output 0 has input 0's type and shape.
func msInferSame(c *shape.Ctx) error {
	if _, err := ewTensorInput(c, 0); err != nil {
		return err
	}
	return c.SameAsInput(0, 0)
}

// msSetLike sets output o to v's shape with type dt (unknown rank when v's is).
func msSetLike(c *shape.Ctx, o int, v *shape.Value, dt onnx.DataType) {
	if !c.HasOutput(o) {
		return
	}
	if v == nil || v.Rank < 0 {
		c.SetOutput(o, shape.UnknownRank(dt))
		return
	}
	c.SetOutput(o, shape.Tensor(dt, v.Shape...))
}

// --- attention ---

// msInferAttention: Attention, QAttention and DecoderMaskedSelfAttention.
// input (B, S, in_hidden), weights (in_hidden, q_hidden+k_hidden+v_hidden),
// bias (q_hidden+k_hidden+v_hidden); output (B, S, v_hidden); present
// (2, B, num_heads, past+S, head_size), or past's shape when
// past_present_share_buffer is set. The output type is the bias's (float for
// QAttention's 8-bit input).
func msInferAttention(pastIdx int) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := msInputs(c, msIn{0, "input", []int{3}}, msIn{1, "weights", nil})
		if err != nil {
			return err
		}
		x, w := in[0], in[1]
		heads, err := msHeads(c, "num_heads")
		if err != nil {
			return err
		}
		dt := x.DType
		bias := c.Input(2)
		if bias != nil && bias.DType != onnx.Undefined {
			dt = bias.DType
		}
		var qHidden, vHidden sym.Expr
		if qkv, ok := c.AttrInts("qkv_hidden_sizes"); ok && len(qkv) > 0 {
			if len(qkv) != 3 {
				return fmt.Errorf("attribute qkv_hidden_sizes has %d values, want 3", len(qkv))
			}
			for _, h := range qkv {
				if h < 1 {
					return fmt.Errorf("attribute qkv_hidden_sizes %v: must be positive", qkv)
				}
			}
			qHidden, vHidden = sym.Const(qkv[0]), sym.Const(qkv[2])
		} else {
			var total sym.Expr
			switch {
			case bias != nil && bias.Rank >= 0:
				if err := msRank(bias, "bias", 1); err != nil {
					return err
				}
				total = bias.Shape[0]
			case w.Rank >= 0:
				if err := msRank(w, "weights", 2); err != nil {
					return err
				}
				total = w.Shape[1]
			default:
				total = c.Fresh("qkv_hidden").MulInt(3)
			}
			if qHidden, err = msDiv("Q+K+V hidden size", total, 3); err != nil {
				return err
			}
			vHidden = qHidden
		}
		b, s := msDim(c, x, 0, "batch"), msDim(c, x, 1, "sequence")
		c.SetOutput(0, shape.Tensor(dt, b, s, vHidden))
		if !c.HasOutput(1) {
			return nil
		}
		headSize, err := msDiv("Q hidden size", qHidden, heads)
		if err != nil {
			return err
		}
		present := []sym.Expr{sym.Const(2), b, sym.Const(heads), s, headSize}
		if past := c.Input(pastIdx); past != nil {
			if err := msRank(past, "past", 5); err != nil {
				return err
			}
			switch {
			case c.AttrInt("past_present_share_buffer", 0) != 0:
				msSetLike(c, 1, past, dt)
				return nil
			case past.Rank == 5:
				present = append([]sym.Expr{}, past.Shape...)
				present[3] = past.Shape[3].Add(s)
			default:
				present[3] = c.Fresh("total_sequence_length")
			}
		}
		c.SetOutput(1, shape.Tensor(dt, present...))
		return nil
	}
}

// msInferMHA: MultiHeadAttention (past_key at input 6) and
// DecoderMaskedMultiHeadAttention (past_key at input 5).
//
// query (B, S, hidden) or packed QKV (B, S, N, 3, H); key (B, L, hidden),
// packed KV (B, L, N, 2, H) or BNSH (B, N, L, H); value (B, L, v_hidden) or
// BNSH (B, N, L, Hv). Output (B, S, v_hidden); present_key/value
// (B, N, past+L, H/Hv), or the past's shape when past and present share a
// buffer. The optional qk output's type is independent of the inputs and is
// left to the model's declarations.
func msInferMHA(pastKeyIdx int, decoderMasked bool) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := msInputs(c, msIn{0, "query", []int{3, 5}})
		if err != nil {
			return err
		}
		q := in[0]
		heads, err := msHeads(c, "num_heads")
		if err != nil {
			return err
		}
		k, v := c.Input(1), c.Input(2)
		if err := msRank(k, "key", 3, 4, 5); err != nil {
			return err
		}
		if err := msRank(v, "value", 3, 4); err != nil {
			return err
		}
		dt := q.DType
		b, s := msDim(c, q, 0, "batch"), msDim(c, q, 1, "sequence")
		known := func(x *shape.Value, r int) bool { return x != nil && x.Rank == r }
		headOf := func(hidden sym.Expr) (sym.Expr, error) { return msDiv("hidden size", hidden, heads) }

		var vHidden, kvLen, headK, headV sym.Expr
		switch {
		case known(q, 5): // packed QKV
			vHidden = q.Shape[2].Mul(q.Shape[4])
			kvLen, headK, headV = s, q.Shape[4], q.Shape[4]
		case known(k, 5): // packed KV
			vHidden = msDim(c, q, 2, "hidden")
			kvLen, headK, headV = k.Shape[1], k.Shape[4], k.Shape[4]
		default:
			switch {
			case known(v, 3):
				vHidden = v.Shape[2]
				if headV, err = headOf(vHidden); err != nil {
					return err
				}
			case known(v, 4):
				vHidden = v.Shape[1].Mul(v.Shape[3])
				headV = v.Shape[3]
			default:
				vHidden, headV = c.Fresh("v_hidden"), c.Fresh("v_head_size")
			}
			switch {
			case known(k, 3):
				kvLen = k.Shape[1]
				if headK, err = headOf(k.Shape[2]); err != nil {
					return err
				}
			case known(k, 4):
				kvLen, headK = k.Shape[2], k.Shape[3]
			case k == nil && decoderMasked: // packed QKV (B, 1, 2*hidden+v_hidden)
				kvLen, headK = s, c.Fresh("head_size")
			default:
				kvLen, headK = c.Fresh("kv_sequence"), c.Fresh("head_size")
			}
		}
		if q.Rank < 0 {
			c.SetOutput(0, shape.UnknownRank(dt))
		} else {
			c.SetOutput(0, shape.Tensor(dt, b, s, vHidden))
		}

		share := c.HasInput(8) // MultiHeadAttention: past_sequence_length given
		if decoderMasked {
			share = c.AttrInt("past_present_share_buffer", 0) != 0
		}
		for i, head := range []sym.Expr{headK, headV} {
			o := 1 + i
			if !c.HasOutput(o) {
				continue
			}
			past := c.Input(pastKeyIdx + i)
			if err := msRank(past, "past state", 4); err != nil {
				return err
			}
			switch {
			case past != nil && share:
				pdt := past.DType
				if pdt == onnx.Undefined {
					pdt = dt
				}
				msSetLike(c, o, past, pdt)
			case past != nil && past.Rank == 4:
				c.SetOutput(o, shape.Tensor(dt, past.Shape[0], past.Shape[1], past.Shape[2].Add(kvLen), past.Shape[3]))
			case past != nil:
				c.SetOutput(o, shape.Tensor(dt, b, sym.Const(heads), c.Fresh("total_sequence_length"), head))
			default:
				c.SetOutput(o, shape.Tensor(dt, b, sym.Const(heads), kvLen, head))
			}
		}
		return nil
	}
}

// msGQA is what GroupQueryAttention's and SparseAttention's shapes depend on.
type msGQA struct {
	q              *shape.Value
	heads, kvHeads int64
	out            []sym.Expr // (B, S, num_heads*H)
	head           sym.Expr   // H
}

// msReadGQA reads the query and head counts of GroupQueryAttention and
// SparseAttention: query (B, S, num_heads*H) with separate key/value, or
// packed QKV (B, S, (num_heads + 2*kv_num_heads)*H).
func msReadGQA(c *shape.Ctx) (*msGQA, error) {
	in, err := msInputs(c, msIn{0, "query", []int{3}})
	if err != nil {
		return nil, err
	}
	g := &msGQA{q: in[0]}
	if g.heads, err = msHeads(c, "num_heads"); err != nil {
		return nil, err
	}
	if g.kvHeads, err = msHeads(c, "kv_num_heads"); err != nil {
		return nil, err
	}
	b, s, d := msDim(c, g.q, 0, "batch"), msDim(c, g.q, 1, "sequence"), msDim(c, g.q, 2, "hidden")
	if c.HasInput(2) {
		g.out = []sym.Expr{b, s, d}
		g.head, err = msDiv("query hidden size", d, g.heads)
		return g, err
	}
	if g.head, err = msDiv("packed QKV hidden size", d, g.heads+2*g.kvHeads); err != nil {
		return nil, err
	}
	g.out = []sym.Expr{b, s, g.head.MulInt(g.heads)}
	return g, nil
}

// msInferGQA: GroupQueryAttention. present_key/value are
// (B, kv_num_heads, max(past, total_sequence_length), H) as in ONNX
// Runtime's kernel (the past's shape with a sliding window cache), typed
// like the past (a quantized cache) or the query; output_qk is
// (B, num_heads, S, total_sequence_length).
func msInferGQA(c *shape.Ctx) error {
	g, err := msReadGQA(c)
	if err != nil {
		return err
	}
	out, head, heads, kvHeads := g.out, g.head, g.heads, g.kvHeads
	dt := g.q.DType
	c.SetOutput(0, shape.Tensor(dt, out...))
	total := msScalarInput(c, 6, "total_sequence_length")
	sliding := c.AttrInt("sliding_window_cache", 0) == 1
	for i := 0; i < 2; i++ {
		o := 1 + i
		if !c.HasOutput(o) {
			continue
		}
		past := c.Input(3 + i)
		if err := msRank(past, "past state", 4); err != nil {
			return err
		}
		pdt := dt
		if past != nil && past.DType != onnx.Undefined {
			pdt = past.DType
		}
		switch {
		case past != nil && sliding:
			msSetLike(c, o, past, pdt)
		case past != nil && past.Rank == 4:
			c.SetOutput(o, shape.Tensor(pdt, past.Shape[0], past.Shape[1], sym.Max(past.Shape[2], total), past.Shape[3]))
		case past != nil:
			c.SetOutput(o, shape.Tensor(pdt, out[0], sym.Const(kvHeads), c.Fresh("present_sequence"), head))
		default:
			c.SetOutput(o, shape.Tensor(pdt, out[0], sym.Const(kvHeads), total, head))
		}
	}
	if c.HasOutput(3) {
		c.SetOutput(3, shape.Tensor(dt, out[0], sym.Const(heads), out[1], total))
	}
	return nil
}

// msInferSparseAttention: output like GroupQueryAttention's; the present
// key/value share their buffers with the past.
func msInferSparseAttention(c *shape.Ctx) error {
	g, err := msReadGQA(c)
	if err != nil {
		return err
	}
	c.SetOutput(0, shape.Tensor(g.q.DType, g.out...))
	for i := 0; i < 2; i++ {
		past := c.Input(3 + i)
		if past == nil {
			return errMissing(3 + i)
		}
		msSetLike(c, 1+i, past, g.q.DType)
	}
	return nil
}

// msInferPackedAttention: input (tokens, in_hidden) → (tokens, v_hidden).
func msInferPackedAttention(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "input", []int{2}})
	if err != nil {
		return err
	}
	x := in[0]
	if _, err := msHeads(c, "num_heads"); err != nil {
		return err
	}
	var vHidden sym.Expr
	if qkv, ok := c.AttrInts("qkv_hidden_sizes"); ok && len(qkv) > 0 {
		if len(qkv) != 3 {
			return fmt.Errorf("attribute qkv_hidden_sizes has %d values, want 3", len(qkv))
		}
		vHidden = sym.Const(qkv[2])
	} else {
		bias := c.Input(2)
		if err := msRank(bias, "bias", 1); err != nil {
			return err
		}
		if vHidden, err = msDiv("Q+K+V hidden size", msDim(c, bias, 0, "qkv_hidden"), 3); err != nil {
			return err
		}
	}
	c.SetOutput(0, shape.Tensor(x.DType, msDim(c, x, 0, "tokens"), vHidden))
	return nil
}

// msInferPackedMHA: query (tokens, hidden) with value (tokens, v_hidden), or
// packed QKV (tokens, N, 3, H) → (tokens, v_hidden).
func msInferPackedMHA(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "query", []int{2, 4}})
	if err != nil {
		return err
	}
	q := in[0]
	if _, err := msHeads(c, "num_heads"); err != nil {
		return err
	}
	v := c.Input(2)
	if err := msRank(v, "value", 2); err != nil {
		return err
	}
	tokens := msDim(c, q, 0, "tokens")
	var vHidden sym.Expr
	switch {
	case q.Rank == 4:
		vHidden = q.Shape[1].Mul(q.Shape[3])
	case v != nil && v.Rank == 2:
		vHidden = v.Shape[1]
	default:
		vHidden = c.Fresh("v_hidden")
	}
	c.SetOutput(0, shape.Tensor(q.DType, tokens, vHidden))
	return nil
}

// msInferGemmaRotary: both outputs are like q (input 1).
func msInferGemmaRotary(c *shape.Ctx) error {
	if err := c.RequireInputs(5); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 1); err != nil {
		return err
	}
	return c.SameAsInput(1, 1)
}

// msInferRelativePositionBias: bias_table (buckets, N) → (1, N, query_length,
// key_length), the lengths being the contents of inputs 1 and 2.
func msInferRelativePositionBias(c *shape.Ctx) error {
	t, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	if t.Rank >= 0 && t.Rank < 2 {
		return fmt.Errorf("bias_table has rank %d, want 2", t.Rank)
	}
	c.SetOutput(0, shape.Tensor(t.DType, sym.Const(1), msDim(c, t, 1, "heads"),
		msScalarInput(c, 1, "query_length"), msScalarInput(c, 2, "key_length")))
	return nil
}

// msInferGatedRelativePositionBias: (B, num_heads, S, S) with B and S from
// token_offset (B, S) when given, else from query_layer (B, S, hidden).
func msInferGatedRelativePositionBias(c *shape.Ctx) error {
	q, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	heads, err := msHeads(c, "num_heads")
	if err != nil {
		return err
	}
	var b, s sym.Expr
	if off := c.Input(6); off != nil {
		if err := msRank(off, "token_offset", 2); err != nil {
			return err
		}
		b, s = msDim(c, off, 0, "batch"), msDim(c, off, 1, "sequence")
	} else {
		if err := msRank(q, "query_layer", 3); err != nil {
			return err
		}
		b, s = msDim(c, q, 0, "batch"), msDim(c, q, 1, "sequence")
	}
	c.SetOutput(0, shape.Tensor(q.DType, b, sym.Const(heads), s, s))
	return nil
}

// msInferRemovePadding: input (B, S, H) → output (tokens, H), token_offset
// (B, S), cumulated_seq_len (B+1), max_seq_len (1).
func msInferRemovePadding(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "input", []int{3}}, msIn{1, "sequence_token_count", nil})
	if err != nil {
		return err
	}
	x, it := in[0], in[1].DType
	b, s := msDim(c, x, 0, "batch"), msDim(c, x, 1, "sequence")
	c.SetOutput(0, shape.Tensor(x.DType, c.Fresh("total_tokens"), msDim(c, x, 2, "hidden")))
	c.SetOutput(1, shape.Tensor(it, b, s))
	c.SetOutput(2, shape.Tensor(it, b.AddInt(1)))
	c.SetOutput(3, shape.Tensor(it, sym.Const(1)))
	return nil
}

// msInferRestorePadding: input (tokens, H), token_offset (B, S) → (B, S, H).
func msInferRestorePadding(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "input", []int{2}}, msIn{1, "token_offset", []int{2}})
	if err != nil {
		return err
	}
	x, off := in[0], in[1]
	c.SetOutput(0, shape.Tensor(x.DType, msDim(c, off, 0, "batch"), msDim(c, off, 1, "sequence"), msDim(c, x, 1, "hidden")))
	return nil
}

// --- normalizations ---

// msInferEmbedLayerNorm: input_ids (B, S), word_embedding (vocab, hidden) →
// output (B, S, hidden), mask_index (B) int32, embedding_sum (B, S, hidden).
// The quantized variant outputs float32.
func msInferEmbedLayerNorm(quantized bool) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := msInputs(c, msIn{0, "input_ids", []int{2}}, msIn{2, "word_embedding", []int{2}})
		if err != nil {
			return err
		}
		ids, emb := in[0], in[1]
		dt := emb.DType
		if quantized {
			dt = onnx.Float
		}
		b, s, h := msDim(c, ids, 0, "batch"), msDim(c, ids, 1, "sequence"), msDim(c, emb, 1, "hidden")
		c.SetOutput(0, shape.Tensor(dt, b, s, h))
		c.SetOutput(1, shape.Tensor(onnx.Int32, b))
		if !quantized {
			c.SetOutput(2, shape.Tensor(dt, b, s, h))
		}
		return nil
	}
}

// msInferSkipLayerNorm: SkipLayerNormalization and its simplified (RMS)
// variant: output and input_skip_bias_sum like the input; mean and
// inv_std_var float32 with the last axis reduced to 1.
func msInferSkipLayerNorm(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	var stat *shape.Value
	switch {
	case x.Rank < 0:
		stat = shape.UnknownRank(onnx.Float)
	case x.Rank == 0:
		return fmt.Errorf("input has rank 0")
	default:
		stat = shape.Tensor(onnx.Float, reducedFrom(x, x.Rank-1)...)
	}
	for o := 1; o <= 2; o++ {
		if c.HasOutput(o) {
			c.SetOutput(o, stat.Clone())
		}
	}
	if c.HasOutput(3) {
		return c.SameAsInput(3, 0)
	}
	return nil
}

// msInferLayerNorm: ONNX Runtime's LayerNormalization (stats = 2: Mean and
// InvStdDev) and SimplifiedLayerNormalization (stats = 1: inv_std_var).
// Y has X's shape and the scale's type; the statistics have X's shape with
// the axes from axis on set to 1 and type stash_type.
func msInferLayerNorm(stats int) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		x, err := ewTensorInput(c, 0)
		if err != nil {
			return err
		}
		if err := c.RequireInputs(2); err != nil {
			return err
		}
		dt := c.ElemType(1)
		if dt == onnx.Undefined {
			dt = x.DType
		}
		stash := onnx.DataType(c.AttrInt("stash_type", int64(onnx.Float)))
		if !stash.IsFloat() {
			return fmt.Errorf("attribute stash_type: %s, want a floating-point type", stash)
		}
		msSetLike(c, 0, x, dt)
		stat := shape.UnknownRank(stash)
		if x.Rank >= 0 {
			axis, err := shape.NormAxis(c.AttrInt("axis", -1), x.Rank)
			if err != nil {
				return fmt.Errorf("attribute axis: %v", err)
			}
			stat = shape.Tensor(stash, reducedFrom(x, axis)...)
		}
		for o := 1; o <= stats; o++ {
			if c.HasOutput(o) {
				c.SetOutput(o, stat.Clone())
			}
		}
		return nil
	}
}

// msInferSkipGroupNorm: Y and the sum S are like X.
func msInferSkipGroupNorm(c *shape.Ctx) error {
	if err := msInferSame(c); err != nil {
		return err
	}
	if c.HasOutput(1) {
		return c.SameAsInput(1, 0)
	}
	return nil
}

// --- elementwise ---

// msInferBiasSplitGelu: X (N, S, D) → (N, S, D/2), D being the bias length.
func msInferBiasSplitGelu(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "input", []int{3}}, msIn{1, "bias", []int{1}})
	if err != nil {
		return err
	}
	x, bias := in[0], in[1]
	d := msDim(c, x, 2, "hidden")
	if bias.Rank == 1 {
		d = bias.Shape[0]
	}
	half, err := msDiv("hidden size", d, 2)
	if err != nil {
		return err
	}
	c.SetOutput(0, shape.Tensor(x.DType, msDim(c, x, 0, "batch"), msDim(c, x, 1, "sequence"), half))
	return nil
}

// msInferBiasDropout: output like data; mask bool of the same shape.
func msInferBiasDropout(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	msSetLike(c, 1, x, onnx.Bool)
	return nil
}

// msInferMatrixSame: same shape, input of rank >= 2 (Inverse, Trilu).
func msInferMatrixSame(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if x.Rank >= 0 && x.Rank < 2 {
		return fmt.Errorf("input has rank %d, want at least 2", x.Rank)
	}
	if c.Node.OpType == "Inverse" && x.Rank >= 2 {
		if err := mmDimsMatch("matrices must be square", x.Shape[x.Rank-2], x.Shape[x.Rank-1]); err != nil {
			return err
		}
	}
	return c.SameAsInput(0, 0)
}

func msInferIsAllFinite(c *shape.Ctx) error {
	if c.AttrInt("isinf_only", 0) != 0 && c.AttrInt("isnan_only", 0) != 0 {
		return fmt.Errorf("isinf_only and isnan_only cannot both be set")
	}
	c.SetOutput(0, shape.Tensor(onnx.Bool))
	return nil
}

// msInferMurmurHash3: the input's shape, uint32 (positive=1, the default) or int32.
func msInferMurmurHash3(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt := onnx.Uint32
	if c.AttrInt("positive", 1) != 1 {
		dt = onnx.Int32
	}
	msSetLike(c, 0, x, dt)
	return nil
}

// msInferNGramRepeatBlock: scores_out is like scores (input 1).
func msInferNGramRepeatBlock(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	return c.SameAsInput(0, 1)
}

// msInferBroadcast: a binary operator on inputs a and b with numpy
// broadcasting and output type dt.
func msInferBroadcast(a, b int, dt func(*shape.Ctx) onnx.DataType) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := msInputs(c, msIn{a, "", nil}, msIn{b, "", nil})
		if err != nil {
			return err
		}
		s, ok, err := shape.Broadcast(in[0], in[1])
		if err != nil {
			return err
		}
		if !ok {
			c.SetOutput(0, shape.UnknownRank(dt(c)))
			return nil
		}
		c.SetOutput(0, shape.Tensor(dt(c), s...))
		return nil
	}
}

// --- matrix products ---

// msFusedOperand applies FusedMatMul's transposes to an operand shape:
// transBatch moves the first axis behind the batch axes, trans swaps the
// last two. A vector is left as it is.
func msFusedOperand(s []sym.Expr, trans, transBatch bool) []sym.Expr {
	r := len(s)
	if r < 2 {
		return s
	}
	var out []sym.Expr
	row := s[r-2]
	if transBatch {
		out = append(out, s[1:r-1]...)
		row = s[0]
	} else {
		out = append(out, s[:r-2]...)
	}
	col := s[r-1]
	if trans {
		row, col = col, row
	}
	return append(out, row, col)
}

// msInferFusedMatMul: FusedMatMul, TransposeMatMul, FusedMatMulActivation.
func msInferFusedMatMul(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "A", nil}, msIn{1, "B", nil})
	if err != nil {
		return err
	}
	a, b := in[0], in[1]
	dt := a.DType
	if a.Rank < 0 || b.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	// ONNX Runtime moves batch axes only between operands of one rank
	// (MatMulComputeHelper: "Two inputs should have same rank and rank >= 3
	// if transBatchA or transBatchB is true"); it does not broadcast them.
	if tba, tbb := c.AttrInt("transBatchA", 0) != 0, c.AttrInt("transBatchB", 0) != 0; (tba || tbb) && (a.Rank != b.Rank || a.Rank < 3) {
		attr := "transBatchA"
		if !tba {
			attr = "transBatchB"
		}
		return fmt.Errorf("%s=1 needs A and B of one rank, at least 3; A has rank %d, B rank %d", attr, a.Rank, b.Rank)
	}
	at := shape.Tensor(dt, msFusedOperand(a.Shape, c.AttrInt("transA", 0) != 0, c.AttrInt("transBatchA", 0) != 0)...)
	bt := shape.Tensor(b.DType, msFusedOperand(b.Shape, c.AttrInt("transB", 0) != 0, c.AttrInt("transBatchB", 0) != 0)...)
	s, _, err := mmShape(at, bt)
	if err != nil {
		return err
	}
	c.SetOutput(0, shape.Tensor(dt, s...))
	return nil
}

// msInferGemm: FusedGemm (A, B at inputs 0, 1) and QGemm (inputs 0, 3):
// rank-2 operands, output (M, N). QGemm's output is float32 unless
// y_zero_point (input 8) gives the quantized type.
func msInferGemm(ia, ib int) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := msInputs(c, msIn{ia, "A", []int{2}}, msIn{ib, "B", []int{2}})
		if err != nil {
			return err
		}
		a, b := in[0], in[1]
		dt := a.DType
		if c.Node.OpType == "QGemm" {
			dt = onnx.Float
			if y := c.Input(8); y != nil && y.DType != onnx.Undefined {
				dt = y.DType
			}
			// C is the bias already quantized to the accumulator: int32
			// with scale alpha/beta·a_scale·b_scale and zero point 0.
			if cv := c.Input(6); cv != nil && cv.DType != onnx.Undefined && cv.DType != onnx.Int32 {
				return fmt.Errorf("input 6 (C) is %s, want int32: QGemm's C is quantized with zero point 0 and scale alpha/beta·A_scale·B_scale", shape.TypeString(cv))
			}
		}
		ta, tb := c.AttrInt("transA", 0) != 0, c.AttrInt("transB", 0) != 0
		pick := func(v *shape.Value, i int, hint string) sym.Expr { return msDim(c, v, i, hint) }
		m, ka := pick(a, 0, "M"), pick(a, 1, "K")
		if ta {
			m, ka = ka, m
		}
		kb, n := pick(b, 0, "K"), pick(b, 1, "N")
		if tb {
			kb, n = n, kb
		}
		if err := mmDimsMatch("inner dimensions differ", ka, kb); err != nil {
			return err
		}
		c.SetOutput(0, shape.Tensor(dt, m, n))
		return nil
	}
}

// msQuantWeightMatMul: A (..., K) times a constant (K, N) weight → (..., N).
func msQuantWeightMatMul(c *shape.Ctx, k, n int64) error {
	a, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if a.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(a.DType))
		return nil
	}
	if a.Rank == 0 {
		return fmt.Errorf("input A has rank 0")
	}
	if err := mmDimsMatch("A's last dimension vs the weight's input features", a.Shape[a.Rank-1], sym.Const(k)); err != nil {
		return err
	}
	out := append(append([]sym.Expr{}, a.Shape[:a.Rank-1]...), sym.Const(n))
	c.SetOutput(0, shape.Tensor(a.DType, out...))
	return nil
}

// msFeatures reads the K and N attributes of a quantized-weight matmul.
func msFeatures(c *shape.Ctx) (k, n int64, err error) {
	for _, name := range []string{"K", "N"} {
		a := c.Attr(name)
		if a == nil {
			return 0, 0, fmt.Errorf("attribute %s is required", name)
		}
		if a.I < 1 {
			return 0, 0, fmt.Errorf("attribute %s: %d, want positive", name, a.I)
		}
	}
	return c.AttrInt("K", 0), c.AttrInt("N", 0), nil
}

func msInferMatMulNBits(c *shape.Ctx) error {
	k, n, err := msFeatures(c)
	if err != nil {
		return err
	}
	return msQuantWeightMatMul(c, k, n)
}

// msInferMatMulBnb4: the weight is (N, K); transB (default 1) multiplies by
// its transpose (..., K) → (..., N), else (..., N) → (..., K).
func msInferMatMulBnb4(c *shape.Ctx) error {
	k, n, err := msFeatures(c)
	if err != nil {
		return err
	}
	if c.AttrInt("transB", 1) == 0 {
		k, n = n, k
	}
	return msQuantWeightMatMul(c, k, n)
}

// --- convolution and pooling ---

// msNHWCWindow computes the spatial output dims of a window over the
// spatial axes of a channels-last input (N, D..., C).
func msNHWCWindow(c *shape.Ctx, x *shape.Value, kernel []sym.Expr, ceil bool) ([]sym.Expr, error) {
	win, err := readWindow(c, kernel)
	if err != nil {
		return nil, err
	}
	out := make([]sym.Expr, len(kernel))
	for i := range kernel {
		if out[i], err = win.outDim(i, x.Shape[1+i], ceil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// msConvNHWC: a convolution over a channels-last input (N, D..., C) → (N,
// o..., M). The weight is (M, C/group, k...) or, for NhwcConv, (M, k...,
// C/group) (ONNX Runtime's fusion transposes the weight to NHWC).
func msConvNHWC(c *shape.Ctx, xi, wi int, dt onnx.DataType, weightNHWC bool) error {
	op, err := readConvOperands(c, xi, wi)
	if err != nil {
		return err
	}
	x, w, n := op.x, op.w, op.n
	if n < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	var kernel []sym.Expr
	if weightNHWC && c.Attr("kernel_shape") == nil && w.Rank >= 0 {
		kernel = w.Shape[1 : n+1]
	} else if kernel, err = convKernel(c, w, n); err != nil {
		return err
	}
	m := msDim(c, w, 0, "out_channels")
	if w.Rank >= 0 {
		cw := w.Shape[1]
		if weightNHWC {
			cw = w.Shape[n+1]
		}
		if err := mmDimsMatch("input channels vs weight channels × group", x.Shape[n+1], cw.MulInt(op.group)); err != nil {
			return err
		}
	}
	out := []sym.Expr{x.Shape[0]}
	if kernel == nil {
		out = freshSpatial(c, out, n)
	} else {
		sp, err := msNHWCWindow(c, x, kernel, false)
		if err != nil {
			return err
		}
		out = append(out, sp...)
	}
	c.SetOutput(0, shape.Tensor(dt, append(out, m)...))
	return nil
}

// msPoolNHWC: a pooling over a channels-last input (N, D..., C) → (N, o..., C)
// with a required kernel_shape (NhwcMaxPool, QLinearAveragePool with
// channels_last).
func msPoolNHWC(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	ks, ok := c.AttrInts("kernel_shape")
	if !ok {
		return fmt.Errorf("attribute kernel_shape is required")
	}
	n, err := spatialInput(x, "input X")
	if err != nil {
		return err
	}
	if n < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	if len(ks) != n {
		return fmt.Errorf("kernel_shape %v has %d values, input has %d spatial axes", ks, len(ks), n)
	}
	for _, k := range ks {
		if k < 1 {
			return fmt.Errorf("kernel_shape %v: must be positive", ks)
		}
	}
	sp, err := msNHWCWindow(c, x, shape.Dims(ks...), c.AttrInt("ceil_mode", 0) != 0)
	if err != nil {
		return err
	}
	out := append(append([]sym.Expr{x.Shape[0]}, sp...), x.Shape[n+1])
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

// msInferQLinearConv: x at input 0, w at input 3; the output type is
// y_zero_point's (input 7).
func msInferQLinearConv(c *shape.Ctx) error {
	dt := c.ElemType(7)
	if dt == onnx.Undefined {
		dt = c.ElemType(0)
	}
	if c.AttrInt("channels_last", 0) != 0 {
		return msConvNHWC(c, 0, 3, dt, false)
	}
	return conv(c, 0, 3, dt)
}

func msInferQLinearAveragePool(c *shape.Ctx) error {
	if c.AttrInt("channels_last", 0) != 0 {
		return msPoolNHWC(c)
	}
	return inferPool(c)
}

// msInferQLinearGlobalAveragePool: (N, C, 1, ...) or, channels last,
// (N, 1, ..., C).
func msInferQLinearGlobalAveragePool(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if c.AttrInt("channels_last", 0) == 0 {
		return inferGlobalPool(c)
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	if x.Rank < 2 {
		return fmt.Errorf("input X has rank %d, want at least 2", x.Rank)
	}
	out := make([]sym.Expr, x.Rank)
	out[0], out[x.Rank-1] = x.Shape[0], x.Shape[x.Rank-1]
	for i := 1; i < x.Rank-1; i++ {
		out[i] = sym.Const(1)
	}
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

// --- quantization ---

// msInferQuantizeLinear: x's shape; the type of y_zero_point, uint8 without it.
func msInferQuantizeLinear(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt := onnx.Uint8
	if zp := c.Input(2); zp != nil {
		dt = zp.DType
	}
	msSetLike(c, 0, x, dt)
	return nil
}

// msInferDequantizeLinear: x's shape and x_scale's type.
func msInferDequantizeLinear(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	dt := c.ElemType(1)
	if dt == onnx.Undefined {
		dt = onnx.Float
	}
	msSetLike(c, 0, x, dt)
	return nil
}

// msInferQLinearConcat: inputs Y_scale, Y_zero_point, then (tensor, scale,
// zero point) triples; the tensors are concatenated along axis and the
// output has Y_zero_point's type.
func msInferQLinearConcat(c *shape.Ctx) error {
	n := c.NumInputs()
	if n < 5 || (n-2)%3 != 0 {
		return fmt.Errorf("%d inputs, want Y_scale, Y_zero_point and (tensor, scale, zero point) triples", n)
	}
	a := c.Attr("axis")
	if a == nil {
		return fmt.Errorf("attribute axis is required")
	}
	dt := c.ElemType(1)
	if dt == onnx.Undefined {
		dt = c.ElemType(2)
	}
	var ref *shape.Value
	for i := 2; i < n; i += 3 {
		v, err := ewTensorInput(c, i)
		if err != nil {
			return err
		}
		if v.Rank < 0 {
			continue
		}
		if ref == nil {
			ref = v
		} else if v.Rank != ref.Rank {
			return fmt.Errorf("inputs of ranks %d and %d", ref.Rank, v.Rank)
		}
	}
	if ref == nil {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	axis, err := shape.NormAxis(a.I, ref.Rank)
	if err != nil {
		return fmt.Errorf("attribute axis: %v", err)
	}
	out := append([]sym.Expr{}, ref.Shape...)
	total := sym.Const(0)
	for i := 2; i < n; i += 3 {
		v := c.Input(i)
		if v.Rank < 0 {
			total = total.Add(c.Fresh("concat_dim"))
			continue
		}
		total = total.Add(v.Shape[axis])
		for j := range out {
			if j == axis {
				continue
			}
			if err := mmDimsMatch(fmt.Sprintf("dimension %d of the inputs differs", j), out[j], v.Shape[j]); err != nil {
				return err
			}
			if _, ok := out[j].IsConst(); !ok {
				out[j] = v.Shape[j]
			}
		}
	}
	out[axis] = total
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

// msInferQLinearReduceMean: the axes attribute (all axes when empty),
// keepdims default 1.
func msInferQLinearReduceMean(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	axes, _ := c.AttrInts("axes")
	norm, err := shape.NormAxes(axes, x.Rank)
	if err != nil {
		return fmt.Errorf("attribute axes: %v", err)
	}
	reduced := map[int]bool{}
	for _, a := range norm {
		reduced[a] = true
	}
	keep := c.AttrInt("keepdims", 1) != 0
	var out []sym.Expr
	for i, d := range x.Shape {
		switch {
		case len(axes) > 0 && !reduced[i]:
			out = append(out, d)
		case keep:
			out = append(out, sym.Const(1))
		}
	}
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

// msInferGatherBlockQuantized: Gather of data (input 0) at indices (input 1)
// along gather_axis, dequantized to the scales' type. uint8 data packs
// 8/bits values per byte along its last axis, which the output unpacks.
func msInferGatherBlockQuantized(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "data", nil}, msIn{1, "indices", nil}, msIn{2, "scales", nil})
	if err != nil {
		return err
	}
	data, idx, dt := in[0], in[1], in[2].DType
	if data.Rank < 0 || idx.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	if data.Rank == 0 {
		return fmt.Errorf("data has rank 0, want at least 1")
	}
	axis, err := shape.NormAxis(c.AttrInt("gather_axis", 0), data.Rank)
	if err != nil {
		return fmt.Errorf("attribute gather_axis: %v", err)
	}
	qaxis, err := shape.NormAxis(c.AttrInt("quantize_axis", 1), data.Rank)
	if err != nil {
		return fmt.Errorf("attribute quantize_axis: %v", err)
	}
	if axis == qaxis {
		return fmt.Errorf("attributes gather_axis and quantize_axis are both axis %d; they must differ", axis)
	}
	block := c.AttrInt("block_size", 128)
	if block < 16 || block&(block-1) != 0 {
		return fmt.Errorf("attribute block_size: %d, want a power of 2, at least 16", block)
	}
	// The unpacked data: uint8 packs 8/bits values per byte along its last
	// axis (ONNX Runtime's MatMulNBits layout), which it only gathers along
	// axis 0 and quantizes along the last axis.
	full := append([]sym.Expr{}, data.Shape...)
	if data.DType == onnx.Uint8 {
		bits := c.AttrInt("bits", 4)
		if bits != 2 && bits != 4 && bits != 8 {
			return fmt.Errorf("attribute bits: %d, want 2, 4 or 8 for uint8 data", bits)
		}
		if axis != 0 {
			return fmt.Errorf("attribute gather_axis: %d, but uint8 data is gathered along axis 0 only", c.AttrInt("gather_axis", 0))
		}
		if qaxis != data.Rank-1 {
			return fmt.Errorf("attribute quantize_axis: %d, but uint8 data is quantized along its last axis (%d) only", c.AttrInt("quantize_axis", 1), data.Rank-1)
		}
		full[data.Rank-1] = full[data.Rank-1].MulInt(8 / bits)
	}
	// scales: the unpacked data's shape with ceil(n/block_size) blocks
	// along quantize_axis.
	if sc := in[2]; sc.Rank >= 0 {
		if sc.Rank != data.Rank {
			return fmt.Errorf("scales have rank %d, data rank %d; want equal ranks", sc.Rank, data.Rank)
		}
		for i := range full {
			want := full[i]
			if i == qaxis {
				want = sym.CeilDiv(want, sym.Const(block))
			}
			if err := mmDimsMatch(fmt.Sprintf("scales dim %d vs the data's (quantize_axis %d, block_size %d)", i, qaxis, block), sc.Shape[i], want); err != nil {
				return err
			}
		}
	}
	out := append(append(append([]sym.Expr{}, full[:axis]...), idx.Shape...), full[axis+1:]...)
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

// --- others ---

// msInferTorchEmbedding: weight (N, M), indices (...) → (..., M).
func msInferTorchEmbedding(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "weight", []int{2}}, msIn{1, "indices", nil})
	if err != nil {
		return err
	}
	w, idx := in[0], in[1]
	if idx.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(w.DType))
		return nil
	}
	out := append(append([]sym.Expr{}, idx.Shape...), msDim(c, w, 1, "embedding"))
	c.SetOutput(0, shape.Tensor(w.DType, out...))
	return nil
}

// msInferGridSample: X (N, C, H, W), grid (N, H_out, W_out, 2) → (N, C, H_out, W_out).
func msInferGridSample(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "X", []int{4}}, msIn{1, "grid", []int{4}})
	if err != nil {
		return err
	}
	x, g := in[0], in[1]
	c.SetOutput(0, shape.Tensor(x.DType, msDim(c, x, 0, "N"), msDim(c, x, 1, "C"), msDim(c, g, 1, "H_out"), msDim(c, g, 2, "W_out")))
	return nil
}

// msInferCDist: A (M, K), B (N, K) → (M, N).
func msInferCDist(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "A", []int{2}}, msIn{1, "B", []int{2}})
	if err != nil {
		return err
	}
	a, b := in[0], in[1]
	if a.Rank == 2 && b.Rank == 2 {
		if err := mmDimsMatch("feature dimensions differ", a.Shape[1], b.Shape[1]); err != nil {
			return err
		}
	}
	c.SetOutput(0, shape.Tensor(a.DType, msDim(c, a, 0, "M"), msDim(c, b, 0, "N")))
	return nil
}

// msInferUnique: uniques (U), idx like x (int64), counts (U) (int64).
func msInferUnique(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	u := c.Fresh("unique")
	c.SetOutput(0, shape.Tensor(x.DType, u))
	msSetLike(c, 1, x, onnx.Int64)
	c.SetOutput(2, shape.Tensor(onnx.Int64, u))
	return nil
}

// msInferPad: com.microsoft's Pad with pads as input 1 ([2*rank] or
// [1, 2*rank]; negative values crop).
func msInferPad(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	pads, ok := c.ConstInts(1)
	if !ok {
		out := make([]sym.Expr, x.Rank)
		for i := range out {
			out[i] = c.Fresh("padded")
		}
		c.SetOutput(0, shape.Tensor(x.DType, out...))
		return nil
	}
	if len(pads) != 2*x.Rank {
		return fmt.Errorf("pads has %d values, want %d", len(pads), 2*x.Rank)
	}
	out := make([]sym.Expr, x.Rank)
	for i, d := range x.Shape {
		out[i] = d.Add(pads[i]).Add(pads[i+x.Rank])
		if v, ok := out[i].IsConst(); ok && v < 0 {
			return fmt.Errorf("axis %d: padded size %d is negative", i, v)
		}
	}
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

// msInferCropAndResize: X (N, C, H, W), rois (R, 4), crop_size [h, w] →
// (R, C, h, w).
func msInferCropAndResize(c *shape.Ctx) error {
	in, err := msInputs(c, msIn{0, "X", []int{4}}, msIn{1, "rois", []int{2}}, msIn{2, "batch_indices", nil}, msIn{3, "crop_size", nil})
	if err != nil {
		return err
	}
	x, rois := in[0], in[1]
	h, w := c.Fresh("crop_height"), c.Fresh("crop_width")
	if cs, ok := c.ConstInts(3); ok {
		if len(cs) != 2 {
			return fmt.Errorf("crop_size has %d values, want 2", len(cs))
		}
		h, w = cs[0], cs[1]
	}
	c.SetOutput(0, shape.Tensor(x.DType, msDim(c, rois, 0, "rois"), msDim(c, x, 1, "C"), h, w))
	return nil
}

// msInferUnfoldTensor: the axis dim becomes (d - size)/step + 1 and a last
// axis of length size is appended.
func msInferUnfoldTensor(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	size, step := c.AttrInt("size", 0), c.AttrInt("step", 1)
	if c.Attr("size") == nil || size < 1 {
		return fmt.Errorf("attribute size must be set and positive")
	}
	if step < 1 {
		return fmt.Errorf("attribute step: %d, want positive", step)
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	axis, err := shape.NormAxis(c.AttrInt("dim", -1), x.Rank)
	if err != nil {
		return fmt.Errorf("attribute dim: %v", err)
	}
	out := append([]sym.Expr{}, x.Shape...)
	if v, ok := out[axis].IsConst(); ok && v < size {
		return fmt.Errorf("size %d exceeds dimension %d", size, v)
	}
	out[axis] = sym.FloorDiv(out[axis].AddInt(-size), sym.Const(step)).AddInt(1)
	c.SetOutput(0, shape.Tensor(x.DType, append(out, sym.Const(size))...))
	return nil
}

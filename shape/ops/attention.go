package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Attention (23+), RotaryEmbedding (23+) and LinearAttention (27+).

func init() {
	shape.Register(
		shape.Op{Type: "Attention", Since: 23, Infer: inferAttention},
		shape.Op{Type: "RotaryEmbedding", Since: 23, Infer: inferRotaryEmbedding},
		shape.Op{Type: "LinearAttention", Since: 27, Infer: inferLinearAttention},
	)
}

// splitHeads returns hidden/heads: exact when hidden is a multiple of heads,
// which a valid model guarantees.
func splitHeads(hidden sym.Expr, heads int64) (sym.Expr, error) {
	if h, ok := hidden.IsConst(); ok && h%heads != 0 {
		return sym.Expr{}, fmt.Errorf("hidden size %d is not divisible by %d heads", h, heads)
	}
	return sym.FloorDiv(hidden, sym.Const(heads)), nil
}

// headsAttr reads a required positive head-count attribute.
func headsAttr(c *shape.Ctx, name string) (int64, error) {
	a := c.Attr(name)
	if a == nil {
		return 0, fmt.Errorf("attribute %s is required with 3-D inputs", name)
	}
	if a.I < 1 {
		return 0, fmt.Errorf("%s %d: must be positive", name, a.I)
	}
	return a.I, nil
}

// headCounts reads q_num_heads and kv_num_heads; the first must be a
// multiple of the second.
func headCounts(c *shape.Ctx) (qh, kvh int64, err error) {
	if qh, err = headsAttr(c, "q_num_heads"); err != nil {
		return 0, 0, err
	}
	if kvh, err = headsAttr(c, "kv_num_heads"); err != nil {
		return 0, 0, err
	}
	if qh%kvh != 0 {
		return 0, 0, fmt.Errorf("q_num_heads %d is not a multiple of kv_num_heads %d", qh, kvh)
	}
	return qh, kvh, nil
}

// attnDims is what Attention's shapes depend on.
type attnDims struct {
	batch, qHeads, kvHeads, qSeq, kvSeq sym.Expr
	headSize, vHeadSize                 sym.Expr // of K and V
}

// inferAttention: Q (B, Hq, Sq, D) or (B, Sq, Hq*D); K (B, Hkv, Skv, D) or
// (B, Skv, Hkv*D); V (B, Hkv, Skv, Dv) or (B, Skv, Hkv*Dv); past_key/value
// (B, Hkv, P, D/Dv). Outputs Y (B, Hq, Sq, Dv) or (B, Sq, Hq*Dv),
// present_key (B, Hkv, P+Skv, D), present_value (B, Hkv, P+Skv, Dv) and
// qk_matmul_output (B, Hq, Sq, P+Skv).
func inferAttention(c *shape.Ctx) error {
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	q, k, v := c.Input(0), c.Input(1), c.Input(2)
	dt, vdt := q.DType, v.DType
	if c.HasInput(4) != c.HasInput(5) {
		return fmt.Errorf("past_key and past_value must be given together")
	}
	if !q.HasShape() || !k.HasShape() || !v.HasShape() {
		for o := range c.NumOutputs() {
			if c.HasOutput(o) {
				t := dt
				if o == 2 {
					t = vdt
				}
				c.SetOutput(o, shape.UnknownRank(t))
			}
		}
		return nil
	}
	if q.Rank != k.Rank || q.Rank != v.Rank || q.Rank != 3 && q.Rank != 4 {
		return fmt.Errorf("Q, K and V have ranks %d, %d and %d: want all 3 or all 4", q.Rank, k.Rank, v.Rank)
	}
	var d attnDims
	d.batch = q.Shape[0]
	if q.Rank == 4 {
		d.qHeads, d.qSeq = q.Shape[1], q.Shape[2]
		d.kvHeads, d.kvSeq, d.headSize = k.Shape[1], k.Shape[2], k.Shape[3]
		d.vHeadSize = v.Shape[3]
	} else {
		qh, kvh, err := headCounts(c)
		if err != nil {
			return err
		}
		d.qHeads, d.kvHeads = sym.Const(qh), sym.Const(kvh)
		d.qSeq, d.kvSeq = q.Shape[1], k.Shape[1]
		if _, err = splitHeads(q.Shape[2], qh); err != nil {
			return fmt.Errorf("Q: %w", err)
		}
		if d.headSize, err = splitHeads(k.Shape[2], kvh); err != nil {
			return fmt.Errorf("K: %w", err)
		}
		if d.vHeadSize, err = splitHeads(v.Shape[2], kvh); err != nil {
			return fmt.Errorf("V: %w", err)
		}
	}
	if qh, ok := d.qHeads.IsConst(); ok {
		if kvh, ok := d.kvHeads.IsConst(); ok && (kvh < 1 || qh%kvh != 0) {
			return fmt.Errorf("%d query heads are not a multiple of %d key/value heads", qh, kvh)
		}
	}
	total := d.kvSeq
	if pk := c.Input(4); pk != nil {
		switch {
		case pk.HasShape() && pk.Rank == 4:
			total = pk.Shape[2].Add(d.kvSeq)
		case pk.HasShape():
			return fmt.Errorf("past_key has rank %d, want 4", pk.Rank)
		default:
			total = c.Fresh("total_sequence_length")
		}
	}

	if q.Rank == 4 {
		c.SetOutput(0, shape.Tensor(dt, d.batch, d.qHeads, d.qSeq, d.vHeadSize))
	} else {
		// hidden = Hq * Dv = V_hidden * Hq / Hkv.
		qh, _ := d.qHeads.IsConst()
		kvh, _ := d.kvHeads.IsConst()
		c.SetOutput(0, shape.Tensor(dt, d.batch, d.qSeq, v.Shape[2].MulInt(qh/kvh)))
	}
	if c.HasOutput(1) {
		c.SetOutput(1, shape.Tensor(dt, d.batch, d.kvHeads, total, d.headSize))
	}
	if c.HasOutput(2) {
		c.SetOutput(2, shape.Tensor(vdt, d.batch, d.kvHeads, total, d.vHeadSize))
	}
	if c.HasOutput(3) {
		c.SetOutput(3, shape.Tensor(dt, d.batch, d.qHeads, d.qSeq, total))
	}
	return nil
}

// inferRotaryEmbedding: Y like X (3-D with num_heads, or 4-D).
func inferRotaryEmbedding(c *shape.Ctx) error {
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	x := c.Input(0)
	if x.HasShape() {
		switch x.Rank {
		case 3:
			h, err := headsAttr(c, "num_heads")
			if err != nil {
				return err
			}
			if _, err := splitHeads(x.Shape[2], h); err != nil {
				return err
			}
		case 4:
		default:
			return fmt.Errorf("input X has rank %d, want 3 or 4", x.Rank)
		}
	}
	return c.SameAsInput(0, 0)
}

// inferLinearAttention: query (B, T, Hq*dk), key (B, T, Hkv*dk), value
// (B, T, Hkv*dv) → output (B, T, Hq*dv) and present_state (B, Hkv, dk, dv).
func inferLinearAttention(c *shape.Ctx) error {
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	q, k, v := c.Input(0), c.Input(1), c.Input(2)
	dt := q.DType
	stateType := dt
	if ps := c.Input(3); ps != nil && ps.DType != onnx.Undefined {
		stateType = ps.DType
	}
	qh, kvh, err := headCounts(c)
	if err != nil {
		return err
	}
	for i, t := range []*shape.Value{q, k, v} {
		if t.HasShape() && t.Rank != 3 {
			return fmt.Errorf("input %d has rank %d, want 3 (B, T, H*D)", i, t.Rank)
		}
	}
	if !q.HasShape() || !v.HasShape() {
		c.SetOutput(0, shape.UnknownRank(dt))
	} else {
		c.SetOutput(0, shape.Tensor(dt, q.Shape[0], q.Shape[1], v.Shape[2].MulInt(qh/kvh)))
	}
	if !c.HasOutput(1) {
		return nil
	}
	if !q.HasShape() || !v.HasShape() {
		if ps := c.Input(3); ps != nil && ps.HasShape() {
			c.SetOutput(1, shape.Tensor(stateType, ps.Shape...))
		} else {
			c.SetOutput(1, shape.UnknownRank(stateType))
		}
		return nil
	}
	dk, err := splitHeads(q.Shape[2], qh)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	dv, err := splitHeads(v.Shape[2], kvh)
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	c.SetOutput(1, shape.Tensor(stateType, q.Shape[0], sym.Const(kvh), dk, dv))
	return nil
}

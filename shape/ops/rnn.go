package ops

import (
	"fmt"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Recurrent layers: RNN, GRU and LSTM. Inputs X, W, R, then B,
// sequence_lens, initial_h (and initial_c, P for LSTM); outputs Y, Y_h (and
// Y_c for LSTM). layout (since 14) 0 puts the sequence first, 1 the batch.

func init() {
	shape.Register(
		shape.Op{Type: "RNN", Since: 1, Infer: func(c *shape.Ctx) error { return inferRecurrent(c, 1) }},
		shape.Op{Type: "GRU", Since: 1, Infer: func(c *shape.Ctx) error { return inferRecurrent(c, 3) }},
		shape.Op{Type: "LSTM", Since: 1, Infer: func(c *shape.Ctx) error { return inferRecurrent(c, 4) }},
	)
}

// inferRecurrent infers a recurrent layer with gates gates per direction
// (1 RNN, 3 GRU, 4 LSTM).
func inferRecurrent(c *shape.Ctx, gates int64) error {
	if err := c.RequireInputs(3); err != nil {
		return err
	}
	x, w, r := c.Input(0), c.Input(1), c.Input(2)
	dt := x.DType
	for i, v := range []*shape.Value{x, w, r} {
		if v.HasShape() && v.Rank != 3 {
			return fmt.Errorf("input %d has rank %d, want 3", i, v.Rank)
		}
	}
	var numDir int64
	switch d := c.AttrString("direction", "forward"); d {
	case "forward", "reverse":
		numDir = 1
	case "bidirectional":
		numDir = 2
	default:
		return fmt.Errorf("direction %q: want forward, reverse or bidirectional", d)
	}
	for i, v := range []*shape.Value{w, r} {
		if v.HasShape() {
			if nd, ok := v.Shape[0].IsConst(); ok && nd != numDir {
				return fmt.Errorf("input %d has %d directions, direction attribute says %d", i+1, nd, numDir)
			}
		}
	}
	layout := c.AttrInt("layout", 0)
	if layout != 0 && layout != 1 {
		return fmt.Errorf("layout %d: want 0 or 1", layout)
	}

	// hidden_size: the attribute, else R's last dim, else W's gate rows / gates.
	var hidden sym.Expr
	switch {
	case c.Attr("hidden_size") != nil:
		h := c.AttrInt("hidden_size", 0)
		if h < 1 {
			return fmt.Errorf("hidden_size %d: must be positive", h)
		}
		hidden = sym.Const(h)
	case r.HasShape():
		hidden = r.Shape[2]
	case w.HasShape():
		hidden = sym.FloorDiv(w.Shape[1], sym.Const(gates))
	default:
		hidden = c.Fresh("hidden_size")
	}
	if hv, ok := hidden.IsConst(); ok {
		for i, v := range []*shape.Value{w, r} {
			if !v.HasShape() {
				continue
			}
			if rows, ok := v.Shape[1].IsConst(); ok && rows != gates*hv {
				return fmt.Errorf("input %d has %d gate rows, want %d (%d gates × hidden_size %d)", i+1, rows, gates*hv, gates, hv)
			}
		}
	}

	var seq, batch sym.Expr
	if x.HasShape() {
		seq, batch = x.Shape[0], x.Shape[1]
		if layout == 1 {
			seq, batch = batch, seq
		}
	} else {
		seq = c.Fresh("seq_length")
		batch = c.Fresh("batch_size")
		// The initial states also carry the batch size.
		for _, i := range []int{5, 6} {
			if v := c.Input(i); v != nil && v.HasShape() && v.Rank == 3 {
				batch = v.Shape[1-int(layout)]
				break
			}
		}
	}
	nd := sym.Const(numDir)
	if c.HasOutput(0) {
		if layout == 0 {
			c.SetOutput(0, shape.Tensor(dt, seq, nd, batch, hidden))
		} else {
			c.SetOutput(0, shape.Tensor(dt, batch, seq, nd, hidden))
		}
	}
	last := 2
	if gates == 4 {
		last = 3
	}
	for o := 1; o < last && o < c.NumOutputs(); o++ {
		if !c.HasOutput(o) {
			continue
		}
		if layout == 0 {
			c.SetOutput(o, shape.Tensor(dt, nd, batch, hidden))
		} else {
			c.SetOutput(o, shape.Tensor(dt, batch, nd, hidden))
		}
	}
	return nil
}

package ops

import (
	"fmt"
	"sort"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// NonMaxSuppression, the losses and the training operators of
// ai.onnx.preview.training.

const trainingDomain = "ai.onnx.preview.training"

func init() {
	shape.Register(
		shape.Op{Type: "NonMaxSuppression", Since: 10, Infer: inferNMS, Eval: evalNMS},
		shape.Op{Type: "NegativeLogLikelihoodLoss", Since: 12, Infer: inferLoss},
		shape.Op{Type: "SoftmaxCrossEntropyLoss", Since: 12, Infer: inferLoss},
		// Optimizers: inputs R, T and n tensors per group; outputs are the
		// updated X and state groups (Adagrad X,G,H → X,H; Momentum X,G,V →
		// X,V; Adam X,G,V,H → X,V,H).
		shape.Op{Domain: trainingDomain, Type: "Adagrad", Since: 1, Infer: func(c *shape.Ctx) error { return inferOptimizer(c, 3, 0, 2) }},
		shape.Op{Domain: trainingDomain, Type: "Momentum", Since: 1, Infer: func(c *shape.Ctx) error { return inferOptimizer(c, 3, 0, 2) }},
		shape.Op{Domain: trainingDomain, Type: "Adam", Since: 1, Infer: func(c *shape.Ctx) error { return inferOptimizer(c, 4, 0, 2, 3) }},
		shape.Op{Domain: trainingDomain, Type: "Gradient", Since: 1, Infer: inferGradient},
	)
}

// inferNMS: selected_indices [num_selected, 3] int64. num_selected depends
// on the boxes and scores: a fresh symbol unless Eval runs.
func inferNMS(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	b, s := c.Input(0), c.Input(1)
	if b.HasShape() && (b.Rank != 3 || !isConstDim(b.Shape[2], 4)) {
		return fmt.Errorf("boxes have shape %s, want [num_batches, spatial_dimension, 4]", shape.ShapeString(b))
	}
	if s.HasShape() && s.Rank != 3 {
		return fmt.Errorf("scores have rank %d, want 3 [num_batches, num_classes, spatial_dimension]", s.Rank)
	}
	n := c.Fresh("num_selected")
	if c.HasInput(2) {
		if m, ok := c.ConstInt64s(2); ok && len(m) == 1 && m[0] <= 0 {
			n = sym.Const(0)
		}
	} else {
		n = sym.Const(0) // max_output_boxes_per_class defaults to 0
	}
	c.SetOutput(0, shape.Tensor(onnx.Int64, n, sym.Const(3)))
	return nil
}

func isConstDim(d sym.Expr, v int64) bool {
	x, ok := d.IsConst()
	return ok && x == v
}

// nmsBox is a box as (xmin, ymin, xmax, ymax) in float32.
type nmsBox [4]float32

func nmsBoxAt(vals []float64, i int, centerPoint bool) nmsBox {
	a, b, c, d := float32(vals[4*i]), float32(vals[4*i+1]), float32(vals[4*i+2]), float32(vals[4*i+3])
	if centerPoint {
		// [x_center, y_center, width, height]
		return nmsBox{a - c/2, b - d/2, a + c/2, b + d/2}
	}
	// [y1, x1, y2, x2] with any diagonal pair of corners.
	return nmsBox{min(b, d), min(a, c), max(b, d), max(a, c)}
}

// suppresses reports whether boxes p and q overlap with IoU above thr.
func suppresses(p, q nmsBox, thr float32) bool {
	ix0, ix1 := max(p[0], q[0]), min(p[2], q[2])
	if ix1 <= ix0 {
		return false
	}
	iy0, iy1 := max(p[1], q[1]), min(p[3], q[3])
	if iy1 <= iy0 {
		return false
	}
	inter := (ix1 - ix0) * (iy1 - iy0)
	a1 := (p[2] - p[0]) * (p[3] - p[1])
	a2 := (q[2] - q[0]) * (q[3] - q[1])
	union := a1 + a2 - inter
	if inter <= 0 || a1 <= 0 || a2 <= 0 || union <= 0 {
		return false
	}
	return inter/union > thr
}

// evalNMS runs non-maximum suppression: per batch and class, boxes whose
// score passes score_threshold are taken by decreasing score (ties by index)
// unless one already selected overlaps with IoU > iou_threshold, up to
// max_output_boxes_per_class.
func evalNMS(c *shape.Ctx) error {
	bd, ok := inputDims(c, 0)
	if !ok {
		return nil
	}
	sd, ok := inputDims(c, 1)
	if !ok {
		return nil
	}
	if len(bd) != 3 || len(sd) != 3 || bd[2] != 4 || sd[0] != bd[0] || sd[2] != bd[1] {
		return fmt.Errorf("boxes %v and scores %v disagree", bd, sd)
	}
	boxes, ok := c.ConstFloats(0)
	if !ok || int64(len(boxes)) != numel(bd) {
		return nil
	}
	scores, ok := c.ConstFloats(1)
	if !ok || int64(len(scores)) != numel(sd) {
		return nil
	}
	var maxOut int64
	if c.HasInput(2) {
		m, ok := c.ConstInt64s(2)
		if !ok || len(m) != 1 {
			return nil
		}
		maxOut = m[0]
	}
	var iouThr float32
	if c.HasInput(3) {
		t, ok := c.ConstFloats(3)
		if !ok || len(t) != 1 {
			return nil
		}
		iouThr = float32(t[0])
	}
	hasScoreThr := c.HasInput(4)
	var scoreThr float32
	if hasScoreThr {
		t, ok := c.ConstFloats(4)
		if !ok || len(t) != 1 {
			return nil
		}
		scoreThr = float32(t[0])
	}
	centerPoint := c.AttrInt("center_point_box", 0) != 0
	nb, nc, ns := int(sd[0]), int(sd[1]), int(sd[2])
	var out []sym.Expr
	type cand struct {
		score float32
		idx   int
	}
	for b := range nb {
		for cl := range nc {
			var cands []cand
			for i := range ns {
				sc := float32(scores[(b*nc+cl)*ns+i])
				if !hasScoreThr || sc > scoreThr {
					cands = append(cands, cand{sc, i})
				}
			}
			sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
			var sel []nmsBox
			for _, cd := range cands {
				if int64(len(sel)) >= maxOut {
					break
				}
				box := nmsBoxAt(boxes, b*ns+cd.idx, centerPoint)
				keep := true
				for _, s := range sel {
					if suppresses(box, s, iouThr) {
						keep = false
						break
					}
				}
				if keep {
					sel = append(sel, box)
					out = append(out, sym.Const(int64(b)), sym.Const(int64(cl)), sym.Const(int64(cd.idx)))
				}
			}
		}
	}
	if len(out) > c.MaxConstElements() {
		c.SetOutput(0, shape.TensorDims(onnx.Int64, int64(len(out)/3), 3))
		return nil
	}
	if out == nil {
		out = []sym.Expr{}
	}
	return c.SetConst(0, onnx.Int64, []int64{int64(len(out) / 3), 3}, &shape.Const{Ints: out})
}

// inferLoss: scores/input (N, C, d...) and target/labels (N, d...). The loss
// has the target's shape with reduction "none", else it is a scalar;
// SoftmaxCrossEntropyLoss's log_prob output has the scores' shape.
func inferLoss(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	x, t := c.Input(0), c.Input(1)
	dt := x.DType
	if x.HasShape() && x.Rank < 2 {
		return fmt.Errorf("input has rank %d, want at least 2 (N, C, ...)", x.Rank)
	}
	if x.HasShape() && t.HasShape() && t.Rank != x.Rank-1 {
		return fmt.Errorf("target has rank %d, want %d (the input's without C)", t.Rank, x.Rank-1)
	}
	switch red := c.AttrString("reduction", "mean"); red {
	case "none":
		switch {
		case t.HasShape():
			c.SetOutput(0, shape.Tensor(dt, t.Shape...))
		case x.HasShape():
			c.SetOutput(0, shape.Tensor(dt, append([]sym.Expr{x.Shape[0]}, x.Shape[2:]...)...))
		default:
			c.SetOutput(0, shape.UnknownRank(dt))
		}
	case "mean", "sum":
		c.SetOutput(0, shape.Tensor(dt))
	default:
		return fmt.Errorf("reduction %q: want none, sum or mean", red)
	}
	if c.Node.OpType == "SoftmaxCrossEntropyLoss" && c.HasOutput(1) {
		return c.SameAsInput(1, 0)
	}
	return nil
}

// inferOptimizer: inputs R, T, then groups of n tensors each; output group k
// takes the shapes of input group outGroups[k].
func inferOptimizer(c *shape.Ctx, groups int, outGroups ...int) error {
	rest := c.NumInputs() - 2
	if rest < groups || rest%groups != 0 {
		return fmt.Errorf("%d inputs after R and T, want a positive multiple of %d", rest, groups)
	}
	n := rest / groups
	if c.NumOutputs() > n*len(outGroups) {
		return fmt.Errorf("%d outputs, want at most %d", c.NumOutputs(), n*len(outGroups))
	}
	for k, g := range outGroups {
		for i := range n {
			o, in := k*n+i, 2+g*n+i
			if !c.HasOutput(o) {
				continue
			}
			if !c.HasInput(in) {
				return errMissing(in)
			}
			if err := c.SameAsInput(o, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// inferGradient: output i is the gradient with respect to xs[i], the i-th
// input, and has its shape and type.
func inferGradient(c *shape.Ctx) error {
	xs, ok := c.AttrStrings("xs")
	if !ok {
		return fmt.Errorf("attribute xs is required")
	}
	if c.NumOutputs() > len(xs) {
		return fmt.Errorf("%d outputs for %d xs", c.NumOutputs(), len(xs))
	}
	for o := range c.NumOutputs() {
		if !c.HasOutput(o) {
			continue
		}
		if err := c.SameAsInput(o, o); err != nil {
			return err
		}
	}
	return nil
}

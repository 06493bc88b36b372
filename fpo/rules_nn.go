package fpo

import (
	"fmt"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func init() {
	Register("", poolRule, "MaxPool", "AveragePool", "LpPool")
	Register("", globalPoolRule, "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
	Register("", batchNormRule, "BatchNormalization")
	Register("", groupNormRule, "LayerNormalization", "InstanceNormalization", "GroupNormalization", "RMSNormalization", "MeanVarianceNormalization")
	Register("com.microsoft", groupNormRule, "SkipLayerNormalization", "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization", "LayerNormalization")
	Register("", softmaxRule, "Softmax", "LogSoftmax", "Hardmax")
	Register("", reduceRule, "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
		"ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "ArgMax", "ArgMin")
	Register("", rnnRule, "RNN", "GRU", "LSTM")
	Register("", lrnRule, "LRN")
	Register("", lpNormRule, "LpNormalization")
}

// poolRule: MaxPool (and com.microsoft's channels-last NhwcMaxPool) takes ∏kernel − 1 comparisons per output element;
// AveragePool ∏kernel − 1 additions and one scaling; LpPool ∏kernel
// powers, ∏kernel − 1 additions and one root. Windows are counted whole
// (padding positions included), as a padded kernel evaluates them.
func poolRule(n *Node) (Cost, error) {
	out, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	k, err := kernelSize(n)
	if err != nil {
		return Cost{}, err
	}
	switch n.Node.OpType {
	case "MaxPool", "NhwcMaxPool":
		return Cost{Ops: ops(Cmp, out.MulInt(k-1))}, nil
	case "AveragePool":
		return Cost{Ops: ops(Add, out.MulInt(k-1), Mul, out)}, nil
	}
	p := n.AttrInt("p", 2)
	per := lpPowOps(p).Scale(sym.Const(k)).Add(ops(Add, k-1)).Add(lpRootOps(p))
	return Cost{Ops: per.Scale(out)}, nil
}

func lpPowOps(p int64) Ops {
	switch p {
	case 1:
		return ops(Cmp, 1)
	case 2:
		return ops(Mul, 1)
	}
	return ops(Cmp, 1, Pow, 1)
}

func lpRootOps(p int64) Ops {
	switch p {
	case 1:
		return Ops{}
	case 2:
		return ops(Sqrt, 1)
	}
	return ops(Pow, 1)
}

func globalPoolRule(n *Node) (Cost, error) {
	in, out, err := inOutNumel(n)
	if err != nil {
		return Cost{}, err
	}
	red := in.Sub(out)
	switch n.Node.OpType {
	case "GlobalMaxPool":
		return Cost{Ops: ops(Cmp, red)}, nil
	case "GlobalAveragePool":
		return Cost{Ops: ops(Add, red, Mul, out)}, nil
	}
	p := n.AttrInt("p", 2)
	return Cost{Ops: lpPowOps(p).Scale(in).Add(ops(Add, red)).Add(lpRootOps(p).Scale(out))}, nil
}

// channels returns N·C (elements per spatial position) and the element count.
func batchChannels(n *Node) (numel, channels sym.Expr, err error) {
	s, err := n.Shape(n.In(0))
	if err != nil {
		return
	}
	numel = sym.Product(s...)
	channels = sym.Const(1)
	if len(s) > 1 {
		channels = s[1]
	}
	return
}

// batchNormRule (inference): per channel the scale γ/√(var+ε) and shift
// β − mean·scale (2 ADD, 1 SQRT, 1 DIV, 1 MUL), then 1 MUL + 1 ADD per
// element. Training mode also computes the batch mean and variance and
// updates the running statistics.
func batchNormRule(n *Node) (Cost, error) {
	numel, c, err := batchChannels(n)
	if err != nil {
		return Cost{}, err
	}
	o := ops(Add, c.MulInt(2), Sqrt, c, Div, c, Mul, c).Add(ops(Mul, numel, Add, numel))
	training := n.AttrInt("training_mode", 0) != 0 || (n.Opset < 14 && n.Opset >= 9 && countOutputs(n) > 1) || (n.Opset < 9 && n.AttrInt("is_test", 0) == 0 && countOutputs(n) > 1)
	if training {
		// mean: numel−C ADD + C MUL; variance: numel ADD (x−μ), numel MUL,
		// numel−C ADD, C MUL; running stats: 2·(2 MUL + 1 ADD) per channel.
		o = o.Add(ops(Add, numel.MulInt(3).Sub(c.MulInt(2)), Mul, numel.Add(c.MulInt(2)))).Add(ops(Mul, c.MulInt(4), Add, c.MulInt(2)))
	}
	return Cost{Ops: o}, nil
}

func countOutputs(n *Node) int {
	c := 0
	for _, v := range n.Outputs {
		if v != nil {
			c++
		}
	}
	return c
}

// groupNormRule covers the normalizations over groups of L elements: per
// group, the mean (L−1 ADD, 1 MUL), the centred values (L ADD), the variance
// (L MUL, L−1 ADD, 1 MUL), 1/√(var+ε) (1 ADD, 1 SQRT, 1 DIV); per element
// the normalization (1 MUL), the scale (1 MUL) and the bias (1 ADD). RMS
// variants skip the mean and centring; Skip variants add the skip (and bias).
func groupNormRule(n *Node) (Cost, error) {
	s, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	numel := sym.Product(s...)
	groups, err := normGroups(n, s)
	if err != nil {
		return Cost{}, err
	}
	rms := n.Node.OpType == "RMSNormalization" || n.Node.OpType == "SimplifiedLayerNormalization" || n.Node.OpType == "SkipSimplifiedLayerNormalization"
	o := normalizeOps(numel, groups, rms)
	scaleIdx, biasIdx := 1, 2
	switch n.Node.OpType {
	case "MeanVarianceNormalization":
		scaleIdx, biasIdx = -1, -1
	case "SkipLayerNormalization":
		scaleIdx, biasIdx = 2, 3
		o = o.Add(ops(Add, numel)) // + skip
		if n.In(4) != nil {
			o = o.Add(ops(Add, numel)) // + bias
		}
	case "SkipSimplifiedLayerNormalization":
		scaleIdx, biasIdx = 2, -1
		o = o.Add(ops(Add, numel))
		if n.In(3) != nil {
			o = o.Add(ops(Add, numel))
		}
	case "RMSNormalization", "SimplifiedLayerNormalization":
		biasIdx = -1
	}
	if scaleIdx >= 0 && n.In(scaleIdx) != nil {
		o = o.Add(ops(Mul, numel))
	}
	if biasIdx >= 0 && n.In(biasIdx) != nil {
		o = o.Add(ops(Add, numel))
	}
	return Cost{Ops: o}, nil
}

// normGroups returns the number of independent normalization groups.
func normGroups(n *Node, s []sym.Expr) (sym.Expr, error) {
	r := len(s)
	switch n.Node.OpType {
	case "InstanceNormalization":
		if r < 2 {
			return sym.Expr{}, fmt.Errorf("rank %d", r)
		}
		return s[0].Mul(s[1]), nil
	case "GroupNormalization":
		if r < 1 {
			return sym.Expr{}, fmt.Errorf("rank %d", r)
		}
		return s[0].MulInt(n.AttrInt("num_groups", 1)), nil
	case "MeanVarianceNormalization":
		axes, ok := n.AttrInts("axes")
		if !ok {
			axes = []int64{0, 2, 3}
		}
		norm, err := shape.NormAxes(axes, r)
		if err != nil {
			return sym.Expr{}, err
		}
		g := sym.Product(s...)
		red := sym.Const(1)
		for _, a := range norm {
			red = red.Mul(s[a])
		}
		return sym.FloorDiv(g, red), nil
	}
	axis := n.AttrInt("axis", -1)
	a, err := shape.NormAxis(axis, r)
	if err != nil {
		return sym.Expr{}, err
	}
	return sym.Product(s[:a]...), nil
}

// softmaxRule: rows of length L along the axis (or, before opset 13, the
// flattened trailing block). Softmax: L−1 CMP (max), L ADD (x−max), L EXP,
// L−1 ADD (sum), L DIV. LogSoftmax: L−1 CMP, L ADD, L EXP, L−1 ADD, 1 LOG,
// L ADD. Hardmax: L−1 CMP.
func softmaxRule(n *Node) (Cost, error) {
	rows, L, err := softmaxRows(n, 0, n.Opset < 13)
	if err != nil {
		return Cost{}, err
	}
	switch n.Node.OpType {
	case "Hardmax":
		return Cost{Ops: ops(Cmp, rows.Mul(L).Sub(rows))}, nil
	case "LogSoftmax":
		return Cost{Ops: logSoftmaxOps(rows, L)}, nil
	}
	return Cost{Ops: softmaxOps(rows, L)}, nil
}

// softmaxRows returns the rows and row length of a softmax over input i:
// along the axis attribute (default −1), or, with the pre-13 semantics
// (flattened), over the block of the axes from axis on (default 1).
func softmaxRows(n *Node, i int, flattened bool) (rows, L sym.Expr, err error) {
	s, err := n.Shape(n.In(i))
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	r := len(s)
	if r == 0 {
		return sym.Const(1), sym.Const(1), nil
	}
	if flattened {
		a, err := shape.NormAxis(n.AttrInt("axis", 1), r)
		if err != nil {
			return sym.Expr{}, sym.Expr{}, err
		}
		return sym.Product(s[:a]...), sym.Product(s[a:]...), nil
	}
	a, err := shape.NormAxis(n.AttrInt("axis", -1), r)
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	return sym.Product(s[:a]...).Mul(sym.Product(s[a+1:]...)), s[a], nil
}

// reduceRule: reducing I input elements to O outputs takes I−O combining
// operations, plus per-element and per-output extras by kind.
func reduceRule(n *Node) (Cost, error) {
	in, out, err := inOutNumel(n)
	if err != nil {
		return Cost{}, err
	}
	red := in.Sub(out)
	switch n.Node.OpType {
	case "ReduceSum":
		return Cost{Ops: ops(Add, red)}, nil
	case "ReduceMean":
		return Cost{Ops: ops(Add, red, Mul, out)}, nil
	case "ReduceMax", "ReduceMin", "ArgMax", "ArgMin":
		return Cost{Ops: ops(Cmp, red)}, nil
	case "ReduceProd":
		return Cost{Ops: ops(Mul, red)}, nil
	case "ReduceL1":
		return Cost{Ops: ops(Cmp, in, Add, red)}, nil
	case "ReduceL2":
		return Cost{Ops: ops(Mul, in, Add, red, Sqrt, out)}, nil
	case "ReduceSumSquare":
		return Cost{Ops: ops(Mul, in, Add, red)}, nil
	case "ReduceLogSum":
		return Cost{Ops: ops(Add, red, Log, out)}, nil
	case "ReduceLogSumExp":
		return Cost{Ops: ops(Exp, in, Add, red, Log, out)}, nil
	}
	return Cost{}, fmt.Errorf("no reduction rule")
}

// rnnRule counts RNN, GRU and LSTM per time step, batch item and direction:
// the input and recurrence products (gates·H·(I+H) MACs), bias additions,
// and the cell's elementwise work:
//
//	RNN:  H ADD (sum of both products), H activation (tanh)
//	GRU:  3H ADD (sum of products), 2H sigmoid, H tanh, r⊙(…) H MUL, h' = (1−z)⊙h̃ + z⊙h: 2H MUL, 2H ADD
//	LSTM: 4H ADD, 3H sigmoid, 2H tanh, c' = f⊙c + i⊙g: 2H MUL, H ADD; h' = o⊙tanh(c'): H MUL; peepholes 3H MUL, 3H ADD
//
// Biases add 2·gates·H ADDs when the B input is present; a cell clip 2 CMP
// per gate pre-activation; LSTM's input_forget (f = 1 − i) replaces the
// forget gate's sigmoid by 1 ADD. linear_before_reset changes where GRU's
// reset gate is applied, not how many operations run.
func rnnRule(n *Node) (Cost, error) {
	x, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	w, err := n.Shape(n.In(1))
	if err != nil {
		return Cost{}, err
	}
	if len(x) != 3 || len(w) != 3 {
		return Cost{}, fmt.Errorf("X of rank %d, W of rank %d: want 3 and 3", len(x), len(w))
	}
	seq, batch := x[0], x[1]
	if n.AttrInt("layout", 0) == 1 {
		seq, batch = x[1], x[0]
	}
	dirs, in := w[0], w[2]
	h := sym.Const(n.AttrInt("hidden_size", 0))
	if v, ok := h.IsConst(); !ok || v == 0 {
		r, err := n.Shape(n.In(2))
		if err != nil || len(r) != 3 {
			return Cost{}, fmt.Errorf("hidden size unknown")
		}
		h = r[2]
	}
	var gates int64
	var cell Ops
	switch n.Node.OpType {
	case "RNN":
		gates = 1
		cell = ops(Add, 1).Add(rnnActivation(n, 0, "Tanh"))
	case "GRU":
		gates = 3
		cell = ops(Add, 3, Mul, 3, Add, 2).Add(rnnActivation(n, 0, "Sigmoid").Scale(sym.Const(2))).Add(rnnActivation(n, 1, "Tanh"))
		// linear_before_reset changes where r is applied, not how many operations run.
	case "LSTM":
		gates = 4
		cell = ops(Add, 4, Mul, 3, Add, 1).Add(rnnActivation(n, 0, "Sigmoid").Scale(sym.Const(3))).Add(rnnActivation(n, 1, "Tanh")).Add(rnnActivation(n, 2, "Tanh"))
		if n.In(7) != nil {
			cell = cell.Add(ops(Mul, 3, Add, 3))
		}
		if n.AttrInt("input_forget", 0) != 0 {
			// f = 1 − i replaces the forget gate's activation by 1 ADD
			// (its product is still computed with the other gates').
			var minus Ops
			for i, c := range rnnActivation(n, 0, "Sigmoid") {
				minus[i] = c.Neg()
			}
			cell = cell.Add(minus).Add(ops(Add, 1))
		}
	}
	if n.Node.Attr("clip") != nil {
		// The cell clip bounds every gate pre-activation: 2 CMP each.
		cell = cell.Add(ops(Cmp, 2*gates))
	}
	steps := seq.Mul(batch).Mul(dirs)
	macs := steps.Mul(h.MulInt(gates)).Mul(in.Add(h))
	o := ops(Mul, macs, Add, macs).Add(cell.Scale(steps.Mul(h)))
	if n.In(3) != nil {
		o = o.Add(ops(Add, steps.Mul(h).MulInt(2*gates)))
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// rnnActivation prices the i-th activation of the first direction (by its
// name in the activations attribute, or the default).
func rnnActivation(n *Node, i int, def string) Ops {
	name := def
	if a := n.Node.Attr("activations"); a != nil && i < len(a.Strings) {
		name = a.Strings[i]
	}
	if p, ok := perElement[name]; ok {
		return p
	}
	switch name {
	case "Affine":
		return ops(Mul, 1, Add, 1)
	case "ScaledTanh":
		return ops(Mul, 2, Tanh, 1)
	}
	return perElement[def]
}

// lrnRule: per element, the sum of `size` squares (size MUL, size−1 ADD),
// bias + α/size·sum (1 MUL, 1 ADD), the power β (1 POW) and a division.
func lrnRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	size := n.AttrInt("size", 1)
	per := ops(Mul, size+1, Add, size, Pow, 1, Div, 1)
	return Cost{Ops: per.Scale(e)}, nil
}

// lpNormRule: per element |x|^p, per row the sum and root, per element a division.
func lpNormRule(n *Node) (Cost, error) {
	s, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	numel := sym.Product(s...)
	a, err := shape.NormAxis(n.AttrInt("axis", -1), len(s))
	if err != nil {
		return Cost{}, err
	}
	rows := sym.FloorDiv(numel, s[a])
	p := n.AttrInt("p", 2)
	o := lpPowOps(p).Scale(numel).Add(ops(Add, numel.Sub(rows))).Add(lpRootOps(p).Scale(rows)).Add(ops(Div, numel))
	return Cost{Ops: o}, nil
}

package train

import (
	"fmt"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// unaryGrad gives, per element, the cost of dx = dy ⊙ f'(x) (the multiply
// by dy included), using the saved input x and output y.
var unaryGrad = map[string]fpo.Ops{
	"Relu":            ops(fpo.Cmp, 1),                                     // dy where x > 0
	"LeakyRelu":       ops(fpo.Cmp, 1, fpo.Mul, 1),                         // dy or α·dy
	"ThresholdedRelu": ops(fpo.Cmp, 1),                                     //
	"Sigmoid":         ops(fpo.Mul, 2, fpo.Add, 1),                         // dy·y·(1−y)
	"Tanh":            ops(fpo.Mul, 2, fpo.Add, 1),                         // dy·(1−y²)
	"Exp":             ops(fpo.Mul, 1),                                     // dy·y
	"Log":             ops(fpo.Div, 1),                                     // dy/x
	"Sqrt":            ops(fpo.Mul, 1, fpo.Div, 1),                         // dy/(2y)
	"Reciprocal":      ops(fpo.Mul, 3),                                     // −dy·y²
	"Neg":             ops(fpo.Mul, 1),                                     // −dy
	"Abs":             ops(fpo.Cmp, 1, fpo.Mul, 1),                         // dy·sign(x)
	"Erf":             ops(fpo.Mul, 3, fpo.Exp, 1),                         // dy·2/√π·e^{−x²}
	"Gelu":            ops(fpo.Mul, 7, fpo.Add, 2, fpo.Erf, 1, fpo.Exp, 1), // dy·(Φ(x) + x·φ(x))
	"Softplus":        ops(fpo.Exp, 1, fpo.Add, 1, fpo.Div, 1, fpo.Mul, 1), // dy·σ(x)
	"Softsign":        ops(fpo.Cmp, 1, fpo.Add, 1, fpo.Mul, 1, fpo.Div, 1), // dy/(1+|x|)²
	"HardSigmoid":     ops(fpo.Cmp, 2, fpo.Mul, 1),                         // α·dy inside the linear range
	"HardSwish":       ops(fpo.Cmp, 2, fpo.Mul, 2, fpo.Add, 1),             // dy·(x/3 + 1/2) inside the range
	"Elu":             ops(fpo.Cmp, 1, fpo.Add, 1, fpo.Mul, 1),             // dy·(y+α) for x < 0
	"Selu":            ops(fpo.Cmp, 1, fpo.Add, 1, fpo.Mul, 2),             //
	"Celu":            ops(fpo.Cmp, 1, fpo.Div, 1, fpo.Exp, 1, fpo.Mul, 1),
	"Swish":           ops(fpo.Exp, 1, fpo.Div, 1, fpo.Add, 3, fpo.Mul, 3), // σ(x)(1 + x(1−σ(x)))
	"Mish":            ops(fpo.Exp, 1, fpo.Log, 1, fpo.Tanh, 1, fpo.Div, 1, fpo.Add, 4, fpo.Mul, 4),
	"Sin":             ops(fpo.Trig, 1, fpo.Mul, 1),
	"Cos":             ops(fpo.Trig, 1, fpo.Mul, 2),
	"Tan":             ops(fpo.Trig, 1, fpo.Mul, 2, fpo.Add, 1), // dy·(1+tan²)
	"Clip":            ops(fpo.Cmp, 2),
	"Identity":        {}, // pass-through
	"Cast":            {},
	"CastLike":        {},
	"Dropout":         ops(fpo.Mul, 1), // dy·mask/(1−p) in training; identity otherwise (see rule)
	"QuickGelu":       ops(fpo.Exp, 1, fpo.Div, 1, fpo.Add, 3, fpo.Mul, 4),
	"FastGelu":        ops(fpo.Mul, 9, fpo.Add, 4, fpo.Tanh, 1),
}

func init() {
	for op := range unaryGrad {
		switch op {
		case "QuickGelu", "FastGelu":
			Register("com.microsoft", unaryRule(op), op)
		case "Dropout":
			Register("", dropoutRule, op)
		default:
			Register("", unaryRule(op), op)
		}
	}
	Register("com.microsoft", unaryRule("Gelu"), "Gelu")
	Register("", binaryRule, "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Where", "Max", "Min", "Sum", "Mean")
	Register("", matmulRule, "MatMul")
	Register("com.microsoft", matmulRule, "FusedMatMul")
	Register("", gemmRule, "Gemm")
	Register("", convRule, "Conv", "ConvTranspose")
	Register("", rnnRule, "LSTM", "GRU", "RNN")
	Register("", softmaxRule, "Softmax", "LogSoftmax")
	Register("", normRule, "LayerNormalization", "InstanceNormalization", "GroupNormalization", "BatchNormalization", "RMSNormalization")
	Register("com.microsoft", normRule, "SkipLayerNormalization", "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization")
	Register("", poolRule, "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool")
	Register("", reduceRule, "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceL2")
	Register("", movementRule, "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split",
		"Slice", "Pad", "DepthToSpace", "SpaceToDepth", "Trilu", "Compress", "GatherElements", "GatherND")
	Register("", scatterAddRule, "Gather", "Expand", "Tile", "Resize", "Upsample")
	Register("", einsumRule, "Einsum")
}

func numel(v *shape.Value) (sym.Expr, error) {
	e, ok := v.NumElements()
	if !ok {
		return sym.Expr{}, fmt.Errorf("shape of %q not inferred", v.Name)
	}
	return e, nil
}

func outNumel(n *fpo.Node) (sym.Expr, error) {
	if n.Out(0) == nil {
		return sym.Expr{}, fmt.Errorf("no output")
	}
	return numel(n.Out(0))
}

func unaryRule(op string) Rule {
	per := unaryGrad[op]
	return func(n *fpo.Node, need []bool) ([]Grad, error) {
		g := make([]Grad, len(need))
		if !need[0] {
			return g, nil
		}
		e, err := outNumel(n)
		if err != nil {
			return nil, err
		}
		g[0] = opsGrad(per.Scale(e))
		return g, nil
	}
}

// dropoutRule: in training mode dx = dy ⊙ mask/(1−p): 1 MUL per element;
// at inference the op is an identity.
func dropoutRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	if !need[0] {
		return g, nil
	}
	training := false
	if c := n.In(2); c != nil && c.Const != nil && len(c.Const.Ints) == 1 {
		if v, ok := c.Const.Ints[0].IsConst(); ok && v != 0 {
			training = true
		}
	}
	if training {
		e, err := outNumel(n)
		if err != nil {
			return nil, err
		}
		g[0] = opsGrad(ops(fpo.Mul, e))
	}
	return g, nil
}

// reduceTo is the cost of summing a gradient of e elements down to a
// broadcast operand of k elements: e − k additions.
func reduceTo(e sym.Expr, v *shape.Value) (sym.Expr, error) {
	k, err := numel(v)
	if err != nil {
		return sym.Expr{}, err
	}
	return e.Sub(k), nil
}

// binaryRule: per output element, the local derivative, then a sum over
// broadcast axes down to each operand's shape.
//
//	Add: dA = Σdy; Sub: dB = −Σdy (+1 MUL per B element); Mul: dA = Σ(dy⊙B) (1 MUL);
//	Div: dA = Σ(dy/B) (1 DIV), dB = −Σ(dy⊙y/B) (2 MUL, 1 DIV);
//	Pow: dA = dy⊙b⊙a^(b−1) (1 POW, 2 MUL, 1 ADD), dB = dy⊙y⊙ln a (1 LOG, 2 MUL);
//	PRelu: dx (1 CMP, 1 MUL), dslope = Σ(dy⊙x) over x<0 (1 CMP, 1 MUL);
//	Where/Max/Min: a select per element (1 CMP); Sum: Σ; Mean: 1 MUL and Σ.
func binaryRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	for i, nd := range need {
		if !nd || n.In(i) == nil {
			continue
		}
		red, err := reduceTo(e, n.In(i))
		if err != nil {
			return nil, err
		}
		local := fpo.Ops{}
		switch n.Node.OpType {
		case "Sub":
			if i == 1 {
				k, _ := numel(n.In(1))
				local = ops(fpo.Mul, k)
			}
		case "Mul":
			local = ops(fpo.Mul, e)
		case "Div":
			if i == 0 {
				local = ops(fpo.Div, e)
			} else {
				local = ops(fpo.Mul, e.MulInt(2), fpo.Div, e)
			}
		case "Pow":
			if i == 0 {
				local = ops(fpo.Pow, e, fpo.Mul, e.MulInt(2), fpo.Add, e)
			} else {
				local = ops(fpo.Log, e, fpo.Mul, e.MulInt(2))
			}
		case "PRelu":
			local = ops(fpo.Cmp, e, fpo.Mul, e)
		case "Where":
			if i == 0 {
				continue // the condition carries no gradient
			}
			local = ops(fpo.Cmp, e)
		case "Max", "Min":
			local = ops(fpo.Cmp, e)
		case "Mean":
			local = ops(fpo.Mul, e)
		}
		g[i] = opsGrad(local.Add(ops(fpo.Add, red)))
	}
	return g, nil
}

// matmulRule: Y = A·B. dA = dY·Bᵀ and dB = Aᵀ·dY each take as many MACs
// as the forward product (batch broadcasting included: the sum over a
// broadcast batch folds into the accumulation).
func matmulRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	as, ok := n.In(0).NumElements()
	if !ok {
		return nil, fmt.Errorf("shape of A not inferred")
	}
	_ = as
	a := n.In(0)
	if a.Rank < 1 {
		return nil, fmt.Errorf("A of rank %d", a.Rank)
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	macs := e.Mul(a.Shape[a.Rank-1])
	for i := 0; i < 2 && i < len(need); i++ {
		if need[i] {
			g[i] = macGrad(macs)
		}
	}
	return g, nil
}

// gemmRule: Y = α·A'B' + β·C. dA and dB each take M·N·K MACs (plus an α
// scaling of M·N when α ≠ 1); dC = β·Σdy over broadcast axes.
func gemmRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	a := n.In(0)
	if a == nil || a.Rank != 2 {
		return nil, fmt.Errorf("A of unknown shape")
	}
	k := a.Shape[1]
	if n.AttrInt("transA", 0) != 0 {
		k = a.Shape[0]
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	for i := 0; i < 2 && i < len(need); i++ {
		if need[i] {
			g[i] = macGrad(e.Mul(k))
			if n.AttrFloat("alpha", 1) != 1 {
				g[i].Ops[fpo.Mul] = g[i].Ops[fpo.Mul].Add(e)
			}
		}
	}
	if len(need) > 2 && need[2] && n.In(2) != nil {
		red, err := reduceTo(e, n.In(2))
		if err != nil {
			return nil, err
		}
		o := ops(fpo.Add, red)
		if n.AttrFloat("beta", 1) != 1 {
			c, _ := numel(n.In(2))
			o[fpo.Mul] = c
		}
		g[2] = opsGrad(o)
	}
	return g, nil
}

// convRule: the input gradient is a transposed convolution of dY with W and
// the weight gradient a correlation of X with dY; each pairs the same
// (output position, kernel tap) products as the forward pass, so each takes
// the forward MACs. The bias gradient sums dY over batch and space.
func convRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	w := n.In(1)
	if w == nil || w.Rank < 2 {
		return nil, fmt.Errorf("weight of unknown shape")
	}
	var macs sym.Expr
	if n.Node.OpType == "ConvTranspose" {
		in, err := numel(n.In(0))
		if err != nil {
			return nil, err
		}
		macs = in.Mul(sym.Product(w.Shape[1:]...))
	} else {
		e, err := outNumel(n)
		if err != nil {
			return nil, err
		}
		macs = e.Mul(sym.Product(w.Shape[1:]...))
	}
	for i := 0; i < 2 && i < len(need); i++ {
		if need[i] {
			g[i] = macGrad(macs)
		}
	}
	if len(need) > 2 && need[2] && n.In(2) != nil {
		e, err := outNumel(n)
		if err != nil {
			return nil, err
		}
		red, err := reduceTo(e, n.In(2))
		if err != nil {
			return nil, err
		}
		g[2] = opsGrad(ops(fpo.Add, red))
	}
	return g, nil
}

// rnnRule (backpropagation through time), per step, batch item and
// direction: the recurrent gradient dh·R (gates·H·H MACs) is always needed
// once any gradient flows; dX adds gates·H·I MACs; dW and dR each take the
// forward products' MACs. The cell's elementwise backward costs, per unit:
// LSTM 16 MUL + 6 ADD, GRU 12 MUL + 6 ADD, RNN 2 MUL + 1 ADD (tanh'). The
// bias gradient sums the gate gradients over steps and batch (W_b and R_b
// share it). With every input and weight needing a gradient, the MACs are
// exactly twice the forward MACs.
func rnnRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	x, w, r := n.In(0), n.In(1), n.In(2)
	if x == nil || w == nil || r == nil || x.Rank != 3 || w.Rank != 3 || r.Rank != 3 {
		return nil, fmt.Errorf("X, W or R of unknown shape")
	}
	seq, batch := x.Shape[0], x.Shape[1]
	if n.AttrInt("layout", 0) == 1 {
		seq, batch = x.Shape[1], x.Shape[0]
	}
	dirs, gh, in, h := w.Shape[0], w.Shape[1], w.Shape[2], r.Shape[2]
	steps := seq.Mul(batch).Mul(dirs)
	var cell fpo.Ops
	switch n.Node.OpType {
	case "LSTM":
		cell = ops(fpo.Mul, 16, fpo.Add, 6)
	case "GRU":
		cell = ops(fpo.Mul, 12, fpo.Add, 6)
	default:
		cell = ops(fpo.Mul, 2, fpo.Add, 1)
	}
	any := false
	for _, nd := range need {
		any = any || nd
	}
	if !any {
		return g, nil
	}
	// The recurrence and the cell are charged to the first needed slot among X, W, R.
	shared := macGrad(steps.Mul(gh).Mul(h))
	shared.Ops = shared.Ops.Add(cell.Scale(steps.Mul(h)))
	charged := false
	charge := func(i int, gr Grad) {
		if !charged {
			gr.Ops = gr.Ops.Add(shared.Ops)
			gr.MACs = gr.MACs.Add(shared.MACs)
			charged = true
		}
		g[i] = gr
	}
	if need[0] {
		charge(0, macGrad(steps.Mul(gh).Mul(in)))
	}
	if need[1] {
		charge(1, macGrad(steps.Mul(gh).Mul(in)))
	}
	if need[2] {
		charge(2, macGrad(steps.Mul(gh).Mul(h)))
	}
	if len(need) > 3 && need[3] && n.In(3) != nil {
		g[3] = opsGrad(ops(fpo.Add, steps.Mul(gh)))
	}
	if !charged {
		// Only the bias or initial states need gradients: the recurrence still runs.
		for i := range need {
			if need[i] {
				g[i].Ops = g[i].Ops.Add(shared.Ops)
				g[i].MACs = g[i].MACs.Add(shared.MACs)
				break
			}
		}
	}
	return g, nil
}

// softmaxRule: Softmax dx = y ⊙ (dy − Σ(dy⊙y)): 2 MUL and 2 ADD per element
// less one ADD per row. LogSoftmax dx = dy − softmax(x)·Σdy: 1 EXP, 1 MUL,
// 2 ADD per element less one ADD per row.
func softmaxRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	if !need[0] {
		return g, nil
	}
	x := n.In(0)
	e, err := numel(x)
	if err != nil {
		return nil, err
	}
	rows := sym.Const(1)
	if x.Rank > 0 {
		axis := n.AttrInt("axis", -1)
		if n.Opset < 13 {
			axis = n.AttrInt("axis", 1)
			a, err := shape.NormAxis(axis, x.Rank)
			if err != nil {
				return nil, err
			}
			rows = sym.Product(x.Shape[:a]...)
		} else {
			a, err := shape.NormAxis(axis, x.Rank)
			if err != nil {
				return nil, err
			}
			rows = sym.FloorDiv(e, x.Shape[a])
		}
	}
	if n.Node.OpType == "LogSoftmax" {
		g[0] = opsGrad(ops(fpo.Exp, e, fpo.Mul, e, fpo.Add, e.MulInt(2).Sub(rows)))
	} else {
		g[0] = opsGrad(ops(fpo.Mul, e.MulInt(2), fpo.Add, e.MulInt(2).Sub(rows)))
	}
	return g, nil
}

// normRule (layer, group, instance, batch and RMS normalization) with the
// saved statistics: dx̂ = dy⊙γ (1 MUL), the two group sums Σdx̂ and Σdx̂⊙x̂
// (1 MUL, 2 ADD), dx = rstd·(dx̂ − mean₁ − x̂·mean₂) (2 MUL, 2 ADD): 4 MUL and
// 4 ADD per element plus 2 MUL per group; dγ = Σdy⊙x̂ (1 MUL, 1 ADD per
// element); dβ = Σdy (1 ADD per element). Counted per element, as an upper
// bound on the sums' (elements − groups) additions.
func normRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	e, err := numel(n.In(0))
	if err != nil {
		return nil, err
	}
	if need[0] {
		g[0] = opsGrad(ops(fpo.Mul, e.MulInt(4), fpo.Add, e.MulInt(4)))
	}
	scale, bias := 1, 2
	if n.Node.OpType == "SkipLayerNormalization" || n.Node.OpType == "SkipSimplifiedLayerNormalization" {
		scale, bias = 2, 3
		if len(need) > 1 && need[1] {
			g[1] = opsGrad(fpo.Ops{}) // the skip receives dx unchanged
		}
	}
	if n.Node.OpType == "RMSNormalization" || n.Node.OpType == "SimplifiedLayerNormalization" || n.Node.OpType == "SkipSimplifiedLayerNormalization" {
		bias = -1
	}
	if scale < len(need) && need[scale] {
		g[scale] = opsGrad(ops(fpo.Mul, e, fpo.Add, e))
	}
	if bias >= 0 && bias < len(need) && need[bias] {
		g[bias] = opsGrad(ops(fpo.Add, e))
	}
	return g, nil
}

// poolRule: max pooling routes dy to the arg-max (scatter-add: 1 ADD per
// output, for overlapping windows); average pooling scales dy by 1/k and
// adds it to every tap (1 MUL + k ADD per output); global average pooling
// broadcasts dy/HW (1 MUL per channel).
func poolRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	if !need[0] {
		return g, nil
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	switch n.Node.OpType {
	case "MaxPool", "GlobalMaxPool":
		g[0] = opsGrad(ops(fpo.Add, e))
	case "GlobalAveragePool":
		g[0] = opsGrad(ops(fpo.Mul, e))
	default:
		k := int64(1)
		ks, _ := n.AttrInts("kernel_shape")
		for _, v := range ks {
			k *= v
		}
		g[0] = opsGrad(ops(fpo.Mul, e, fpo.Add, e.MulInt(k)))
	}
	return g, nil
}

// reduceRule: ReduceSum broadcasts dy (0 FPO); ReduceMean scales it (1 MUL
// per output); ReduceMax/Min select (1 CMP per input); ReduceSumSquare
// 2·x⊙dy (2 MUL per input); ReduceL2 dy⊙x/y (1 MUL per input, 1 DIV per output).
func reduceRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	if !need[0] {
		return g, nil
	}
	in, err := numel(n.In(0))
	if err != nil {
		return nil, err
	}
	out, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	switch n.Node.OpType {
	case "ReduceSum":
		g[0] = opsGrad(fpo.Ops{})
	case "ReduceMean":
		g[0] = opsGrad(ops(fpo.Mul, out))
	case "ReduceMax", "ReduceMin":
		g[0] = opsGrad(ops(fpo.Cmp, in))
	case "ReduceSumSquare":
		g[0] = opsGrad(ops(fpo.Mul, in.MulInt(2)))
	case "ReduceL2":
		g[0] = opsGrad(ops(fpo.Mul, in, fpo.Div, out))
	}
	return g, nil
}

// movementRule: the gradient of a data-movement operator moves dy back
// (transpose, split, pad…): 0 FPO.
func movementRule(n *fpo.Node, need []bool) ([]Grad, error) {
	return make([]Grad, len(need)), nil
}

// scatterAddRule: operators that read an input element several times
// (Gather of embedding rows, Expand, Tile, upsampling) accumulate the
// gradient: one ADD per output element (into a zeroed buffer).
func scatterAddRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	if !need[0] {
		return g, nil
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	g[0] = opsGrad(ops(fpo.Add, e))
	return g, nil
}

// einsumRule: each operand's gradient is an einsum of dy with the other
// operands: as many MACs as the forward contraction.
func einsumRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	rule := fpo.LookupRule("", "Einsum")
	c, err := rule(n)
	if err != nil {
		return nil, err
	}
	for i, nd := range need {
		if nd {
			g[i] = Grad{Ops: c.Ops, MACs: c.MACs}
		}
	}
	return g, nil
}

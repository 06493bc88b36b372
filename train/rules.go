package train

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Backward rules. Every rule charges, for each input that needs a gradient,
// the primitives that compute it from the output gradient dy and the values
// the forward pass saved (inputs, outputs and, for normalizations, the
// statistics). A sum of n terms into a fresh buffer takes n − 1 ADDs; a
// scatter into a zeroed buffer takes one ADD per scattered element; a
// multiply-accumulate is 1 MUL + 1 ADD. docs/cost.md tabulates the rules.

// unaryGrad gives, per element, the cost of dx = dy ⊙ f'(x) (the multiply
// by dy included), using the saved input x and output y.
var unaryGrad = map[string]fpo.Ops{
	"Relu":            ops(fpo.Cmp, 1),                                     // dy where x > 0
	"LeakyRelu":       ops(fpo.Cmp, 1, fpo.Mul, 1),                         // dy or α·dy
	"ThresholdedRelu": ops(fpo.Cmp, 1),                                     // dy where x > α
	"Sigmoid":         ops(fpo.Mul, 2, fpo.Add, 1),                         // dy·y·(1−y)
	"Tanh":            ops(fpo.Mul, 2, fpo.Add, 1),                         // dy·(1−y²)
	"Exp":             ops(fpo.Mul, 1),                                     // dy·y
	"Log":             ops(fpo.Div, 1),                                     // dy/x
	"Sqrt":            ops(fpo.Mul, 1, fpo.Div, 1),                         // dy/(2y)
	"Reciprocal":      ops(fpo.Mul, 3),                                     // −dy·y²
	"Neg":             ops(fpo.Mul, 1),                                     // −dy
	"Abs":             ops(fpo.Cmp, 1, fpo.Mul, 1),                         // dy·sign(x)
	"Erf":             ops(fpo.Mul, 3, fpo.Exp, 1),                         // dy·(2/√π)·e^(−x·x)
	"Gelu":            ops(fpo.Mul, 7, fpo.Add, 2, fpo.Erf, 1, fpo.Exp, 1), // dy·(Φ(x) + x·φ(x))
	"Softplus":        ops(fpo.Exp, 1, fpo.Add, 1, fpo.Div, 1, fpo.Mul, 1), // dy/(1+e^(−x))
	"Softsign":        ops(fpo.Cmp, 1, fpo.Add, 1, fpo.Mul, 1, fpo.Div, 1), // dy/(1+|x|)²
	"HardSigmoid":     ops(fpo.Cmp, 2, fpo.Mul, 1),                         // α·dy inside the linear range
	"HardSwish":       ops(fpo.Cmp, 2, fpo.Mul, 2, fpo.Add, 1),             // dy·(x/3 + 1/2) inside the range
	"Elu":             ops(fpo.Cmp, 1, fpo.Add, 1, fpo.Mul, 1),             // dy·(y+α) for x < 0
	"Selu":            ops(fpo.Cmp, 1, fpo.Add, 1, fpo.Mul, 2),             // γ·dy, or dy·(y+γα) for x < 0
	"Celu":            ops(fpo.Cmp, 1, fpo.Div, 1, fpo.Exp, 1, fpo.Mul, 1), // dy·e^(x/α) for x < 0
	"Swish":           ops(fpo.Exp, 1, fpo.Div, 1, fpo.Add, 3, fpo.Mul, 3), // dy·σ(x)(1 + x(1−σ(x)))
	"Mish":            ops(fpo.Exp, 1, fpo.Log, 1, fpo.Tanh, 1, fpo.Div, 1, fpo.Add, 4, fpo.Mul, 4),
	"Sin":             ops(fpo.Trig, 1, fpo.Mul, 1),                         // dy·cos x
	"Cos":             ops(fpo.Trig, 1, fpo.Mul, 2),                         // −dy·sin x
	"Tan":             ops(fpo.Mul, 2, fpo.Add, 1),                          // dy·(1+y²)
	"Asin":            ops(fpo.Mul, 1, fpo.Add, 1, fpo.Sqrt, 1, fpo.Div, 1), // dy/√(1−x²)
	"Acos":            ops(fpo.Mul, 2, fpo.Add, 1, fpo.Sqrt, 1, fpo.Div, 1), // −dy/√(1−x²)
	"Atan":            ops(fpo.Mul, 1, fpo.Add, 1, fpo.Div, 1),              // dy/(1+x²)
	"Sinh":            ops(fpo.Exp, 1, fpo.Div, 1, fpo.Add, 1, fpo.Mul, 2),  // dy·(eˣ + 1/eˣ)/2
	"Cosh":            ops(fpo.Exp, 1, fpo.Div, 1, fpo.Add, 1, fpo.Mul, 2),  // dy·(eˣ − 1/eˣ)/2
	"Asinh":           ops(fpo.Mul, 1, fpo.Add, 1, fpo.Sqrt, 1, fpo.Div, 1), // dy/√(x²+1)
	"Acosh":           ops(fpo.Mul, 1, fpo.Add, 1, fpo.Sqrt, 1, fpo.Div, 1), // dy/√(x²−1)
	"Atanh":           ops(fpo.Mul, 1, fpo.Add, 1, fpo.Div, 1),              // dy/(1−x²)
	"Shrink":          ops(fpo.Cmp, 2),                                      // dy where |x| > λ
	"Identity":        {},                                                   // dy
	"Cast":            {},
	"CastLike":        {},
	"QuickGelu":       ops(fpo.Exp, 1, fpo.Div, 1, fpo.Add, 3, fpo.Mul, 4), // dy·σ(αx)(1 + αx(1−σ(αx)))
	"FastGelu":        tanhGeluGrad,
	// Legacy experimental operators.
	"Affine":             ops(fpo.Mul, 1),                                     // α·dy
	"Scale":              ops(fpo.Mul, 1),                                     // scale·dy
	"ImageScaler":        ops(fpo.Mul, 1),                                     // scale·dy
	"ScaledTanh":         ops(fpo.Mul, 4, fpo.Add, 1),                         // dy·αβ·(1 − (y/α)²)
	"ParametricSoftplus": ops(fpo.Mul, 2, fpo.Exp, 1, fpo.Add, 1, fpo.Div, 1), // dy·αβ/(1 + e^(−βx))
}

// tanhGeluGrad: y = ½x(1+t), t = tanh(u), u = √(2/π)(x + 0.044715x³):
// dy·(½(1+t) + ½x·(1−t²)·√(2/π)(1 + 0.134145x²)) recomputing t: x², x³,
// 0.044715x³, √(2/π)·(…), ½x, ½(1+t), t², 0.134145x², √(2/π)·(…), two
// products and ·dy: 12 MUL; x+…, 1+t, 1−t², 1+…, the sum: 5 ADD; 1 TANH.
var tanhGeluGrad = ops(fpo.Mul, 12, fpo.Add, 5, fpo.Tanh, 1)

func init() {
	for op := range unaryGrad {
		switch op {
		case "QuickGelu", "FastGelu":
			Register("com.microsoft", unaryRule(op), op)
		case "Gelu":
			Register("", unaryRule(op), op)
			Register("com.microsoft", unaryRule(op), op)
		default:
			Register("", unaryRule(op), op)
		}
	}
	Register("", dataRule(dropoutGrad), "Dropout")
	Register("", binaryRule, "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Where", "Max", "Min", "Sum", "Mean", "Mod")
	Register("com.microsoft", binaryRule, "BiasAdd")
	Register("com.microsoft", biasGeluRule, "BiasGelu")
	Register("com.microsoft", biasDropoutRule, "BiasDropout")
	Register("", swigluRule, "SwiGLU")
	Register("", matmulRule, "MatMul")
	Register("com.microsoft", matmulRule, "FusedMatMul", "TransposeMatMul")
	Register("com.microsoft", withActivation(matmulRule, "activation"), "FusedMatMulActivation")
	Register("com.microsoft", gemmFastGeluRule, "GemmFastGelu")
	Register("", gemmRule, "Gemm")
	Register("com.microsoft", withActivation(gemmRule, "activation"), "FusedGemm")
	Register("", convRule, "Conv", "ConvTranspose")
	Register("com.microsoft", convRule, "NhwcConv")
	Register("com.microsoft", withActivation(convRule, "activation"), "FusedConv", "NhwcFusedConv")
	Register("com.microsoft", dataRule(inverseGrad), "Inverse")
	Register("", dataRule(lossGrad), "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss")
	Register("", dataRule(cumProdGrad), "CumProd")
	Register("", rnnRule, "LSTM", "GRU", "RNN")
	Register("", dataRule(softmaxGrad), "Softmax", "LogSoftmax")
	Register("", normRule, "LayerNormalization", "InstanceNormalization", "GroupNormalization", "BatchNormalization",
		"RMSNormalization", "MeanVarianceNormalization", "SimplifiedLayerNormalization")
	Register("com.microsoft", normRule, "LayerNormalization", "SkipLayerNormalization", "SimplifiedLayerNormalization",
		"SkipSimplifiedLayerNormalization", "EmbedLayerNormalization")
	Register("", dataRule(lpNormGrad), "LpNormalization")
	Register("", dataRule(lrnGrad), "LRN")
	Register("", dataRule(poolGrad), "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
	Register("com.microsoft", dataRule(poolGrad), "NhwcMaxPool")
	Register("", dataRule(reduceGrad), "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceL2",
		"ReduceL1", "ReduceProd", "ReduceLogSum", "ReduceLogSumExp")
	Register("", movementRule, "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split",
		"Slice", "Pad", "DepthToSpace", "SpaceToDepth", "Trilu", "Compress", "ReverseSequence", "CenterCropPad",
		"Optional", "OptionalGetElement", "SequenceConstruct", "SequenceInsert", "SequenceErase", "SequenceAt",
		"SplitToSequence", "ConcatFromSequence", "TensorScatter", "TopK", "MaxUnpool", "Col2Im", "Crop", "DynamicSlice")
	Register("com.microsoft", movementRule, "RemovePadding", "RestorePadding", "Pad", "Trilu", "ExpandDims")
	Register("", scatterRule, "Scatter", "ScatterElements", "ScatterND")
	Register("", dataRule(scatterAddGrad), "Gather", "GatherElements", "GatherND", "MaxRoiPool")
	Register("com.microsoft", dataRule(scatterAddGrad), "TorchEmbedding", "UnfoldTensor")
	Register("", dataRule(expandGrad), "Expand", "Tile")
	Register("", dataRule(resizeGrad), "Resize", "Upsample")
	Register("", einsumRule, "Einsum")
	Register("", attentionRule, "Attention")
	Register("com.microsoft", attentionRule, "Attention", "MultiHeadAttention")
	Register("", dataRule(sameAsForwardGrad), "RotaryEmbedding", "Clip", "CumSum", "DFT", "STFT", "AffineGrid")
	Register("com.microsoft", dataRule(sameAsForwardGrad), "RotaryEmbedding", "MRotaryEmbedding", "GemmaRotaryEmbedding")
}

// withoutBackward lists the operators fpo counts that deliberately have no
// backward rule, with the reason; docs/cost.md repeats the list. A node of
// one of them that a gradient reaches is reported as not counted.
var withoutBackward = map[string]string{}

// withoutBackwardDomains gives the reason for whole operator domains.
var withoutBackwardDomains = map[string]string{
	"ai.onnx.ml":               "classical machine-learning operators (trees, SVMs, encoders): not trained by backpropagation",
	"ai.onnx.preview.training": "training operators (Gradient and the optimizers): greenai counts the gradient and the update itself",
}

// quantized are quantized inference operators: only their first input may
// carry a gradient (so that their float scales are not taken for weights).
var quantized = []string{
	"/ConvInteger", "/MatMulInteger", "/QLinearConv", "/QLinearMatMul",
	"com.microsoft/QLinearConv", "com.microsoft/QLinearMatMul", "com.microsoft/MatMulIntegerToFloat",
	"com.microsoft/DynamicQuantizeMatMul", "com.microsoft/MatMulNBits", "com.microsoft/MatMulBnb4",
	"com.microsoft/QAttention", "com.microsoft/QEmbedLayerNormalization", "com.microsoft/QGemm",
	"com.microsoft/QLinearAdd", "com.microsoft/QLinearMul", "com.microsoft/QLinearAveragePool",
	"com.microsoft/QLinearConcat", "com.microsoft/QLinearGlobalAveragePool", "com.microsoft/QLinearLeakyRelu",
	"com.microsoft/QLinearReduceMean", "com.microsoft/QLinearSigmoid", "com.microsoft/QLinearSoftmax",
	"com.microsoft/MulInteger", "com.microsoft/MatMulInteger16", "com.microsoft/GatherBlockQuantized",
}

func init() {
	without := func(reason string, keys ...string) {
		for _, k := range keys {
			withoutBackward[k] = reason
		}
	}
	without("control flow: the bodies are not differentiated", "/If", "/Loop", "/Scan", "/SequenceMap")
	without("quantized inference operator (quantization-aware training uses float operators)", quantized...)
	for _, k := range quantized {
		gradInputs[k] = []int{0}
	}
	without("inference-only kernel of ONNX Runtime (decoding with a key/value cache, packed or sparse batches, fused diffusion and mixture-of-experts blocks)",
		"com.microsoft/DecoderMaskedSelfAttention", "com.microsoft/DecoderMaskedMultiHeadAttention",
		"com.microsoft/GroupQueryAttention", "com.microsoft/SparseAttention", "com.microsoft/PackedAttention",
		"com.microsoft/PackedMultiHeadAttention", "com.microsoft/LongformerAttention",
		"com.microsoft/RelativePositionBias", "com.microsoft/GatedRelativePositionBias",
		"com.microsoft/BiasSoftmax", "com.microsoft/BiasSplitGelu", "com.microsoft/GroupNorm",
		"com.microsoft/SkipGroupNorm", "com.microsoft/MoE", "com.microsoft/NGramRepeatBlock",
		"com.microsoft/CDist", "/CausalConvWithState", "/LinearAttention")
	without("sampling at learned coordinates (boxes, grids, offsets): the coordinate gradients are not modelled",
		"/DeformConv", "/RoiAlign", "/GridSample", "com.microsoft/GridSample", "com.microsoft/CropAndResize")
	without("the gradient needs X⁻¹, which the forward elimination does not form", "/Det")
	without("legacy experimental operator (removed from ONNX)", "/FC", "/GRUUnit")
}

// withoutReason says why an operator has no backward rule, if it is listed.
func withoutReason(domain, op string) (string, bool) {
	if r, ok := withoutBackwardDomains[domain]; ok {
		return r, true
	}
	r, ok := withoutBackward[domain+"/"+op]
	return r, ok
}

func numel(v *shape.Value) (sym.Expr, error) {
	if v == nil {
		return sym.Expr{}, fmt.Errorf("missing value")
	}
	e, ok := v.NumElements()
	if !ok {
		return sym.Expr{}, fmt.Errorf("shape of %q not inferred", v.Name)
	}
	return e, nil
}

func outNumel(n *fpo.Node) (sym.Expr, error) { return numel(n.Out(0)) }

// first returns the index of the first input that needs a gradient among
// idx (all inputs when none given), or −1.
func first(need []bool, idx ...int) int {
	if len(idx) == 0 {
		for i, nd := range need {
			if nd {
				return i
			}
		}
		return -1
	}
	for _, i := range idx {
		if i < len(need) && need[i] {
			return i
		}
	}
	return -1
}

// dataRule is the rule of an operator whose only input that carries a
// gradient is the first; grad gives that gradient's cost.
func dataRule(grad func(n *fpo.Node) (Grad, error)) Rule {
	return func(n *fpo.Node, need []bool) ([]Grad, error) {
		g := make([]Grad, len(need))
		if len(need) == 0 || !need[0] {
			return g, nil
		}
		gr, err := grad(n)
		if err != nil {
			return nil, err
		}
		g[0] = gr
		return g, nil
	}
}

// perOut is p per element of output 0.
func perOut(n *fpo.Node, p fpo.Ops) (Grad, error) {
	e, err := outNumel(n)
	if err != nil {
		return Grad{}, err
	}
	return opsGrad(p.Scale(e)), nil
}

func unaryRule(op string) Rule {
	return dataRule(func(n *fpo.Node) (Grad, error) {
		p := unaryGrad[op]
		if op == "Gelu" && n.AttrString("approximate", "none") == "tanh" {
			p = tanhGeluGrad
		}
		return perOut(n, p)
	})
}

// dropoutGrad: in training mode dx = dy ⊙ mask/(1−p): 1 MUL per element;
// at inference the op is an identity.
func dropoutGrad(n *fpo.Node) (Grad, error) {
	if !constBool(n.In(2)) {
		return Grad{}, nil
	}
	return perOut(n, ops(fpo.Mul, 1))
}

// sumInto adds to g[i], when input i needs a gradient, the sum of e
// gradient elements down to that input's elements (e − k ADDs).
func sumInto(g []Grad, need []bool, n *fpo.Node, i int, e sym.Expr) error {
	if i < 0 || i >= len(need) || !need[i] {
		return nil
	}
	red, err := reduceTo(e, n.In(i))
	if err != nil {
		return err
	}
	g[i].Ops = g[i].Ops.Add(ops(fpo.Add, red))
	return nil
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

// constScalar returns the value of a one-element constant input.
func constScalar(v *shape.Value) (float64, bool) {
	if v == nil || v.Const == nil || v.Const.Len() != 1 {
		return 0, false
	}
	if v.Const.Floats != nil {
		return v.Const.Floats[0], true
	}
	if c, ok := v.Const.Ints[0].IsConst(); ok {
		return float64(c), true
	}
	return 0, false
}

// binaryRule: per output element, the local derivative, then a sum over
// broadcast axes down to each operand's shape (e − k ADDs).
//
//	Add, Sum, BiasAdd: dA = Σdy;  Sub: dB = −Σdy (1 MUL per B element);
//	Mul: dA = Σ(dy⊙B) (1 MUL);  Mean: dA = Σ(dy/k) (1 MUL);
//	Div: dA = Σ(dy/B) (1 DIV), dB = −Σ(dy⊙y/B) (1 MUL, 1 DIV; 1 MUL per B element);
//	Pow: dA = dy⊙b⊙y/a (2 MUL, 1 DIV) or, for a constant b, as the forward
//	specializes it (b=2: 2 MUL; b=3: 3 MUL; b=½: 1 MUL, 1 DIV; b=1: 0);
//	dB = dy⊙y⊙ln a (1 LOG, 2 MUL);
//	Mod: dA = Σdy; dB = −Σ(dy⊙trunc(a/b)) (1 DIV, 1 ROUND, 1 MUL; 1 MUL per B element);
//	PRelu: dx = dy or slope⊙dy, dslope = Σ(dy⊙x) over x<0: 1 CMP, 1 MUL each;
//	Where, Max, Min: a select per element (1 CMP).
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
		k, err := numel(n.In(i))
		if err != nil {
			return nil, err
		}
		local := fpo.Ops{}
		switch n.Node.OpType {
		case "Sub":
			if i == 1 {
				local = ops(fpo.Mul, k)
			}
		case "Mul":
			local = ops(fpo.Mul, e)
		case "Div":
			if i == 0 {
				local = ops(fpo.Div, e)
			} else {
				local = ops(fpo.Mul, e.Add(k), fpo.Div, e)
			}
		case "Pow":
			if i == 1 {
				local = ops(fpo.Log, e, fpo.Mul, e.MulInt(2))
				break
			}
			local = ops(fpo.Mul, e.MulInt(2), fpo.Div, e)
			if b, ok := constScalar(n.In(1)); ok {
				switch b {
				case 1:
					local = fpo.Ops{}
				case 2:
					local = ops(fpo.Mul, e.MulInt(2))
				case 3:
					local = ops(fpo.Mul, e.MulInt(3))
				case 0.5:
					local = ops(fpo.Mul, e, fpo.Div, e)
				}
			}
		case "Mod":
			if i == 1 {
				local = ops(fpo.Div, e, fpo.Round, e, fpo.Mul, e.Add(k))
			}
		case "PRelu", "Where", "Max", "Min":
			local = ops(fpo.Cmp, e)
			if n.Node.OpType == "PRelu" {
				local = ops(fpo.Cmp, e, fpo.Mul, e)
			}
		case "Mean":
			local = ops(fpo.Mul, e)
		}
		reduce := e.Sub(k) // summing dy over the broadcast axes
		if c, ok := e.IsConst(); ok && c == 0 {
			reduce = sym.Expr{} // an empty output: the gradient is zeros, nothing to sum
		}
		g[i] = opsGrad(local.Add(ops(fpo.Add, reduce)))
	}
	return g, nil
}

// biasGeluRule (com.microsoft BiasGelu, gelu(x + b)): the Gelu backward per
// element, then dx passes and db = Σ over the broadcast rows (e − k ADDs).
func biasGeluRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	if i := first(need, 0, 1); i >= 0 {
		g[i] = opsGrad(unaryGrad["Gelu"].Scale(e))
	}
	if err := sumInto(g, need, n, 1, e); err != nil {
		return nil, err
	}
	return g, nil
}

// matmulRule: Y = A·B. dA = dY·Bᵀ and dB = Aᵀ·dY each take as many MACs
// as the forward product: the output elements times the contracted length
// K. Batch broadcasting included: an operand broadcast over a batch axis
// sums its gradient over that axis, and the sum folds into the
// accumulation (its dot products are longer by the broadcast factor).
func matmulRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	a := n.In(0)
	if a == nil || a.Rank < 1 {
		return nil, fmt.Errorf("A of unknown shape")
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	k := a.Shape[a.Rank-1]
	if n.Node.OpType == "FusedMatMul" && n.AttrInt("transA", 0) != 0 && a.Rank >= 2 {
		k = a.Shape[a.Rank-2]
	}
	for i := 0; i < 2 && i < len(need); i++ {
		if need[i] {
			g[i] = macGrad(e.Mul(k))
		}
	}
	if n.Node.OpType == "FusedMatMul" && n.AttrFloat("alpha", 1) != 1 {
		scaleOnce(g, need, e)
	}
	return g, nil
}

// scaleOnce charges the scaling α·dY (one MUL per output element) to the
// first of inputs 0 and 1 that needs a gradient.
func scaleOnce(g []Grad, need []bool, e sym.Expr) {
	if i := first(need, 0, 1); i >= 0 {
		g[i].Ops[fpo.Mul] = g[i].Ops[fpo.Mul].Add(e)
	}
}

// gemmRule: Y = α·A'B' + β·C. dA and dB each take M·N·K MACs (plus α·dY,
// M·N MULs once, when α ≠ 1); dC = β·Σdy over broadcast axes (plus one MUL
// per element of C when β ≠ 1).
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
		}
	}
	if n.AttrFloat("alpha", 1) != 1 {
		scaleOnce(g, need, e)
	}
	if len(need) > 2 && need[2] && n.In(2) != nil {
		c, err := numel(n.In(2))
		if err != nil {
			return nil, err
		}
		o := ops(fpo.Add, e.Sub(c))
		if n.AttrFloat("beta", 1) != 1 {
			o[fpo.Mul] = c
		}
		g[2] = opsGrad(o)
	}
	return g, nil
}

// convRule: the input gradient is a transposed convolution of dY with W and
// the weight gradient a correlation of X with dY; each pairs the same
// (output position, kernel tap) products as the forward pass, so each takes
// the forward MACs: output elements × (C_in/group)·∏kernel for Conv, input
// elements × (C_out/group)·∏kernel for ConvTranspose. Grouping, strides,
// dilations and padding change those element counts, not the pairing. The
// bias gradient sums dY over batch and space (e − C_out ADDs). FusedConv's
// Z input receives dy unchanged.
func convRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	w := n.In(1)
	if w == nil || w.Rank < 2 {
		return nil, fmt.Errorf("weight of unknown shape")
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	macs := e.Mul(sym.Product(w.Shape[1:]...))
	if n.Node.OpType == "ConvTranspose" {
		in, err := numel(n.In(0))
		if err != nil {
			return nil, err
		}
		macs = in.Mul(sym.Product(w.Shape[1:]...))
	}
	for i := 0; i < 2 && i < len(need); i++ {
		if need[i] {
			g[i] = macGrad(macs)
		}
	}
	if err := sumInto(g, need, n, 2, e); err != nil {
		return nil, err
	}
	return g, nil
}

// activationGrad is the backward per element of an activation named as in
// the fused operators' attributes.
func activationGrad(name string) (fpo.Ops, bool) {
	switch strings.ToLower(name) {
	case "", "identity", "none":
		return fpo.Ops{}, true
	case "silu":
		return unaryGrad["Swish"], true
	case "clip":
		return ops(fpo.Cmp, 2), true
	}
	for op, p := range unaryGrad {
		if strings.EqualFold(op, name) {
			return p, true
		}
	}
	return fpo.Ops{}, false
}

// withActivation adds, to a base rule, the backward of the activation the
// attribute names, per output element, charged to the first input that
// needs a gradient (dy passes through the activation first).
func withActivation(base Rule, attr string) Rule {
	return func(n *fpo.Node, need []bool) ([]Grad, error) {
		g, err := base(n, need)
		if err != nil {
			return nil, err
		}
		p, ok := activationGrad(n.AttrString(attr, ""))
		if !ok {
			return nil, fmt.Errorf("no backward for %s %q", attr, n.AttrString(attr, ""))
		}
		e, err := outNumel(n)
		if err != nil {
			return nil, err
		}
		if i := first(need); i >= 0 {
			g[i].Ops = g[i].Ops.Add(p.Scale(e))
		}
		return g, nil
	}
}

// gemmFastGeluRule (com.microsoft GemmFastGelu, FastGelu(X·W + bias)): the
// FastGelu backward per output, the product's two gradients and the bias
// sum over the rows.
func gemmFastGeluRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g, err := matmulRule(n, need)
	if err != nil {
		return nil, err
	}
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	if i := first(need); i >= 0 {
		g[i].Ops = g[i].Ops.Add(tanhGeluGrad.Scale(e))
	}
	if err := sumInto(g, need, n, 2, e); err != nil {
		return nil, err
	}
	return g, nil
}

// rnnRule (backpropagation through time), per step, batch item and
// direction, with gates·H = G rows of W and R: the recurrent gradient
// Rᵀ·dgates (G·H MACs) runs once any gradient is needed; dX = Wᵀ·dgates and
// dW = dgates·xᵀ take G·I MACs each, dR = dgates·hᵀ G·H MACs, so with every
// input and weight needing a gradient the MACs are exactly twice the
// forward's G·(I+H). The cell's elementwise backward per unit (activations
// and the cell state saved by the forward pass; the first accumulation
// into dh is the recurrent product's):
//
//	LSTM: do = dh·tanh(c); dc = dc' + dh·o·(1−tanh²c) (3 MUL, 2 ADD);
//	      di, dg, df, dc_prev (4 MUL); three σ' and one tanh' (8 MUL, 4 ADD):
//	      16 MUL, 6 ADD; peepholes add dc += dpre·p (3 MUL, 3 ADD);
//	GRU:  dn = dh·(1−z), dz = dh·(h−n), dh·z (3 MUL, 2 ADD); tanh' (2 MUL,
//	      1 ADD); z(1−z)·dz (2 MUL); dr and d(r⊙h)·r (2 MUL); σ' of r (2 MUL,
//	      1 ADD); the two extra accumulations into dh (2 ADD): 11 MUL, 6 ADD;
//	RNN:  tanh' (2 MUL, 1 ADD).
//
// The bias gradient sums the gate gradients over steps and batch (G·(steps
// − 1) ADDs per direction; W_b and R_b share it), the peephole gradient
// Σ dpre⊙c likewise (3 MUL and 3 ADD per unit and step, less the first
// term per peephole).
//
// The initial states are constants unless initial_h (or LSTM's initial_c)
// is an input that itself needs a gradient. At each sequence's first step
// the gradient with respect to the previous hidden state is then not
// formed: the recurrent product Rᵀ·dgates is skipped there (batch·dirs·G·H
// MACs; GRU with linear_before_reset = 0 still needs R_hᵀ·dn for the reset
// gate's gradient, so only its z and r rows, 2·H·H, are skipped), and so
// are the elementwise terms that only lead to it: LSTM's dc_prev = dc·f
// (1 MUL per unit, unless initial_c needs a gradient), GRU's dh·z and the
// two extra accumulations into dh (1 MUL, 2 ADD per unit). PyTorch's
// autograd does the same (the initial state is a tensor without
// requires_grad). dR = dgates·hᵀ is still formed at the first step.
// When an initial state needs a gradient, it is the recurrence's last
// carry: 0 FPO more.
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
	units := steps.Mul(h)
	peep := n.Node.OpType == "LSTM" && n.In(7) != nil
	var cell fpo.Ops
	switch n.Node.OpType {
	case "LSTM":
		cell = ops(fpo.Mul, 16, fpo.Add, 6)
		if peep {
			cell = cell.Add(ops(fpo.Mul, 3, fpo.Add, 3))
		}
	case "GRU":
		cell = ops(fpo.Mul, 11, fpo.Add, 6)
	default:
		cell = ops(fpo.Mul, 2, fpo.Add, 1)
	}
	at := first(need)
	if at < 0 {
		return g, nil
	}
	if need[0] {
		g[0] = macGrad(steps.Mul(gh).Mul(in))
	}
	if len(need) > 1 && need[1] {
		g[1] = macGrad(steps.Mul(gh).Mul(in))
	}
	if len(need) > 2 && need[2] {
		g[2] = macGrad(steps.Mul(gh).Mul(h))
	}
	if len(need) > 3 && need[3] {
		g[3] = opsGrad(ops(fpo.Add, steps.Mul(gh).Sub(dirs.Mul(gh))))
	}
	if peep && len(need) > 7 && need[7] {
		g[7] = opsGrad(ops(fpo.Mul, units.MulInt(3), fpo.Add, units.MulInt(3).Sub(dirs.Mul(h).MulInt(3))))
	}
	// The recurrence and the cell are charged to the first input that needs a gradient.
	recur := steps.Mul(gh).Mul(h)
	cells := cell.Scale(units)
	firsts := batch.Mul(dirs) // first steps, one per sequence and direction
	if !(len(need) > 5 && need[5]) {
		skipRows := gh
		if n.Node.OpType == "GRU" && n.AttrInt("linear_before_reset", 0) == 0 {
			skipRows = h.MulInt(2)
		}
		recur = recur.Sub(firsts.Mul(skipRows).Mul(h))
		switch n.Node.OpType {
		case "LSTM":
			if !(len(need) > 6 && need[6]) {
				cells = cells.Add(ops(fpo.Mul, 1).Scale(firsts.Mul(h).MulInt(-1)))
			}
		case "GRU":
			cells = cells.Add(ops(fpo.Mul, 1, fpo.Add, 2).Scale(firsts.Mul(h).MulInt(-1)))
		}
	}
	shared := macGrad(recur)
	g[at].Ops = g[at].Ops.Add(shared.Ops).Add(cells)
	g[at].MACs = g[at].MACs.Add(shared.MACs)
	return g, nil
}

// softmaxGrad: Softmax dx = y ⊙ (dy − Σ(dy⊙y)): 2 MUL and 2 ADD per element
// less one ADD per row. LogSoftmax dx = dy − exp(y)·Σdy: 1 EXP, 1 MUL,
// 2 ADD per element less one ADD per row.
func softmaxGrad(n *fpo.Node) (Grad, error) {
	x := n.In(0)
	e, err := numel(x)
	if err != nil {
		return Grad{}, err
	}
	rows := sym.Const(1)
	if x.Rank > 0 {
		if n.Opset < 13 {
			a, err := shape.NormAxis(n.AttrInt("axis", 1), x.Rank)
			if err != nil {
				return Grad{}, err
			}
			rows = sym.Product(x.Shape[:a]...)
		} else {
			a, err := shape.NormAxis(n.AttrInt("axis", -1), x.Rank)
			if err != nil {
				return Grad{}, err
			}
			rows = sym.FloorDiv(e, x.Shape[a])
		}
	}
	if n.Node.OpType == "LogSoftmax" {
		return opsGrad(ops(fpo.Exp, e, fpo.Mul, e, fpo.Add, e.MulInt(2).Sub(rows))), nil
	}
	return opsGrad(ops(fpo.Mul, e.MulInt(2), fpo.Add, e.MulInt(2).Sub(rows))), nil
}

// normSlots locates the inputs of a normalization: the normalized data
// (one input, or input + skip), γ, β and a bias added before normalizing.
type normSlots struct {
	data             []int
	scale, beta, pre int
	rms              bool
	tables           []int // EmbedLayerNormalization's embedding tables
}

func normSlotsOf(op string) normSlots {
	switch op {
	case "SkipLayerNormalization":
		return normSlots{data: []int{0, 1}, scale: 2, beta: 3, pre: 4}
	case "SkipSimplifiedLayerNormalization":
		return normSlots{data: []int{0, 1}, scale: 2, beta: -1, pre: 3, rms: true}
	case "RMSNormalization", "SimplifiedLayerNormalization":
		return normSlots{data: []int{0}, scale: 1, beta: -1, pre: -1, rms: true}
	case "MeanVarianceNormalization":
		return normSlots{data: []int{0}, scale: -1, beta: -1, pre: -1}
	case "EmbedLayerNormalization":
		return normSlots{scale: 5, beta: 6, pre: -1, tables: []int{2, 3, 4}}
	}
	return normSlots{data: []int{0}, scale: 1, beta: 2, pre: -1}
}

// normGroups returns the element count e and the number of independently
// normalized groups g of a normalization's data.
func normGroups(n *fpo.Node) (e, groups sym.Expr, err error) {
	x := n.In(0)
	if n.Node.OpType == "EmbedLayerNormalization" {
		x = n.Out(0)
	}
	if x == nil || x.Rank < 1 {
		return e, groups, fmt.Errorf("input of unknown shape")
	}
	s := x.Shape
	e = sym.Product(s...)
	switch n.Node.OpType {
	case "BatchNormalization":
		if len(s) < 2 {
			return e, groups, fmt.Errorf("input of rank %d", len(s))
		}
		return e, s[1], nil
	case "InstanceNormalization":
		if len(s) < 2 {
			return e, groups, fmt.Errorf("input of rank %d", len(s))
		}
		return e, s[0].Mul(s[1]), nil
	case "GroupNormalization":
		return e, s[0].MulInt(n.AttrInt("num_groups", 1)), nil
	case "MeanVarianceNormalization":
		axes, ok := n.AttrInts("axes")
		if !ok {
			axes = []int64{0, 2, 3}
		}
		norm, err := shape.NormAxes(axes, len(s))
		if err != nil {
			return e, groups, err
		}
		red := sym.Const(1)
		for _, a := range norm {
			red = red.Mul(s[a])
		}
		return e, sym.FloorDiv(e, red), nil
	case "SkipLayerNormalization", "SkipSimplifiedLayerNormalization", "EmbedLayerNormalization":
		return e, sym.FloorDiv(e, s[len(s)-1]), nil
	}
	a, err := shape.NormAxis(n.AttrInt("axis", -1), len(s))
	if err != nil {
		return e, groups, err
	}
	return e, sym.Product(s[:a]...), nil
}

// normRule (layer, group, instance, batch, RMS and mean-variance
// normalization, and the com.microsoft fused variants) over e elements in g
// groups of L = e/g, with the saved mean μ and 1/σ = rstd of each group:
//
//	x̂ = (x − μ)·rstd, recomputed once for dx and dγ: e ADD, e MUL (RMS: e MUL);
//	dx̂ = dy⊙γ (e MUL, without γ none); a = Σdx̂ (e − g ADD);
//	b = Σdx̂⊙x̂ (e MUL, e − g ADD); a/L, b/L (2g MUL);
//	dx = rstd⊙(dx̂ − a/L − x̂⊙b/L) (2e MUL, 2e ADD):
//	  dx: 4e + 2g MUL, 4e − 2g ADD (RMS, without a: 4e + g MUL, 2e − g ADD);
//	dγ = Σdy⊙x̂ over the groups (e MUL, e − k ADD for k scale elements);
//	dβ = Σdy (e − k ADD).
//
// BatchNormalization in training normalizes each channel over the batch and
// space: g = C. Skip variants normalize input + skip (+ bias): both receive
// dx, the bias Σdx (e − k ADD). EmbedLayerNormalization scatters dx into each
// embedding table that needs it (e ADD each).
func normRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	e, groups, err := normGroups(n)
	if err != nil {
		return nil, err
	}
	sl := normSlotsOf(n.Node.OpType)
	has := func(i int) bool { return i >= 0 && i < len(need) && need[i] }
	dataIdx := append(append([]int(nil), sl.data...), sl.tables...)
	if sl.pre >= 0 {
		dataIdx = append(dataIdx, sl.pre)
	}
	dx := first(need, dataIdx...)
	if at := first(need, append(dataIdx, sl.scale)...); at >= 0 && (dx >= 0 || has(sl.scale)) {
		// x̂, shared by dx and dγ.
		if sl.rms {
			g[at].Ops = g[at].Ops.Add(ops(fpo.Mul, e))
		} else {
			g[at].Ops = g[at].Ops.Add(ops(fpo.Mul, e, fpo.Add, e))
		}
	}
	if dx >= 0 {
		mul := e.MulInt(3).Add(groups.MulInt(2))
		add := e.MulInt(4).Sub(groups.MulInt(2))
		if sl.rms {
			mul, add = e.MulInt(3).Add(groups), e.MulInt(2).Sub(groups)
		}
		if sl.scale >= 0 && n.In(sl.scale) != nil {
			mul = mul.Add(e)
		}
		g[dx].Ops = g[dx].Ops.Add(ops(fpo.Mul, mul, fpo.Add, add))
	}
	for _, i := range sl.tables {
		if has(i) {
			g[i].Ops = g[i].Ops.Add(ops(fpo.Add, e))
		}
	}
	if has(sl.scale) {
		g[sl.scale].Ops = g[sl.scale].Ops.Add(ops(fpo.Mul, e)) // dy⊙x̂
	}
	for _, i := range []int{sl.pre, sl.scale, sl.beta} {
		if err := sumInto(g, need, n, i, e); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// lpNormGrad: y = x/‖x‖ₚ along an axis, with ‖x‖ saved. p = 2:
// dx = (dy − y·Σ(dy⊙y))/‖x‖: 2 MUL, 2 ADD, 1 DIV per element less one ADD
// per row; p = 1 adds the sign of x (1 CMP per element).
func lpNormGrad(n *fpo.Node) (Grad, error) {
	x := n.In(0)
	e, err := numel(x)
	if err != nil {
		return Grad{}, err
	}
	a, err := shape.NormAxis(n.AttrInt("axis", -1), x.Rank)
	if err != nil {
		return Grad{}, err
	}
	rows := sym.FloorDiv(e, x.Shape[a])
	o := ops(fpo.Mul, e.MulInt(2), fpo.Add, e.MulInt(2).Sub(rows), fpo.Div, e)
	switch n.AttrInt("p", 2) {
	case 1:
		o[fpo.Cmp] = e
	case 2:
	default:
		return Grad{}, fmt.Errorf("p = %d", n.AttrInt("p", 2))
	}
	return opsGrad(o), nil
}

// lrnGrad: y = x·s^(−β), s = bias + α/size·Σ_window x², with s saved:
// dx = dy·s^(−β) − (2αβ/size)·x·Σ_window(dy·y/s): per element dy·y/s (1 MUL,
// 1 DIV), the window sum (size − 1 ADD), x·(…)·const (2 MUL), s^(−β)
// (1 POW), dy·s^(−β) (1 MUL), the difference (1 ADD): 4 MUL, 1 DIV,
// 1 POW, size ADD.
func lrnGrad(n *fpo.Node) (Grad, error) {
	return perOut(n, ops(fpo.Mul, 4, fpo.Div, 1, fpo.Pow, 1, fpo.Add, n.AttrInt("size", 1)))
}

// poolGrad, per output element over windows of k taps:
//
//	MaxPool: dy goes to the window's arg-max; windows that overlap (a kernel
//	  extent beyond the stride) scatter-add (1 ADD per output), others route (0);
//	AveragePool: dy/k (1 MUL) added to each tap (k ADD);
//	LpPool (p = 2): dy/y (1 DIV), x·(dy/y) per tap (k MUL), added (k ADD);
//	  p = 1: sign(x)·dy per tap (k CMP, k MUL, k ADD);
//	GlobalAveragePool: dy/HW broadcast (1 MUL per channel); GlobalMaxPool:
//	  routing (0); GlobalLpPool as LpPool without accumulation.
func poolGrad(n *fpo.Node) (Grad, error) {
	e, err := outNumel(n)
	if err != nil {
		return Grad{}, err
	}
	op := n.Node.OpType
	var k sym.Expr
	if strings.HasPrefix(op, "Global") {
		in, err := numel(n.In(0))
		if err != nil {
			return Grad{}, err
		}
		k = sym.FloorDiv(in, e)
	} else {
		ks, ok := n.AttrInts("kernel_shape")
		if !ok || len(ks) == 0 {
			return Grad{}, fmt.Errorf("no kernel_shape")
		}
		kk := int64(1)
		for _, v := range ks {
			kk *= v
		}
		k = sym.Const(kk)
	}
	taps := e.Mul(k)
	acc := taps // the taps' gradients are added into a zeroed buffer
	if strings.HasPrefix(op, "Global") {
		acc = sym.Const(0) // windows do not overlap: each tap receives one term
	}
	switch op {
	case "MaxPool":
		if poolOverlaps(n) {
			return opsGrad(ops(fpo.Add, e)), nil
		}
	case "GlobalMaxPool":
	case "AveragePool":
		return opsGrad(ops(fpo.Mul, e, fpo.Add, taps)), nil
	case "GlobalAveragePool":
		return opsGrad(ops(fpo.Mul, e)), nil
	default: // LpPool, GlobalLpPool
		switch n.AttrInt("p", 2) {
		case 1:
			return opsGrad(ops(fpo.Cmp, taps, fpo.Mul, taps, fpo.Add, acc)), nil
		case 2:
			return opsGrad(ops(fpo.Div, e, fpo.Mul, taps, fpo.Add, acc)), nil
		default:
			return Grad{}, fmt.Errorf("p = %d", n.AttrInt("p", 2))
		}
	}
	return Grad{}, nil
}

// poolOverlaps reports whether a pool's windows overlap: a dilated kernel
// extent larger than the stride along some axis.
func poolOverlaps(n *fpo.Node) bool {
	ks, _ := n.AttrInts("kernel_shape")
	st, _ := n.AttrInts("strides")
	dl, _ := n.AttrInts("dilations")
	for i, k := range ks {
		s, d := int64(1), int64(1)
		if i < len(st) {
			s = st[i]
		}
		if i < len(dl) {
			d = dl[i]
		}
		if d*(k-1)+1 > s {
			return true
		}
	}
	return false
}

// reduceGrad, for I input and O output elements: ReduceSum broadcasts dy
// (0 FPO); ReduceMean scales it (1 MUL per output); ReduceMax/Min select
// (1 CMP per input); ReduceSumSquare 2·dy (1 MUL per output) times x (1 MUL
// per input); ReduceL2 dy/y (1 DIV per output) times x (1 MUL per input);
// ReduceL1 sign(x)·dy (1 CMP, 1 MUL per input); ReduceProd dy·y (1 MUL per
// output) divided by x (1 DIV per input); ReduceLogSum dy/Σx (1 DIV per
// output); ReduceLogSumExp dy·exp(x − y) (1 ADD, 1 EXP, 1 MUL per input).
func reduceGrad(n *fpo.Node) (Grad, error) {
	in, err := numel(n.In(0))
	if err != nil {
		return Grad{}, err
	}
	out, err := outNumel(n)
	if err != nil {
		return Grad{}, err
	}
	var o fpo.Ops
	switch n.Node.OpType {
	case "ReduceMean":
		o = ops(fpo.Mul, out)
	case "ReduceMax", "ReduceMin":
		o = ops(fpo.Cmp, in)
	case "ReduceSumSquare":
		o = ops(fpo.Mul, in.Add(out))
	case "ReduceL2":
		o = ops(fpo.Mul, in, fpo.Div, out)
	case "ReduceL1":
		o = ops(fpo.Cmp, in, fpo.Mul, in)
	case "ReduceProd":
		o = ops(fpo.Mul, out, fpo.Div, in)
	case "ReduceLogSum":
		o = ops(fpo.Div, out)
	case "ReduceLogSumExp":
		o = ops(fpo.Add, in, fpo.Exp, in, fpo.Mul, in)
	}
	return opsGrad(o), nil
}

// movementRule: the gradient of a data-movement operator moves dy back
// (transpose, split, slice into zeros, un-pad…): 0 FPO.
func movementRule(n *fpo.Node, need []bool) ([]Grad, error) {
	return make([]Grad, len(need)), nil
}

// scatterRule: Scatter, ScatterElements and ScatterND with no reduction or
// with reduction "add": d(data) is dy with the scattered positions zeroed
// (or dy itself) and d(updates) gathers dy: 0 FPO. "mul": d(data) =
// dy·Πupdates (1 MUL per update element), d(updates) = dy·y/update (1 MUL,
// 1 DIV per update element); "max"/"min": a select per update element (1 CMP) for each.
func scatterRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	red := n.AttrString("reduction", "none")
	if red == "none" || red == "add" {
		return g, nil
	}
	u, err := numel(n.In(2))
	if err != nil {
		return nil, err
	}
	for _, i := range []int{0, 2} {
		if i >= len(need) || !need[i] {
			continue
		}
		switch {
		case red == "mul" && i == 0:
			g[i] = opsGrad(ops(fpo.Mul, u))
		case red == "mul":
			g[i] = opsGrad(ops(fpo.Mul, u, fpo.Div, u))
		default:
			g[i] = opsGrad(ops(fpo.Cmp, u))
		}
	}
	return g, nil
}

// scatterAddGrad: Gather (embedding rows), GatherElements and GatherND may
// read a data element several times: their gradient scatter-adds dy into a
// zeroed buffer of the data's shape, one ADD per output element.
func scatterAddGrad(n *fpo.Node) (Grad, error) { return perOut(n, ops(fpo.Add, 1)) }

// expandGrad: Expand and Tile copy each input element to several outputs:
// the gradient sums them, e − k ADDs for e output and k input elements.
func expandGrad(n *fpo.Node) (Grad, error) {
	e, err := outNumel(n)
	if err != nil {
		return Grad{}, err
	}
	red, err := reduceTo(e, n.In(0))
	if err != nil {
		return Grad{}, err
	}
	return opsGrad(ops(fpo.Add, red)), nil
}

// resizeGrad, per output element over the k axes whose size changes (as
// the forward counts them): nearest scatter-adds dy into the source element
// (1 ADD); n-linear splits dy through the 2^k − 1 separable lerps
// (t·d and d − t·d: 1 MUL, 1 ADD each) and scatter-adds the 2^k tap
// gradients (2^k ADD); cubic multiplies dy by each of the 4^k tap weights
// and scatter-adds them (4^k MUL, 4^k ADD).
func resizeGrad(n *fpo.Node) (Grad, error) {
	in, out := n.In(0), n.Out(0)
	if in == nil || out == nil || in.Rank < 0 || in.Rank != out.Rank {
		return Grad{}, fmt.Errorf("input or output of unknown shape")
	}
	k := 0
	for i := range in.Shape {
		if !in.Shape[i].Equal(out.Shape[i]) {
			k++
		}
	}
	e, err := outNumel(n)
	if err != nil {
		return Grad{}, err
	}
	mode := strings.ToLower(n.AttrString("mode", "nearest"))
	switch {
	case k == 0 || mode == "nearest":
		return opsGrad(ops(fpo.Add, e)), nil
	case strings.Contains(mode, "linear"):
		lerps := int64(1)<<k - 1
		return opsGrad(ops(fpo.Mul, e.MulInt(lerps), fpo.Add, e.MulInt(2*lerps+1))), nil
	case mode == "cubic":
		taps := int64(1) << (2 * k)
		return opsGrad(ops(fpo.Mul, e.MulInt(taps), fpo.Add, e.MulInt(taps))), nil
	}
	return Grad{}, fmt.Errorf("unknown mode %q", mode)
}

// forward is the forward cost of a node by its fpo rule.
func forward(n *fpo.Node) (fpo.Cost, error) {
	rule := fpo.LookupRule(n.Node.Domain, n.Node.OpType)
	if rule == nil {
		return fpo.Cost{}, fmt.Errorf("no forward rule")
	}
	return rule(n)
}

// einsumRule: the gradient of each operand of a contraction is the
// contraction of dy with the other operands: as many MACs as the forward.
// A single-operand einsum (a sum or a transpose) broadcasts dy back: 0 FPO.
func einsumRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	present := 0
	for _, v := range n.Inputs {
		if v != nil {
			present++
		}
	}
	if present < 2 {
		return g, nil
	}
	c, err := forward(n)
	if err != nil {
		return nil, err
	}
	for i, nd := range need {
		if nd {
			g[i] = macGrad(c.MACs)
		}
	}
	return g, nil
}

// attentionRule (ai.onnx Attention, com.microsoft Attention and
// MultiHeadAttention): every product of the forward pass (the projection,
// if the operator has one, Q·Kᵀ and ·V) gets the gradients of both its
// operands, twice the forward MACs; the softmax backward takes 2 MUL and
// 2 ADD per score, the score scaling 1 MUL per score (the scores are the
// forward's exponentials, one per score). Masks and attention biases pass dy
// (0 FPO); a projection bias sums the projected gradient over batch and
// sequence (e − k ADDs, e = the projection's output elements). All of it is
// charged to the first of Q, K and V (or the input) that needs a gradient.
func attentionRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	c, err := forward(n)
	if err != nil {
		return nil, err
	}
	scores := c.Ops[fpo.Exp]
	core := macGrad(c.MACs.MulInt(2))
	core.Ops = core.Ops.Add(ops(fpo.Mul, scores.MulInt(3), fpo.Add, scores.MulInt(2)))
	bias := -1
	switch {
	case n.Node.Domain == "com.microsoft" && n.Node.OpType == "Attention":
		bias = 2
	case n.Node.Domain == "com.microsoft":
		bias = 3
	}
	if at := first(need); at >= 0 {
		g[at] = core
	}
	if bias >= 0 && bias < len(need) && need[bias] {
		x, err := numel(n.In(0))
		if err != nil {
			return nil, err
		}
		b, err := numel(n.In(bias))
		if err != nil {
			return nil, err
		}
		rows := x
		if w := n.In(1); n.Node.OpType == "Attention" && w != nil && w.Rank == 2 {
			rows = sym.FloorDiv(x, w.Shape[0])
		} else if q := n.In(0); q.Rank > 0 {
			rows = sym.FloorDiv(x, q.Shape[q.Rank-1])
		}
		red := rows.Mul(b).Sub(b)
		g[bias].Ops = g[bias].Ops.Add(ops(fpo.Add, red))
	}
	return g, nil
}

// sameAsForwardGrad: operators linear in their data input with a fixed
// structure (rotary embeddings: a rotation by saved angles) have a backward
// of the same cost as the forward: the transposed rotation. Clip's backward
// selects dy where x lies within the bounds: one comparison per bound, as
// in the forward.
func sameAsForwardGrad(n *fpo.Node) (Grad, error) {
	c, err := forward(n)
	if err != nil {
		return Grad{}, err
	}
	return opsGrad(c.Ops), nil
}

// constBool reads a one-element integer or boolean constant input as a flag.
func constBool(v *shape.Value) bool {
	x, ok := constScalar(v)
	return ok && x != 0
}

// biasDropoutRule (com.microsoft BiasDropout, dropout(x + bias) + residual):
// in training mode dx = dy ⊙ mask/(1−p) (1 MUL per element), at inference
// dx = dy; the bias sums dx over the rows (e − k ADDs); the residual
// receives dy.
func biasDropoutRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	if i := first(need, 0, 1); i >= 0 && constBool(n.In(4)) {
		g[i] = opsGrad(ops(fpo.Mul, e))
	}
	if err := sumInto(g, need, n, 1, e); err != nil {
		return nil, err
	}
	return g, nil
}

// swigluRule (SwiGLU, y = silu(A)·B): σ(A) recomputed once (1 EXP, 1 ADD,
// 1 DIV); dB = dy·A·σ(A) (2 MUL); dA = dy·B·σ(A)·(1 + A·(1 − σ(A)))
// (4 MUL, 2 ADD), per element.
func swigluRule(n *fpo.Node, need []bool) ([]Grad, error) {
	g := make([]Grad, len(need))
	e, err := outNumel(n)
	if err != nil {
		return nil, err
	}
	at := first(need, 0, 1)
	if at < 0 {
		return g, nil
	}
	g[at] = opsGrad(ops(fpo.Exp, e, fpo.Add, e, fpo.Div, e))
	if need[0] {
		g[0].Ops = g[0].Ops.Add(ops(fpo.Mul, e.MulInt(4), fpo.Add, e.MulInt(2)))
	}
	if len(need) > 1 && need[1] {
		g[1].Ops = g[1].Ops.Add(ops(fpo.Mul, e.MulInt(2)))
	}
	return g, nil
}

// inverseGrad (Inverse, Y = X⁻¹ per n×n matrix, Y saved): dX = −Yᵀ·dY·Yᵀ:
// two n×n products (2n³ MACs) and n² negations per matrix.
func inverseGrad(n *fpo.Node) (Grad, error) {
	x := n.In(0)
	if x == nil || x.Rank < 2 {
		return Grad{}, fmt.Errorf("input of unknown shape")
	}
	e, err := numel(x)
	if err != nil {
		return Grad{}, err
	}
	g := macGrad(e.Mul(x.Shape[x.Rank-1]).MulInt(2))
	g.Ops[fpo.Mul] = g.Ops[fpo.Mul].Add(e)
	return g, nil
}

// lossGrad, for N samples of C classes (e = N·C·… input elements): the
// negative log-likelihood's gradient is −w_t·dy/norm at each target (1 MUL
// per sample, 1 more with class weights), 0 elsewhere; softmax cross
// entropy's is (exp(log p) − onehot)·dy/norm: 1 EXP and 1 MUL per element,
// 1 ADD per sample (the target's −1) and, with class weights, 1 MUL per
// sample.
func lossGrad(n *fpo.Node) (Grad, error) {
	x := n.In(0)
	if x == nil || x.Rank < 2 {
		return Grad{}, fmt.Errorf("scores of unknown shape")
	}
	e, err := numel(x)
	if err != nil {
		return Grad{}, err
	}
	samples := sym.FloorDiv(e, x.Shape[1])
	var o fpo.Ops
	if n.Node.OpType == "SoftmaxCrossEntropyLoss" {
		o = ops(fpo.Exp, e, fpo.Mul, e, fpo.Add, samples)
	} else {
		o = ops(fpo.Mul, samples)
	}
	if n.In(2) != nil {
		o[fpo.Mul] = o[fpo.Mul].Add(samples)
	}
	return opsGrad(o), nil
}

// cumProdGrad (CumProd, y_i = Π_{j≤i} x_j along the axis, y saved):
// dx_i = (Σ_{j≥i} dy_j·y_j)/x_i: per element 1 MUL and 1 DIV, and the
// reverse running sum (L − 1 ADDs per row of L).
func cumProdGrad(n *fpo.Node) (Grad, error) {
	x := n.In(0)
	axis, ok := constScalar(n.In(1))
	if x == nil || x.Rank < 1 || !ok {
		return Grad{}, fmt.Errorf("input shape or axis unknown")
	}
	a, err := shape.NormAxis(int64(axis), x.Rank)
	if err != nil {
		return Grad{}, err
	}
	e, err := numel(x)
	if err != nil {
		return Grad{}, err
	}
	rows := sym.FloorDiv(e, x.Shape[a])
	return opsGrad(ops(fpo.Mul, e, fpo.Div, e, fpo.Add, e.Sub(rows))), nil
}

// Package train counts the FPO of training: backward passes from per-operator rules, and optimizer updates.
package train

import (
	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/internal/registry"
	"github.com/greenai/greenai/sym"
)

// Grad is the cost of computing the gradient with respect to one input.
type Grad struct {
	Ops  fpo.Ops
	MACs sym.Expr
}

// Rule computes, for a node and the inputs whose gradient is needed, the
// cost of each of those gradients given the gradients of the outputs.
// grads[i] is used only where need[i] is true.
type Rule func(n *fpo.Node, need []bool) ([]Grad, error)

var rules = registry.New[Rule]("train: backward rule")

// Register adds backward rules for operators of a domain ("" is ai.onnx).
func Register(domain string, r Rule, opTypes ...string) { rules.Register(domain, r, opTypes...) }

// LookupRule returns the backward rule of an operator, or nil.
func LookupRule(domain, op string) Rule {
	r, _ := rules.Lookup(domain, op, 0)
	return r
}

// nonDifferentiable lists operators whose outputs carry no gradient
// (integer or boolean results, or piecewise-constant functions).
var nonDifferentiable = map[string]bool{
	"Shape": true, "Size": true, "Equal": true, "Greater": true, "Less": true, "GreaterOrEqual": true,
	"LessOrEqual": true, "And": true, "Or": true, "Xor": true, "Not": true, "ArgMax": true, "ArgMin": true,
	"NonZero": true, "Floor": true, "Ceil": true, "Round": true, "Sign": true, "IsNaN": true, "IsInf": true,
	"ConstantOfShape": true, "Constant": true, "Range": true, "EyeLike": true, "RandomNormal": true,
	"RandomUniform": true, "RandomNormalLike": true, "RandomUniformLike": true, "Bernoulli": true,
	"Multinomial": true, "OneHot": true, "BitShift": true, "BitwiseAnd": true, "BitwiseOr": true,
	"BitwiseXor": true, "BitwiseNot": true, "Hardmax": true, "Unique": true, "NonMaxSuppression": true,
	"QuantizeLinear": true, "DynamicQuantizeLinear": true, "BitCast": true, "OptionalHasElement": true,
	"SequenceLength": true, "SequenceEmpty": true,
	// Integer, string or byte inputs, or outputs generated from sizes alone.
	"DequantizeLinear": true, "BlackmanWindow": true, "HammingWindow": true, "HannWindow": true,
	"MelWeightMatrix": true, "ConstantFill": true, "GivenTensorFill": true, "StringConcat": true,
	"StringNormalizer": true, "StringSplit": true, "RegexFullMatch": true, "TfIdfVectorizer": true,
	"ImageDecoder": true, "IsAllFinite": true, "MurmurHash3": true,
}

// gradInputs lists, for operators with floating-point inputs that carry no
// gradient (running statistics, scales, bounds, masks, quantization
// parameters), the inputs that do. Every floating-point input of an operator
// not listed carries one. Integer and boolean inputs never do.
var gradInputs = map[string][]int{
	"/BatchNormalization":                   {0, 1, 2}, // not the running mean and variance
	"/Resize":                               {0},       // not roi or scales
	"/Upsample":                             {0},
	"/Clip":                                 {0}, // not the bounds
	"/Dropout":                              {0}, // not the ratio
	"/Pad":                                  {0}, // not the constant value
	"/Attention":                            {0, 1, 2},
	"/RotaryEmbedding":                      {0}, // not the cos and sin caches
	"/TensorScatter":                        {0, 1},
	"/STFT":                                 {0}, // not the window
	"/MaxRoiPool":                           {0}, // not the boxes
	"/NegativeLogLikelihoodLoss":            {0}, // not the class weights
	"/SoftmaxCrossEntropyLoss":              {0},
	"com.microsoft/Pad":                     {0},
	"com.microsoft/Attention":               {0, 1, 2},
	"com.microsoft/MultiHeadAttention":      {0, 1, 2, 3},
	"com.microsoft/RotaryEmbedding":         {0},
	"com.microsoft/MRotaryEmbedding":        {0},
	"com.microsoft/GemmaRotaryEmbedding":    {0},
	"com.microsoft/EmbedLayerNormalization": {2, 3, 4, 5, 6},
}

// weightInputs lists the inputs that hold an operator's learned weights:
// a stored tensor read there is a parameter even when it is a Constant or a
// one-element tensor.
var weightInputs = map[string][]int{
	"/Conv": {1, 2}, "/ConvTranspose": {1, 2}, "/Gemm": {1, 2}, "/MatMul": {1},
	"/LSTM": {1, 2, 3, 7}, "/GRU": {1, 2, 3}, "/RNN": {1, 2, 3},
	"/BatchNormalization": {1, 2}, "/LayerNormalization": {1, 2}, "/InstanceNormalization": {1, 2},
	"/GroupNormalization": {1, 2}, "/RMSNormalization": {1}, "/PRelu": {1}, "/Gather": {0},
	"com.microsoft/FusedConv": {1, 2}, "com.microsoft/FusedMatMul": {1},
	"com.microsoft/LayerNormalization": {1, 2}, "com.microsoft/SimplifiedLayerNormalization": {1},
	"com.microsoft/SkipLayerNormalization": {2, 3, 4}, "com.microsoft/SkipSimplifiedLayerNormalization": {2, 3},
	"com.microsoft/EmbedLayerNormalization": {2, 3, 4, 5, 6}, "com.microsoft/Attention": {1, 2},
	"com.microsoft/MultiHeadAttention": {3},
}

// gradSlot reports whether input i of an operator can carry a gradient.
func gradSlot(domain, op string, i int) bool {
	if nonDifferentiable[op] {
		return false
	}
	slots, ok := gradInputs[domain+"/"+op]
	return !ok || contains(slots, i)
}

// weightSlot reports whether input i of an operator holds a learned weight.
func weightSlot(domain, op string, i int) bool {
	return contains(weightInputs[domain+"/"+op], i)
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// ops builds an fpo.Ops from (prim, count) pairs.
func ops(pairs ...any) fpo.Ops { return fpo.OpsOf(pairs...) }

func macGrad(macs sym.Expr) Grad {
	return Grad{Ops: ops(fpo.Mul, macs, fpo.Add, macs), MACs: macs}
}

func opsGrad(o fpo.Ops) Grad { return Grad{Ops: o} }

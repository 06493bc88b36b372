package fpo

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Fused and miscellaneous operators: ONNX Runtime's com.microsoft contrib
// operators outside attention and quantization, and the newest ai.onnx
// fused operators.

func init() {
	Register("", causalConvRule, "CausalConvWithState")
	Register("", perElementRule(perElement["Swish"].Add(ops(Mul, 1))), "SwiGLU") // Swish(A)·B
	Register("", groupNormRule, "SimplifiedLayerNormalization")
	ms := "com.microsoft"
	Register(ms, biasDropoutRule, "BiasDropout")
	Register(ms, biasSoftmaxRule, "BiasSoftmax")
	Register(ms, perElementRule(ops(Add, 2, Mul, 1).Add(perElement["Gelu"])), "BiasSplitGelu") // (left + bias)·gelu(right + bias)
	Register(ms, cdistRule, "CDist")
	Register(ms, withActivation(gemmRule, "activation"), "FusedGemm")
	Register(ms, withActivation(matmulRule(0, 1), "activation"), "FusedMatMulActivation")
	Register(ms, gemmFastGeluRule, "GemmFastGelu")
	Register(ms, msGroupNormRule, "GroupNorm", "SkipGroupNorm")
	Register(ms, isAllFiniteRule, "IsAllFinite")
	Register(ms, moeRule, "MoE")
	Register(ms, murmurHashRule, "MurmurHash3")
	Register(ms, ngramRepeatBlockRule, "NGramRepeatBlock")
	Register(ms, nhwcFusedConvRule, "NhwcFusedConv")
	Register(ms, poolRule, "NhwcMaxPool")
	Register(ms, movementRule, "Pad", "TorchEmbedding", "UnfoldTensor")
	Register(ms, triluRule, "Trilu")
	Register(ms, viewRule, "ExpandDims")
}

// withActivation adds the fused activation named by attr, per output
// element, to a base rule.
func withActivation(base Rule, attr string) Rule {
	return func(n *Node) (Cost, error) {
		c, err := base(n)
		if err != nil {
			return Cost{}, err
		}
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		o, err := fusedActivationOps(n, attr, e)
		if err != nil {
			return Cost{}, err
		}
		c.Ops = c.Ops.Add(o)
		return c, nil
	}
}

// causalConvRule: CausalConvWithState, a depthwise causal convolution of
// kernel k over (B, C, L): B·C·L·k MACs, the bias (1 ADD per output) and
// the fused SiLU (sigmoid and 1 MUL per output) when set; the state
// concatenation is data movement.
func causalConvRule(n *Node) (Cost, error) {
	w, err := n.inShape(1, "weight", 3)
	if err != nil {
		return Cost{}, err
	}
	out, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	macs := out.Mul(w[2])
	o := macOps(macs)
	if n.has(2) {
		o[Add] = o[Add].Add(out)
	}
	switch a := strings.ToLower(n.AttrString("activation", "none")); a {
	case "silu", "swish":
		o = o.Add(siluOps.Scale(out))
	case "none", "":
	default:
		return Cost{}, fmt.Errorf("unknown activation %q", a)
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// biasDropoutRule: BiasDropout: x + bias (1 ADD), dropout (training: 1
// draw, 1 CMP, 1 MUL; inference: identity) and + residual (1 ADD) when
// given, per element.
func biasDropoutRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	o := ops(Add, e)
	if n.has(2) {
		o[Add] = o[Add].Add(e)
	}
	if t, ok := scalarInt(n.In(4)); ok {
		if v, ok := t.IsConst(); ok && v != 0 {
			o = o.Add(ops(Rand, e, Cmp, e, Mul, e))
		}
	}
	return Cost{Ops: o}, nil
}

// biasSoftmaxRule: BiasSoftmax: scores + bias (1 ADD per element), then a
// softmax over the flattened block of the axes from axis on (default 1).
func biasSoftmaxRule(n *Node) (Cost, error) {
	rows, L, err := softmaxRows(n, 0, true)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: ops(Add, rows.Mul(L)).Add(softmaxOps(rows, L))}, nil
}

// cdistRule: CDist: per pair of rows (M·N), the K differences (K ADD),
// squares (K MUL) and their sum (K−1 ADD), and for the euclidean metric a
// square root.
func cdistRule(n *Node) (Cost, error) {
	a, err := n.inShape(0, "A", 2)
	if err != nil {
		return Cost{}, err
	}
	pairs, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	k := a[1]
	o := ops(Add, pairs.Mul(k.MulInt(2).AddInt(-1)), Mul, pairs.Mul(k))
	metric := n.AttrString("metric", "sqeuclidean")
	switch metric {
	case "euclidean":
		o = o.Add(ops(Sqrt, pairs))
	case "sqeuclidean":
	default:
		return Cost{}, fmt.Errorf("unknown metric %q", metric)
	}
	return Cost{Ops: o}, nil
}

// gemmFastGeluRule: GemmFastGelu: X·W (MACs), + bias (1 ADD per output)
// when given, FastGelu per output.
func gemmFastGeluRule(n *Node) (Cost, error) {
	c, err := matmulRule(0, 1)(n)
	if err != nil {
		return Cost{}, err
	}
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	c.Ops = c.Ops.Add(perElement["FastGelu"].Scale(e))
	if n.has(2) {
		c.Ops[Add] = c.Ops[Add].Add(e)
	}
	return c, nil
}

// msGroupNormRule: GroupNorm and SkipGroupNorm (channels-last, groups
// attribute): SkipGroupNorm first adds the skip and the bias (1 ADD each per
// element); then normalizeOps over N·groups groups, gamma (1 MUL) and beta
// (1 ADD) per element, and SiLU when activation is 1.
func msGroupNormRule(n *Node) (Cost, error) {
	s, err := n.inShape(0, "X", 3, 4, 5)
	if err != nil {
		return Cost{}, err
	}
	groups := n.AttrInt("groups", 0)
	if groups < 1 {
		return Cost{}, fmt.Errorf("groups %d: want positive", groups)
	}
	numel := sym.Product(s...)
	o := normalizeOps(numel, s[0].MulInt(groups), false).Add(ops(Mul, numel, Add, numel))
	if n.Node.OpType == "SkipGroupNorm" {
		o[Add] = o[Add].Add(numel)
		if n.has(4) {
			o[Add] = o[Add].Add(numel)
		}
	}
	if n.AttrInt("activation", 0) == 1 {
		o = o.Add(siluOps.Scale(numel))
	}
	return Cost{Ops: o}, nil
}

// isAllFiniteRule: one test per element of every input (1 CMP) and the
// logical AND of all the results (total−1 CMP).
func isAllFiniteRule(n *Node) (Cost, error) {
	var total sym.Expr
	for i := range n.Inputs {
		if !n.has(i) {
			continue
		}
		e, err := n.InNumel(i)
		if err != nil {
			return Cost{}, err
		}
		total = total.Add(e)
	}
	return Cost{Ops: ops(Cmp, total.MulInt(2).AddInt(-1))}, nil
}

// moeRule: MoE. Every row (token) goes to its k best experts: their
// selection (k·(E−1) CMP, upper bound), the normalization of their weights
// when normalize_routing_weights is set (k−1 ADD, k DIV), then per expert
// FC1 (hidden·I₁ MACs + I₁ bias ADD), the activation on I values (SwiGLU
// halves I₁), FC3 when given (hidden·I MACs + I bias ADD + I MUL for the
// gate), FC2 (I·hidden MACs + hidden bias ADD), and the weighted sum of
// the expert outputs (hidden MUL + hidden ADD). I₁ and I come from the
// sizes of the FC1 and FC2 weights (E experts of hidden·I₁ and I·hidden).
func moeRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "input", 2, 3)
	if err != nil {
		return Cost{}, err
	}
	hidden := x[len(x)-1]
	rows := sym.Product(x[:len(x)-1]...)
	r, err := n.inShape(1, "router_probs", 2, 3)
	if err != nil {
		return Cost{}, err
	}
	experts := r[len(r)-1]
	k := n.AttrInt("k", 1)
	if k < 1 {
		return Cost{}, fmt.Errorf("k %d: want positive", k)
	}
	fc1, err := n.InNumel(2)
	if err != nil {
		return Cost{}, err
	}
	fc2, err := n.InNumel(4)
	if err != nil {
		return Cost{}, err
	}
	perExpert := hidden.Mul(experts)
	if v, ok := perExpert.IsConst(); ok && v == 0 {
		return Cost{}, fmt.Errorf("no experts or an empty hidden size")
	}
	i1 := sym.FloorDiv(fc1, perExpert)
	i := sym.FloorDiv(fc2, perExpert)
	act := strings.ToLower(n.AttrString("activation_type", "relu"))
	var actOps Ops
	if act == "swiglu" {
		actOps = perElement["Swish"].Add(ops(Mul, 1))
	} else if p, ok := activationOps(act); ok {
		actOps = p
	} else {
		return Cost{}, fmt.Errorf("unknown activation_type %q", act)
	}
	macsPer := hidden.Mul(i1).Add(i.Mul(hidden))
	per := actOps.Scale(i).Add(ops(Mul, hidden, Add, hidden))
	if n.has(3) {
		per[Add] = per[Add].Add(i1)
	}
	if n.has(5) {
		per[Add] = per[Add].Add(hidden)
	}
	if n.has(6) {
		macsPer = macsPer.Add(hidden.Mul(i))
		per[Mul] = per[Mul].Add(i)
		if n.has(7) {
			per[Add] = per[Add].Add(i)
		}
	}
	routed := rows.MulInt(k)
	macs := routed.Mul(macsPer)
	o := macOps(macs).Add(per.Scale(routed)).Add(ops(Cmp, rows.Mul(experts.AddInt(-1)).MulInt(k)))
	if n.AttrInt("normalize_routing_weights", 0) != 0 {
		o = o.Add(ops(Add, rows.MulInt(k-1), Div, routed))
	}
	return Cost{Ops: o, MACs: macs, Bound: "upper bound: the top-k expert selection counted as k·(E−1) comparisons"}, nil
}

// murmurHashRule: MurmurHash3 (x86, 32 bit) per key: per 4-byte block
// 3 MUL, 1 ADD and 7 bitwise operations (counted as CMP: two rotations of
// 3 and one XOR), then the finalization (1 XOR with the length, fmix32:
// 2 MUL and 6 shift/XOR). Integer arithmetic, not floating point, priced
// like it. Strings are counted as one block each (their lengths are data).
func murmurHashRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	blocks := int64(1)
	var bound string
	if v := n.In(0); v != nil {
		switch {
		case v.DType == onnx.String:
			bound = "lower bound: each string counted as one 4-byte block (its length is data)"
		case v.DType.Bits() > 32:
			blocks = int64(v.DType.Bits() / 32)
		}
	}
	// Per key: 3 MUL + 1 ADD + 7 bitwise per 4-byte block, finalization 2
	// MUL + 7 bitwise.
	per := ops(Mul, 3*blocks+2, Add, blocks, Cmp, 7*blocks+7)
	return Cost{Ops: per.Scale(e), Bound: bound}, nil
}

// ngramRepeatBlockRule: NGramRepeatBlock compares, per sequence, the last
// n−1 tokens with those at every earlier start (L−n+1 starts, n−1 CMP
// each: an upper bound, a comparison stops at the first mismatch);
// blocking a token is a write.
func ngramRepeatBlockRule(n *Node) (Cost, error) {
	ids, err := n.inShape(0, "input_ids", 2)
	if err != nil {
		return Cost{}, err
	}
	ng := n.AttrInt("ngram_size", 0)
	if ng < 1 {
		return Cost{}, fmt.Errorf("ngram_size %d: want positive", ng)
	}
	starts := sym.Max(ids[1].AddInt(1-ng), sym.Const(0))
	return Cost{Ops: ops(Cmp, ids[0].Mul(starts).MulInt(ng-1)), Bound: "upper bound: every comparison of n−1 tokens is counted in full, though it stops at the first mismatch"}, nil
}

// nhwcFusedConvRule: a channels-last convolution (MACs and bias) plus the
// optional sum input Z (1 ADD per output) and the fused activation.
func nhwcFusedConvRule(n *Node) (Cost, error) {
	c, err := withActivation(convRule(0, 1, 2), "activation")(n)
	if err != nil {
		return Cost{}, err
	}
	if n.has(3) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		c.Ops[Add] = c.Ops[Add].Add(e)
	}
	return c, nil
}

package fpo

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/sym"
)

func init() {
	Register("", convRule(0, 1, 2), "Conv")
	Register("", integerProduct(convRule(0, 1, -1), [][2]int{{0, 2}, {1, 3}}, nil), "ConvInteger")
	qconv := integerProduct(convRule(0, 3, 8), [][2]int{{0, 2}, {3, 5}}, requantized)
	Register("", qconv, "QLinearConv")
	Register("com.microsoft", qconv, "QLinearConv")
	Register("com.microsoft", convRule(0, 1, 2), "FusedConv", "NhwcConv")
	Register("", convRule(0, 1, 3), "DeformConv")
	Register("", convTransposeRule, "ConvTranspose")
	Register("", matmulRule(0, 1), "MatMul")
	Register("", integerProduct(matmulRule(0, 1), [][2]int{{0, 2}, {1, 3}}, nil), "MatMulInteger")
	qmatmul := integerProduct(matmulRule(0, 3), [][2]int{{0, 2}, {3, 5}}, requantized)
	Register("", qmatmul, "QLinearMatMul")
	Register("com.microsoft", qmatmul, "QLinearMatMul")
	Register("com.microsoft", matmulRule(0, 1), "FusedMatMul", "TransposeMatMul")
	Register("com.microsoft", integerProduct(matmulRule(0, 1), [][2]int{{0, 4}, {1, 5}}, dequantizedWithBias(6)), "MatMulIntegerToFloat")
	Register("com.microsoft", dynamicQuantizeMatMulRule, "DynamicQuantizeMatMul")
	Register("", gemmRule, "Gemm")
	Register("", einsumRule, "Einsum")
	Register("com.microsoft", matmulNBitsRule, "MatMulNBits")
}

// convRule counts a convolution: MACs = N·C_out·∏(output spatial)·(C_in/group)·∏(kernel),
// i.e. output elements × weight elements per output channel. Bias adds one
// ADD per output element. x, w, b are input indices (b < 0: no bias input).
func convRule(x, w, b int) Rule {
	return func(n *Node) (Cost, error) {
		out, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		ws, err := n.Shape(n.In(w))
		if err != nil {
			return Cost{}, err
		}
		if len(ws) < 2 {
			return Cost{}, fmt.Errorf("weight of rank %d", len(ws))
		}
		// Weight is [C_out, C_in/group, k...]: each output element needs
		// ∏ws[1:] multiply-accumulates.
		perOut := sym.Product(ws[1:]...)
		if n.Node.OpType == "NhwcConv" {
			perOut = sym.Product(ws[1:]...)
		}
		macs := out.Mul(perOut)
		o := ops(Mul, macs, Add, macs)
		if b >= 0 && n.In(b) != nil {
			o[Add] = o[Add].Add(out)
		}
		if n.Node.OpType == "DeformConv" {
			// Bilinear sampling of each input channel at every tap of every
			// output position (N·C_in·∏out·∏kernel samples, shared by the
			// output channels): 4 MUL + 3 ADD to apply the interpolation
			// weights, and 1 MUL for the mask when given. The weights are
			// computed once per offset pair (N·offset_group·∏kernel·∏out
			// of them): the sampling point (2 ADD), its floor (2 ROUND),
			// the fractions and their complements (4 ADD), the four
			// products (4 MUL).
			os, err := n.Shape(n.Out(0))
			if err != nil || len(os) < 2 {
				return Cost{}, fmt.Errorf("output: %w", errShape)
			}
			group := sym.Const(n.AttrInt("group", 1))
			samples := sym.Product(os[0]).Mul(sym.Product(os[2:]...)).Mul(perOut).Mul(group)
			o = o.Add(ops(Mul, samples.MulInt(4), Add, samples.MulInt(3)))
			if n.In(4) != nil {
				o = o.Add(ops(Mul, samples))
			}
			offsets, err := n.InNumel(2)
			if err != nil {
				return Cost{}, err
			}
			pairs := sym.FloorDiv(offsets, sym.Const(2))
			o = o.Add(ops(Add, pairs.MulInt(6), Round, pairs.MulInt(2), Mul, pairs.MulInt(4)))
		}
		if n.Node.OpType == "FusedConv" {
			act := strings.ToLower(n.AttrString("activation", ""))
			if act != "" {
				if p, ok := perElement[fusedActivation(act)]; ok {
					o = o.Add(p.Scale(out))
				}
			}
		}
		return Cost{Ops: o, MACs: macs}, nil
	}
}

func fusedActivation(a string) string {
	switch a {
	case "relu":
		return "Relu"
	case "sigmoid":
		return "Sigmoid"
	case "tanh":
		return "Tanh"
	case "leakyrelu":
		return "LeakyRelu"
	case "hardsigmoid":
		return "HardSigmoid"
	}
	return ""
}

// convTransposeRule: each input element is multiplied with C_out/group·∏kernel
// weights and accumulated into the output: MACs = N·C_in·∏(input spatial)·(C_out/group)·∏kernel.
func convTransposeRule(n *Node) (Cost, error) {
	in, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	ws, err := n.Shape(n.In(1))
	if err != nil {
		return Cost{}, err
	}
	if len(ws) < 2 {
		return Cost{}, fmt.Errorf("weight of rank %d", len(ws))
	}
	macs := in.Mul(sym.Product(ws[1:]...))
	o := ops(Mul, macs, Add, macs)
	if n.In(2) != nil {
		out, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		o[Add] = o[Add].Add(out)
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// matmulMACs returns ∏(output dims) × K for a numpy-style matmul whose
// first operand is a and output is out.
func matmulMACs(n *Node, a int) (sym.Expr, error) {
	as, err := n.Shape(n.In(a))
	if err != nil {
		return sym.Expr{}, err
	}
	if len(as) == 0 {
		return sym.Expr{}, fmt.Errorf("matmul of a scalar")
	}
	out, err := n.OutNumel(0)
	if err != nil {
		return sym.Expr{}, err
	}
	k := as[len(as)-1]
	if n.Node.OpType == "FusedMatMul" && n.AttrInt("transA", 0) != 0 && len(as) >= 2 {
		k = as[len(as)-2]
	}
	return out.Mul(k), nil
}

// matmulRule: every output element is a dot product of length K: K MACs.
func matmulRule(a, _ int) Rule {
	return func(n *Node) (Cost, error) {
		macs, err := matmulMACs(n, a)
		if err != nil {
			return Cost{}, err
		}
		o := ops(Mul, macs, Add, macs)
		if n.Node.OpType == "FusedMatMul" && n.AttrFloat("alpha", 1) != 1 {
			out, _ := n.OutNumel(0)
			o[Mul] = o[Mul].Add(out)
		}
		return Cost{Ops: o, MACs: macs}, nil
	}
}

// gemmRule: Y = α·A'·B' + β·C: M·N·K MACs, M·N MULs when α ≠ 1, M·N ADDs
// for C and M·N MULs when β ≠ 1.
func gemmRule(n *Node) (Cost, error) {
	out, macs, err := gemmMACs(n)
	if err != nil {
		return Cost{}, err
	}
	o := ops(Mul, macs, Add, macs)
	if n.AttrFloat("alpha", 1) != 1 {
		o[Mul] = o[Mul].Add(out)
	}
	if n.In(2) != nil {
		beta := n.AttrFloat("beta", 1)
		if beta != 0 {
			o[Add] = o[Add].Add(out)
			if beta != 1 {
				o[Mul] = o[Mul].Add(out)
			}
		}
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// gemmMACs returns the M·N outputs of a Gemm-like product of A (input 0,
// transposed by transA) and its M·N·K MACs.
func gemmMACs(n *Node) (out, macs sym.Expr, err error) {
	as, err := n.inShape(0, "A", 2)
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	k := as[1]
	if n.AttrInt("transA", 0) != 0 {
		k = as[0]
	}
	out, err = n.OutNumel(0)
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	return out, out.Mul(k), nil
}

// matmulNBitsRule: a blockwise-quantized weight [N, K] is dequantized,
// (q − zero_point)·scale: one ADD and one MUL per weight element (without
// the zero_points input the zero point is 2^(bits−1), still subtracted),
// and multiplied.
func matmulNBitsRule(n *Node) (Cost, error) {
	as, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	k := sym.Const(n.AttrInt("K", 0))
	nn := sym.Const(n.AttrInt("N", 0))
	if len(as) == 0 {
		return Cost{}, fmt.Errorf("input of rank 0")
	}
	rows := sym.Product(as[:len(as)-1]...)
	macs := rows.Mul(k).Mul(nn)
	o := ops(Mul, macs.Add(k.Mul(nn)), Add, macs.Add(k.Mul(nn)))
	if n.In(5) != nil {
		out, _ := n.OutNumel(0)
		o[Add] = o[Add].Add(out)
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// einsumRule contracts the operands left to right. A pairwise contraction
// costs ∏(sizes of every index of both operands) MACs; a single operand
// with summed indices costs (input − output) ADDs.
func einsumRule(n *Node) (Cost, error) {
	eq := strings.ReplaceAll(n.AttrString("equation", ""), " ", "")
	lhs, rhs, explicit := strings.Cut(eq, "->")
	terms := strings.Split(lhs, ",")
	if len(terms) != countPresent(n) {
		return Cost{}, fmt.Errorf("equation %q has %d operands, node has %d inputs", eq, len(terms), countPresent(n))
	}
	size := map[rune]sym.Expr{}
	var ell []sym.Expr // broadcast dims of the ellipsis (longest wins)
	for i, t := range terms {
		s, err := n.Shape(n.In(i))
		if err != nil {
			return Cost{}, err
		}
		letters := []rune(strings.ReplaceAll(t, "...", ""))
		nEll := len(s) - len(letters)
		if nEll < 0 || nEll > 0 && !strings.Contains(t, "...") {
			return Cost{}, fmt.Errorf("operand %d: term %q does not match rank %d", i, t, len(s))
		}
		pos := 0
		for j := 0; j < len(t); j++ {
			if strings.HasPrefix(t[j:], "...") {
				e := s[pos : pos+nEll]
				if len(e) > len(ell) {
					ell = append([]sym.Expr(nil), e...)
				}
				pos += nEll
				j += 2
				continue
			}
			r := rune(t[j])
			if _, ok := size[r]; !ok {
				size[r] = s[pos]
			}
			pos++
		}
	}
	ellSize := sym.Product(ell...)
	indices := func(t string) map[rune]bool {
		m := map[rune]bool{}
		for _, r := range strings.ReplaceAll(t, "...", "") {
			m[r] = true
		}
		return m
	}
	var outIdx map[rune]bool
	outEll := strings.Contains(rhs, "...")
	if explicit {
		outIdx = indices(rhs)
	} else {
		// Implicit output (numpy): the ellipsis and the indices that
		// appear exactly once in the whole equation ("ii" is a trace).
		cnt := map[rune]int{}
		for _, t := range terms {
			for _, r := range strings.ReplaceAll(t, "...", "") {
				cnt[r]++
			}
		}
		outIdx = map[rune]bool{}
		for r, c := range cnt {
			if c == 1 {
				outIdx[r] = true
			}
		}
		outEll = strings.Contains(lhs, "...")
	}
	prodOf := func(set map[rune]bool) sym.Expr {
		p := sym.Const(1)
		for r := range set {
			p = p.Mul(size[r])
		}
		return p
	}
	var macs sym.Expr
	var adds sym.Expr
	cur := indices(terms[0])
	curEll := strings.Contains(terms[0], "...")
	if len(terms) == 1 {
		in := prodOf(cur)
		out := prodOf(outIdx)
		if curEll {
			in = in.Mul(ellSize)
			if outEll {
				out = out.Mul(ellSize)
			}
		}
		adds = in.Sub(out)
		return Cost{Ops: ops(Add, adds)}, nil
	}
	for i := 1; i < len(terms); i++ {
		next := indices(terms[i])
		union := map[rune]bool{}
		for r := range cur {
			union[r] = true
		}
		for r := range next {
			union[r] = true
		}
		step := prodOf(union)
		if curEll || strings.Contains(terms[i], "...") {
			step = step.Mul(ellSize)
			curEll = true
		}
		macs = macs.Add(step)
		// Keep indices needed later or in the output.
		keep := map[rune]bool{}
		for r := range union {
			needed := outIdx[r]
			for _, t := range terms[i+1:] {
				if indices(t)[r] {
					needed = true
				}
			}
			if needed {
				keep[r] = true
			}
		}
		cur = keep
	}
	return Cost{Ops: ops(Mul, macs, Add, macs), MACs: macs}, nil
}

func countPresent(n *Node) int {
	c := 0
	for _, v := range n.Inputs {
		if v != nil {
			c++
		}
	}
	return c
}

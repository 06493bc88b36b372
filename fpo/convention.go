package fpo

import (
	"sort"
	"strings"

	"github.com/greenai/greenai/sym"
)

// Convention selects how a node's cost becomes the number reported as FPO.
type Convention string

// Conventions.
const (
	// ConvFPO is greenai's count: every ADD and MUL, other primitives priced
	// by the cost table.
	ConvFPO Convention = "fpo"
	// ConvMACs reports multiply-accumulates of convolution, matrix-product
	// and recurrent operators only (what torchvision's "GFLOPS" tables list).
	ConvMACs Convention = "macs"
	// ConvFvcore reproduces fvcore's FlopCountAnalysis defaults: one "flop"
	// per MAC of convolutions, matrix products and einsum (bias ignored), plus
	// its handful of extras (batch norm, group/layer/instance norm, upsample,
	// adaptive average pooling, grid sampling); everything else is 0.
	ConvFvcore Convention = "fvcore"
	// ConvPtflops reproduces ptflops' PyTorch module hooks: MACs of
	// convolutions (plus bias), linear layers (plus ptflops' per-feature bias)
	// and matmul; one per output element of activations and upsampling; one
	// per input element of pooling; one or two per element of normalization;
	// its recurrent-cell formula. Elementwise arithmetic is 0.
	ConvPtflops Convention = "ptflops"
)

type convention struct {
	doc   string
	count func(n *Node, c Cost, t *Table) sym.Expr
}

var conventions = map[Convention]convention{
	ConvFPO: {"every ADD and MUL; other primitives priced by the cost table", func(n *Node, c Cost, t *Table) sym.Expr { return c.Ops.FPO(t) }},
	ConvMACs: {"multiply-accumulates of convolution, matrix-product and recurrent operators",
		func(n *Node, c Cost, t *Table) sym.Expr { return c.MACs }},
	ConvFvcore:  {"fvcore FlopCountAnalysis defaults (1 per MAC, plus norm/upsample/pool extras)", fvcoreCount},
	ConvPtflops: {"ptflops module hooks (MACs plus bias, activations, pooling, normalization)", ptflopsCount},
}

// ConventionNames lists the known conventions.
func ConventionNames() []string {
	var out []string
	for k := range conventions {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// ConventionDoc describes a convention.
func ConventionDoc(c Convention) string { return conventions[c].doc }

func numelOr0(n *Node, outIdx int, in bool) sym.Expr {
	var e sym.Expr
	var err error
	if in {
		e, err = n.InNumel(outIdx)
	} else {
		e, err = n.OutNumel(outIdx)
	}
	if err != nil {
		return sym.Expr{}
	}
	return e
}

func fvcoreCount(n *Node, c Cost, t *Table) sym.Expr {
	if n.Node.Domain != "" && n.Node.Domain != "com.microsoft" {
		return sym.Expr{}
	}
	switch n.Node.OpType {
	case "Conv", "ConvTranspose", "MatMul", "Gemm", "Einsum", "FusedMatMul", "ConvInteger", "MatMulInteger",
		"QLinearConv", "QLinearMatMul", "Attention", "MultiHeadAttention":
		return c.MACs
	case "BatchNormalization":
		// Inference batch norm with affine parameters: 2 per element.
		return numelOr0(n, 0, true).MulInt(2)
	case "LayerNormalization", "GroupNormalization", "InstanceNormalization", "SkipLayerNormalization":
		if n.In(1) != nil {
			return numelOr0(n, 0, true).MulInt(5)
		}
		return numelOr0(n, 0, true).MulInt(4)
	case "Resize", "Upsample":
		mode := strings.ToLower(n.AttrString("mode", "nearest"))
		if strings.Contains(mode, "linear") {
			return numelOr0(n, 0, false).MulInt(4)
		}
		return numelOr0(n, 0, false)
	case "GlobalAveragePool":
		return numelOr0(n, 0, true)
	case "GridSample":
		return numelOr0(n, 0, false).MulInt(4)
	}
	return sym.Expr{}
}

func ptflopsCount(n *Node, c Cost, t *Table) sym.Expr {
	if n.Node.Domain != "" {
		return sym.Expr{}
	}
	switch n.Node.OpType {
	case "Conv", "ConvTranspose":
		total := c.MACs
		if n.In(2) != nil {
			total = total.Add(numelOr0(n, 0, false)) // bias: out_channels × output positions
		}
		return total
	case "Gemm":
		total := c.MACs
		if n.In(2) != nil {
			if s, err := n.Shape(n.Out(0)); err == nil && len(s) > 0 {
				total = total.Add(s[len(s)-1]) // ptflops adds only out_features for the bias
			}
		}
		return total
	case "MatMul", "Einsum":
		return c.MACs
	case "RNN", "GRU", "LSTM":
		return ptflopsRNN(n)
	case "Relu", "PRelu", "Elu", "LeakyRelu", "Clip", "HardSwish", "HardSigmoid", "Selu", "Celu":
		return numelOr0(n, 0, false)
	case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool":
		return numelOr0(n, 0, true)
	case "BatchNormalization", "InstanceNormalization", "GroupNormalization", "LayerNormalization":
		if n.In(1) != nil {
			return numelOr0(n, 0, true).MulInt(2)
		}
		return numelOr0(n, 0, true)
	case "Resize", "Upsample":
		return numelOr0(n, 0, false)
	}
	return sym.Expr{}
}

// ptflopsRNN follows ptflops' recurrent hook: per time step and batch item,
// the weight-matrix sizes plus its elementwise extras and both biases.
func ptflopsRNN(n *Node) sym.Expr {
	x, err := n.Shape(n.In(0))
	if err != nil || len(x) != 3 {
		return sym.Expr{}
	}
	w, err := n.Shape(n.In(1))
	if err != nil || len(w) != 3 {
		return sym.Expr{}
	}
	r, err := n.Shape(n.In(2))
	if err != nil || len(r) != 3 {
		return sym.Expr{}
	}
	seq, batch := x[0], x[1]
	if n.AttrInt("layout", 0) == 1 {
		seq, batch = x[1], x[0]
	}
	hidden := sym.Const(n.AttrInt("hidden_size", 0))
	per := w[1].Mul(w[2]).Add(r[1].Mul(r[2]))
	switch n.Node.OpType {
	case "RNN":
		per = per.Add(hidden)
	case "GRU":
		per = per.Add(hidden.MulInt(7))
	case "LSTM":
		per = per.Add(hidden.MulInt(10))
	}
	if n.In(3) != nil {
		per = per.Add(w[1].MulInt(2))
	}
	return per.Mul(w[0]).Mul(seq).Mul(batch)
}

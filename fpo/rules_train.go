package fpo

import (
	"fmt"

	"github.com/greenai/greenai/sym"
)

// Losses and the training operators of ai.onnx.preview.training.

func init() {
	Register("", lossRule(false), "NegativeLogLikelihoodLoss")
	Register("", lossRule(true), "SoftmaxCrossEntropyLoss")
	tr := "ai.onnx.preview.training"
	// Per updated element (the formulas of the operators' definitions):
	//   Adagrad:  g = λ·x + g (MUL, ADD); h += g² (MUL, ADD);
	//             x −= r·g/(√h + ε) (SQRT, ADD, MUL, DIV, ADD)
	//   Momentum: g = λ·x + g (MUL, ADD); v = α·v + β·g (2 MUL, ADD);
	//             x −= r·v (MUL, ADD); Nesterov: x −= r·(g + α·v) (2 MUL, 2 ADD)
	//   Adam:     g = λ·x + g (MUL, ADD); v = α·v + (1−α)·g (2 MUL, ADD);
	//             h = β·h + (1−β)·g² (3 MUL, ADD); √h + ε (SQRT, ADD);
	//             x −= r'·v/(√h+ε) (DIV, MUL, ADD); x·(1 − λ_post) (MUL)
	// and once per call the decayed learning rate (Adagrad r/(1 + t·decay):
	// MUL, ADD, DIV; Adam r·√(1−β^t)/(1−α^t) and the constants 1−α, 1−β,
	// 1−λ_post: 2 POW, 1 SQRT, 1 DIV, 1 MUL, 5 ADD).
	Register(tr, optimizerRule(3, ops(Mul, 3, Add, 4, Sqrt, 1, Div, 1), ops(Mul, 1, Add, 1, Div, 1)), "Adagrad")
	Register(tr, optimizerRule(3, ops(Mul, 4, Add, 3), Ops{}), "Momentum")
	Register(tr, optimizerRule(4, ops(Mul, 8, Add, 5, Sqrt, 1, Div, 1), ops(Pow, 2, Sqrt, 1, Div, 1, Mul, 1, Add, 5)), "Adam")
	Register(tr, gradientRule, "Gradient")
}

// lossRule: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss over E
// target elements. SoftmaxCrossEntropyLoss first takes the log-softmax of
// the scores over the C classes of each of the E positions. Per element
// the picked log-probability is negated (1 MUL), weighted (1 MUL) when
// weights are given and zeroed when its label is ignore_index (1 CMP, when
// set). The reduction: sum, E−1 ADD; mean, E−1 ADD and 1 DIV, and with
// weights or ignore_index the divisor's sum (E−1 ADD more).
func lossRule(softmax bool) Rule {
	return func(n *Node) (Cost, error) {
		x, err := n.Shape(n.In(0))
		if err != nil {
			return Cost{}, err
		}
		if len(x) < 2 {
			return Cost{}, fmt.Errorf("input of rank %d, want (N, C, …)", len(x))
		}
		e, err := n.InNumel(1)
		if err != nil {
			return Cost{}, err
		}
		var o Ops
		if softmax {
			o = logSoftmaxOps(e, x[1])
		}
		o[Mul] = o[Mul].Add(e)
		if n.has(2) {
			o[Mul] = o[Mul].Add(e)
		}
		ignore := n.Node.Attr("ignore_index") != nil
		if ignore {
			o[Cmp] = o[Cmp].Add(e)
		}
		em1 := sym.Max(e.AddInt(-1), sym.Const(0))
		switch red := n.AttrString("reduction", "mean"); red {
		case "none":
		case "sum":
			o[Add] = o[Add].Add(em1)
		case "mean":
			o = o.Add(ops(Add, em1, Div, 1))
			if n.has(2) || ignore {
				o[Add] = o[Add].Add(em1)
			}
		default:
			return Cost{}, fmt.Errorf("unknown reduction %q", red)
		}
		return Cost{Ops: o}, nil
	}
}

// optimizerRule prices an optimizer whose inputs are R, T and groups of
// tensors (X, G, and the states): per element of the X group, per; once,
// scalar. Momentum's Nesterov mode costs 1 MUL and 1 ADD more per element.
func optimizerRule(groups int, per, scalar Ops) Rule {
	return func(n *Node) (Cost, error) {
		rest := len(n.Inputs) - 2
		if rest < groups || rest%groups != 0 {
			return Cost{}, fmt.Errorf("%d inputs after R and T, want a multiple of %d", rest, groups)
		}
		var e sym.Expr
		for i := 2; i < 2+rest/groups; i++ {
			k, err := n.InNumel(i)
			if err != nil {
				return Cost{}, err
			}
			e = e.Add(k)
		}
		p := per
		if n.Node.OpType == "Momentum" && n.AttrString("mode", "standard") == "nesterov" {
			p = p.Add(ops(Mul, 1, Add, 1))
		}
		return Cost{Ops: p.Scale(e).Add(scalar)}, nil
	}
}

// gradientRule: Gradient differentiates a part of the graph named by its
// attributes, which a node-level rule cannot see: not modelled, the node
// is reported uncounted.
func gradientRule(n *Node) (Cost, error) {
	return Cost{}, fmt.Errorf("the cost of the differentiated subgraph is not modelled (Gradient names it by attributes a node rule cannot follow)")
}

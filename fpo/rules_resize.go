package fpo

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/sym"
)

func init() {
	Register("", resizeRule, "Resize", "Upsample")
	Register("", rangeRule, "Range")
	Register("", triluRule, "Trilu")
}

// resizeRule prices interpolation per output element over the k axes whose
// size changes: nearest copies (data movement); n-linear takes 2^k − 1
// separable lerps (a + t·(b − a): 2 ADD, 1 MUL each); cubic takes 4^k MUL
// and 4^k − 1 ADD with the tap coefficients precomputed per axis. The
// per-axis coordinate transforms are shared by whole rows and not counted.
func resizeRule(n *Node) (Cost, error) {
	in, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	out, err := n.Shape(n.Out(0))
	if err != nil {
		return Cost{}, err
	}
	if len(in) != len(out) {
		return Cost{}, fmt.Errorf("input rank %d, output rank %d", len(in), len(out))
	}
	k := int64(0)
	for i := range in {
		if !in[i].Equal(out[i]) {
			k++
		}
	}
	numel := sym.Product(out...)
	mode := strings.ToLower(n.AttrString("mode", "nearest"))
	switch {
	case k == 0 || mode == "nearest":
		b, _ := bytesOf(n.Out(0))
		return Cost{Kind: Movement, Bytes: b.MulInt(2)}, nil
	case strings.Contains(mode, "linear"):
		lerps := int64(1)<<k - 1
		return Cost{Ops: ops(Add, numel.MulInt(2*lerps), Mul, numel.MulInt(lerps))}, nil
	case mode == "cubic":
		taps := int64(1)
		for i := int64(0); i < k; i++ {
			taps *= 4
		}
		return Cost{Ops: ops(Mul, numel.MulInt(taps), Add, numel.MulInt(taps-1))}, nil
	}
	return Cost{}, fmt.Errorf("unknown mode %q", mode)
}

// rangeRule: start + i·delta, produced incrementally: one ADD per element.
func rangeRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: ops(Add, e)}, nil
}

// triluRule: keeps or zeroes each element by its position: a select.
func triluRule(n *Node) (Cost, error) {
	b, _ := bytesOf(n.Out(0))
	return Cost{Kind: Movement, Bytes: b.MulInt(2)}, nil
}

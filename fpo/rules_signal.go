package fpo

import (
	"fmt"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func init() {
	Register("", dftRule, "DFT")
	Register("", stftRule, "STFT")
	Register("", windowRule(ops(Mul, 2, Add, 1, Trig, 1)), "HannWindow", "HammingWindow") // a − b·cos(2πn/N)
	Register("", windowRule(ops(Mul, 4, Add, 2, Trig, 2)), "BlackmanWindow")              // 0.42 − 0.5·cos(2πn/N) + 0.08·cos(4πn/N)
	Register("", melWeightMatrixRule, "MelWeightMatrix")
}

// transformOps is the cost of one discrete Fourier transform of length N
// producing `outputs` bins, whose input is complex or real. When N is a
// known power of two it is a radix-2 FFT: (N/2)·log2 N butterflies, each
// a complex product (4 MUL, 2 ADD) and a complex sum and difference (4
// ADD), every bin computed; the N/2 twiddle factors cost N TRIG (cos and
// sin) and N/2 MUL for their angles. Otherwise it is the direct sum: every
// output bin sums N products of an input with a twiddle (a complex MAC: 4
// MUL + 4 ADD, 2 MUL + 2 ADD for a real input); the N twiddles cost 2N
// TRIG and N MUL. The angle step 2π/N is 1 DIV.
func transformOps(N, outputs sym.Expr, complexIn bool) Ops {
	if v, ok := N.IsConst(); ok && v >= 2 && v&(v-1) == 0 {
		bf := sym.Const(v / 2 * ceilLog2(v))
		return ops(Mul, bf.MulInt(4).AddInt(v/2), Add, bf.MulInt(6), Trig, v, Div, 1) // radix-2 FFT
	}
	terms := outputs.Mul(N)
	per := int64(4)
	if !complexIn {
		per = 2
	}
	return ops(Mul, terms.MulInt(per).Add(N), Add, terms.MulInt(per), Trig, N.MulInt(2), Div, 1) // direct DFT
}

// dftRule: DFT over one axis of (…, N, 1|2): each transform is priced by
// transformOps with N = dft_length (or the axis length); the inverse
// scales each output value by 1/N (2 MUL per complex bin).
func dftRule(n *Node) (Cost, error) {
	in, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	r := len(in)
	if r < 2 {
		return Cost{}, fmt.Errorf("input of rank %d", r)
	}
	var axis int64 = 1
	if n.Opset >= 20 {
		axis = -2
		if a, ok := scalarInt(n.In(2)); ok {
			v, ok := a.IsConst()
			if !ok {
				return Cost{}, fmt.Errorf("axis is symbolic")
			}
			axis = v
		} else if n.has(2) {
			return Cost{}, fmt.Errorf("axis input not known")
		}
	} else {
		axis = n.AttrInt("axis", 1)
	}
	a, err := shape.NormAxis(axis, r)
	if err != nil {
		return Cost{}, err
	}
	out, err := n.Shape(n.Out(0))
	if err != nil || len(out) != r {
		return Cost{}, fmt.Errorf("output: %w", errShape)
	}
	N := in[a]
	switch l, ok := scalarInt(n.In(1)); {
	case ok:
		N = l
	case n.has(1):
		return Cost{}, fmt.Errorf("dft_length not known")
	case n.AttrInt("onesided", 0) != 0 && n.AttrInt("inverse", 0) != 0:
		N = out[a] // inverse of a one-sided spectrum: 2·(bins − 1) real samples
	}
	transforms := sym.Product(in[:a]...).Mul(sym.Product(in[a+1 : r-1]...))
	complexIn := !in[r-1].Equal(sym.Const(1))
	per := transformOps(N, out[a], complexIn)
	o := per.Scale(transforms)
	if n.AttrInt("inverse", 0) != 0 {
		o = o.Add(ops(Mul, sym.Product(out...)))
	}
	return Cost{Ops: o}, nil
}

// stftRule: STFT: each of the B·frames frames is multiplied by the window
// (1 MUL per real sample, 2 per complex one) when a window is given, then
// transformed (transformOps over frame_length, onesided bins).
func stftRule(n *Node) (Cost, error) {
	sig, err := n.inShape(0, "signal", 3)
	if err != nil {
		return Cost{}, err
	}
	out, err := n.outShape(0, "output", 4)
	if err != nil {
		return Cost{}, err
	}
	var fl sym.Expr
	switch l, ok := scalarInt(n.In(3)); {
	case ok:
		fl = l
	case n.has(2):
		w, err := n.inShape(2, "window", 1)
		if err != nil {
			return Cost{}, err
		}
		fl = w[0]
	default:
		return Cost{}, fmt.Errorf("frame_length not known")
	}
	frames := out[0].Mul(out[1])
	complexIn := !sig[2].Equal(sym.Const(1))
	per := transformOps(fl, out[2], complexIn)
	o := per.Scale(frames)
	if n.has(2) {
		k := int64(1)
		if complexIn {
			k = 2
		}
		o = o.Add(ops(Mul, frames.Mul(fl).MulInt(k)))
	}
	return Cost{Ops: o}, nil
}

// windowRule: the window generators evaluate their cosine sum per element
// (the angle n·2π/N is 1 MUL, each cosine 1 TRIG), after 2π/N (1 DIV).
func windowRule(per Ops) Rule {
	return func(n *Node) (Cost, error) {
		e, err := n.OutNumel(0)
		if err != nil {
			return Cost{}, err
		}
		return Cost{Ops: per.Scale(e).Add(ops(Div, 1))}, nil
	}
}

// melWeightMatrixRule: the band edges in mel (2 × (DIV, ADD, LOG, MUL)),
// the mel step (ADD, DIV), then per filter point (num_mel_bins + 2) the
// mel value (MUL, ADD), its frequency 700·(10^(m/2595) − 1) (MUL, EXP,
// ADD, MUL) and FFT bin ⌊(dft_length+1)·f/sample_rate⌋ (MUL, DIV, ROUND);
// per matrix element the triangle's ramp (1 ADD, 1 DIV, 1 CMP to choose
// the rising or falling side; elements outside the triangle are written
// as zeros without arithmetic, so this is an upper bound).
func melWeightMatrixRule(n *Node) (Cost, error) {
	out, err := n.outShape(0, "output", 2)
	if err != nil {
		return Cost{}, err
	}
	points := out[1].AddInt(2)
	e := out[0].Mul(out[1])
	o := ops(Div, 3, Add, 3, Log, 2, Mul, 2)
	o = o.Add(ops(Mul, points.MulInt(4), Add, points.MulInt(2), Exp, points, Div, points, Round, points))
	o = o.Add(ops(Add, e, Div, e, Cmp, e))
	return Cost{Ops: o, Bound: "upper bound: every matrix element is counted as on a triangle ramp, though those outside are written as zeros"}, nil
}

package fpo

import (
	"fmt"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Selection, sorting, scans and small linear algebra. Where the work
// depends on the data (how many boxes survive, which values repeat), the
// count is the worst case and the formula says so.

func init() {
	Register("", topKRule, "TopK")
	Register("", uniqueRule, "Unique")
	Register("com.microsoft", uniqueRule, "Unique")
	Register("", nonZeroRule, "NonZero")
	Register("", nmsRule, "NonMaxSuppression")
	Register("", cumulativeRule(Add), "CumSum")
	Register("", cumulativeRule(Mul), "CumProd")
	Register("", detRule, "Det")
	Register("com.microsoft", inverseRule, "Inverse")
}

// nonZeroRule: one test x ≠ 0 per input element; writing the indices of
// the nonzero ones is data movement.
func nonZeroRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: ops(Cmp, e)}, nil
}

// axisLength returns the rows and the length along the axis attribute
// (default −1) of input i.
func axisLength(n *Node, i int, axis int64) (rows, L sym.Expr, err error) {
	s, err := n.Shape(n.In(i))
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	if len(s) == 0 {
		return sym.Const(1), sym.Const(1), nil
	}
	a, err := shape.NormAxis(axis, len(s))
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	return sym.Product(s[:a]...).Mul(sym.Product(s[a+1:]...)), s[a], nil
}

// topKRule: TopK along the axis: with K = 1 a maximum search (n−1 CMP per
// row, exact); otherwise a comparison sort of each row (sortCmps: an upper
// bound of what a partial selection needs).
func topKRule(n *Node) (Cost, error) {
	rows, L, err := axisLength(n, 0, n.AttrInt("axis", -1))
	if err != nil {
		return Cost{}, err
	}
	out, err := n.Shape(n.Out(0))
	if err != nil {
		return Cost{}, err
	}
	a, err := shape.NormAxis(n.AttrInt("axis", -1), len(out))
	if err != nil {
		return Cost{}, err
	}
	if k, ok := out[a].IsConst(); ok && k == 1 {
		return Cost{Ops: ops(Cmp, rows.Mul(L.AddInt(-1)))}, nil
	}
	c, bound := sortCmps(L)
	return Cost{Ops: ops(Cmp, rows.Mul(c)), Bound: bound}, nil
}

// uniqueRule: Unique sorts the m items (elements, or slices along axis)
// and compares neighbours: sortCmps(m) + m − 1 comparisons, each of a
// slice costing one CMP per slice element (upper bound: lexicographic
// comparisons stop at the first difference).
func uniqueRule(n *Node) (Cost, error) {
	s, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	m, slice := sym.Product(s...), sym.Const(1)
	if a := n.Node.Attr("axis"); a != nil && n.Node.Domain == "" {
		ax, err := shape.NormAxis(a.I, len(s))
		if err != nil {
			return Cost{}, err
		}
		m = s[ax]
		slice = sym.Product(s[:ax]...).Mul(sym.Product(s[ax+1:]...))
	}
	c, _ := sortCmps(m)
	cmps := c.Add(m).AddInt(-1)
	if v, ok := m.IsConst(); ok && v == 0 {
		cmps = sym.Const(0)
	}
	return Cost{Ops: ops(Cmp, cmps.Mul(slice)), Bound: "upper bound: the items are sorted in ⌈m·log2 m⌉ comparisons (m(m−1)/2 for a symbolic m), and each comparison of slices counts every element"}, nil
}

// nmsRule: NonMaxSuppression per batch and class over n boxes: the score
// threshold (n CMP, when given), a sort by score (sortCmps(n)), the box
// areas (2 ADD + 1 MUL per box; center-point boxes first cost 2 MUL + 4
// ADD to convert), and the IoU tests of candidates against kept boxes:
// intersection (4 CMP for the edges, 2 ADD, 2 CMP to clamp, 1 MUL), union
// (2 ADD), ratio (1 DIV), threshold (1 CMP). Upper bound: every box passes
// the threshold and is tested against every kept box, n(n−1)/2 tests, or
// n·max_output_boxes_per_class when that is smaller.
func nmsRule(n *Node) (Cost, error) {
	b, err := n.inShape(0, "boxes", 3)
	if err != nil {
		return Cost{}, err
	}
	sc, err := n.inShape(1, "scores", 3)
	if err != nil {
		return Cost{}, err
	}
	nb := b[1]
	sets := sc[0].Mul(sc[1])
	pairs := sym.FloorDiv(nb.Mul(nb.AddInt(-1)), sym.Const(2))
	if m, ok := scalarInt(n.In(2)); ok {
		mv, mok := m.IsConst()
		nv, nok := nb.IsConst()
		switch {
		case mok && mv <= 0:
			pairs = sym.Const(0)
		case mok && nok:
			pairs = sym.Const(min(nv*(nv-1)/2, nv*mv))
		case mok:
			pairs = nb.MulInt(mv)
		}
	} else if !n.has(2) {
		pairs = sym.Const(0) // max_output_boxes_per_class defaults to 0
	}
	sortC, _ := sortCmps(nb)
	per := ops(Cmp, sortC, Add, nb.MulInt(2), Mul, nb)
	if n.has(4) {
		per = per.Add(ops(Cmp, nb))
	}
	if n.AttrInt("center_point_box", 0) != 0 {
		per = per.Add(ops(Mul, nb.MulInt(2), Add, nb.MulInt(4)))
	}
	per = per.Add(ops(Cmp, pairs.MulInt(7), Add, pairs.MulInt(4), Mul, pairs, Div, pairs))
	return Cost{Ops: per.Scale(sets), Bound: "upper bound: every pair of kept boxes is counted as IoU-tested"}, nil
}

// cumulativeRule: CumSum (p = ADD) and CumProd (p = MUL) along the axis:
// L−1 operations per row, L−2 when exclusive (the first output is the
// identity and the second a copy).
func cumulativeRule(p Prim) Rule {
	return func(n *Node) (Cost, error) {
		ax, ok := scalarInt(n.In(1))
		if !ok {
			return Cost{}, fmt.Errorf("axis input not known")
		}
		av, ok := ax.IsConst()
		if !ok {
			return Cost{}, fmt.Errorf("axis is symbolic")
		}
		rows, L, err := axisLength(n, 0, av)
		if err != nil {
			return Cost{}, err
		}
		per := L.AddInt(-1) // per row
		if n.AttrInt("exclusive", 0) != 0 {
			per = sym.Max(L.AddInt(-2), sym.Const(0))
		}
		if v, ok := L.IsConst(); ok && v == 0 {
			per = sym.Const(0)
		}
		return Cost{Ops: ops(p, rows.Mul(per))}, nil
	}
}

// luOps is the LU decomposition with partial pivoting of an n×n matrix:
// at step k the pivot search over n−k candidates (n−k CMP for |·| and
// n−k−1 to compare: n² in all), n−k−1 multipliers (1 DIV each:
// n(n−1)/2) and the (n−k−1)² updates a −= l·u (1 MUL + 1 ADD each:
// (n−1)n(2n−1)/6).
func luOps(n sym.Expr) Ops {
	nm1 := n.AddInt(-1)
	updates := sym.FloorDiv(nm1.Mul(n).Mul(n.MulInt(2).AddInt(-1)), sym.Const(6))
	return ops(Cmp, n.Mul(n), Div, sym.FloorDiv(n.Mul(nm1), sym.Const(2)), Mul, updates, Add, updates)
}

// squareBatch returns the number of matrices and their order for an input
// (…, n, n).
func squareBatch(n *Node) (batch, order sym.Expr, err error) {
	s, err := n.Shape(n.In(0))
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	if len(s) < 2 {
		return sym.Expr{}, sym.Expr{}, fmt.Errorf("input of rank %d", len(s))
	}
	return sym.Product(s[:len(s)-2]...), s[len(s)-1], nil
}

// detRule: Det by LU decomposition with partial pivoting (luOps) and the
// product of the n pivots (n−1 MUL), per matrix.
func detRule(n *Node) (Cost, error) {
	batch, order, err := squareBatch(n)
	if err != nil {
		return Cost{}, err
	}
	per := luOps(order).Add(ops(Mul, order.AddInt(-1)))
	return Cost{Ops: per.Scale(batch)}, nil
}

// inverseRule: Inverse by LU decomposition (luOps) and, for each of the n
// unit vectors, a forward substitution (n(n−1)/2 MUL + ADD) and a back
// substitution (n(n−1)/2 MUL + ADD, n DIV): n²(n−1) MUL + ADD and n² DIV
// more per matrix.
func inverseRule(n *Node) (Cost, error) {
	batch, order, err := squareBatch(n)
	if err != nil {
		return Cost{}, err
	}
	n2 := order.Mul(order)
	solve := n2.Mul(order.AddInt(-1))
	per := luOps(order).Add(ops(Mul, solve, Add, solve, Div, n2))
	return Cost{Ops: per.Scale(batch)}, nil
}

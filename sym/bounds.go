package sym

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// Sound integer interval bounds of expressions, assuming every variable is
// >= 1. Bounds are conservative: any overflow while computing them widens
// the interval (never narrows it).

// xnum is an int64 extended with -inf (inf < 0) and +inf (inf > 0).
type xnum struct {
	v   int64
	inf int8
}

var (
	negInf = xnum{inf: -1}
	posInf = xnum{inf: 1}
)

func fin(v int64) xnum { return xnum{v: v} }

func (x xnum) geq(k int64) bool { return x.inf > 0 || x.inf == 0 && x.v >= k }
func (x xnum) leq(k int64) bool { return x.inf < 0 || x.inf == 0 && x.v <= k }

func (x xnum) sign() int {
	if x.inf != 0 {
		return int(x.inf)
	}
	return cmp.Compare(x.v, 0)
}

func xcmp(a, b xnum) int {
	if a.inf != 0 || b.inf != 0 {
		return cmp.Compare(a.inf, b.inf)
	}
	return cmp.Compare(a.v, b.v)
}

func xmin(a, b xnum) xnum {
	if xcmp(a, b) <= 0 {
		return a
	}
	return b
}

func xmax(a, b xnum) xnum {
	if xcmp(a, b) >= 0 {
		return a
	}
	return b
}

// mulX returns a*b rounded safely for use as a lower and as an upper bound.
func mulX(a, b xnum) (lo, hi xnum) {
	if a.inf != 0 || b.inf != 0 {
		r := xnum{inf: int8(a.sign() * b.sign())} // 0*inf = 0: bounds of finite values
		return r, r
	}
	if p, ok := CheckedMul(a.v, b.v); ok {
		return fin(p), fin(p)
	}
	if (a.v < 0) == (b.v < 0) {
		return fin(math.MaxInt64), posInf
	}
	return negInf, fin(math.MinInt64)
}

func addLo(a, b xnum) xnum {
	switch {
	case a.inf < 0 || b.inf < 0:
		return negInf
	case a.inf > 0 || b.inf > 0:
		return posInf
	}
	if s, ok := CheckedAdd(a.v, b.v); ok {
		return fin(s)
	}
	if a.v > 0 {
		return fin(math.MaxInt64)
	}
	return negInf
}

func addHi(a, b xnum) xnum {
	switch {
	case a.inf > 0 || b.inf > 0:
		return posInf
	case a.inf < 0 || b.inf < 0:
		return negInf
	}
	if s, ok := CheckedAdd(a.v, b.v); ok {
		return fin(s)
	}
	if a.v < 0 {
		return fin(math.MinInt64)
	}
	return posInf
}

// ival is a closed interval [lo, hi] of integers.
type ival struct{ lo, hi xnum }

var fullIval = ival{negInf, posInf}

func point(v int64) ival { return ival{fin(v), fin(v)} }

func (a ival) isPoint() bool { return a.lo.inf == 0 && a.hi.inf == 0 && a.lo.v == a.hi.v }

func ivAdd(a, b ival) ival { return ival{addLo(a.lo, b.lo), addHi(a.hi, b.hi)} }

func ivMul(a, b ival) ival {
	r := ival{posInf, negInf}
	for _, x := range [2]xnum{a.lo, a.hi} {
		for _, y := range [2]xnum{b.lo, b.hi} {
			lo, hi := mulX(x, y)
			r.lo, r.hi = xmin(r.lo, lo), xmax(r.hi, hi)
		}
	}
	return r
}

func ivNeg(a ival) ival {
	r := fullIval
	switch {
	case a.hi.inf == 0 && a.hi.v == math.MinInt64:
		r.lo = fin(math.MaxInt64)
	case a.hi.inf == 0:
		r.lo = fin(-a.hi.v)
	case a.hi.inf < 0:
		r.lo = posInf
	}
	switch {
	case a.lo.inf == 0 && a.lo.v != math.MinInt64:
		r.hi = fin(-a.lo.v)
	case a.lo.inf > 0:
		r.hi = negInf
	}
	return r
}

func ivPow(a ival, n int) ival {
	if n == 1 {
		return a
	}
	if a.lo.geq(0) {
		r := ival{a.lo, a.hi}
		if a.lo.inf == 0 {
			if p, ok := CheckedPow(a.lo.v, n); ok {
				r.lo = fin(p)
			} else {
				r.lo = fin(math.MaxInt64)
			}
		}
		if a.hi.inf == 0 {
			if p, ok := CheckedPow(a.hi.v, n); ok {
				r.hi = fin(p)
			} else {
				r.hi = posInf
			}
		}
		return r
	}
	r := fullIval
	if n <= 8 {
		r = point(1)
		for range n {
			r = ivMul(r, a)
		}
	}
	if n%2 == 0 && !r.lo.geq(0) {
		r.lo = fin(0)
	}
	return r
}

func intersect(a, b ival) ival { return ival{xmax(a.lo, b.lo), xmin(a.hi, b.hi)} }

// exprBounds returns bounds of e assuming all variables are >= 1.
func exprBounds(e Expr) ival { return boundsDepth(e, 0) }

// maxLinearize bounds how many floor/ceil atoms one bounds computation
// replaces (see linearBounds).
const maxLinearize = 2

func boundsDepth(e Expr, depth int) ival {
	if e.p == nil {
		return point(e.c)
	}
	iv := evalIval(e.p.terms)
	if sh, ok := shiftBounds(e.p.terms); ok {
		iv = intersect(iv, sh)
	}
	if iv.lo.inf < 0 && iv.hi.inf > 0 && depth < maxLinearize {
		if lin, ok := linearBounds(e.p.terms, depth); ok {
			iv = intersect(iv, lin)
		}
	}
	return iv
}

// linearBounds bounds a polynomial in which some atom A = floor(N/c) or
// ceil(N/c) (constant c > 0) occurs only to the first power, using
// c*floor(N/c) = N - m and c*ceil(N/c) = N + m with 0 <= m < c: bounds of
// c*e with A so replaced give bounds of e. This relates A to N, e.g. it
// proves floor(x/2) - x < 0.
func linearBounds(ts []term, depth int) (ival, bool) {
	var target *atom
	maxPow := map[string]int{}
	for _, t := range ts {
		for _, f := range t.mono {
			maxPow[f.a.key] = max(maxPow[f.a.key], f.pow)
			if target == nil && (f.a.kind == kFloor || f.a.kind == kCeil) && f.a.y.p == nil {
				target = f.a
			}
		}
	}
	if target == nil || maxPow[target.key] > 1 {
		return ival{}, false
	}
	c := target.y.c
	m := atomExpr(&atom{kind: kVar, key: "\x01" + strconv.Itoa(depth), b: ival{fin(0), fin(c - 1)}})
	if target.kind == kFloor {
		m = m.Neg()
	}
	scaled, ok := try(func() Expr {
		repl := target.x.Add(m)
		parts := make([]Expr, len(ts))
		for i, t := range ts {
			parts[i] = fromTerms([]term{t}).MulInt(c)
			for j, f := range t.mono {
				if f.a.key == target.key {
					rest := term{coef: t.coef, deg: t.deg - 1, mono: slices.Delete(slices.Clone(t.mono), j, j+1)}
					parts[i] = fromTerms([]term{rest}).Mul(repl)
					break
				}
			}
		}
		return Sum(parts...)
	})
	if !ok {
		return ival{}, false
	}
	sub := boundsDepth(scaled, depth+1)
	r := fullIval
	if sub.lo.inf == 0 {
		r.lo = fin(ceilDiv64(sub.lo.v, c))
	}
	if sub.hi.inf == 0 {
		r.hi = fin(floorDiv64(sub.hi.v, c))
	}
	return r, true
}

// evalIval evaluates terms in interval arithmetic over the atoms' bounds.
func evalIval(ts []term) ival {
	r := point(0)
	for _, t := range ts {
		ti := point(t.coef)
		for _, f := range t.mono {
			ti = ivMul(ti, ivPow(f.a.b, f.pow))
		}
		r = ivAdd(r, ti)
		if r.lo.inf < 0 && r.hi.inf > 0 {
			break
		}
	}
	return r
}

// maxShiftTerms bounds the expansion done by shiftBounds.
const maxShiftTerms = 512

// shiftBounds tightens bounds of a polynomial with mixed-sign coefficients by
// substituting a = L + y (y >= 0) for every atom a with finite lower bound L
// and evaluating the expansion in interval arithmetic: e.g. x^2 - x becomes
// y^2 + y >= 0.
func shiftBounds(ts []term) (ival, bool) {
	pos, neg := false, false
	for _, t := range ts {
		pos = pos || t.coef > 0
		neg = neg || t.coef < 0
	}
	if !pos || !neg {
		return ival{}, false
	}
	shifted := map[string]Expr{}
	size := 0
	for _, t := range ts {
		n := 1
		for _, f := range t.mono {
			a := f.a
			if _, seen := shifted[a.key]; !seen {
				s := atomExpr(a)
				if a.b.lo.inf == 0 && a.b.lo.v != math.MinInt64 {
					l := a.b.lo.v
					y := &atom{kind: kVar, key: "\x00" + strconv.Itoa(len(shifted)), b: ival{fin(0), addHi(a.b.hi, fin(-l))}}
					s = atomExpr(y).AddInt(l)
				}
				shifted[a.key] = s
			}
			if shifted[a.key].p != nil && len(shifted[a.key].p.terms) > 1 {
				n = min(n*(min(f.pow, maxShiftTerms)+1), maxShiftTerms+1)
			}
		}
		if size += n; size > maxShiftTerms {
			return ival{}, false
		}
	}
	e, ok := try(func() Expr {
		parts := make([]Expr, len(ts))
		for i, t := range ts {
			p := Const(t.coef)
			for _, f := range t.mono {
				p = p.Mul(shifted[f.a.key].Pow(f.pow))
			}
			parts[i] = p
		}
		return Sum(parts...)
	})
	if !ok {
		return ival{}, false
	}
	if e.p == nil {
		return point(e.c), true
	}
	return evalIval(e.p.terms), true
}

// atomBounds returns bounds of the atom kind(x, y).
func atomBounds(kind atomKind, x, y Expr) ival {
	n, d := exprBounds(x), exprBounds(y)
	switch kind {
	case kFloor:
		return floorBounds(n, d)
	case kCeil:
		return ivNeg(floorBounds(ivNeg(n), d))
	case kMod:
		return modBounds(n, d)
	case kMin:
		return ival{xmin(n.lo, d.lo), xmin(n.hi, d.hi)}
	case kMax:
		return ival{xmax(n.lo, d.lo), xmax(n.hi, d.hi)}
	}
	return ival{fin(1), posInf}
}

// floorBounds bounds floor(n/d).
func floorBounds(n, d ival) ival {
	if d.isPoint() && d.lo.v != 0 && d.lo.v != math.MinInt64 {
		c := d.lo.v
		if c < 0 {
			n, c = ivNeg(n), -c
		}
		r := n
		if n.lo.inf == 0 {
			r.lo = fin(floorDiv64(n.lo.v, c))
		}
		if n.hi.inf == 0 {
			r.hi = fin(floorDiv64(n.hi.v, c))
		}
		return r
	}
	switch {
	case d.hi.leq(-1):
		n = ivNeg(n)
	case !d.lo.geq(1):
		return fullIval
	}
	// d >= 1: floor(n/d) lies between min(n, 0) and max(n, -1).
	r := ival{n.lo, n.hi}
	if n.lo.geq(0) {
		r.lo = fin(0)
	}
	if !n.hi.geq(0) {
		r.hi = fin(-1)
	}
	return r
}

// modBounds bounds mod(n, d) (sign of d).
func modBounds(n, d ival) ival {
	switch {
	case d.lo.geq(1):
		r := ival{fin(0), posInf}
		if d.hi.inf == 0 {
			r.hi = fin(d.hi.v - 1)
		}
		if n.lo.geq(0) {
			r.hi = xmin(r.hi, n.hi)
		}
		return r
	case d.hi.leq(-1):
		r := ival{negInf, fin(0)}
		if d.lo.inf == 0 {
			r.lo = fin(d.lo.v + 1)
		}
		if n.hi.leq(0) {
			r.lo = xmax(r.lo, n.lo)
		}
		return r
	}
	return fullIval
}

// Sign returns +1 or -1 when e is provably positive or negative, and 0 when
// it is provably zero, assuming every variable is >= 1 (dimensions are
// positive); it returns 2 when the sign cannot be proven.
func (e Expr) Sign() int {
	if e.p == nil {
		return cmp.Compare(e.c, 0)
	}
	iv := exprBounds(e)
	switch {
	case iv.lo.geq(1):
		return 1
	case iv.hi.leq(-1):
		return -1
	case iv.lo.geq(0) && iv.hi.leq(0):
		return 0
	}
	return 2
}

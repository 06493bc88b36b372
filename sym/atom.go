package sym

import (
	"math"
	"strings"
)

type atomKind uint8

const (
	kVar atomKind = iota
	kFloor
	kCeil
	kMod
	kMin
	kMax
)

var kindNames = [...]string{kVar: "var", kFloor: "floor", kCeil: "ceil", kMod: "mod", kMin: "min", kMax: "max"}

// atom is an indivisible factor of a polynomial: a variable or an opaque
// function application with canonical arguments.
type atom struct {
	kind atomKind
	name string // variable name (kVar)
	x, y Expr   // arguments: x/y for floor and ceil, (x, y) otherwise
	key  string // canonical printed form; equal keys mean equal atoms
	b    ival   // bounds assuming all variables are >= 1
}

func varAtom(name string) *atom {
	return &atom{kind: kVar, name: name, key: formatName(name), b: ival{lo: fin(1), hi: posInf}}
}

func newAtom(kind atomKind, x, y Expr) *atom {
	a := &atom{kind: kind, x: x, y: y}
	var sb strings.Builder
	writeCall(&sb, kind, x, y)
	a.key = sb.String()
	a.b = atomBounds(kind, x, y)
	return a
}

// singleAtom returns the atom when e is exactly one atom (coefficient 1, power 1).
func singleAtom(e Expr) *atom {
	if e.p == nil || len(e.p.terms) != 1 {
		return nil
	}
	t := e.p.terms[0]
	if t.coef != 1 || len(t.mono) != 1 || t.mono[0].pow != 1 {
		return nil
	}
	return t.mono[0].a
}

// FloorDiv returns floor(a/b) (Python's a // b). b must be non-zero; a
// constant 0 divisor panics with *DivisionByZeroError.
func FloorDiv(a, b Expr) Expr { return divide(kFloor, a, b) }

// CeilDiv returns ceil(a/b). b must be non-zero as for FloorDiv.
func CeilDiv(a, b Expr) Expr { return divide(kCeil, a, b) }

// Mod returns a - b*floor(a/b) (Python's a % b: the sign follows b). b must
// be non-zero as for FloorDiv.
func Mod(a, b Expr) Expr { return divide(kMod, a, b) }

func constDiv(kind atomKind, a, b int64) int64 {
	switch kind {
	case kFloor:
		return floorDiv64(a, b)
	case kCeil:
		return ceilDiv64(a, b)
	}
	return floorMod64(a, b)
}

func divide(kind atomKind, a, b Expr) Expr {
	if b.p == nil {
		if b.c == 0 {
			var sb strings.Builder
			writeCall(&sb, kind, a, b)
			panic(&DivisionByZeroError{Expr: sb.String()})
		}
		if a.p == nil {
			return Expr{c: constDiv(kind, a.c, b.c)}
		}
	}
	if a.isZero() {
		return a
	}
	if g := monoGCD(a, b); g != nil {
		// floor(g*a'/(g*b')) = floor(a'/b') as g != 0 when b != 0;
		// mod(g*a', g*b') = g*mod(a', b').
		gt := term{coef: 1, deg: monoDeg(g), mono: g}
		a, b = fromTerms(divTermsMono(a.p.terms, g)), fromTerms(divTermsMono(b.p.terms, g))
		res := divide(kind, a, b)
		if kind == kMod {
			res = res.Mul(fromTerms([]term{gt}))
		}
		return res
	}
	negate := false
	if b.leadCoef() < 0 {
		// floor(a/b) = floor(-a/-b), likewise ceil; mod(a, b) = -mod(-a, -b).
		a, b = a.Neg(), b.Neg()
		negate = kind == kMod
	}
	if b.p != nil {
		if e, ok := foldByBounds(kind, a, b); ok {
			return negIf(e, negate)
		}
	}
	q, r := divmod(a, b)
	res := q
	switch {
	case kind == kMod && r.isZero():
		res = Expr{}
	case kind == kMod:
		res = reduceRem(kind, r, b)
	case !r.isZero():
		res = q.Add(reduceRem(kind, r, b))
	}
	return negIf(res, negate)
}

func negIf(e Expr, neg bool) Expr {
	if neg {
		return e.Neg()
	}
	return e
}

// foldByBounds evaluates op(r, b) for a symbolic divisor b >= 1 when r is
// provably within [-b, b]: floor(r/b) is then 0 or -1, and so on.
func foldByBounds(kind atomKind, r, b Expr) (Expr, bool) {
	// Which of the ranges [0, b-1], [-b, -1] (floor, mod) or [1, b],
	// [-b+1, 0] (ceil) holds r? Cheap tests first.
	lowShift := int64(0)
	if kind == kCeil {
		lowShift = 1
	}
	rb := exprBounds(r)
	nonneg, neg := rb.lo.geq(lowShift), rb.hi.leq(lowShift-1)
	if !nonneg && !neg || !exprBounds(b).lo.geq(1) {
		return Expr{}, false
	}
	if nonneg {
		below, ok := try(func() Expr { return b.Sub(r) })
		if !ok || !exprBounds(below).lo.geq(1-lowShift) {
			return Expr{}, false
		}
		switch kind {
		case kFloor:
			return Expr{}, true
		case kCeil:
			return Expr{c: 1}, true
		}
		return r, true
	}
	above, ok := try(func() Expr { return b.Add(r) })
	if !ok || !exprBounds(above).lo.geq(lowShift) {
		return Expr{}, false
	}
	switch kind {
	case kFloor:
		return Expr{c: -1}, true
	case kCeil:
		return Expr{}, true
	}
	return above, true
}

// maxDivSteps bounds the work of polynomial division by a symbolic divisor.
const maxDivSteps = 256

// divmod divides a by b (leading coefficient > 0) so that a = q*b + r exactly,
// where q has integer coefficients and no term of r is divisible by b's
// leading term with a quotient coefficient other than 0 (coefficients are
// divided with floor semantics). If that cannot be done cheaply without
// overflow it returns q = 0, r = a.
func divmod(a, b Expr) (q, r Expr) {
	if b.p == nil {
		c := b.c
		var qs, rs []term
		for _, t := range a.p.terms {
			qq := floorDiv64(t.coef, c)
			if qq != 0 {
				qs = append(qs, term{coef: qq, deg: t.deg, mono: t.mono})
			}
			if rr := t.coef - qq*c; rr != 0 {
				rs = append(rs, term{coef: rr, deg: t.deg, mono: t.mono})
			}
		}
		return fromTerms(qs), fromTerms(rs)
	}
	if a.p == nil {
		return Expr{}, a
	}
	lb := b.p.terms[0]
	var qs []term
	var rs []term
	ok := true
	_, done := try(func() Expr {
		p := a.p.terms
		for steps := 0; len(p) > 0; steps++ {
			if steps > maxDivSteps {
				ok = false
				return Expr{}
			}
			t := p[0]
			if m, divisible := divMono(t.mono, lb.mono); divisible {
				if qq := floorDiv64(t.coef, lb.coef); qq != 0 {
					qt := term{coef: qq, deg: t.deg - lb.deg, mono: m}
					qs = append(qs, qt)
					qt.coef = neg64(qq)
					p = addTerms(p, scaleTerms(qt, b.p.terms))
					continue
				}
			}
			rs = append(rs, t)
			p = p[1:]
		}
		return Expr{}
	})
	if !ok || !done {
		return Expr{}, a
	}
	return fromTerms(qs), fromTerms(rs)
}

// reduceRem returns op(r, b) for the remainder r of divmod (r != 0, b's
// leading coefficient > 0), folding it when bounds or nesting allow.
func reduceRem(kind atomKind, r, b Expr) Expr {
	if c, ok := b.IsConst(); ok {
		if rc, ok := r.IsConst(); ok {
			return Expr{c: constDiv(kind, rc, c)}
		}
		if iv := exprBounds(r); iv.lo.inf == 0 && iv.hi.inf == 0 {
			lo, hi := iv.lo.v, iv.hi.v
			if kind == kCeil {
				if l := ceilDiv64(lo, c); l == ceilDiv64(hi, c) {
					return Expr{c: l}
				}
			} else if l := floorDiv64(lo, c); l == floorDiv64(hi, c) {
				if kind == kFloor {
					return Expr{c: l}
				}
				if e, ok := try(func() Expr { return r.Sub(Const(mul64(l, c))) }); ok {
					return e
				}
			}
		}
	} else if e, ok := foldByBounds(kind, r, b); ok {
		return e
	}
	g := content(r, b)
	if g <= 1 || g > math.MaxInt64 {
		return nestedOrAtom(kind, r, b)
	}
	r, b = r.divExact(int64(g)), b.divExact(int64(g))
	res := nestedOrAtom(kind, r, b)
	if kind == kMod {
		res = res.MulInt(int64(g))
	}
	return res
}

// nestedOrAtom returns kind(r, b) for reduced arguments: nested
// applications of the same kind merge, otherwise it is an atom.
func nestedOrAtom(kind atomKind, r, b Expr) Expr {
	if at := singleAtom(r); at != nil {
		c, constDivisor := b.IsConst()
		switch {
		case kind == kMod && at.kind == kMod:
			// mod(mod(x, d), c) = mod(x, c) when c divides d.
			if d, ok := at.y.IsConst(); ok && constDivisor && d%c == 0 {
				return Mod(at.x, b)
			}
		case kind == at.kind && kind != kMod && (constDivisor || exprBounds(b).lo.geq(1)):
			// floor(floor(y)/b) = floor(y/b) for integer b >= 1; ceil alike.
			if d, ok := try(func() Expr { return at.y.Mul(b) }); ok {
				return divide(kind, at.x, d)
			}
		}
	}
	at := newAtom(kind, r, b)
	if at.b.isPoint() {
		return Expr{c: at.b.lo.v}
	}
	return atomExpr(at)
}

// Min returns the smaller of a and b.
func Min(a, b Expr) Expr { return minmax(kMin, a, b) }

// Max returns the larger of a and b.
func Max(a, b Expr) Expr { return minmax(kMax, a, b) }

func minmax(kind atomKind, a, b Expr) Expr {
	if a.p == nil && b.p == nil {
		if (a.c < b.c) == (kind == kMin) {
			return a
		}
		return b
	}
	if a.Equal(b) {
		return a
	}
	if d, ok := try(func() Expr { return a.Sub(b) }); ok {
		iv := exprBounds(d)
		switch {
		case iv.lo.geq(0): // a >= b
			if kind == kMax {
				return a
			}
			return b
		case iv.hi.leq(0): // a <= b
			if kind == kMax {
				return b
			}
			return a
		}
	}
	// Pull out terms common to both: max(x+c, y+c) = max(x, y) + c.
	var common, ra, rb []term
	mergeSorted(termsOf(a), termsOf(b), cmpTerm, func(t term, fromA bool) {
		if fromA {
			ra = append(ra, t)
		} else {
			rb = append(rb, t)
		}
	}, func(t, u term) {
		if t.coef == u.coef {
			common = append(common, t)
		} else {
			ra, rb = append(ra, t), append(rb, u)
		}
	})
	if common != nil {
		return fromTerms(common).Add(minmax(kind, fromTerms(ra), fromTerms(rb)))
	}
	// Pull out a positive common factor: max(2x, 2y) = 2*max(x, y).
	if g := content(a, b); g > 1 && g <= math.MaxInt64 {
		return minmax(kind, a.divExact(int64(g)), b.divExact(int64(g))).MulInt(int64(g))
	}
	if strings.Compare(a.String(), b.String()) > 0 {
		a, b = b, a
	}
	return atomExpr(newAtom(kind, a, b))
}

// monoGCD returns the greatest monomial dividing every term of a and b, or
// nil if that is 1.
func monoGCD(a, b Expr) []factor {
	if a.p == nil || b.p == nil {
		return nil
	}
	g := a.p.terms[0].mono
	for _, ts := range [2][]term{a.p.terms, b.p.terms} {
		for _, t := range ts {
			if len(g) == 0 {
				return nil
			}
			var common []factor
			mergeSorted(g, t.mono, func(x, y factor) int { return cmpAtom(x.a, y.a) }, func(factor, bool) {},
				func(x, y factor) { common = append(common, factor{a: x.a, pow: min(x.pow, y.pow)}) })
			g = common
		}
	}
	if len(g) == 0 {
		return nil
	}
	return g
}

// divTermsMono divides every term by the monomial g, which divides them all.
func divTermsMono(ts []term, g []factor) []term {
	out := make([]term, len(ts))
	d := monoDeg(g)
	for i, t := range ts {
		m, _ := divMono(t.mono, g)
		out[i] = term{coef: t.coef, deg: t.deg - d, mono: m}
	}
	return out
}

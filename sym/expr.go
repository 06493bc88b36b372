// Package sym implements exact symbolic integer arithmetic for tensor dimensions and operation counts.
package sym

import (
	"cmp"
	"slices"
	"strings"
	"sync/atomic"
)

// Expr is an immutable exact integer expression: a polynomial with int64
// coefficients over atoms, where an atom is a variable or an application of
// floor(a/b), ceil(a/b), mod(a, b), min(a, b) or max(a, b) that could not be
// simplified. The zero value is the constant 0. Constants are stored without
// any allocation, so arithmetic on constants is as cheap as int64 arithmetic
// (plus overflow checks). Exprs are safe for concurrent use.
//
// Simplifications that depend on the sign of a sub-expression (Min, Max and
// bounds-based folding of FloorDiv, CeilDiv and Mod) assume every variable is
// >= 1, as tensor dimensions are.
type Expr struct {
	c int64 // the value when p == nil
	p *poly // nil for constants
}

// poly is a canonical polynomial with at least one non-constant term.
type poly struct {
	terms []term // sorted by cmpTerm, no zero coefficients, distinct monomials
	str   atomic.Pointer[string]
}

type term struct {
	coef int64
	deg  int      // total degree: sum of the powers
	mono []factor // sorted by atom key; nil for the constant term
}

type factor struct {
	a   *atom
	pow int // >= 1
}

// Const returns the constant v.
func Const(v int64) Expr { return Expr{c: v} }

// Var returns the variable name, which must be non-empty.
func Var(name string) Expr {
	if name == "" {
		panic("sym: empty variable name")
	}
	return atomExpr(varAtom(name))
}

func atomExpr(a *atom) Expr {
	return Expr{p: &poly{terms: []term{{coef: 1, deg: 1, mono: []factor{{a: a, pow: 1}}}}}}
}

// fromTerms wraps canonical terms into an Expr.
func fromTerms(ts []term) Expr {
	switch {
	case len(ts) == 0:
		return Expr{}
	case len(ts) == 1 && ts[0].deg == 0:
		return Expr{c: ts[0].coef}
	}
	return Expr{p: &poly{terms: ts}}
}

// termsOf returns the canonical terms of e (allocating for non-zero constants).
func termsOf(e Expr) []term {
	if e.p != nil {
		return e.p.terms
	}
	if e.c == 0 {
		return nil
	}
	return []term{{coef: e.c}}
}

// IsConst reports whether e is a constant and, if so, its value.
func (e Expr) IsConst() (int64, bool) { return e.c, e.p == nil }

// isZero reports whether e is the constant 0.
func (e Expr) isZero() bool { return e.p == nil && e.c == 0 }

// Add returns e+f.
func (e Expr) Add(f Expr) Expr {
	if e.p == nil && f.p == nil {
		return Expr{c: add64(e.c, f.c)}
	}
	// Adding zero (most per-node sums of a large graph: ops that cost
	// nothing, primitives a node does not use) returns the other operand.
	if f.p == nil && f.c == 0 {
		return e
	}
	if e.p == nil && e.c == 0 {
		return f
	}
	return addSlow(e, f)
}

func addSlow(e, f Expr) Expr { return fromTerms(addTerms(termsOf(e), termsOf(f))) }

// Sub returns e-f.
func (e Expr) Sub(f Expr) Expr {
	if e.p == nil && f.p == nil {
		return Expr{c: sub64(e.c, f.c)}
	}
	return addSlow(e, f.Neg())
}

// Neg returns -e.
func (e Expr) Neg() Expr {
	if e.p == nil {
		return Expr{c: neg64(e.c)}
	}
	return scaleSlow(e, -1)
}

// AddInt returns e+k.
func (e Expr) AddInt(k int64) Expr { return e.Add(Expr{c: k}) }

// MulInt returns k*e.
func (e Expr) MulInt(k int64) Expr {
	if e.p == nil {
		return Expr{c: mul64(e.c, k)}
	}
	return scaleSlow(e, k)
}

func scaleSlow(e Expr, k int64) Expr {
	switch k {
	case 0:
		return Expr{}
	case 1:
		return e
	}
	ts := make([]term, len(e.p.terms))
	for i, t := range e.p.terms {
		t.coef = mul64(t.coef, k)
		ts[i] = t
	}
	return Expr{p: &poly{terms: ts}}
}

// Mul returns e*f.
func (e Expr) Mul(f Expr) Expr {
	if e.p == nil && f.p == nil {
		return Expr{c: mul64(e.c, f.c)}
	}
	return mulSlow(e, f)
}

func mulSlow(e, f Expr) Expr {
	switch {
	case f.p == nil:
		return scaleSlow(e, f.c)
	case e.p == nil:
		return scaleSlow(f, e.c)
	}
	return fromTerms(mulTerms(e.p.terms, f.p.terms))
}

// Pow returns e^n for n >= 0.
func (e Expr) Pow(n int) Expr {
	if n < 0 {
		panic("sym: negative exponent")
	}
	if e.p == nil {
		return Expr{c: pow64(e.c, n)}
	}
	if n == 0 {
		return Expr{c: 1}
	}
	if len(e.p.terms) == 1 {
		t := e.p.terms[0]
		m := make([]factor, len(t.mono))
		for i, f := range t.mono {
			m[i] = factor{a: f.a, pow: int(mul64(int64(f.pow), int64(n)))}
		}
		return Expr{p: &poly{terms: []term{{coef: pow64(t.coef, n), deg: int(mul64(int64(t.deg), int64(n))), mono: m}}}}
	}
	if len(e.p.terms) == 2 {
		return binomialPow(e.p.terms[0], e.p.terms[1], n)
	}
	// Repeated multiplication beats squaring for sparse bases, and it ends
	// quickly: the coefficients of a power of a polynomial with two or more
	// terms grow exponentially, so they overflow after a few dozen steps.
	r := e
	for range n - 1 {
		r = r.Mul(e)
	}
	return r
}

// binomialPow returns (t+u)^n = sum C(n,k) t^k u^(n-k) for canonical terms
// t > u. The terms come out distinct and in canonical order, so each
// coefficient is final and any overflow is genuine.
func binomialPow(t, u term, n int) Expr {
	pows := func(t term) []term { // t^0 .. t^n
		p := make([]term, n+1)
		p[0] = term{coef: 1}
		for k := 1; k <= n; k++ {
			p[k] = mulTerm(p[k-1], t)
		}
		return p
	}
	tp, up := pows(t), pows(u)
	out := make([]term, n+1)
	binom := uint64(1) // C(n, k) for k = n - i, built up as C(n, i)
	for i := 0; i <= n; i++ {
		if i > 0 {
			// C(n, i) = C(n, i-1) * (n-i+1) / i without intermediate overflow:
			// i/g divides (n-i+1) once g = gcd(C(n, i-1), i) is taken out.
			g := gcdU(binom, uint64(i))
			num, ok := CheckedMul(int64(binom/g), int64(uint64(n-i+1)/(uint64(i)/g)))
			if !ok {
				panic(&OverflowError{Op: "*", A: int64(binom / g), B: int64(uint64(n-i+1) / (uint64(i) / g))})
			}
			binom = uint64(num)
		}
		x := mulTerm(tp[n-i], up[i])
		x.coef = mul64(x.coef, int64(binom))
		out[i] = x
	}
	return fromTerms(out)
}

// Sum returns the sum of xs (0 for none).
func Sum(xs ...Expr) Expr {
	var c int64
	var ts []term
	for _, x := range xs {
		if x.p == nil {
			c = add64(c, x.c)
		} else {
			ts = append(ts, x.p.terms...)
		}
	}
	if ts == nil {
		return Expr{c: c}
	}
	if c != 0 {
		ts = append(ts, term{coef: c})
	}
	return fromTerms(normalize(ts))
}

// Product returns the product of xs (1 for none).
func Product(xs ...Expr) Expr {
	r := Expr{c: 1}
	for _, x := range xs {
		r = r.Mul(x)
	}
	return r
}

// Equal reports whether e and f have the same canonical form. Equal
// expressions always evaluate equally; the converse does not hold in general.
func (e Expr) Equal(f Expr) bool {
	if e.p == nil || f.p == nil {
		return e.p == nil && f.p == nil && e.c == f.c
	}
	if e.p == f.p {
		return true
	}
	return slices.EqualFunc(e.p.terms, f.p.terms, func(a, b term) bool {
		return a.coef == b.coef && a.deg == b.deg && slices.EqualFunc(a.mono, b.mono, func(x, y factor) bool {
			return x.pow == y.pow && (x.a == y.a || x.a.key == y.a.key)
		})
	})
}

// cmpAtom orders atoms by their canonical printed form.
func cmpAtom(a, b *atom) int {
	if a == b {
		return 0
	}
	return strings.Compare(a.key, b.key)
}

// cmpTerm orders monomials by descending total degree, then
// lexicographically (atoms by key, higher powers first). This is a monomial
// order (graded lexicographic), which polynomial division relies on.
func cmpTerm(a, b term) int {
	if a.deg != b.deg {
		return cmp.Compare(b.deg, a.deg)
	}
	for i := 0; i < len(a.mono) && i < len(b.mono); i++ {
		if c := cmpAtom(a.mono[i].a, b.mono[i].a); c != 0 {
			return c
		}
		if a.mono[i].pow != b.mono[i].pow {
			return cmp.Compare(b.mono[i].pow, a.mono[i].pow)
		}
	}
	return cmp.Compare(len(a.mono), len(b.mono))
}

// mergeSorted walks the sorted slices a and b in order, passing elements
// found on one side only to one (with fromA telling the side) and elements
// that compare equal to both.
func mergeSorted[T any](a, b []T, cmp func(x, y T) int, one func(x T, fromA bool), both func(x, y T)) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := cmp(a[i], b[j]); {
		case c < 0:
			one(a[i], true)
			i++
		case c > 0:
			one(b[j], false)
			j++
		default:
			both(a[i], b[j])
			i++
			j++
		}
	}
	for _, x := range a[i:] {
		one(x, true)
	}
	for _, y := range b[j:] {
		one(y, false)
	}
}

// addTerms merges two canonical term lists.
func addTerms(a, b []term) []term {
	out := make([]term, 0, len(a)+len(b))
	mergeSorted(a, b, cmpTerm, func(t term, _ bool) { out = append(out, t) }, func(t, u term) {
		if s := add64(t.coef, u.coef); s != 0 {
			out = append(out, term{coef: s, deg: t.deg, mono: t.mono})
		}
	})
	return out
}

// mulTerm returns t*u.
func mulTerm(t, u term) term {
	return term{coef: mul64(t.coef, u.coef), deg: int(add64(int64(t.deg), int64(u.deg))), mono: mulMono(t.mono, u.mono)}
}

func mulTerms(a, b []term) []term {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) <= 8 {
		// Multiplying by one term keeps the order: merge the len(b) rows.
		var out []term
		for _, y := range b {
			out = addTerms(out, scaleTerms(y, a))
		}
		return out
	}
	out := make([]term, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, mulTerm(x, y))
		}
	}
	return normalize(out)
}

// scaleTerms returns t*b for a single term t (the result stays canonical:
// cmpTerm is a monomial order).
func scaleTerms(t term, b []term) []term {
	out := make([]term, len(b))
	for i, u := range b {
		out[i] = mulTerm(t, u)
	}
	return out
}

func mulMono(a, b []factor) []factor {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]factor, 0, len(a)+len(b))
	mergeSorted(a, b, func(x, y factor) int { return cmpAtom(x.a, y.a) },
		func(f factor, _ bool) { out = append(out, f) },
		func(f, g factor) { out = append(out, factor{a: f.a, pow: int(add64(int64(f.pow), int64(g.pow)))}) })
	return out
}

// divMono returns a/b when the monomial b divides a.
func divMono(a, b []factor) ([]factor, bool) {
	if len(b) == 0 {
		return a, true
	}
	out := make([]factor, 0, len(a))
	j := 0
	for _, f := range a {
		if j < len(b) && cmpAtom(f.a, b[j].a) == 0 {
			if f.pow < b[j].pow {
				return nil, false
			}
			if f.pow > b[j].pow {
				out = append(out, factor{a: f.a, pow: f.pow - b[j].pow})
			}
			j++
			continue
		}
		out = append(out, f)
	}
	return out, j == len(b)
}

// normalize sorts terms and combines like ones, dropping zeros. It reuses ts.
func normalize(ts []term) []term {
	slices.SortFunc(ts, cmpTerm)
	out := ts[:0]
	for _, t := range ts {
		if n := len(out); n > 0 && cmpTerm(out[n-1], t) == 0 {
			out[n-1].coef = add64(out[n-1].coef, t.coef)
			continue
		}
		if n := len(out); n > 0 && out[n-1].coef == 0 {
			out[n-1] = t
			continue
		}
		out = append(out, t)
	}
	if n := len(out); n > 0 && out[n-1].coef == 0 {
		out = out[:n-1]
	}
	return out
}

// content returns the gcd of the absolute values of all coefficients of xs.
func content(xs ...Expr) uint64 {
	var g uint64
	for _, x := range xs {
		for _, t := range termsOf(x) {
			g = gcdU(g, abs64u(t.coef))
		}
	}
	return g
}

// divExact divides every coefficient of e by g, which must divide them all.
func (e Expr) divExact(g int64) Expr {
	if e.p == nil {
		return Expr{c: e.c / g}
	}
	ts := make([]term, len(e.p.terms))
	for i, t := range e.p.terms {
		t.coef /= g
		ts[i] = t
	}
	return Expr{p: &poly{terms: ts}}
}

// leadCoef returns the coefficient of e's leading term (e itself if constant).
func (e Expr) leadCoef() int64 {
	if e.p == nil {
		return e.c
	}
	return e.p.terms[0].coef
}

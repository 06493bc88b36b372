package sym

import (
	"fmt"
	"slices"
)

// Subst replaces the variables named in bind and re-simplifies; atoms whose
// arguments become constant are evaluated. Like the constructors it panics
// with *OverflowError on overflow and with *DivisionByZeroError when a
// divisor becomes the constant 0 (see Catch).
func (e Expr) Subst(bind map[string]Expr) Expr {
	if e.p == nil || len(bind) == 0 {
		return e
	}
	s := substituter{bind: bind, memo: map[string]substResult{}}
	r, _ := s.expr(e)
	return r
}

type substResult struct {
	e       Expr
	changed bool
}

type substituter struct {
	bind map[string]Expr
	memo map[string]substResult // by atom key
}

// expr returns e with substitutions applied and whether anything changed.
func (s *substituter) expr(e Expr) (Expr, bool) {
	if e.p == nil {
		return e, false
	}
	parts := make([]Expr, 0, len(e.p.terms))
	var same []term // unchanged terms
	for _, t := range e.p.terms {
		var p Expr
		changed := false
		for i, f := range t.mono {
			r := s.atom(f.a)
			if !r.changed && !changed {
				continue
			}
			if !changed {
				// First change in this term: start from the unchanged prefix.
				changed = true
				p = fromTerms([]term{{coef: t.coef, deg: monoDeg(t.mono[:i]), mono: t.mono[:i:i]}})
			}
			fe := r.e
			if !r.changed {
				fe = atomExpr(f.a)
			}
			p = p.Mul(fe.Pow(f.pow))
		}
		if changed {
			parts = append(parts, p)
		} else {
			same = append(same, t)
		}
	}
	if len(parts) == 0 {
		return e, false
	}
	return Sum(append(parts, fromTerms(same))...), true
}

func monoDeg(m []factor) int {
	d := 0
	for _, f := range m {
		d += f.pow
	}
	return d
}

func (s *substituter) atom(a *atom) substResult {
	if r, ok := s.memo[a.key]; ok {
		return r
	}
	var r substResult
	if a.kind == kVar {
		r.e, r.changed = s.bind[a.name]
	} else {
		x, cx := s.expr(a.x)
		y, cy := s.expr(a.y)
		if r.changed = cx || cy; r.changed {
			r.e = apply(a.kind, x, y)
		}
	}
	s.memo[a.key] = r
	return r
}

// apply builds kind(x, y) through the simplifying constructors.
func apply(kind atomKind, x, y Expr) Expr {
	if kind == kMin || kind == kMax {
		return minmax(kind, x, y)
	}
	return divide(kind, x, y)
}

// UnboundError reports a variable without a value in Eval.
type UnboundError struct {
	Name string
	Expr string
}

func (e *UnboundError) Error() string {
	return fmt.Sprintf("unbound variable %s in %s", formatName(e.Name), e.Expr)
}

// Eval evaluates e with the given variable values. It returns an
// *UnboundError naming the first (in sorted order) variable missing from
// bind, an *OverflowError on overflow, or a *DivisionByZeroError.
// Evaluation is exact. Values should be >= 1, as assumed when e was
// simplified (see Expr); with other values the result may differ from that
// of the unsimplified construction.
func (e Expr) Eval(bind map[string]int64) (v int64, err error) {
	if e.p == nil {
		return e.c, nil
	}
	defer Catch(&err)
	v, ok := evalTerms(e.p.terms, bind)
	if !ok {
		for _, name := range e.Vars() {
			if _, bound := bind[name]; !bound {
				return 0, &UnboundError{Name: name, Expr: e.String()}
			}
		}
	}
	return v, nil
}

func evalExpr(e Expr, bind map[string]int64) (int64, bool) {
	if e.p == nil {
		return e.c, true
	}
	return evalTerms(e.p.terms, bind)
}

func evalTerms(ts []term, bind map[string]int64) (int64, bool) {
	var sum int64
	for _, t := range ts {
		p := t.coef
		for _, f := range t.mono {
			v, ok := evalAtom(f.a, bind)
			if !ok {
				return 0, false
			}
			p = mul64(p, pow64(v, f.pow))
		}
		sum = add64(sum, p)
	}
	return sum, true
}

func evalAtom(a *atom, bind map[string]int64) (int64, bool) {
	if a.kind == kVar {
		v, ok := bind[a.name]
		return v, ok
	}
	x, ok := evalExpr(a.x, bind)
	if !ok {
		return 0, false
	}
	y, ok := evalExpr(a.y, bind)
	if !ok {
		return 0, false
	}
	r := apply(a.kind, Const(x), Const(y))
	return r.c, true
}

// Vars returns the sorted names of all variables in e, including those
// inside atoms.
func (e Expr) Vars() []string {
	set := map[string]bool{}
	collectVars(e, set)
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func collectVars(e Expr, set map[string]bool) {
	for _, t := range termsOf(e) {
		for _, f := range t.mono {
			if f.a.kind == kVar {
				set[f.a.name] = true
			} else {
				collectVars(f.a.x, set)
				collectVars(f.a.y, set)
			}
		}
	}
}

// Degree returns the highest power to which the variable v appears directly
// in a term of e, or 0 if it does not. Occurrences inside atoms (floor,
// ceil, mod, min, max) are not counted: Degree of "floor(x/2)*x" in x is 1.
func (e Expr) Degree(v string) int {
	d := 0
	for _, t := range termsOf(e) {
		for _, f := range t.mono {
			if f.a.kind == kVar && f.a.name == v {
				d = max(d, f.pow)
			}
		}
	}
	return d
}

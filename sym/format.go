package sym

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Term is one term of a polynomial: Coef times the product of its factors.
type Term struct {
	Coef    int64
	Factors []Factor // empty for the constant term
}

// Factor is an atom raised to a positive power.
type Factor struct {
	Atom  string // the printed atom, e.g. "batch" or "floor((H + 1)/2)"
	Power int
}

// Terms returns the terms of e in canonical order: descending total degree,
// then lexicographic; the constant term, if non-zero, comes last. The zero
// expression has no terms.
func (e Expr) Terms() []Term {
	ts := termsOf(e)
	out := make([]Term, len(ts))
	for i, t := range ts {
		out[i].Coef = t.coef
		if len(t.mono) > 0 {
			out[i].Factors = make([]Factor, len(t.mono))
			for j, f := range t.mono {
				out[i].Factors[j] = Factor{Atom: f.a.key, Power: f.pow}
			}
		}
	}
	return out
}

// String returns the canonical form of e, which Parse accepts, e.g.
// "2*batch*sequence^2 + 3*batch - 1" or "floor((H + 1)/2)". Equal
// expressions print identically.
func (e Expr) String() string {
	if e.p == nil {
		return strconv.FormatInt(e.c, 10)
	}
	if s := e.p.str.Load(); s != nil {
		return *s
	}
	var sb strings.Builder
	writeTerms(&sb, e.p.terms)
	s := sb.String()
	e.p.str.Store(&s)
	return s
}

func writeTerms(sb *strings.Builder, ts []term) {
	if len(ts) == 0 {
		sb.WriteByte('0')
	}
	for i, t := range ts {
		switch {
		case i == 0 && t.coef < 0:
			sb.WriteByte('-')
		case i == 0:
		case t.coef == math.MinInt64:
			sb.WriteString(" + -") // " - 9223372036854775808" would not parse
		case t.coef < 0:
			sb.WriteString(" - ")
		default:
			sb.WriteString(" + ")
		}
		mag := abs64u(t.coef)
		if len(t.mono) == 0 || mag != 1 {
			sb.WriteString(strconv.FormatUint(mag, 10))
			if len(t.mono) > 0 {
				sb.WriteByte('*')
			}
		}
		for j, f := range t.mono {
			if j > 0 {
				sb.WriteByte('*')
			}
			sb.WriteString(f.a.key)
			if f.pow != 1 {
				sb.WriteByte('^')
				sb.WriteString(strconv.Itoa(f.pow))
			}
		}
	}
}

// writeCall writes kind(x, y), or kind(x/y) for floor and ceil.
func writeCall(sb *strings.Builder, kind atomKind, x, y Expr) {
	sb.WriteString(kindNames[kind])
	sb.WriteByte('(')
	if kind == kFloor || kind == kCeil {
		writeOperand(sb, x, x.p != nil && len(x.p.terms) > 1)
		sb.WriteByte('/')
		writeOperand(sb, y, !(y.p == nil && y.c >= 0 || singleAtom(y) != nil))
	} else {
		sb.WriteString(x.String())
		sb.WriteString(", ")
		sb.WriteString(y.String())
	}
	sb.WriteByte(')')
}

func writeOperand(sb *strings.Builder, e Expr, paren bool) {
	if paren {
		sb.WriteByte('(')
	}
	sb.WriteString(e.String())
	if paren {
		sb.WriteByte(')')
	}
}

// formatName prints a variable name: bare when it is an identifier, quoted
// (Go syntax) otherwise, so that printing stays unambiguous.
func formatName(name string) string {
	if isIdent(name) {
		return name
	}
	return strconv.Quote(name)
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func isIdent(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError || !(isIdentPart(r) && (i > 0 || isIdentStart(r))) {
			return false
		}
	}
	return s != ""
}

package fpo

import (
	"fmt"
	"math"
	"strings"

	"github.com/greenai/greenai/sym"
)

// SI formats a count with a decimal SI prefix and 4 significant digits:
// 4.089G, 22.3M, 512.
func SI(v float64) string {
	prefixes := []struct {
		v float64
		p string
	}{{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}
	a := math.Abs(v)
	for _, p := range prefixes {
		if a >= p.v {
			return trimZeros(fmt.Sprintf("%.4g", v/p.v)) + p.p
		}
	}
	return trimZeros(fmt.Sprintf("%.4g", v))
}

func trimZeros(s string) string {
	if strings.ContainsAny(s, "e") || !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// FormatSI renders an expression with SI-prefixed coefficients, such as
// "22.3G·batch + 1.2M·batch·sequence²". Concrete values print as SI numbers.
func FormatSI(e sym.Expr) string {
	if v, ok := e.IsConst(); ok {
		return SI(float64(v))
	}
	var b strings.Builder
	for i, t := range e.Terms() {
		c := t.Coef
		if i > 0 {
			if c < 0 {
				b.WriteString(" − ")
				c = -c
			} else {
				b.WriteString(" + ")
			}
		} else if c < 0 {
			b.WriteString("−")
			c = -c
		}
		if len(t.Factors) == 0 {
			b.WriteString(SI(float64(c)))
			continue
		}
		if c != 1 {
			b.WriteString(SI(float64(c)))
			b.WriteString("·")
		}
		for j, f := range t.Factors {
			if j > 0 {
				b.WriteString("·")
			}
			b.WriteString(f.Atom)
			b.WriteString(superscript(f.Power))
		}
	}
	return b.String()
}

func superscript(p int) string {
	if p == 1 {
		return ""
	}
	digits := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	s := fmt.Sprint(p)
	var out []rune
	for _, r := range s {
		out = append(out, digits[r-'0'])
	}
	return string(out)
}

// Eval evaluates e with bindings, returning (value, true) when every symbol is bound.
func Eval(e sym.Expr, bind map[string]int64) (int64, bool) {
	if v, ok := e.IsConst(); ok {
		return v, true
	}
	v, err := e.Eval(bind)
	return v, err == nil
}

// Package units formats quantities for people: counts with decimal SI prefixes (with carry: 999,960 is "1M", never "1000k"), bytes, energy with the prefix on the unit ("41.4 µWh", "1.2 kWh"), and FPO/MAC polynomials.
//
// Every number greenai prints for people goes through this package, so the
// command line, the reports and the leaderboard agree to the digit. SI
// prefixes are decimal (k = 1e3, M = 1e6, G = 1e9).
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/greenai/greenai/sym"
)

// Digits is the number of significant digits of SI and Quantity.
const Digits = 4

// prefixes are the decimal SI prefixes from 1e-12 to 1e18, indexed by
// exponent/3 + 4.
var prefixes = []string{"p", "n", "µ", "m", "", "k", "M", "G", "T", "P", "E"}

// SI formats v with a decimal SI prefix and 4 significant digits, trailing
// zeros dropped: 4.089G, 22.3M, 512, 0.25, 2m. Values in [0.01, 1000) take
// no prefix; rounding carries into the next prefix (999,960 is "1M").
func SI(v float64) string { return SIDigits(v, Digits) }

// SIDigits is SI with sig significant digits.
func SIDigits(v float64, sig int) string {
	m, p, ok := split(v, sig, 0.01)
	if !ok {
		return strconv.FormatFloat(v, 'g', sig, 64)
	}
	return trimFloat(m, sig) + p
}

// split returns v as mantissa × prefix, the mantissa rounded to sig digits
// lying in [1, 1000), or in [plain, 1000) without a prefix.
func split(v float64, sig int, plain float64) (float64, string, bool) {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v, "", v == 0
	}
	a := math.Abs(v)
	exp := 0
	if a < plain || a >= 1000 {
		exp = int(math.Floor(math.Log10(a)/3)) * 3
	}
	m := v / math.Pow(10, float64(exp))
	if r, _ := strconv.ParseFloat(trimFloat(math.Abs(m), sig), 64); r >= 1000 {
		exp += 3
		m = v / math.Pow(10, float64(exp))
	}
	i := exp/3 + 4
	if i < 0 || i >= len(prefixes) {
		return v, "", false
	}
	return m, prefixes[i], true
}

// trimFloat prints v with sig significant digits in plain (not exponent)
// notation, without trailing zeros.
func trimFloat(v float64, sig int) string {
	s := strconv.FormatFloat(v, 'g', sig, 64)
	if strings.ContainsAny(s, "eE") {
		f, _ := strconv.ParseFloat(s, 64)
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// Count formats an integer count with SI and 4 significant digits.
func Count(n int64) string { return SI(float64(n)) }

// prefixed lists units that already carry a prefix, as the factor to their
// base unit: Quantity(0.0414, "kWh") is "41.4 Wh".
var prefixed = map[string]struct {
	f    float64
	base string
}{
	"kWh": {1e3, "Wh"}, "MWh": {1e6, "Wh"}, "GWh": {1e9, "Wh"}, "mWh": {1e-3, "Wh"},
	"kJ": {1e3, "J"}, "MJ": {1e6, "J"}, "kW": {1e3, "W"}, "mW": {1e-3, "W"},
	"kg": {1e3, "g"}, "kg CO2e": {1e3, "g CO2e"}, "t CO2e": {1e6, "g CO2e"},
	"kB": {1e3, "B"}, "MB": {1e6, "B"}, "GB": {1e9, "B"},
}

// countNouns are units that count things: their prefix stays on the number
// ("4.1G FPO"), as greenai prints counts everywhere.
var countNouns = map[string]bool{"FPO": true, "MACs": true, "MAC": true, "FLOP": true, "FLOPs": true,
	"params": true, "parameters": true, "examples": true, "tokens": true, "steps": true, "trials": true}

// Quantity formats v in unit with the SI prefix on the unit and 4
// significant digits: Quantity(46.72e6, "B") is "46.72 MB",
// Quantity(4.14e-5, "kWh") is "41.4 mWh", never "41.4µ kWh". A unit that
// already carries a prefix (kWh, kg, MJ, …) is first brought to its base.
// Counts (FPO, MACs, params, examples, tokens…) keep the prefix on the
// number: "4.1G FPO". An empty unit gives SI(v).
func Quantity(v float64, unit string) string { return QuantityDigits(v, unit, Digits) }

// QuantityDigits is Quantity with sig significant digits.
func QuantityDigits(v float64, unit string, sig int) string {
	if unit == "" {
		return SIDigits(v, sig)
	}
	if countNouns[unit] {
		return SIDigits(v, sig) + " " + unit
	}
	if p, ok := prefixed[unit]; ok {
		v *= p.f
		unit = p.base
	}
	plain := 1.0
	if unit == "B" {
		plain = 0 // no fractions of a byte
	}
	m, p, ok := split(v, sig, plain)
	if !ok {
		return strconv.FormatFloat(v, 'g', sig, 64) + " " + unit
	}
	return trimFloat(m, sig) + " " + p + unit
}

// Bytes formats a byte count with a decimal prefix: 46.72 MB, 512 B.
func Bytes[T int64 | uint64 | int](n T) string { return Quantity(float64(n), "B") }

// Energy formats an energy given in kilowatt-hours in watt-hours with the
// prefix on the unit: 41.4 µWh, 3.2 Wh, 1.5 kWh, 2.1 MWh.
func Energy(kWh float64) string { return Quantity(kWh, "kWh") }

// Joules formats an energy given in joules: "512 J", "4.2 kJ", and for
// large ones the watt-hours beside: "7.2 MJ (2 kWh)".
func Joules(j float64) string {
	s := Quantity(j, "J")
	if j >= 1e6 {
		s += " (" + Energy(j/3.6e6) + ")"
	}
	return s
}

// Expr renders a count that may be a polynomial in symbolic dims with
// SI-prefixed coefficients: "22.3G·batch + 1.2M·batch·sequence²".
// Concrete values print as SI numbers.
func Expr(e sym.Expr) string {
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
			b.WriteString(Superscript(f.Power))
		}
	}
	return b.String()
}

// Exact renders an expression exactly: the integer when concrete, else the
// polynomial as sym writes it ("3635322856*batch").
func Exact(e sym.Expr) string {
	if v, ok := e.IsConst(); ok {
		return strconv.FormatInt(v, 10)
	}
	return e.String()
}

// Superscript writes a power as superscript digits; 1 gives "".
func Superscript(p int) string {
	if p == 1 {
		return ""
	}
	digits := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	var out []rune
	for _, r := range strconv.Itoa(p) {
		if r == '-' {
			out = append(out, '⁻')
			continue
		}
		out = append(out, digits[r-'0'])
	}
	return string(out)
}

// FPOAndMACs puts a count of FPO and its MACs side by side, each labelled
// by what it holds: "3.635G FPO (1.814G MACs)".
func FPOAndMACs(fpo, macs float64) string {
	return fmt.Sprintf("%s FPO (%s MACs)", SI(fpo), SI(macs))
}

// Percent formats a share as a percentage with one decimal: "12.7%".
func Percent(x, total float64) string {
	if total <= 0 || math.IsNaN(x) || math.IsNaN(total) {
		return "-"
	}
	return strconv.FormatFloat(100*x/total, 'f', 1, 64) + "%"
}

// Duration formats seconds as seconds, minutes, hours or days with 3
// significant digits: "42 seconds", "1.5 hours".
func Duration(s float64) string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
	switch {
	case s >= 86400:
		return g(s/86400) + " days"
	case s >= 3600:
		return g(s/3600) + " hours"
	case s >= 60:
		return g(s/60) + " minutes"
	}
	return g(s) + " seconds"
}

// Scientific formats v in scientific notation with sig significant digits,
// the exponent in superscript digits: "1.59 × 10¹⁶", "7.83 × 10²"; an
// exponent of 0 is left out ("4.5"). It is the style of FPO in documents
// meant for papers (the efficiency card); plot.TeXEscape writes the
// superscript as LaTeX.
func Scientific(v float64, sig int) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', sig, 64)
	}
	s := strconv.FormatFloat(v, 'e', max(sig-1, 0), 64)
	mant, exp, _ := strings.Cut(s, "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	e, _ := strconv.Atoi(exp)
	if e == 0 {
		return mant
	}
	sup := "¹" // Superscript leaves a power of 1 out
	if e != 1 {
		sup = Superscript(e)
	}
	return mant + " × 10" + sup
}

// Grouped writes a decimal integer (as text, so that counts beyond int64
// print too) with thousands separators: 3,635,322,856.
func Grouped(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

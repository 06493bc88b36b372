// Package fpo counts the floating-point operations (ADD and MUL, and primitives priced in them) of an inferred ONNX graph.
package fpo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Prim is a primitive arithmetic operation. ADD and MUL are the paper's base
// operations; every other primitive is priced in FPO by the cost table.
type Prim int

// Primitives.
const (
	Add   Prim = iota // addition or subtraction
	Mul               // multiplication
	Div               // division (and reciprocal)
	Sqrt              // square root
	Cmp               // comparison, max, min, abs, select, logical and bitwise operations
	Exp               // exponential
	Log               // natural logarithm
	Tanh              // hyperbolic tangent
	Erf               // error function
	Trig              // sin, cos, tan, asin, acos, atan
	Pow               // x^y for a non-constant or non-integer y
	Round             // floor, ceil, round, truncation
	Rand              // drawing one random number
	numPrims
)

var primNames = [numPrims]string{"add", "mul", "div", "sqrt", "cmp", "exp", "log", "tanh", "erf", "trig", "pow", "round", "rand"}

func (p Prim) String() string {
	if p >= 0 && p < numPrims {
		return primNames[p]
	}
	return fmt.Sprintf("prim(%d)", int(p))
}

// Prims lists every primitive in order.
func Prims() []Prim {
	out := make([]Prim, numPrims)
	for i := range out {
		out[i] = Prim(i)
	}
	return out
}

// ParsePrim maps a primitive's name to it.
func ParsePrim(s string) (Prim, bool) {
	for i, n := range primNames {
		if n == s {
			return Prim(i), true
		}
	}
	return 0, false
}

// Table gives the FPO charged for one execution of each primitive.
type Table [numPrims]int64

// DefaultTable is greenai's documented cost of each primitive in FPO (see
// docs/fpo.md for each expansion):
//
//   - add, mul: 1 each (the paper's base operations).
//   - div, sqrt: 1 each. Both are single correctly rounded IEEE-754 basic
//     operations, like add and mul.
//   - cmp: 1. A comparison is a subtraction whose sign is kept; max, min,
//     abs, select and logical operations are one comparison each.
//   - exp: 13. Range reduction x = k·ln2 + r (1 MUL, 1 ADD), a degree-5
//     polynomial for e^r by Horner's rule (5 MUL, 5 ADD), scaling by 2^k (1 MUL).
//   - log: 13. Split x = m·2^k (free), a degree-5 polynomial in (m−1) by
//     Horner's rule (5 MUL, 5 ADD, 1 ADD for m−1), then + k·ln2 (1 MUL, 1 ADD).
//   - tanh: 17. tanh x = 1 − 2/(e^{2x}+1): 2x (1 MUL), exp (13), +1 (1 ADD),
//     2/· (1 DIV), 1 − · (1 ADD).
//   - erf: 29. Abramowitz–Stegun 7.1.26: t = 1/(1+p|x|) (1 CMP, 1 MUL, 1 ADD,
//     1 DIV), a degree-5 polynomial in t (5 MUL, 4 ADD), × e^{−x²} (1 MUL,
//     exp 13, 1 MUL), 1 − (1 ADD): 1+1+1+1+5+4+1+13+1+1 = 29.
//   - trig: 15. Range reduction (1 MUL, 1 ADD, 1 ROUND→ counted 1) and a
//     degree-6 polynomial by Horner's rule (6 MUL, 6 ADD).
//   - pow: 27. x^y = exp(y·log x): log (13), 1 MUL, exp (13).
//   - round: 1. One rounding of a float to an integral value.
//   - rand: 1. One uniform draw (generator state update not counted).
func DefaultTable() Table {
	return Table{Add: 1, Mul: 1, Div: 1, Sqrt: 1, Cmp: 1, Exp: 13, Log: 13, Tanh: 17, Erf: 29, Trig: 15, Pow: 27, Round: 1, Rand: 1}
}

// ReadTable reads a cost table override: a JSON object {"exp": 1, …} or lines
// "name = value" (# comments allowed). Primitives not named keep their default.
func ReadTable(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return Table{}, err
	}
	defer f.Close()
	t, err := ParseTable(f)
	if err != nil {
		return Table{}, fmt.Errorf("cost table %s: %w", path, err)
	}
	return t, nil
}

// ParseTable parses a cost table override (see ReadTable).
func ParseTable(r io.Reader) (Table, error) {
	t := DefaultTable()
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return t, err
	}
	set := func(name string, v int64, where string) error {
		p, ok := ParsePrim(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("%sunknown primitive %q (known: %s)", where, name, strings.Join(primNames[:], ", "))
		}
		if v < 0 {
			return fmt.Errorf("%s%s: negative cost %d", where, name, v)
		}
		t[p] = v
		return nil
	}
	if s := strings.TrimSpace(string(data)); strings.HasPrefix(s, "{") {
		var m map[string]int64
		if err := json.Unmarshal(data, &m); err != nil {
			return t, fmt.Errorf("want a JSON object of integer costs: %w", err)
		}
		for k, v := range m {
			if err := set(k, v, ""); err != nil {
				return t, err
			}
		}
		return t, nil
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			k, v, ok = strings.Cut(s, ":")
		}
		if !ok {
			return t, fmt.Errorf("line %d: want name = value", line)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return t, fmt.Errorf("line %d: %q is not an integer", line, strings.TrimSpace(v))
		}
		if err := set(k, n, fmt.Sprintf("line %d: ", line)); err != nil {
			return t, err
		}
	}
	return t, nil
}

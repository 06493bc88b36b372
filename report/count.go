package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

// Count is an exact count that may be a polynomial in symbolic dims. Its
// JSON is an integer when it is concrete, else the polynomial as a string
// in sym's syntax ("3635322856*batch + 12*sequence^2").
type Count struct{ sym.Expr }

// C wraps an expression as a Count.
func C(e sym.Expr) Count { return Count{e} }

// MarshalJSON writes an integer or a polynomial string.
func (c Count) MarshalJSON() ([]byte, error) {
	if v, ok := c.IsConst(); ok {
		return []byte(strconv.FormatInt(v, 10)), nil
	}
	return json.Marshal(c.String())
}

// UnmarshalJSON reads an integer or a polynomial string.
func (c *Count) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		v, err := n.Int64()
		if err != nil {
			return fmt.Errorf("count %s: not an integer", n)
		}
		c.Expr = sym.Const(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("count: want an integer or a polynomial string, got %s", b)
	}
	e, err := sym.Parse(s)
	if err != nil {
		return fmt.Errorf("count %q: %w", s, err)
	}
	c.Expr = e
	return nil
}

// Concrete reports whether the count has no symbols.
func (c Count) Concrete() bool {
	_, ok := c.IsConst()
	return ok
}

// At evaluates the count with the symbols in at bound and every other
// symbol set to 1.
func (c Count) At(at map[string]int64) float64 {
	b := map[string]int64{}
	for _, v := range c.Vars() {
		b[v] = 1
		if x, ok := at[v]; ok {
			b[v] = x
		}
	}
	v, err := c.Eval(b)
	if err != nil {
		return 0
	}
	return float64(v)
}

// cell renders a count for a table: SI for people, exact in CSV.
func (c Count) cell() Cell {
	return Cell{Text: units.Expr(c.Expr), Raw: units.Exact(c.Expr)}
}

// Abbreviate shortens a polynomial string (as units.Expr writes it) to at
// most width runes by dropping its trailing terms for " + …". A single
// term too long is cut with "…". It reports whether it shortened s.
func Abbreviate(s string, width int) (string, bool) {
	if width <= 0 || runeLen(s) <= width {
		return s, false
	}
	const more = " + …"
	cut := ""
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], " + ") || strings.HasPrefix(s[i:], " − ") {
			if runeLen(s[:i])+runeLen(more) <= width {
				cut = s[:i]
			} else {
				break
			}
		}
	}
	if cut != "" {
		return cut + more, true
	}
	r := []rune(s)
	return string(r[:max(1, width-1)]) + "…", true
}

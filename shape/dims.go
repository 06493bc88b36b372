package shape

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/sym"
)

// ParseDims parses a shape written by a user, as the command line's
// --input and a cost spec's inputs take it: dims separated by x (or ×),
// or by commas when a symbol's name contains an x: "1x3x224x224",
// "batchx128", "batch,max_len". Each dim is a positive integer or a
// symbolic expression (batch, 2*sequence). "" and "scalar" are the shape of
// a scalar. A zero or negative dim is an error: an input with no elements
// is a typo, not a model to count.
func ParseDims(s string) ([]sym.Expr, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "scalar" {
		return []sym.Expr{}, nil
	}
	sep := "x"
	switch {
	case strings.Contains(s, ","):
		sep = ","
	case strings.Contains(s, "×"):
		sep = "×"
	}
	var out []sym.Expr
	for i, p := range strings.Split(s, sep) {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("dim %d of %q is empty", i+1, s)
		}
		e, err := sym.Parse(p)
		if err != nil {
			hint := ""
			if sep == "x" {
				hint = " (separate dims with commas when a symbol's name contains an x)"
			}
			return nil, fmt.Errorf("dim %d of %q is not an integer or a symbol: %v%s", i+1, s, err, hint)
		}
		if c, ok := e.IsConst(); ok && c <= 0 {
			if c == 0 {
				return nil, fmt.Errorf("dim %d of %q is 0: an input with no elements (dims must be positive)", i+1, s)
			}
			return nil, fmt.Errorf("dim %d of %q is negative (%d)", i+1, s, c)
		}
		out = append(out, e)
	}
	return out, nil
}

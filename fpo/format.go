package fpo

import "github.com/greenai/greenai/sym"

// Eval evaluates e with bindings, returning (value, true) when every symbol is bound.
func Eval(e sym.Expr, bind map[string]int64) (int64, bool) {
	if v, ok := e.IsConst(); ok {
		return v, true
	}
	v, err := e.Eval(bind)
	return v, err == nil
}

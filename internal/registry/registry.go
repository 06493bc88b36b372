// Package registry holds tables of per-operator rules keyed by ONNX domain and operator type.
package registry

import (
	"sort"
	"sync"
)

// Table maps (domain, operator type) to a rule. "ai.onnx" and "" are the
// same domain. It is safe for concurrent use.
type Table[R any] struct {
	what string // for the duplicate-registration panic, e.g. "fpo: cost rule"
	mu   sync.RWMutex
	m    map[string]R
}

// New returns an empty table; what names its rules in panics.
func New[R any](what string) *Table[R] {
	return &Table[R]{what: what, m: map[string]R{}}
}

func key(domain, op string) string {
	if domain == "ai.onnx" {
		domain = ""
	}
	return domain + "/" + op
}

// Register adds r for each operator type of a domain. Registering an
// operator twice panics: it is a programming error.
func (t *Table[R]) Register(domain string, r R, opTypes ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, op := range opTypes {
		k := key(domain, op)
		if _, dup := t.m[k]; dup {
			panic(t.what + " registered twice: " + k)
		}
		t.m[k] = r
	}
}

// Lookup returns the rule of an operator.
func (t *Table[R]) Lookup(domain, op string) (R, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r, ok := t.m[key(domain, op)]
	return r, ok
}

// Keys lists the registered "domain/op" keys, sorted.
func (t *Table[R]) Keys() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]string, 0, len(t.m))
	for k := range t.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Package registry holds tables of per-operator rules keyed by ONNX domain, operator type and opset version.
package registry

import (
	"sort"
	"sync"
)

// Table maps (domain, operator type, first opset version) to a rule.
// "ai.onnx" and "" are the same domain. It is safe for concurrent use.
type Table[R any] struct {
	what string // for the duplicate-registration panic, e.g. "fpo: cost rule"
	mu   sync.RWMutex
	m    map[string][]Entry[R] // "domain/op" → versions sorted by Since
}

// Entry is one registered rule: the rule of an operator from opset
// version Since on (0 when the rule does not depend on the version).
type Entry[R any] struct {
	Domain, Op string // Domain "" is ai.onnx
	Since      int64
	Rule       R
}

// New returns an empty table; what names its rules in panics.
func New[R any](what string) *Table[R] {
	return &Table[R]{what: what, m: map[string][]Entry[R]{}}
}

func normDomain(domain string) string {
	if domain == "ai.onnx" {
		return ""
	}
	return domain
}

func key(domain, op string) string { return normDomain(domain) + "/" + op }

// Register adds r, for every opset version, for each operator type of a
// domain. Registering an operator twice panics: it is a programming error.
func (t *Table[R]) Register(domain string, r R, opTypes ...string) {
	t.RegisterSince(domain, 0, r, opTypes...)
}

// RegisterSince adds r for each operator type of a domain from opset
// version since on. Registering the same operator and version twice
// panics: it is a programming error.
func (t *Table[R]) RegisterSince(domain string, since int64, r R, opTypes ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	domain = normDomain(domain)
	for _, op := range opTypes {
		k := key(domain, op)
		vs := t.m[k]
		for _, e := range vs {
			if e.Since == since {
				panic(t.what + " registered twice: " + k)
			}
		}
		vs = append(vs, Entry[R]{Domain: domain, Op: op, Since: since, Rule: r})
		sort.Slice(vs, func(i, j int) bool { return vs[i].Since < vs[j].Since })
		t.m[k] = vs
	}
}

// Lookup returns the rule of an operator at an opset version: the one
// with the greatest Since not above the version. A version of 0 or less
// (domain not imported, or a rule table without versions) takes the
// newest rule; a version older than every rule takes the oldest.
func (t *Table[R]) Lookup(domain, op string, version int64) (R, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	vs := t.m[key(domain, op)]
	if len(vs) == 0 {
		var zero R
		return zero, false
	}
	if version <= 0 {
		return vs[len(vs)-1].Rule, true
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Since <= version {
			return vs[i].Rule, true
		}
	}
	return vs[0].Rule, true
}

// Len is the number of registered operators (not counting versions).
func (t *Table[R]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m)
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

// Entries lists every registered rule, sorted by domain, operator type
// and version.
func (t *Table[R]) Entries() []Entry[R] {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Entry[R]
	for _, vs := range t.m {
		out = append(out, vs...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		if a.Op != b.Op {
			return a.Op < b.Op
		}
		return a.Since < b.Since
	})
	return out
}

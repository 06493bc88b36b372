package shape

import (
	"sort"
	"sync"
)

// Op is the inference rule of one operator from one opset version on.
type Op struct {
	Domain string // "" is ai.onnx
	Type   string
	Since  int64 // first opset version these semantics apply to
	// Infer sets the type and shape of every present output.
	Infer func(c *Ctx) error
	// Eval, when set, computes the outputs' contents. The engine calls it after
	// Infer when every present input has known contents.
	Eval func(c *Ctx) error
}

var (
	regMu sync.RWMutex
	reg   = map[string][]Op{} // domain/type → versions sorted by Since
)

func regKey(domain, typ string) string {
	if domain == "ai.onnx" {
		domain = ""
	}
	return domain + "/" + typ
}

// Register adds inference rules. Registering the same domain, type and
// version twice panics (a programming error).
func Register(ops ...Op) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, op := range ops {
		if op.Domain == "ai.onnx" {
			op.Domain = ""
		}
		k := regKey(op.Domain, op.Type)
		for _, o := range reg[k] {
			if o.Since == op.Since {
				panic("shape: rule registered twice: " + k)
			}
		}
		reg[k] = append(reg[k], op)
		sort.Slice(reg[k], func(i, j int) bool { return reg[k][i].Since < reg[k][j].Since })
	}
}

// Lookup returns the rule for an operator at an opset version: the one with
// the greatest Since not above the version. A version of 0 (domain not
// imported) takes the newest rule.
func Lookup(domain, typ string, version int64) *Op {
	regMu.RLock()
	defer regMu.RUnlock()
	vs := reg[regKey(domain, typ)]
	if len(vs) == 0 {
		return nil
	}
	if version <= 0 {
		return &vs[len(vs)-1]
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Since <= version {
			return &vs[i]
		}
	}
	// Older than every registered version: use the oldest rule.
	return &vs[0]
}

// Registered lists every registered rule, sorted by domain, type and version.
func Registered() []Op {
	regMu.RLock()
	defer regMu.RUnlock()
	var out []Op
	for _, vs := range reg {
		out = append(out, vs...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Since < b.Since
	})
	return out
}

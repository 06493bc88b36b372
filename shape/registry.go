package shape

import "github.com/greenai/greenai/internal/registry"

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

var rules = registry.New[*Op]("shape: rule")

// Register adds inference rules. Registering the same domain, type and
// version twice panics (a programming error).
func Register(ops ...Op) {
	for _, op := range ops {
		if op.Domain == "ai.onnx" {
			op.Domain = ""
		}
		rules.RegisterSince(op.Domain, op.Since, &op, op.Type)
	}
}

// Lookup returns the rule for an operator at an opset version: the one with
// the greatest Since not above the version. A version of 0 (domain not
// imported) takes the newest rule; one older than every rule, the oldest.
func Lookup(domain, typ string, version int64) *Op {
	op, _ := rules.Lookup(domain, typ, version)
	return op
}

// Registered lists every registered rule, sorted by domain, type and version.
func Registered() []Op {
	es := rules.Entries()
	out := make([]Op, len(es))
	for i, e := range es {
		out[i] = *e.Rule
	}
	return out
}

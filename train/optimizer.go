package train

import (
	"sort"

	"github.com/greenai/greenai/fpo"
)

// Optimizer names an update rule.
type Optimizer string

// Optimizers.
const (
	SGD         Optimizer = "sgd"
	SGDMomentum Optimizer = "sgd-momentum"
	Adam        Optimizer = "adam"
	AdamW       Optimizer = "adamw"
)

// optimizers gives the FPO of one update of one parameter (per step):
//
//	sgd:          w ← w − η·g                                1 MUL, 1 ADD
//	sgd-momentum: v ← μ·v + g; w ← w − η·v                    2 MUL, 2 ADD
//	adam:         m ← β₁m + (1−β₁)g          2 MUL, 1 ADD
//	              v ← β₂v + (1−β₂)g²         3 MUL, 1 ADD
//	              m̂ = m·c₁, v̂ = v·c₂ (c = 1/(1−βᵗ) once per step)  2 MUL
//	              w ← w − η·m̂/(√v̂ + ε)      1 SQRT, 1 ADD, 1 DIV, 1 MUL, 1 ADD
//	                                         = 8 MUL, 4 ADD, 1 SQRT, 1 DIV
//	adamw:        adam + w ← w − η·λ·w (η·λ once per step)      +1 MUL, +1 ADD
var optimizers = map[Optimizer]fpo.Ops{
	SGD:         ops(fpo.Mul, 1, fpo.Add, 1),
	SGDMomentum: ops(fpo.Mul, 2, fpo.Add, 2),
	Adam:        ops(fpo.Mul, 8, fpo.Add, 4, fpo.Sqrt, 1, fpo.Div, 1),
	AdamW:       ops(fpo.Mul, 9, fpo.Add, 5, fpo.Sqrt, 1, fpo.Div, 1),
}

// OptimizerNames lists the known optimizers.
func OptimizerNames() []string {
	var out []string
	for k := range optimizers {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// UpdateOps is the per-parameter cost of one update.
func UpdateOps(o Optimizer) (fpo.Ops, bool) {
	p, ok := optimizers[o]
	return p, ok
}

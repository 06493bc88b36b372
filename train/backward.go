// Package train counts the FPO of training: backward passes from per-operator rules, and optimizer updates.
package train

import (
	"fmt"
	"sync"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/sym"
)

// Grad is the cost of computing the gradient with respect to one input.
type Grad struct {
	Ops  fpo.Ops
	MACs sym.Expr
}

// Rule computes, for a node and the inputs whose gradient is needed, the
// cost of each of those gradients given the gradients of the outputs.
// grads[i] is used only where need[i] is true.
type Rule func(n *fpo.Node, need []bool) ([]Grad, error)

var (
	rulesMu sync.RWMutex
	rules   = map[string]Rule{}
)

// Register adds backward rules for operators of a domain ("" is ai.onnx).
func Register(domain string, r Rule, opTypes ...string) {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	for _, op := range opTypes {
		k := domain + "/" + op
		if _, dup := rules[k]; dup {
			panic("train: backward rule registered twice: " + k)
		}
		rules[k] = r
	}
}

// LookupRule returns the backward rule of an operator, or nil.
func LookupRule(domain, op string) Rule {
	rulesMu.RLock()
	defer rulesMu.RUnlock()
	return rules[domain+"/"+op]
}

// nonDifferentiable lists operators whose outputs carry no gradient
// (integer or boolean results, or piecewise-constant functions).
var nonDifferentiable = map[string]bool{
	"Shape": true, "Size": true, "Equal": true, "Greater": true, "Less": true, "GreaterOrEqual": true,
	"LessOrEqual": true, "And": true, "Or": true, "Xor": true, "Not": true, "ArgMax": true, "ArgMin": true,
	"NonZero": true, "Floor": true, "Ceil": true, "Round": true, "Sign": true, "IsNaN": true, "IsInf": true,
	"ConstantOfShape": true, "Constant": true, "Range": true, "EyeLike": true, "RandomNormal": true,
	"RandomUniform": true, "RandomNormalLike": true, "RandomUniformLike": true, "Bernoulli": true,
	"Multinomial": true, "OneHot": true, "BitShift": true, "BitwiseAnd": true, "BitwiseOr": true,
	"BitwiseXor": true, "BitwiseNot": true, "Hardmax": true, "Unique": true, "NonMaxSuppression": true,
	"QuantizeLinear": true, "DynamicQuantizeLinear": true,
}

// ops builds an fpo.Ops from (prim, count) pairs.
func ops(pairs ...any) fpo.Ops {
	var o fpo.Ops
	for i := 0; i+1 < len(pairs); i += 2 {
		p := pairs[i].(fpo.Prim)
		switch c := pairs[i+1].(type) {
		case sym.Expr:
			o[p] = o[p].Add(c)
		case int:
			o[p] = o[p].AddInt(int64(c))
		case int64:
			o[p] = o[p].AddInt(c)
		default:
			panic(fmt.Sprintf("train: bad count type %T", c))
		}
	}
	return o
}

func macGrad(macs sym.Expr) Grad {
	return Grad{Ops: ops(fpo.Mul, macs, fpo.Add, macs), MACs: macs}
}

func opsGrad(o fpo.Ops) Grad { return Grad{Ops: o} }

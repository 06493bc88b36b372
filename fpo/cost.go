package fpo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/greenai/greenai/internal/registry"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Ops counts primitive operations.
type Ops [numPrims]sym.Expr

// Add returns o + p.
func (o Ops) Add(p Ops) Ops {
	for i := range o {
		o[i] = o[i].Add(p[i])
	}
	return o
}

// Scale returns o·k.
func (o Ops) Scale(k sym.Expr) Ops {
	for i := range o {
		o[i] = o[i].Mul(k)
	}
	return o
}

// FPO prices the operations with a table.
func (o Ops) FPO(t *Table) sym.Expr {
	var s sym.Expr
	for i, n := range o {
		if t[i] != 0 {
			s = s.Add(n.MulInt(t[i]))
		}
	}
	return s
}

// Kind classifies what a node does.
type Kind int

// Node kinds.
const (
	Compute  Kind = iota // arithmetic
	Movement             // copies data: 0 FPO, bytes reported
	View                 // metadata only (Reshape, Identity…): 0 FPO, 0 bytes
	Control              // control flow: its bodies are counted
)

// Cost is the cost of one execution of a node.
type Cost struct {
	Ops  Ops
	MACs sym.Expr // multiply-accumulates of convolution, matrix-product and recurrent operators (also counted in Ops)
	// Bytes moved by data-movement nodes (read plus written).
	Bytes sym.Expr
	Kind  Kind
	// Bound, when set, says that the count is a bound rather than exact
	// and why (work that depends on data the shapes do not give, e.g.
	// "upper bound: every pair of kept boxes tested"). Count reports it in
	// the report's notes, naming the node.
	Bound string
}

// Rule computes the cost of a node from its inferred shapes.
type Rule func(n *Node) (Cost, error)

var rules = registry.New[Rule]("fpo: cost rule")

// Register adds cost rules for operators of a domain ("" is ai.onnx).
func Register(domain string, rule Rule, opTypes ...string) {
	rules.Register(domain, rule, opTypes...)
}

// LookupRule returns the cost rule of an operator, or nil.
func LookupRule(domain, opType string) Rule {
	r, _ := rules.Lookup(domain, opType, 0)
	return r
}

// RegisteredRules lists "domain/op" keys with a cost rule.
func RegisteredRules() []string { return rules.Keys() }

// Node is what a cost rule sees: the node with its inferred inputs and outputs.
type Node struct {
	*shape.NodeResult
}

// errShape is returned when a shape a rule needs was not inferred.
var errShape = errors.New("shape not inferred")

// In returns input i (nil when omitted).
func (n *Node) In(i int) *shape.Value {
	if i < 0 || i >= len(n.Inputs) {
		return nil
	}
	return n.Inputs[i]
}

// Out returns output i (nil when omitted).
func (n *Node) Out(i int) *shape.Value {
	if i < 0 || i >= len(n.Outputs) {
		return nil
	}
	return n.Outputs[i]
}

// Numel is the element count of v, or an error naming it when its shape is unknown.
func (n *Node) Numel(v *shape.Value) (sym.Expr, error) {
	if v == nil {
		return sym.Expr{}, fmt.Errorf("%w: missing value", errShape)
	}
	e, ok := v.NumElements()
	if !ok {
		return sym.Expr{}, fmt.Errorf("%w: %q has unknown rank", errShape, v.Name)
	}
	return e, nil
}

// InNumel is the element count of input i.
func (n *Node) InNumel(i int) (sym.Expr, error) { return n.Numel(n.In(i)) }

// OutNumel is the element count of output i.
func (n *Node) OutNumel(i int) (sym.Expr, error) { return n.Numel(n.Out(i)) }

// Shape returns the shape of v or an error when its rank is unknown.
func (n *Node) Shape(v *shape.Value) ([]sym.Expr, error) {
	if v == nil || v.Rank < 0 {
		name := ""
		if v != nil {
			name = v.Name
		}
		return nil, fmt.Errorf("%w: %q has unknown rank", errShape, name)
	}
	return v.Shape, nil
}

// AttrInt returns an int attribute or def.
func (n *Node) AttrInt(name string, def int64) int64 {
	if a := n.Node.Attr(name); a != nil {
		return a.I
	}
	return def
}

// AttrFloat returns a float attribute or def.
func (n *Node) AttrFloat(name string, def float32) float32 {
	if a := n.Node.Attr(name); a != nil {
		return a.F
	}
	return def
}

// AttrString returns a string attribute or def.
func (n *Node) AttrString(name, def string) string {
	if a := n.Node.Attr(name); a != nil {
		return a.S
	}
	return def
}

// AttrInts returns an ints attribute.
func (n *Node) AttrInts(name string) ([]int64, bool) {
	if a := n.Node.Attr(name); a != nil {
		return a.Ints, true
	}
	return nil, false
}

// bytesOf is the storage size of a value in bytes (symbolic).
func bytesOf(v *shape.Value) (sym.Expr, bool) {
	if v == nil || v.Rank < 0 {
		return sym.Expr{}, false
	}
	bits := int64(v.DType.Bits())
	if v.DType == onnx.String || bits == 0 {
		bits = 64 // strings: count one pointer-sized reference per element
	}
	e := sym.Product(v.Shape...)
	if bits%8 == 0 {
		return e.MulInt(bits / 8), true
	}
	return sym.CeilDiv(e.MulInt(bits), sym.Const(8)), true
}

// OpsOf builds an Ops from (Prim, count) pairs, where a count is a
// sym.Expr, an int or an int64: OpsOf(Mul, n, Add, n).
func OpsOf(pairs ...any) Ops { return ops(pairs...) }

// ops builds an Ops from (prim, count) pairs.
func ops(pairs ...any) Ops {
	var o Ops
	for i := 0; i+1 < len(pairs); i += 2 {
		p := pairs[i].(Prim)
		switch c := pairs[i+1].(type) {
		case sym.Expr:
			o[p] = o[p].Add(c)
		case int:
			o[p] = o[p].AddInt(int64(c))
		case int64:
			o[p] = o[p].AddInt(c)
		default:
			panic(fmt.Sprintf("fpo: bad count type %T", c))
		}
	}
	return o
}

// String formats ops as "add=…, mul=…".
func (o Ops) String() string {
	var parts []string
	for i, c := range o {
		if v, ok := c.IsConst(); ok && v == 0 {
			continue
		}
		parts = append(parts, primNames[i]+"="+c.String())
	}
	return strings.Join(parts, ", ")
}

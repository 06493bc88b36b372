package shape

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Ctx is what a rule sees of one node: its inputs, attributes and outputs.
type Ctx struct {
	Node  *onnx.Node
	Opset int64

	e        *engine
	sc       *scope
	opsets   map[string]int64
	res      *NodeResult
	ins      []*Value
	outs     []*Value
	declared map[string]*onnx.ValueInfo
}

func (e *engine) node(n *onnx.Node, opsets map[string]int64, sc *scope, declared map[string]*onnx.ValueInfo) (*NodeResult, error) {
	c := &Ctx{Node: n, e: e, sc: sc, opsets: opsets, declared: declared}
	c.Opset = opsets[n.Domain]
	c.ins = make([]*Value, len(n.Inputs))
	for i, name := range n.Inputs {
		if name == "" {
			continue
		}
		v := sc.lookup(name)
		if v == nil {
			return nil, fmt.Errorf("node %s: input %q is not defined", nodeLabel(n), name)
		}
		c.ins[i] = v
	}
	c.outs = make([]*Value, len(n.Outputs))
	c.res = &NodeResult{Node: n, Opset: c.Opset, Inputs: c.ins, Outputs: c.outs, Supported: true}

	// Everything below runs under guard: an overflow must name this node.
	if f := e.funcs[n.Domain+"/"+n.OpType]; f != nil {
		if err := c.guard(func() error { return e.expandFunction(c, f) }); err != nil {
			c.fail(err)
		}
	} else if op := Lookup(n.Domain, n.OpType, c.Opset); op != nil {
		if err := c.guard(func() error { return op.Infer(c) }); err != nil {
			c.fail(err)
		} else if op.Eval != nil {
			if err := c.guard(func() error {
				if !c.inputsConst() {
					return nil
				}
				return op.Eval(c)
			}); err != nil {
				c.Note("contents not computed: %v", err)
			}
		}
	} else {
		c.res.Supported = false
		e.unsupported[[2]string{n.Domain, n.OpType}]++
	}
	for i, name := range n.Outputs {
		if name == "" {
			c.outs[i] = nil
			continue
		}
		v := c.outs[i]
		if v == nil || (v.Kind == onnx.KindUnknown || v.IsTensor() && v.Rank < 0) {
			if vi := declared[name]; vi != nil && vi.Type != nil {
				d := FromType(vi.Type, e.freshFor(name))
				if d.Kind != onnx.KindUnknown && (v == nil || d.Rank >= 0 || v.Kind == onnx.KindUnknown) {
					if v != nil && v.DType != onnx.Undefined && d.DType == onnx.Undefined {
						d.DType = v.DType
					}
					d.Source = "declared in the model"
					v = d
				}
			}
		}
		if v == nil {
			v = Unknown()
		}
		v.Name = name
		c.outs[i] = v
		sc.vals[name] = v
	}
	return c.res, nil
}

// guard runs a rule, turning panics into errors that name the node: an
// integer overflow or a division by zero in dimension arithmetic (panics
// of package sym, wrapped so that errors.As finds them), or a bug in the
// rule (with its stack).
func (c *Ctx) guard(fn func() error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		switch r := r.(type) {
		case *sym.OverflowError:
			err = fmt.Errorf("%s: dimension arithmetic overflows int64: %w; use smaller dims (--dim, --input) or leave them symbolic", c.where(), r)
		case *sym.DivisionByZeroError:
			err = fmt.Errorf("%s: dimension arithmetic: %w", c.where(), r)
		default:
			err = fmt.Errorf("internal error in %s: %v\n%s", c.where(), r, debug.Stack())
		}
	}()
	return fn()
}

// where names the node and its outputs, for errors.
func (c *Ctx) where() string {
	var outs []string
	for _, o := range c.Node.Outputs {
		if o != "" {
			outs = append(outs, strconv.Quote(o))
		}
	}
	switch len(outs) {
	case 0:
		return "node " + nodeLabel(c.Node)
	case 1:
		return fmt.Sprintf("node %s (output %s)", nodeLabel(c.Node), outs[0])
	}
	return fmt.Sprintf("node %s (outputs %s)", nodeLabel(c.Node), strings.Join(outs, ", "))
}

func (c *Ctx) fail(err error) {
	c.e.failures = append(c.e.failures, Failure{Node: c.Node.Name, Op: c.Node.OpType, Err: err.Error()})
	c.res.Notes = append(c.res.Notes, "inference failed: "+err.Error())
	for i := range c.outs {
		c.outs[i] = nil
	}
}

// inputsConst loads the contents of every present input if each is known or
// small enough to read, and reports whether all are.
func (c *Ctx) inputsConst() bool {
	for i, v := range c.ins {
		if v == nil {
			continue
		}
		if v.Kind == onnx.KindSequence {
			if !v.SeqKnown {
				return false
			}
			for _, it := range v.Seq {
				if c.loadConst(it) == nil {
					return false
				}
			}
			continue
		}
		if v.Kind == onnx.KindOptional {
			return false
		}
		if c.loadConst(c.ins[i]) == nil {
			return false
		}
	}
	return true
}

// loadConst returns v's contents, reading a small initializer on first use.
func (c *Ctx) loadConst(v *Value) *Const {
	if v == nil {
		return nil
	}
	if v.Const != nil || v.Init == nil || v.loadErr != nil {
		return v.Const
	}
	n, err := v.Init.NumElements()
	if err != nil || n > int64(c.e.opts.MaxConstElements) {
		return nil
	}
	cv, err := ConstFromTensor(v.Init)
	if err != nil {
		v.loadErr = err
		return nil
	}
	v.Const = cv
	return cv
}

// shapeCarrying tells the tensors whose values typically decide shapes
// (targets, axes, pads, indices, sizes are integers; scales are a few
// floats) from weights, which rules may ask for but never need.
func shapeCarrying(v *Value) bool {
	if v.DType.IsInteger() || v.DType == onnx.Bool {
		return true
	}
	n, ok := v.NumElements()
	if !ok {
		return false
	}
	c, ok := n.IsConst()
	return ok && c <= 16
}

// ConstFromTensor reads a tensor's values into a Const.
func ConstFromTensor(t *onnx.Tensor) (*Const, error) {
	switch {
	case t.DataType == onnx.String:
		s, err := t.Strings()
		if err != nil {
			return nil, err
		}
		if s == nil {
			s = []string{}
		}
		return &Const{Strs: s}, nil
	case t.DataType.IsInteger() || t.DataType == onnx.Bool:
		iv, err := t.Int64s()
		if err != nil {
			return nil, err
		}
		out := make([]sym.Expr, len(iv))
		for i, v := range iv {
			out[i] = sym.Const(v)
		}
		return &Const{Ints: out}, nil
	case t.DataType.IsFloat():
		fv, err := t.Float64s()
		if err != nil {
			return nil, err
		}
		if fv == nil {
			fv = []float64{}
		}
		return &Const{Floats: fv}, nil
	}
	return nil, fmt.Errorf("tensor %q: cannot read %s values", t.Name, t.DataType)
}

// ValueFromTensor makes a value with the tensor's type, shape and (when small
// enough, at most maxElems) contents.
func ValueFromTensor(t *onnx.Tensor, maxElems int) (*Value, error) {
	v := TensorDims(t.DataType, t.Dims...)
	v.Name = t.Name
	n, err := t.NumElements()
	if err != nil {
		return nil, err
	}
	if n <= int64(maxElems) {
		cv, err := ConstFromTensor(t)
		if err != nil {
			return nil, err
		}
		v.Const = cv
	}
	return v, nil
}

// --- what rules use ---

// NumInputs is the number of input slots the node lists (omitted ones included).
func (c *Ctx) NumInputs() int { return len(c.ins) }

// Input returns input i, or nil when it is omitted or beyond the list.
func (c *Ctx) Input(i int) *Value {
	if i < 0 || i >= len(c.ins) {
		return nil
	}
	return c.ins[i]
}

// HasInput reports whether input i is present.
func (c *Ctx) HasInput(i int) bool { return c.Input(i) != nil }

// NumOutputs is the number of output slots the node lists.
func (c *Ctx) NumOutputs() int { return len(c.outs) }

// HasOutput reports whether output i is requested.
func (c *Ctx) HasOutput(i int) bool { return i < len(c.Node.Outputs) && c.Node.Outputs[i] != "" }

// SetOutput sets output i (ignored when the node does not list it).
func (c *Ctx) SetOutput(i int, v *Value) {
	if i < 0 || i >= len(c.outs) || v == nil {
		return
	}
	c.outs[i] = v
}

// Output returns output i as set so far (for Eval, after Infer).
func (c *Ctx) Output(i int) *Value {
	if i < 0 || i >= len(c.outs) {
		return nil
	}
	return c.outs[i]
}

// SetConst sets output i to a tensor of known contents and concrete shape.
func (c *Ctx) SetConst(i int, dt onnx.DataType, dims []int64, cv *Const) error {
	n, err := onnx.NumElements(dims)
	if err != nil {
		return err
	}
	if int64(cv.Len()) != n {
		return fmt.Errorf("internal: %d values for shape %v", cv.Len(), dims)
	}
	v := TensorDims(dt, dims...)
	v.Const = cv
	c.SetOutput(i, v)
	return nil
}

// Const returns the contents of input i when known (reading a small
// initializer if needed).
//
// When a rule needs the values of an initializer that cannot be read (a
// missing external data file, say), the result says so in its warnings:
// the dims that depend on them are then left symbolic.
func (c *Ctx) Const(i int) *Const {
	v := c.Input(i)
	cv := c.loadConst(v)
	if cv == nil && v != nil && v.loadErr != nil && shapeCarrying(v) {
		c.e.warnOnce(v.Init.Name, fmt.Sprintf("values of initializer %q cannot be read: %v; shapes computed from them are left symbolic", v.Init.Name, v.loadErr))
		c.Note("values of input %d (%q) could not be read: %v", i, v.Init.Name, v.loadErr)
	}
	return cv
}

// ConstInts returns the integer contents of input i when known.
func (c *Ctx) ConstInts(i int) ([]sym.Expr, bool) {
	cv := c.Const(i)
	if cv == nil || cv.Ints == nil && cv.Len() != 0 {
		if cv != nil && cv.Len() == 0 {
			return []sym.Expr{}, true
		}
		return nil, false
	}
	if cv.Ints == nil {
		return []sym.Expr{}, true
	}
	return cv.Ints, true
}

// ConstInt64s returns the integer contents of input i when known and concrete.
func (c *Ctx) ConstInt64s(i int) ([]int64, bool) {
	xs, ok := c.ConstInts(i)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(xs))
	for j, x := range xs {
		v, ok := x.IsConst()
		if !ok {
			return nil, false
		}
		out[j] = v
	}
	return out, true
}

// ConstFloats returns the contents of input i as float64s when known
// (integer contents converted when concrete).
func (c *Ctx) ConstFloats(i int) ([]float64, bool) {
	cv := c.Const(i)
	if cv == nil {
		return nil, false
	}
	if cv.Floats != nil {
		return cv.Floats, true
	}
	if cv.Ints != nil || cv.Len() == 0 {
		out := make([]float64, len(cv.Ints))
		for j, x := range cv.Ints {
			v, ok := x.IsConst()
			if !ok {
				return nil, false
			}
			out[j] = float64(v)
		}
		return out, true
	}
	return nil, false
}

// Attr returns the named attribute or nil.
func (c *Ctx) Attr(name string) *onnx.Attribute { return c.Node.Attr(name) }

// AttrInt returns an int attribute or def.
func (c *Ctx) AttrInt(name string, def int64) int64 {
	if a := c.Attr(name); a != nil {
		return a.I
	}
	return def
}

// AttrFloat returns a float attribute or def.
func (c *Ctx) AttrFloat(name string, def float32) float32 {
	if a := c.Attr(name); a != nil {
		return a.F
	}
	return def
}

// AttrString returns a string attribute or def.
func (c *Ctx) AttrString(name, def string) string {
	if a := c.Attr(name); a != nil {
		return a.S
	}
	return def
}

// AttrInts returns an ints attribute and whether it is present.
func (c *Ctx) AttrInts(name string) ([]int64, bool) {
	if a := c.Attr(name); a != nil {
		return a.Ints, true
	}
	return nil, false
}

// AttrFloats returns a floats attribute and whether it is present.
func (c *Ctx) AttrFloats(name string) ([]float32, bool) {
	if a := c.Attr(name); a != nil {
		return a.Floats, true
	}
	return nil, false
}

// AttrStrings returns a strings attribute and whether it is present.
func (c *Ctx) AttrStrings(name string) ([]string, bool) {
	if a := c.Attr(name); a != nil {
		return a.Strings, true
	}
	return nil, false
}

// Fresh returns a new symbol for a dimension that depends on data, named
// after the node and a hint so reports can say where it came from.
func (c *Ctx) Fresh(hint string) sym.Expr {
	c.e.symCount++
	base := c.Node.Name
	if base == "" {
		base = c.Node.OpType
	}
	return sym.Var(fmt.Sprintf("%s_%s_%d", sanitize(base), sanitize(hint), c.e.symCount))
}

// Note records a remark about this node (shown by inspect).
func (c *Ctx) Note(format string, args ...any) {
	c.res.Notes = append(c.res.Notes, fmt.Sprintf(format, args...))
}

// Errorf returns an error for this node.
func (c *Ctx) Errorf(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// MaxConstElements is the size limit for computed contents.
func (c *Ctx) MaxConstElements() int { return c.e.opts.MaxConstElements }

// InferSubgraph infers a body graph with the given values bound to its
// formal inputs (nil entries take the declared types), in the scope of this
// node's graph, and records it on the node. trips is how often the body runs
// per execution of the node; taken is 1, 0 or -1 (unknown).
func (c *Ctx) InferSubgraph(attr string, g *onnx.Graph, inputs []*Value, trips sym.Expr, taken int) (*GraphResult, error) {
	if g == nil {
		return nil, fmt.Errorf("attribute %q: no graph", attr)
	}
	gr, err := c.e.graph(g, c.opsets, c.sc, inputs, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", attr, err)
	}
	c.res.Subgraphs = append(c.res.Subgraphs, &Subgraph{Attr: attr, Graph: gr, Trips: trips, Taken: taken})
	return gr, nil
}

// ReplaceSubgraphs drops the bodies recorded so far (for rules that infer a
// body more than once, such as a Loop evaluated iteration by iteration).
func (c *Ctx) ReplaceSubgraphs(keep []*Subgraph) { c.res.Subgraphs = keep }

// Subgraphs returns the bodies recorded so far.
func (c *Ctx) Subgraphs() []*Subgraph { return c.res.Subgraphs }

package shape

import (
	"container/heap"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Options control inference.
type Options struct {
	// Inputs fixes the shapes of graph inputs by name.
	Inputs map[string][]sym.Expr
	// Dims binds symbolic dimensions to values.
	Dims map[string]int64
	// InputValues gives the contents (and so the shapes) of graph inputs by name.
	InputValues map[string]*Value
	// MaxConstElements bounds the size of tensors whose contents are read or
	// computed to decide shapes (default 1<<16).
	MaxConstElements int
}

// Result is the outcome of inference over a model.
type Result struct {
	Model *onnx.Model
	Graph *GraphResult
	// Unsupported lists operators without an inference rule, with how often
	// they occur (in every graph, subgraphs and functions included).
	Unsupported []Unsupported
	// Failures lists nodes whose rule reported an error; their outputs are unknown.
	Failures []Failure
	// Warnings say what could not be read or decided, such as the values of
	// a shape-deciding initializer whose external data file is missing.
	Warnings []string
}

// Unsupported is an operator that has no inference rule.
type Unsupported struct {
	OpType string `json:"op_type"`
	Domain string `json:"domain"`
	Count  int    `json:"count"`
}

// Failure is a node whose inference failed.
type Failure struct {
	Node  string `json:"node"`
	Op    string `json:"op_type"`
	Graph string `json:"graph"`
	Err   string `json:"error"`
}

// GraphResult holds the inferred values of one graph (the main graph, a
// control-flow body or an expanded function).
type GraphResult struct {
	Graph   *onnx.Graph
	Opsets  map[string]int64
	Values  map[string]*Value // every value visible in this graph, its own and initializers
	Nodes   []*NodeResult     // in execution (topological) order
	Inputs  []*Value          // graph inputs that are not initializers
	Outputs []*Value
	// Initializers are this graph's initializers and sparse initializers.
	Initializers []*Value
}

// NodeResult is one executed node with its resolved inputs and outputs.
type NodeResult struct {
	Node    *onnx.Node
	Opset   int64    // version of the node's domain in effect
	Inputs  []*Value // nil for omitted optional inputs
	Outputs []*Value // nil for omitted optional outputs
	// Subgraphs are the bodies this node runs: If branches, Loop and Scan
	// bodies, and the body of an expanded model-local function.
	Subgraphs []*Subgraph
	Supported bool
	Notes     []string
}

// Subgraph is a body run by a node.
type Subgraph struct {
	Attr  string // attribute name ("then_branch", "body") or "function"
	Graph *GraphResult
	// Trips is how often the body runs per execution of the node.
	Trips sym.Expr
	// Taken is 1 when the body certainly runs, 0 when it certainly does not
	// (an If branch not taken), -1 when it depends on a value not known.
	Taken int
}

// ErrNoRules is returned by Infer when no operator rule is registered: the
// program links package shape without shape/ops (which fpo imports).
var ErrNoRules = errors.New(`shape: no operator rules are registered: import _ "github.com/greenai/greenai/shape/ops" (package fpo imports it)`)

// Infer runs shape and type inference over a model. It fails with
// ErrNoRules when no operator rule is linked in, rather than leave every
// node unsupported.
func Infer(m *onnx.Model, opts Options) (res *Result, err error) {
	if m == nil || m.Graph == nil {
		return nil, errors.New("no model graph")
	}
	if rules.Len() == 0 {
		return nil, ErrNoRules
	}
	if opts.MaxConstElements <= 0 {
		opts.MaxConstElements = 1 << 16
	}
	e := &engine{model: m, opts: opts, unsupported: map[[2]string]int{}, funcs: map[string]*onnx.Function{}}
	for _, f := range m.Functions {
		e.funcs[f.Domain+"/"+f.Name] = f
	}
	res = &Result{Model: m}
	// Rules run under a guard that names their node; this catches the
	// arithmetic outside any node (the main graph's declared inputs).
	defer func() {
		switch r := recover().(type) {
		case nil:
		case *sym.OverflowError:
			res, err = nil, fmt.Errorf("shape inference: dimension arithmetic outside any node (the main graph's inputs) overflows int64 (%v); use smaller dims (--dim, --input)", r)
		case *sym.DivisionByZeroError:
			res, err = nil, fmt.Errorf("shape inference: dimension arithmetic outside any node: %v", r)
		default:
			panic(r)
		}
	}()
	g, err := e.graph(m.Graph, m.Opsets, nil, nil, true)
	if err != nil {
		return nil, err
	}
	res.Graph = g
	for k, n := range e.unsupported {
		res.Unsupported = append(res.Unsupported, Unsupported{OpType: k[1], Domain: k[0], Count: n})
	}
	sort.Slice(res.Unsupported, func(i, j int) bool {
		a, b := res.Unsupported[i], res.Unsupported[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.OpType < b.OpType
	})
	res.Failures = e.failures
	res.Warnings = e.warnings
	return res, nil
}

type engine struct {
	model       *onnx.Model
	opts        Options
	unsupported map[[2]string]int
	failures    []Failure
	warnings    []string
	warned      map[string]bool
	funcs       map[string]*onnx.Function
	depth       int
	symCount    int
	inputSyms   map[string]bool // symbols of the main graph's input shapes
}

// UnknownDimError is returned by Infer when Options.Dims binds a name that
// no input shape of the model holds (a typo such as seq for sequence).
type UnknownDimError struct {
	Name    string
	Symbols []string // the symbols the model's inputs do hold, sorted
}

func (e *UnknownDimError) Error() string {
	if len(e.Symbols) == 0 {
		return fmt.Sprintf("dim %q: the model's inputs have no symbolic dims to bind", e.Name)
	}
	return fmt.Sprintf("dim %q: the model's inputs have no such symbol (symbols: %s)", e.Name, strings.Join(e.Symbols, ", "))
}

// noteSyms records the symbols of a main-graph input's shape.
func (e *engine) noteSyms(shape []sym.Expr) {
	if e.inputSyms == nil {
		e.inputSyms = map[string]bool{}
	}
	for _, d := range shape {
		for _, name := range d.Vars() {
			e.inputSyms[name] = true
		}
	}
}

// checkDims reports a bound dim that no main-graph input holds.
func (e *engine) checkDims() error {
	var unknown []string
	for k := range e.opts.Dims {
		if !e.inputSyms[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	var syms []string
	for k := range e.inputSyms {
		syms = append(syms, k)
	}
	sort.Strings(syms)
	return &UnknownDimError{Name: unknown[0], Symbols: syms}
}

// warnOnce records a warning once per key.
func (e *engine) warnOnce(key, msg string) {
	if e.warned == nil {
		e.warned = map[string]bool{}
	}
	if e.warned[key] {
		return
	}
	e.warned[key] = true
	e.warnings = append(e.warnings, msg)
}

// scope resolves value names through enclosing graphs.
type scope struct {
	vals   map[string]*Value
	parent *scope
}

func (s *scope) lookup(name string) *Value {
	for ; s != nil; s = s.parent {
		if v, ok := s.vals[name]; ok {
			return v
		}
	}
	return nil
}

const maxGraphDepth = 64

// graph infers one graph. inputs, when non-nil, gives the values bound to the
// graph's formal inputs (for bodies); main marks the model's main graph,
// whose inputs take the user's options.
func (e *engine) graph(g *onnx.Graph, opsets map[string]int64, parent *scope, inputs []*Value, main bool) (*GraphResult, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxGraphDepth {
		return nil, fmt.Errorf("graphs nested deeper than %d", maxGraphDepth)
	}
	gr := &GraphResult{Graph: g, Opsets: opsets, Values: map[string]*Value{}}
	sc := &scope{vals: gr.Values, parent: parent}

	// Initializers first: in IR < 4 they are also listed as inputs, and the
	// initializer then gives the default value.
	for _, t := range g.Initializers {
		v := initValue(t)
		gr.Values[t.Name] = v
		gr.Initializers = append(gr.Initializers, v)
	}
	for _, st := range g.SparseInitializers {
		if st.Values == nil {
			continue
		}
		v := TensorDims(st.Values.DataType, st.Dims...)
		v.Sparse = st
		v.Name = st.Values.Name
		gr.Values[v.Name] = v
		gr.Initializers = append(gr.Initializers, v)
	}
	for i, in := range g.Inputs {
		var v *Value
		switch {
		case inputs != nil && i < len(inputs) && inputs[i] != nil:
			v = inputs[i].Clone()
			if declared := FromType(in.Type, nil); v.Kind == onnx.KindUnknown {
				v = declared
			}
		case main:
			if _, isInit := gr.Values[in.Name]; isInit && e.opts.InputValues[in.Name] == nil && e.opts.Inputs[in.Name] == nil {
				continue
			}
			var err error
			v, err = e.mainInput(in)
			if err != nil {
				return nil, err
			}
		default:
			v = FromType(in.Type, e.freshFor(in.Name))
		}
		v.Name = in.Name
		gr.Values[in.Name] = v
		gr.Inputs = append(gr.Inputs, v)
	}
	if main {
		if err := e.checkDims(); err != nil {
			return nil, err
		}
	}

	order, err := topoSort(g, sc)
	if err != nil {
		return nil, err
	}
	declared := map[string]*onnx.ValueInfo{}
	for _, vi := range g.ValueInfo {
		declared[vi.Name] = vi
	}
	for _, vi := range g.Outputs {
		declared[vi.Name] = vi
	}
	for _, n := range order {
		nr, err := e.node(n, opsets, sc, declared)
		if err != nil {
			return nil, err
		}
		gr.Nodes = append(gr.Nodes, nr)
	}
	for _, out := range g.Outputs {
		v := sc.lookup(out.Name)
		if v == nil {
			if out.Name == "" {
				v = Unknown()
			} else {
				return nil, fmt.Errorf("graph output %q is produced by no node, input or initializer", out.Name)
			}
		}
		gr.Outputs = append(gr.Outputs, v)
	}
	return gr, nil
}

func initValue(t *onnx.Tensor) *Value {
	v := TensorDims(t.DataType, t.Dims...)
	v.Name = t.Name
	v.Init = t
	return v
}

// mainInput builds the value of a main-graph input from its declaration and
// the user's options.
func (e *engine) mainInput(in *onnx.ValueInfo) (*Value, error) {
	if cv := e.opts.InputValues[in.Name]; cv != nil {
		return cv.Clone(), nil
	}
	v := FromType(in.Type, e.freshFor(in.Name))
	e.noteSyms(v.Shape) // a declared symbol may be bound even where --input replaced it
	if s, ok := e.opts.Inputs[in.Name]; ok {
		if v.Kind == onnx.KindUnknown {
			v.Kind = onnx.KindTensor
		}
		if v.Rank >= 0 && len(s) != v.Rank {
			return nil, fmt.Errorf("input %q: --input gives %d dims, the model declares rank %d", in.Name, len(s), v.Rank)
		}
		v.Shape = append([]sym.Expr(nil), s...)
		v.Rank = len(s)
	}
	e.noteSyms(v.Shape)
	if len(e.opts.Dims) > 0 && v.Rank > 0 {
		bind := map[string]sym.Expr{}
		for k, d := range e.opts.Dims {
			bind[k] = sym.Const(d)
		}
		for i, d := range v.Shape {
			v.Shape[i] = d.Subst(bind)
		}
	}
	return v, nil
}

// freshFor names the unnamed dims of an input after the input and axis.
func (e *engine) freshFor(name string) func(axis int) sym.Expr {
	return func(axis int) sym.Expr {
		return sym.Var(fmt.Sprintf("%s_dim%d", sanitize(name), axis))
	}
}

func sanitize(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "v"
	}
	return b.String()
}

// topoSort orders the nodes so each runs after the producers of its inputs,
// keeping the file's order where it is already valid. Inputs not produced in
// this graph must come from the scope (inputs, initializers, outer graphs).
func topoSort(g *onnx.Graph, sc *scope) ([]*onnx.Node, error) {
	producer := map[string]int{}
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if j, dup := producer[o]; dup {
				return nil, fmt.Errorf("value %q is produced twice (by node %d %s and node %d %s)", o, j, nodeLabel(g.Nodes[j]), i, nodeLabel(n))
			}
			producer[o] = i
		}
	}
	indeg := make([]int, len(g.Nodes))
	users := make([][]int, len(g.Nodes))
	for i, n := range g.Nodes {
		for _, in := range nodeInputsDeep(n) {
			if in == "" {
				continue
			}
			if p, ok := producer[in]; ok {
				if p == i {
					return nil, fmt.Errorf("cycle: node %d %s consumes its own output %q", i, nodeLabel(n), in)
				}
				indeg[i]++
				users[p] = append(users[p], i)
			} else if sc.lookup(in) == nil {
				return nil, fmt.Errorf("node %d %s: input %q is not produced by any node, input or initializer", i, nodeLabel(n), in)
			}
		}
	}
	// Kahn's algorithm with a min-heap on the original index: file order is
	// kept wherever it is already valid.
	order := make([]*onnx.Node, 0, len(g.Nodes))
	ready := &intHeap{}
	for i := range g.Nodes {
		if indeg[i] == 0 {
			heap.Push(ready, i)
		}
	}
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, g.Nodes[i])
		for _, u := range users[i] {
			indeg[u]--
			if indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(order) != len(g.Nodes) {
		var stuck []string
		for i, d := range indeg {
			if d > 0 {
				stuck = append(stuck, fmt.Sprintf("%d %s", i, nodeLabel(g.Nodes[i])))
				if len(stuck) == 5 {
					stuck = append(stuck, "…")
					break
				}
			}
		}
		return nil, fmt.Errorf("the graph has a cycle through nodes %s", strings.Join(stuck, ", "))
	}
	return order, nil
}

// nodeInputsDeep lists a node's inputs plus the outer-scope values its
// subgraphs read, so bodies run after what they capture is computed.
func nodeInputsDeep(n *onnx.Node) []string {
	ins := n.Inputs
	for _, a := range n.Attrs {
		gs := a.Graphs
		if a.G != nil {
			gs = append([]*onnx.Graph{a.G}, gs...)
		}
		for _, g := range gs {
			if len(ins) == len(n.Inputs) {
				ins = append([]string(nil), n.Inputs...)
			}
			ins = append(ins, capturedNames(g)...)
		}
	}
	return ins
}

// capturedNames lists names a graph reads but does not define.
func capturedNames(g *onnx.Graph) []string {
	defined := map[string]bool{}
	for _, in := range g.Inputs {
		defined[in.Name] = true
	}
	for _, t := range g.Initializers {
		defined[t.Name] = true
	}
	for _, t := range g.SparseInitializers {
		if t.Values != nil {
			defined[t.Values.Name] = true
		}
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			defined[o] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range g.Nodes {
		for _, in := range nodeInputsDeep(n) {
			if in != "" && !defined[in] && !seen[in] {
				seen[in] = true
				out = append(out, in)
			}
		}
	}
	for _, o := range g.Outputs {
		if o.Name != "" && !defined[o.Name] && !seen[o.Name] {
			seen[o.Name] = true
			out = append(out, o.Name)
		}
	}
	return out
}

// intHeap is a min-heap of node indices.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func nodeLabel(n *onnx.Node) string {
	if n.Name != "" {
		return fmt.Sprintf("%s %q", n.OpType, n.Name)
	}
	return n.OpType
}

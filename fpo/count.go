package fpo

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops" // the shape rules every count needs
	"github.com/greenai/greenai/sym"
)

// Options control counting.
type Options struct {
	Table      Table      // zero value means DefaultTable
	Convention Convention // how totals.FPO is counted (default ConvFPO)
}

// NodeCost is the counted cost of one node, already multiplied by how
// often its graph runs (trip counts of enclosing loops).
type NodeCost struct {
	Node  *shape.NodeResult
	Graph string   // path of the enclosing body, "" for the main graph
	Scope []string // module scope from the node name or metadata
	Runs  sym.Expr // executions per inference (1 in the main graph)
	Cost  Cost     // per execution
	FPO   sym.Expr // Runs × per-execution FPO under the chosen convention
	MACs  sym.Expr // Runs × per-execution MACs
	Bytes sym.Expr // Runs × bytes moved
	// Err is set when the node could not be counted (its FPO is then 0 and
	// the node is listed in Report.Uncounted).
	Err error
	// Branch marks nodes inside an If branch whose condition is unknown.
	Branch string
}

// OpTotal aggregates one operator type.
type OpTotal struct {
	Count int      `json:"count"`
	FPO   sym.Expr `json:"-"`
	MACs  sym.Expr `json:"-"`
	Bytes sym.Expr `json:"-"`
}

// Uncounted is a node that has no cost rule or whose shapes were not inferred.
type Uncounted struct {
	Node   string `json:"node"`
	OpType string `json:"op_type"`
	Domain string `json:"domain"`
	Reason string `json:"reason"`
}

// Report is the FPO count of a model.
type Report struct {
	Convention Convention
	Table      Table
	Nodes      []*NodeCost
	// FPO and MACs are the totals per inference (one execution of the main
	// graph for the inferred input shapes). Where an If's condition is
	// unknown, FPO counts its costlier branch and FPOMin its cheaper one.
	FPO, FPOMin sym.Expr
	MACs        sym.Expr
	Ops         Ops      // primitive counts (under the fpo convention)
	Bytes       sym.Expr // bytes moved by data-movement nodes
	ByOp        map[string]*OpTotal
	Params      params.Stats
	// ActivationBytes sums the sizes of every intermediate tensor;
	// ActivationPeak is the largest total of tensors alive at once when the
	// main graph runs in its topological order.
	ActivationBytes sym.Expr
	ActivationPeak  sym.Expr
	Unsupported     []shape.Unsupported
	Uncounted       []Uncounted
	// Notes say what the totals assume: an If whose condition is unknown,
	// counts that are bounds (per operator, with the first node).
	Notes []string
}

// Count counts the FPO of an inferred model.
func Count(res *shape.Result, opts Options) (*Report, error) {
	if opts.Table == (Table{}) {
		opts.Table = DefaultTable()
	}
	if opts.Convention == "" {
		opts.Convention = ConvFPO
	}
	if _, ok := conventions[opts.Convention]; !ok {
		return nil, fmt.Errorf("unknown convention %q (known: %s)", opts.Convention, strings.Join(ConventionNames(), ", "))
	}
	r := &Report{Convention: opts.Convention, Table: opts.Table, ByOp: map[string]*OpTotal{}, Unsupported: res.Unsupported}
	c := &counter{opts: opts, r: r}
	var err error
	func() {
		defer catchOverflow(&err, "the model's FPO total")
		mx, mn := c.graph(res.Graph, "", sym.Const(1), "")
		r.FPO, r.FPOMin = mx, mn
	}()
	r.Notes = append(r.Notes, c.boundNotes()...)
	if err != nil {
		return nil, fmt.Errorf("counting: %w", err)
	}
	r.Params = params.Count(res)
	func() {
		defer catchOverflow(&err, "the activation memory")
		r.ActivationBytes, r.ActivationPeak = activations(res.Graph)
	}()
	if err != nil {
		return nil, fmt.Errorf("activation memory: %w", err)
	}
	return r, nil
}

type counter struct {
	opts   Options
	r      *Report
	bounds []*boundNote // in the order first met
}

// boundNote gathers the nodes of one operator whose count is the same
// kind of bound.
type boundNote struct {
	op, bound, first string
	nodes            int
}

func (c *counter) bound(op, node, bound string) {
	for _, b := range c.bounds {
		if b.op == op && b.bound == bound {
			b.nodes++
			return
		}
	}
	c.bounds = append(c.bounds, &boundNote{op: op, bound: bound, first: node, nodes: 1})
}

// boundNotes says, per operator, which counts are bounds and why.
func (c *counter) boundNotes() []string {
	var out []string
	for _, b := range c.bounds {
		where := "node " + b.first
		if b.nodes > 1 {
			where = fmt.Sprintf("%d nodes (first %s)", b.nodes, b.first)
		}
		out = append(out, fmt.Sprintf("%s, %s: %s", b.op, where, b.bound))
	}
	return out
}

// graph counts a graph run `runs` times; it returns the max and min FPO
// (they differ only when an If's condition is unknown).
func (c *counter) graph(g *shape.GraphResult, path string, runs sym.Expr, branch string) (mx, mn sym.Expr) {
	for _, nr := range g.Nodes {
		nc := &NodeCost{Node: nr, Graph: path, Scope: scopeOf(nr), Runs: runs, Branch: branch}
		c.r.Nodes = append(c.r.Nodes, nc)
		what := "its cost"
		AttributeOverflow(nr, &what, func() {
			c.node(nc, &what)
			what = "the model's FPO total through it (" + nc.FPO.String() + " FPO added)"
			mx = mx.Add(nc.FPO)
			mn = mn.Add(nc.FPO)
		})
		// Bodies.
		var ifMax, ifMin []sym.Expr
		for _, sg := range nr.Subgraphs {
			name := nodeName(nr)
			sub := path + "/" + name + ":" + sg.Attr
			if strings.HasPrefix(path, "/") || path == "" {
				sub = strings.TrimPrefix(sub, "/")
			}
			if sg.Taken == 0 {
				continue
			}
			var bruns sym.Expr
			what := fmt.Sprintf("the runs of its %s body (%s × %s trips)", sg.Attr, runs.String(), sg.Trips.String())
			AttributeOverflow(nr, &what, func() { bruns = runs.Mul(sg.Trips) })
			if sg.Taken < 0 {
				bmx, bmn := c.graph(sg.Graph, sub, bruns, branchLabel(branch, nr, sg.Attr))
				ifMax = append(ifMax, bmx)
				ifMin = append(ifMin, bmn)
				continue
			}
			bmx, bmn := c.graph(sg.Graph, sub, bruns, branch)
			what = "the model's FPO total through its " + sg.Attr + " body"
			AttributeOverflow(nr, &what, func() {
				mx = mx.Add(bmx)
				mn = mn.Add(bmn)
			})
		}
		if len(ifMax) > 0 {
			hi, lo := ifMax[0], ifMin[0]
			for i := 1; i < len(ifMax); i++ {
				hi = sym.Max(hi, ifMax[i])
				lo = sym.Min(lo, ifMin[i])
			}
			what := "the model's FPO total through its branches"
			AttributeOverflow(nr, &what, func() {
				mx = mx.Add(hi)
				mn = mn.Add(lo)
			})
			c.r.Notes = append(c.r.Notes, fmt.Sprintf("If %s: condition unknown; totals count the costlier branch (%s FPO), the minimum counts the cheaper (%s FPO)",
				nodeName(nr), hi.String(), lo.String()))
		}
	}
	return mx, mn
}

func branchLabel(outer string, nr *shape.NodeResult, attr string) string {
	l := nodeName(nr) + ":" + attr
	if outer != "" {
		return outer + "/" + l
	}
	return l
}

func nodeName(nr *shape.NodeResult) string {
	if nr.Node.Name != "" {
		return nr.Node.Name
	}
	return nr.Node.OpType
}

// node counts one node; *what names the value being computed, for
// overflow errors.
func (c *counter) node(nc *NodeCost, what *string) {
	nr := nc.Node
	key := nr.Node.OpType
	if nr.Node.Domain != "" {
		key = nr.Node.Domain + "." + key
	}
	t := c.r.ByOp[key]
	if t == nil {
		t = &OpTotal{}
		c.r.ByOp[key] = t
	}
	t.Count++
	if len(nr.Subgraphs) > 0 && isFunctionCall(nr) {
		// A model-local function: its body's nodes are counted instead.
		nc.Cost.Kind = Control
		return
	}
	if !nr.Supported {
		c.uncounted(nr, "no shape rule")
		nc.Err = errors.New("no shape rule")
		return
	}
	rule := LookupRule(nr.Node.Domain, nr.Node.OpType)
	if rule == nil {
		c.uncounted(nr, "no cost rule")
		nc.Err = errors.New("no cost rule")
		return
	}
	var cost Cost
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				if oe, ok := p.(*sym.OverflowError); ok {
					// Not an uncounted node: a total without it would
					// pass for the count.
					panic(nodeOverflow(nr, "its cost (operator rule)", oe))
				}
				err = fmt.Errorf("internal error: %v", p)
			}
		}()
		cost, err = rule(&Node{nr})
	}()
	if err != nil {
		c.uncounted(nr, err.Error())
		nc.Err = err
		return
	}
	nc.Cost = cost
	if cost.Bound != "" {
		c.bound(key, nodeName(nr), cost.Bound)
	}
	*what = "its FPO under the " + string(c.opts.Convention) + " convention"
	per := conventions[c.opts.Convention].count(&Node{nr}, cost, &c.opts.Table)
	*what = fmt.Sprintf("its FPO (%s per run) × its runs (%s)", per.String(), nc.Runs.String())
	nc.FPO = per.Mul(nc.Runs)
	*what = fmt.Sprintf("its MACs (%s per run) × its runs", cost.MACs.String())
	nc.MACs = cost.MACs.Mul(nc.Runs)
	*what = fmt.Sprintf("its bytes moved (%s per run) × its runs", cost.Bytes.String())
	nc.Bytes = cost.Bytes.Mul(nc.Runs)
	*what = fmt.Sprintf("the %s operators' total through it (%s FPO added)", key, nc.FPO.String())
	t.FPO = t.FPO.Add(nc.FPO)
	t.MACs = t.MACs.Add(nc.MACs)
	t.Bytes = t.Bytes.Add(nc.Bytes)
	if nc.Branch == "" {
		*what = fmt.Sprintf("the model's MAC, primitive and byte totals through it (%s MACs added)", nc.MACs.String())
		c.r.MACs = c.r.MACs.Add(nc.MACs)
		c.r.Ops = c.r.Ops.Add(cost.Ops.Scale(nc.Runs))
		c.r.Bytes = c.r.Bytes.Add(nc.Bytes)
	}
}

func isFunctionCall(nr *shape.NodeResult) bool {
	return len(nr.Subgraphs) == 1 && nr.Subgraphs[0].Attr == "function"
}

func (c *counter) uncounted(nr *shape.NodeResult, reason string) {
	c.r.Uncounted = append(c.r.Uncounted, Uncounted{Node: nodeName(nr), OpType: nr.Node.OpType, Domain: nr.Node.Domain, Reason: reason})
}

// scopeOf derives a module path from PyTorch-style hierarchical node names
// (/layer1/layer1.0/conv1/Conv → [layer1, layer1.0, conv1]) or from the
// pkg.torch.onnx.name_scopes metadata when present.
func scopeOf(nr *shape.NodeResult) []string {
	if s, ok := nr.Node.Meta("pkg.torch.onnx.name_scopes"); ok {
		if parts := parseNameScopes(s); len(parts) > 0 {
			return parts
		}
	}
	name := nr.Node.Name
	if !strings.HasPrefix(name, "/") {
		return nil
	}
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if len(parts) <= 1 {
		return nil
	}
	return parts[:len(parts)-1]
}

// parseNameScopes parses the metadata value, a Python-style list such as
// "[”, 'layer1', 'layer1.0']".
func parseNameScopes(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.Trim(strings.TrimSpace(p), `'"`)
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// activations computes the sum of all intermediate tensor sizes and the peak
// of live tensors (graph inputs and node outputs; weights excluded) in the
// main graph's execution order. Bodies of control-flow nodes are not
// scheduled: their outputs are counted where the node produces them.
func activations(g *shape.GraphResult) (sum, peak sym.Expr) {
	lastUse := map[*shape.Value]int{}
	for i, nr := range g.Nodes {
		for _, v := range nr.Inputs {
			if v != nil {
				lastUse[v] = i
			}
		}
		for _, sg := range nr.Subgraphs {
			_ = sg // captured values are kept alive by the node's inputs list only
		}
	}
	for _, v := range g.Outputs {
		lastUse[v] = len(g.Nodes)
	}
	size := func(v *shape.Value) sym.Expr {
		b, ok := bytesOf(v)
		if !ok {
			return sym.Expr{}
		}
		return b
	}
	// Values computed only from weights and constants (Identity of an
	// initializer, folded shape arithmetic) are not activations.
	static := map[*shape.Value]bool{}
	for _, v := range g.Initializers {
		static[v] = true
	}
	for _, nr := range g.Nodes {
		all := len(nr.Subgraphs) == 0
		for _, v := range nr.Inputs {
			if v != nil && !static[v] && v.Init == nil {
				all = false
			}
		}
		if all {
			for _, v := range nr.Outputs {
				if v != nil {
					static[v] = true
				}
			}
		}
	}
	var live sym.Expr
	alive := map[*shape.Value]bool{}
	for _, v := range g.Inputs {
		if _, used := lastUse[v]; used {
			func() {
				defer func() {
					if r := recover(); r != nil {
						if oe, ok := r.(*sym.OverflowError); ok {
							panic(&OverflowError{Output: v.Name, Value: "its size in bytes (" + shape.TypeString(v) + ")", Err: oe})
						}
						panic(r)
					}
				}()
				live = live.Add(size(v))
			}()
			alive[v] = true
		}
	}
	// The peak is the max of the live totals. With symbolic dims, keep only
	// the totals no other total provably dominates, and combine them once.
	var cands []sym.Expr
	consider := func(l sym.Expr) {
		for _, c := range cands {
			if s := c.Sub(l).Sign(); s == 0 || s == 1 {
				return
			}
		}
		kept := cands[:0]
		for _, c := range cands {
			if s := l.Sub(c).Sign(); s != 0 && s != 1 {
				kept = append(kept, c)
			}
		}
		cands = append(kept, l)
	}
	consider(live)
	for i, nr := range g.Nodes {
		grew := false
		what := ""
		AttributeOverflow(nr, &what, func() {
			for _, v := range nr.Outputs {
				if v == nil || v.Init != nil || alive[v] || static[v] {
					continue
				}
				what = fmt.Sprintf("the size in bytes of its output %q (%s)", v.Name, shape.TypeString(v))
				s := size(v)
				if c, ok := s.IsConst(); !ok || c != 0 {
					grew = true
				}
				what = fmt.Sprintf("the activation memory through it (%s bytes added for output %q)", s.String(), v.Name)
				sum = sum.Add(s)
				live = live.Add(s)
				alive[v] = true
			}
		})
		// A node whose outputs add nothing leaves live at most the total
		// already considered (only frees happened since): skip the
		// dominance tests (a graph of many empty-slice nodes, such as a
		// mixture of experts' idle experts, would pay them per node).
		if grew {
			consider(live)
		}
		// Free what this node used for the last time (and outputs nobody uses).
		for _, v := range append(append([]*shape.Value{}, nr.Inputs...), nr.Outputs...) {
			if v == nil || !alive[v] {
				continue
			}
			if lu, ok := lastUse[v]; !ok || lu <= i {
				live = live.Sub(size(v))
				delete(alive, v)
			}
		}
	}
	peak = cands[0]
	for _, c := range cands[1:] {
		peak = sym.Max(peak, c)
	}
	return sum, peak
}

// SortedOps returns operator keys sorted by FPO (descending when concrete).
func (r *Report) SortedOps(bind map[string]int64) []string {
	keys := make([]string, 0, len(r.ByOp))
	for k := range r.ByOp {
		keys = append(keys, k)
	}
	val := func(k string) float64 { return approx(r.ByOp[k].FPO, bind) }
	sort.Slice(keys, func(i, j int) bool {
		a, b := val(keys[i]), val(keys[j])
		if a != b {
			return a > b
		}
		return keys[i] < keys[j]
	})
	return keys
}

// approx evaluates an expression for sorting: exact when bound, otherwise
// with every unbound symbol set to 1.
func approx(e sym.Expr, bind map[string]int64) float64 {
	b := map[string]int64{}
	for _, v := range e.Vars() {
		b[v] = 1
	}
	for k, v := range bind {
		b[k] = v
	}
	v, err := e.Eval(b)
	if err != nil {
		return 0
	}
	return float64(v)
}

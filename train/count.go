package train

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Options control the training count.
type Options struct {
	// Freeze lists glob patterns ('*' matches any run of characters, '/'
	// included; '?' one character). A parameter is frozen when its name
	// matches, or when every node that reads it has a matching name
	// (PyTorch exports name nodes by module path, such as
	// /embeddings/word_embeddings/Gather).
	Freeze    []string
	Optimizer Optimizer
	Table     fpo.Table // zero: fpo.DefaultTable()
}

// Report is the training cost of one step on one batch, as inferred.
type Report struct {
	// Forward is the forward FPO of the batch (from the fpo count).
	Forward, ForwardMACs sym.Expr
	// Backward is the backward FPO: gradients with respect to activations
	// (InputGrad) and to trainable weights (WeightGrad), plus the additions
	// that accumulate gradients of values read by several nodes (Accumulate).
	Backward, BackwardMACs sym.Expr
	InputGrad, WeightGrad  sym.Expr
	Accumulate             sym.Expr
	BackwardByOp           map[string]sym.Expr
	ForwardByOp            map[string]sym.Expr
	// Update is the optimizer's FPO per step (independent of the batch size).
	Update          sym.Expr
	Optimizer       Optimizer
	TrainableParams int64
	FrozenParams    int64
	FrozenNames     []string
	// Tied lists the stored tensors that hold the same weight as another
	// (params.Stats.Duplicates: a tied output embedding stored transposed,
	// say). Each is counted once in TrainableParams and updated once; the
	// gradients of its uses are summed into one (counted in Accumulate).
	Tied []string
	// UncheckedTied lists stored tensors that may be tied to another but
	// whose values could not be read (params.Stats.Unchecked): they are
	// counted as parameters of their own, and UncheckedTiedParams is what
	// TrainableParams would lose if they were tied.
	UncheckedTied       []string
	UncheckedTiedParams int64
	// Freezing is what freezing saved per step, when Options.Freeze froze
	// some parameter (nil otherwise).
	Freezing        *Saving
	Uncounted       []fpo.Uncounted
	NodesWithGrad   int
	FirstLayerSkips []string // nodes whose data input needs no gradient

	frozen    []*shape.Value            // the frozen parameters
	params    map[*shape.Value]bool     // every parameter: trainable (true) or frozen
	paramGrad map[*shape.Value]sym.Expr // each trainable parameter's own gradient FPO
}

// Saving is the backward and update cost, per step, that freezing
// parameters removes: the gradients with respect to the frozen weights
// themselves (WeightGrad: what the nodes that read them spend, in the
// unfrozen count, on those inputs' gradients), the gradients of activations
// computed only on the way to them (InputGrad), the accumulations on those
// paths (Accumulate) and their optimizer updates (Update). Backward =
// WeightGrad + InputGrad + Accumulate is exactly the difference of the
// backward counts with and without freezing.
type Saving struct {
	WeightGrad, InputGrad, Accumulate, Backward sym.Expr
	Update                                      sym.Expr
}

// Count computes the backward and optimizer cost of a model whose forward
// pass was counted in fwd.
//
// The trainable parameters are the floating-point initializers read where a
// gradient flows (not, say, a Resize's scales or BatchNormalization's running
// statistics), one-element ones only when read as an operator's weight; an
// Identity of an initializer is a parameter of its own (exporters store
// parameters with equal initial values once and alias them by Identity
// nodes named after the original parameters). Float Constant and
// ConstantOfShape outputs count only when read as an operator's weight
// (models whose weights were replaced by ConstantOfShape); elsewhere they are
// masks and buffers. Only the main graph is differentiated.
func Count(res *shape.Result, fwd *fpo.Report, opts Options) (rep *Report, err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case *fpo.OverflowError:
			rep, err = nil, fmt.Errorf("backward: %w", r)
		case *sym.OverflowError:
			rep, err = nil, fmt.Errorf("backward: the training totals overflow 64-bit integers (%v); %s", r, fpo.OverflowRemedy)
		case *sym.DivisionByZeroError:
			rep, err = nil, r
		default:
			panic(r)
		}
	}()
	table := opts.Table
	if table == (fpo.Table{}) {
		table = fpo.DefaultTable()
	}
	if opts.Optimizer == "" {
		opts.Optimizer = SGD
	}
	perParam, ok := optimizers[opts.Optimizer]
	if !ok {
		return nil, fmt.Errorf("unknown optimizer %q (known: %s)", opts.Optimizer, strings.Join(OptimizerNames(), ", "))
	}
	freeze, err := compileGlobs(opts.Freeze)
	if err != nil {
		return nil, err
	}
	tied := map[*shape.Value]*shape.Value{}
	if fwd != nil {
		for _, d := range fwd.Params.Duplicates {
			if d.Value != nil && d.OfValue != nil {
				tied[d.Value] = d.OfValue
			}
		}
	}
	rep = count(res.Graph, freeze, &table, tied)
	if fwd != nil {
		for _, d := range fwd.Params.Duplicates {
			rep.Tied = append(rep.Tied, d.Name+" = "+d.Of)
		}
		for _, d := range fwd.Params.Unchecked {
			if rep.isParam(d.Value) {
				rep.UncheckedTied = append(rep.UncheckedTied, d.Name+" ~ "+d.Of)
				rep.UncheckedTiedParams += d.Elements
			}
		}
	}
	rep.Forward, rep.ForwardMACs = fwd.FPO, fwd.MACs
	rep.Optimizer = opts.Optimizer
	rep.ForwardByOp = map[string]sym.Expr{}
	for k, t := range fwd.ByOp {
		rep.ForwardByOp[k] = t.FPO
	}
	per := perParam.FPO(&table)
	rep.Update = sym.Const(rep.TrainableParams).Mul(per)
	if rep.FrozenParams > 0 {
		all := count(res.Graph, nil, &table, tied)
		s := &Saving{
			Accumulate: all.Accumulate.Sub(rep.Accumulate),
			Backward:   all.Backward.Sub(rep.Backward),
			Update:     sym.Const(all.TrainableParams - rep.TrainableParams).Mul(per),
		}
		for _, v := range rep.frozen {
			s.WeightGrad = s.WeightGrad.Add(all.paramGrad[v])
		}
		s.InputGrad = s.Backward.Sub(s.WeightGrad).Sub(s.Accumulate)
		rep.Freezing = s
	}
	return rep, nil
}

// params finds the model's parameters: the values that are trainable (true)
// or frozen (false), and the Identity nodes that only alias a stored tensor.
type params struct {
	state   map[*shape.Value]bool
	aliases map[*shape.NodeResult]bool
}

func findParams(g *shape.GraphResult, live map[*shape.Value]bool, freeze []*regexp.Regexp, rep *Report, tied map[*shape.Value]*shape.Value) params {
	// Stored float tensors: initializers (true) and constant nodes (false),
	// and the Identity nodes that alias them.
	stored := map[*shape.Value]bool{}
	for _, v := range g.Initializers {
		if v.DType.IsFloat() {
			stored[v] = true
		}
	}
	p := params{state: map[*shape.Value]bool{}, aliases: map[*shape.NodeResult]bool{}}
	for _, nr := range g.Nodes {
		op := nr.Node.OpType
		if nr.Node.Domain != "" || len(nr.Outputs) == 0 || nr.Outputs[0] == nil || !nr.Outputs[0].DType.IsFloat() {
			continue
		}
		switch {
		case op == "Constant" || op == "ConstantOfShape":
			stored[nr.Outputs[0]] = false
		case op == "Identity" && len(nr.Inputs) == 1 && nr.Inputs[0] != nil:
			if init, ok := stored[nr.Inputs[0]]; ok {
				stored[nr.Outputs[0]] = init
				p.aliases[nr] = true
			}
		}
	}
	type use struct {
		nr   *shape.NodeResult
		slot int
	}
	readers := map[*shape.Value][]use{}
	for _, nr := range g.Nodes {
		if p.aliases[nr] || !anyLive(nr.Outputs, live) {
			continue
		}
		for i, v := range nr.Inputs {
			if _, ok := stored[v]; ok && v != nil {
				readers[v] = append(readers[v], use{nr, i})
			}
		}
	}
	for v, init := range stored {
		n := int64(0)
		if dims, ok := v.Dims(); ok {
			if c, err := onnx.NumElements(dims); err == nil {
				n = c
			}
		}
		param := false
		for _, u := range readers[v] {
			if weightSlot(u.nr.Node.Domain, u.nr.Node.OpType, u.slot) || init && n > 1 && gradSlot(u.nr.Node.Domain, u.nr.Node.OpType, u.slot) {
				param = true
			}
		}
		if !param {
			continue
		}
		frozen := matchAny(freeze, v.Name)
		if !frozen && len(freeze) > 0 {
			frozen = true
			for _, u := range readers[v] {
				if !matchAny(freeze, u.nr.Node.Name) {
					frozen = false
				}
			}
		}
		p.state[v] = !frozen
	}
	// A tensor tied to another is the same parameter: frozen with it, and
	// counted once.
	for v, o := range tied {
		if _, ok := p.state[v]; !ok {
			continue
		}
		if st, ok := p.state[o]; ok {
			p.state[v] = st
		}
	}
	for v, trainable := range p.state {
		if o, ok := tied[v]; ok {
			if _, ok := p.state[o]; ok {
				continue
			}
		}
		n := int64(0)
		if dims, ok := v.Dims(); ok {
			if c, err := onnx.NumElements(dims); err == nil {
				n = c
			}
		}
		if !trainable {
			rep.FrozenParams += n
			rep.FrozenNames = append(rep.FrozenNames, v.Name)
			rep.frozen = append(rep.frozen, v)
		} else {
			rep.TrainableParams += n
		}
	}
	sort.Strings(rep.FrozenNames)
	rep.params = p.state
	return p
}

// isParam reports whether v is one of the model's parameters.
func (r *Report) isParam(v *shape.Value) bool {
	_, ok := r.params[v]
	return ok
}

// liveValues returns the values from which a graph output is computed;
// parameters read only elsewhere receive no gradient and no update.
func liveValues(g *shape.GraphResult) map[*shape.Value]bool {
	live := map[*shape.Value]bool{}
	for _, v := range g.Outputs {
		live[v] = true
	}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		if nr := g.Nodes[i]; anyLive(nr.Outputs, live) {
			for _, in := range nr.Inputs {
				if in != nil {
					live[in] = true
				}
			}
		}
	}
	return live
}

func anyLive(vs []*shape.Value, live map[*shape.Value]bool) bool {
	for _, v := range vs {
		if v != nil && live[v] {
			return true
		}
	}
	return false
}

// count is the backward count of a graph with some parameters frozen.
func count(g *shape.GraphResult, freeze []*regexp.Regexp, table *fpo.Table, tied map[*shape.Value]*shape.Value) *Report {
	rep := &Report{BackwardByOp: map[string]sym.Expr{}, paramGrad: map[*shape.Value]sym.Expr{}}
	live := liveValues(g)
	p := findParams(g, live, freeze, rep, tied)

	// Which values carry a gradient: those computed, through differentiable
	// inputs, from a trainable parameter, and from which a graph output (the
	// loss's input) is computed.
	needs := map[*shape.Value]bool{}
	for v, trainable := range p.state {
		needs[v] = trainable
	}
	for _, nr := range g.Nodes {
		if p.aliases[nr] || nonDifferentiable[nr.Node.OpType] {
			continue
		}
		flows := false
		for i, v := range nr.Inputs {
			if v != nil && needs[v] && gradSlot(nr.Node.Domain, nr.Node.OpType, i) {
				flows = true
			}
		}
		if !flows {
			continue
		}
		for _, v := range nr.Outputs {
			if v != nil && (v.DType.IsFloat() || v.Kind != onnx.KindTensor) {
				needs[v] = true
			}
		}
	}
	// Backward rules, and gradient accumulation for values read more than once.
	uses := map[*shape.Value]int{}
	for _, nr := range g.Nodes {
		if p.aliases[nr] {
			continue
		}
		gradOut := false
		for _, v := range nr.Outputs {
			if v != nil && needs[v] && live[v] {
				gradOut = true
			}
		}
		if !gradOut {
			continue
		}
		need := make([]bool, len(nr.Inputs))
		anyNeed := false
		for i, v := range nr.Inputs {
			if v != nil && needs[v] && gradSlot(nr.Node.Domain, nr.Node.OpType, i) {
				need[i] = true
				anyNeed = true
			}
		}
		if !anyNeed {
			continue
		}
		rep.NodesWithGrad++
		key := nr.Node.OpType
		if nr.Node.Domain != "" {
			key = nr.Node.Domain + "." + key
		}
		rule := LookupRule(nr.Node.Domain, nr.Node.OpType)
		if rule == nil {
			rep.Uncounted = append(rep.Uncounted, fpo.Uncounted{Node: nr.Node.Name, OpType: nr.Node.OpType, Domain: nr.Node.Domain, Reason: "no backward rule"})
			continue
		}
		var grads []Grad
		var err error
		what := "its backward (operator rule)"
		fpo.AttributeOverflow(nr, &what, func() { grads, err = rule(&fpo.Node{NodeResult: nr}, need) })
		if err != nil {
			rep.Uncounted = append(rep.Uncounted, fpo.Uncounted{Node: nr.Node.Name, OpType: nr.Node.OpType, Domain: nr.Node.Domain, Reason: err.Error()})
			continue
		}
		fpo.AttributeOverflow(nr, &what, func() {
			for i, gr := range grads {
				if i >= len(need) || !need[i] {
					continue
				}
				uses[nr.Inputs[i]]++
				what = fmt.Sprintf("the backward FPO of its input %d", i)
				f := gr.Ops.FPO(table)
				what = fmt.Sprintf("the backward totals through it (%s FPO added for input %d)", f, i)
				rep.Backward = rep.Backward.Add(f)
				rep.BackwardMACs = rep.BackwardMACs.Add(gr.MACs)
				rep.BackwardByOp[key] = rep.BackwardByOp[key].Add(f)
				if v := nr.Inputs[i]; p.state[v] {
					rep.WeightGrad = rep.WeightGrad.Add(f)
					rep.paramGrad[v] = rep.paramGrad[v].Add(f)
				} else {
					rep.InputGrad = rep.InputGrad.Add(f)
				}
			}
		})
		switch nr.Node.OpType {
		case "Conv", "MatMul", "Gemm":
			if x := nr.Inputs[0]; x != nil && !need[0] && x.DType.IsFloat() {
				if _, stored := p.state[x]; !stored {
					rep.FirstLayerSkips = append(rep.FirstLayerSkips, nr.Node.Name)
				}
			}
		}
	}
	// A tied weight's gradients from all its stored copies are summed into one.
	for v, o := range tied {
		if uses[v] > 0 && uses[o] > 0 {
			uses[o] += uses[v]
			delete(uses, v)
		}
	}
	for v, k := range uses {
		if k > 1 {
			if n, ok := v.NumElements(); ok {
				rep.Accumulate = rep.Accumulate.Add(n.MulInt(int64(k - 1)).MulInt(table[fpo.Add]))
			}
		}
	}
	rep.Backward = rep.Backward.Add(rep.Accumulate)
	return rep
}

func compileGlobs(pats []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range pats {
		if p == "" {
			return nil, fmt.Errorf("empty freeze pattern")
		}
		var b strings.Builder
		b.WriteString("^")
		for _, r := range p {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		re, err := regexp.Compile(b.String())
		if err != nil {
			return nil, fmt.Errorf("freeze pattern %q: %w", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

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
	// included; '?' one character). A parameter is frozen when its
	// initializer name matches, or when every node that reads it has a
	// matching name (PyTorch exports name nodes by module path, such as
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
	Uncounted       []fpo.Uncounted
	NodesWithGrad   int
	FirstLayerSkips []string // nodes whose data input needs no gradient
}

// Count computes the backward and optimizer cost of a model whose forward
// pass was counted in fwd.
func Count(res *shape.Result, fwd *fpo.Report, opts Options) (rep *Report, err error) {
	defer sym.Catch(&err)
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
	g := res.Graph
	rep = &Report{Forward: fwd.FPO, ForwardMACs: fwd.MACs, BackwardByOp: map[string]sym.Expr{}, ForwardByOp: map[string]sym.Expr{}, Optimizer: opts.Optimizer}
	for k, t := range fwd.ByOp {
		rep.ForwardByOp[k] = t.FPO
	}

	// Parameters: floating-point initializers (and float Constant /
	// ConstantOfShape outputs that stand in for weights).
	params := map[*shape.Value]bool{}
	for _, v := range g.Initializers {
		if v.DType.IsFloat() {
			params[v] = true
		}
	}
	for _, nr := range g.Nodes {
		if (nr.Node.OpType == "Constant" || nr.Node.OpType == "ConstantOfShape") && len(nr.Outputs) > 0 && nr.Outputs[0] != nil && nr.Outputs[0].DType.IsFloat() {
			if n, ok := nr.Outputs[0].NumElements(); ok {
				if c, ok := n.IsConst(); ok && c > 1 {
					params[nr.Outputs[0]] = true
				}
			}
		}
	}
	readers := map[*shape.Value][]*shape.NodeResult{}
	for _, nr := range g.Nodes {
		for _, v := range nr.Inputs {
			if v != nil && params[v] {
				readers[v] = append(readers[v], nr)
			}
		}
	}
	trainable := map[*shape.Value]bool{}
	for v := range params {
		frozen := matchAny(freeze, v.Name)
		if !frozen && len(readers[v]) > 0 && len(freeze) > 0 {
			frozen = true
			for _, nr := range readers[v] {
				if !matchAny(freeze, nr.Node.Name) {
					frozen = false
				}
			}
		}
		n := int64(0)
		if dims, ok := v.Dims(); ok {
			if c, err := onnx.NumElements(dims); err == nil {
				n = c
			}
		}
		if frozen {
			rep.FrozenParams += n
			rep.FrozenNames = append(rep.FrozenNames, v.Name)
		} else if len(readers[v]) > 0 {
			trainable[v] = true
			rep.TrainableParams += n
		}
	}
	sort.Strings(rep.FrozenNames)

	// Which values carry a gradient.
	needs := map[*shape.Value]bool{}
	for v := range trainable {
		needs[v] = true
	}
	for _, nr := range g.Nodes {
		if nonDifferentiable[nr.Node.OpType] {
			continue
		}
		flows := false
		for _, v := range nr.Inputs {
			if v != nil && needs[v] {
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
		gradOut := false
		for _, v := range nr.Outputs {
			if v != nil && needs[v] {
				gradOut = true
			}
		}
		if !gradOut {
			continue
		}
		need := make([]bool, len(nr.Inputs))
		anyNeed := false
		for i, v := range nr.Inputs {
			if v != nil && needs[v] {
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
		grads, err := rule(&fpo.Node{NodeResult: nr}, need)
		if err != nil {
			rep.Uncounted = append(rep.Uncounted, fpo.Uncounted{Node: nr.Node.Name, OpType: nr.Node.OpType, Domain: nr.Node.Domain, Reason: err.Error()})
			continue
		}
		for i, gr := range grads {
			if !need[i] {
				continue
			}
			uses[nr.Inputs[i]]++
			f := gr.Ops.FPO(&table)
			rep.Backward = rep.Backward.Add(f)
			rep.BackwardMACs = rep.BackwardMACs.Add(gr.MACs)
			rep.BackwardByOp[key] = rep.BackwardByOp[key].Add(f)
			if trainable[nr.Inputs[i]] {
				rep.WeightGrad = rep.WeightGrad.Add(f)
			} else {
				rep.InputGrad = rep.InputGrad.Add(f)
			}
		}
		for i, v := range nr.Inputs {
			if v != nil && !need[i] && !params[v] && v.DType.IsFloat() && (nr.Node.OpType == "Conv" || nr.Node.OpType == "MatMul" || nr.Node.OpType == "Gemm") && i == 0 {
				rep.FirstLayerSkips = append(rep.FirstLayerSkips, nr.Node.Name)
			}
		}
	}
	for v, k := range uses {
		if k > 1 {
			if n, ok := v.NumElements(); ok {
				a := n.MulInt(int64(k - 1)).MulInt(table[fpo.Add])
				rep.Accumulate = rep.Accumulate.Add(a)
			}
		}
	}
	rep.Backward = rep.Backward.Add(rep.Accumulate)
	rep.Update = sym.Const(rep.TrainableParams).Mul(perParam.FPO(&table))
	return rep, nil
}

func compileGlobs(pats []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range pats {
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

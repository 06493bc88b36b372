package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/greenai/greenai/hf"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

func init() {
	register(&command{
		name:    "fpo",
		summary: "count the floating-point operations (FPO) and MACs of ONNX models",
		usage: `usage: greenai fpo [flags] MODEL [MODEL2 …]

Counts, analytically and exactly, the floating-point operations of one
inference of an ONNX model for the given input shapes: every ADD and MUL,
with other primitives (division, square root, exp, log, tanh, erf,
comparisons…) priced by a documented cost table (docs/fpo.md). MACs
(multiply-accumulates of convolution, matrix-product and recurrent
operators) are reported beside FPO: 1 MAC = 2 FPO. Other counters mix the
two: ptflops, fvcore and torchvision's "GFLOPS" are MACs.

When input dims are symbolic (batch, sequence), the totals are polynomials
in them, e.g. 22.3G·batch + 1.2M·batch·sequence²; --dim evaluates them.
Loop and Scan bodies are multiplied by their trip counts. An If whose
condition is unknown counts its costlier branch and reports both.

With several models, prints them side by side.

` + modelInputsUsage + `

Flags:
` + modelFlagsUsage + `  --json              JSON: {"totals":{"fpo","macs","params","param_bytes",
                      "activation_bytes_peak",…}, "by_op_type":{…}, "nodes":[…],
                      "unsupported":[…], "symbolic":{"fpo","macs"}}; for a config,
                      folder or GGUF file also "source", "weights" (params and
                      bytes by dtype) and "weights_check"
  --csv               one CSV row per node
  --markdown          Markdown tables (totals, by operator type)
  --pprof FILE        write a profile.proto of FPO over the module tree
                      (open with: go tool pprof -http=: FILE)
  --convention NAME   what totals.fpo counts: fpo (default: every ADD/MUL and
                      priced primitives), macs, fvcore (fvcore's
                      FlopCountAnalysis defaults), ptflops (ptflops' module hooks)
  --cost-table FILE   override primitive costs: JSON {"exp": 1, …} or lines
                      "exp = 1"; primitives: add mul div sqrt cmp exp log tanh
                      erf trig pow round rand
  --top N             list the N costliest nodes (default 10)
  --depth N           module-scope depth of the scope breakdown (default 2)
  --strict            exit 1 when any operator is unsupported or uncounted

Exit status: 0 on success, 1 on errors (and with --strict on unsupported
operators), 2 on bad usage.
`,
		run: runFPO,
	})
}

type fpoFlags struct {
	modelFlags
	json, csv, markdown, strict bool
	pprof, convention, table    string
	top, depth                  int
}

// fpoResult is one counted model.
type fpoResult struct {
	path     string
	model    *onnx.Model
	shapes   *shape.Result
	report   *fpo.Report
	symbolic *fpo.Report // counted without --dim bindings (nil when the same as report)
	file     *modelfile.Model
	llm      *llmCount // for a config, folder or GGUF input
}

func runFPO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["fpo"]
	fs := newFlagSet(c, stderr)
	var f fpoFlags
	f.register(fs)
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.csv, "csv", false, "")
	fs.BoolVar(&f.markdown, "markdown", false, "")
	fs.BoolVar(&f.strict, "strict", false, "")
	fs.StringVar(&f.pprof, "pprof", "", "")
	fs.StringVar(&f.convention, "convention", "fpo", "")
	fs.StringVar(&f.table, "cost-table", "", "")
	fs.IntVar(&f.top, "top", 10, "")
	fs.IntVar(&f.depth, "depth", 2, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError("fpo needs at least one model file")
	}
	if f.top < 0 {
		return usageError("--top %d: must be 0 (no node list) or a positive number of nodes", f.top)
	}
	if f.depth < 1 {
		return usageError("--depth %d: must be a positive number of scope levels", f.depth)
	}
	opts, err := f.countOptions()
	if err != nil {
		return err
	}
	var results []*fpoResult
	defer func() {
		for _, r := range results {
			r.model.Close()
		}
	}()
	for _, p := range pos {
		r, err := countModel(p, &f.modelFlags, opts)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	// A failed inference prints nothing on stdout: a half table would pass
	// for a count.
	for _, r := range results {
		if len(r.shapes.Failures) > 0 {
			return &exitError{code: 1, msg: fmt.Sprintf("%s: shape inference failed at %d node(s); first: %s (%s): %s", r.path,
				len(r.shapes.Failures), r.shapes.Failures[0].Node, r.shapes.Failures[0].Op, firstLine(r.shapes.Failures[0].Err))}
		}
	}
	switch {
	case f.json:
		var outs []any
		for _, r := range results {
			outs = append(outs, fpoJSON(r))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if len(outs) == 1 {
			err = enc.Encode(outs[0])
		} else {
			err = enc.Encode(outs)
		}
	case f.csv:
		err = writeFPOCSV(stdout, results)
	case f.markdown:
		err = writeFPOMarkdown(stdout, results)
	case len(results) > 1:
		writeFPOCompare(stdout, results)
	default:
		writeFPOText(stdout, results[0], f.top, f.depth)
	}
	if err != nil {
		return err
	}
	if f.pprof != "" {
		if len(results) != 1 {
			return usageError("--pprof takes one model")
		}
		if err := writePprof(f.pprof, results[0].report); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s (go tool pprof -http=: %s)\n", f.pprof, f.pprof)
	}
	for _, r := range results {
		if f.strict && (len(r.report.Unsupported) > 0 || len(r.report.Uncounted) > 0) {
			return &exitError{code: 1, msg: fmt.Sprintf("%s: --strict: %d operator type(s) unsupported, %d node(s) uncounted", r.path, len(r.report.Unsupported), len(r.report.Uncounted))}
		}
	}
	return nil
}

func (f *fpoFlags) countOptions() (fpo.Options, error) {
	opts := fpo.Options{Convention: fpo.Convention(f.convention), Table: fpo.DefaultTable()}
	valid := false
	for _, n := range fpo.ConventionNames() {
		if n == f.convention {
			valid = true
		}
	}
	if !valid {
		return opts, usageError("--convention %q: want one of %s", f.convention, strings.Join(fpo.ConventionNames(), ", "))
	}
	if f.table != "" {
		t, err := fpo.ReadTable(f.table)
		if err != nil {
			return opts, err
		}
		opts.Table = t
	}
	return opts, nil
}

// countModel infers and counts a model; when --dim binds symbols it also
// counts the symbolic model so the polynomial can be reported.
func countModel(path string, mf *modelFlags, opts fpo.Options) (*fpoResult, error) {
	file, res, err := openModel(path, mf)
	if err != nil {
		return nil, err
	}
	m := file.Graph
	rep, err := fpo.Count(res, opts)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := &fpoResult{path: path, model: m, shapes: res, report: rep, file: file}
	if file.HF != nil {
		r.llm = newLLMCount(file.HF, hf.Summarize(file.HF, res), rep.FPO, mf.dims, false)
	}
	if len(mf.dims) > 0 {
		free := *mf
		free.dims = nil
		sm, sres, err := loadModel(path, &free)
		if err == nil {
			if srep, err := fpo.Count(sres, opts); err == nil {
				r.symbolic = srep
			}
			sm.Close()
		}
	}
	return r, nil
}

// num renders an expression for JSON: an integer when concrete, else its formula.
func num(e sym.Expr) any {
	if v, ok := e.IsConst(); ok {
		return v
	}
	return e.String()
}

func fpoJSON(r *fpoResult) map[string]any {
	rep := r.report
	totals := map[string]any{
		"fpo":                         num(rep.FPO),
		"macs":                        num(rep.MACs),
		"fpo_from_macs":               num(rep.MACs.MulInt(2)),
		"params":                      rep.Params.Params,
		"params_read_through_aliases": rep.Params.Aliases,
		"params_detail":               rep.Params,
		"param_bytes":                 rep.Params.TotalBytes,
		"param_bytes_by_dtype":        rep.Params.Bytes,
		"activation_bytes":            num(rep.ActivationBytes),
		"activation_bytes_peak":       num(rep.ActivationPeak),
		"bytes_moved":                 num(rep.Bytes),
		"convention":                  string(rep.Convention),
	}
	if !rep.FPO.Equal(rep.FPOMin) {
		totals["fpo_min"] = num(rep.FPOMin)
	}
	prims := map[string]any{}
	for _, p := range fpo.Prims() {
		if v, ok := rep.Ops[p].IsConst(); !ok || v != 0 {
			prims[p.String()] = num(rep.Ops[p])
		}
	}
	totals["primitives"] = prims
	byOp := map[string]any{}
	for k, t := range rep.ByOp {
		byOp[k] = map[string]any{"count": t.Count, "fpo": num(t.FPO), "macs": num(t.MACs), "bytes_moved": num(t.Bytes)}
	}
	var nodes []map[string]any
	for _, nc := range rep.Nodes {
		nm := map[string]any{
			"name": nc.Node.Node.Name, "op_type": nc.Node.Node.OpType, "domain": nc.Node.Node.Domain,
			"fpo": num(nc.FPO), "macs": num(nc.MACs),
		}
		if nc.Graph != "" {
			nm["graph"] = nc.Graph
			nm["runs"] = num(nc.Runs)
		}
		if len(nc.Scope) > 0 {
			nm["scope"] = nc.Scope
		}
		if nc.Err != nil {
			nm["error"] = nc.Err.Error()
		}
		var outs []map[string]any
		for _, v := range nc.Node.Outputs {
			if v != nil {
				outs = append(outs, map[string]any{"name": v.Name, "shape": shape.JSONShape(v), "dtype": v.DType.String()})
			}
		}
		nm["outputs"] = outs
		nodes = append(nodes, nm)
	}
	uns := rep.Unsupported
	if uns == nil {
		uns = []shape.Unsupported{}
	}
	unc := rep.Uncounted
	if unc == nil {
		unc = []fpo.Uncounted{}
	}
	out := map[string]any{
		"model": r.path, "totals": totals, "by_op_type": byOp, "nodes": nodes,
		"unsupported": uns, "uncounted": unc, "cost_table": tableJSON(rep.Table),
	}
	sym := rep
	if r.symbolic != nil {
		sym = r.symbolic
	}
	if len(sym.FPO.Vars()) > 0 {
		out["symbolic"] = map[string]any{"fpo": sym.FPO.String(), "macs": sym.MACs.String(), "fpo_si": units.Expr(sym.FPO), "macs_si": units.Expr(sym.MACs)}
	}
	if len(rep.Notes) > 0 {
		out["notes"] = rep.Notes
	}
	addSourceJSON(out, r.file)
	if r.llm != nil {
		out["language_model"] = r.llm.json()
	}
	if len(r.shapes.Warnings) > 0 {
		out["warnings"] = r.shapes.Warnings
	}
	return out
}

func tableJSON(t fpo.Table) map[string]int64 {
	m := map[string]int64{}
	for _, p := range fpo.Prims() {
		m[p.String()] = t[p]
	}
	return m
}

func writeFPOText(w io.Writer, r *fpoResult, top, depth int) {
	rep := r.report
	fmt.Fprintf(w, "Model        %s\n", r.path)
	var ins []string
	for _, v := range r.shapes.Graph.Inputs {
		ins = append(ins, v.Name+" "+shape.TypeString(v))
	}
	fmt.Fprintf(w, "Inputs       %s\n", strings.Join(ins, "; "))
	fmt.Fprintf(w, "Convention   %s (%s)\n\n", rep.Convention, fpo.ConventionDoc(rep.Convention))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Totals per inference\t\t\n")
	fmt.Fprintf(tw, "  FPO\t%s\t%s\n", short(rep.FPO), exactCol(rep.FPO))
	if !rep.FPO.Equal(rep.FPOMin) {
		fmt.Fprintf(tw, "  FPO (cheaper If branches)\t%s\t%s\n", short(rep.FPOMin), exactCol(rep.FPOMin))
	}
	fmt.Fprintf(tw, "  MACs\t%s\t%s (= %s FPO)\n", short(rep.MACs), exactCol(rep.MACs), short(rep.MACs.MulInt(2)))
	fmt.Fprintf(tw, "  Params\t%s\t%d unique learnable (PyTorch's Σ numel)\n", units.Count(rep.Params.Params), rep.Params.Params)
	fmt.Fprintf(tw, "  Stored\t%s\t%d elements in %d tensors, %s\n", units.Count(rep.Params.Stored), rep.Params.Stored, rep.Params.Tensors, units.Bytes(rep.Params.TotalBytes))
	fmt.Fprintf(tw, "  Activations (sum)\t%s\tbytes\n", short(rep.ActivationBytes))
	fmt.Fprintf(tw, "  Activations (peak live)\t%s\tbytes\n", short(rep.ActivationPeak))
	fmt.Fprintf(tw, "  Data moved\t%s\tbytes by data-movement operators (0 FPO)\n", short(rep.Bytes))
	tw.Flush()
	printParamNotes(w, &rep.Params)
	symRep := rep
	if r.symbolic != nil {
		symRep = r.symbolic
	}
	if len(symRep.FPO.Vars()) > 0 {
		fmt.Fprintf(w, "\nSymbolic (exact)\n  FPO  = %s\n  MACs = %s\n", symRep.FPO.String(), symRep.MACs.String())
	}
	if r.llm != nil {
		r.llm.writeText(w)
	}
	fmt.Fprintln(w, "\nBy operator type")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "op\tcount\tFPO\tMACs\tshare\t\n")
	total := approxF(rep.FPO)
	for _, k := range rep.SortedOps(nil) {
		t := rep.ByOp[k]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", k, t.Count, units.Expr(t.FPO), units.Expr(t.MACs), share(approxF(t.FPO), total))
	}
	tw.Flush()
	scopes := scopeTotals(rep, depth)
	if len(scopes) > 0 {
		fmt.Fprintf(w, "\nBy module scope (depth %d)\n", depth)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "scope\tFPO\tMACs\tshare\t\n")
		for _, s := range scopes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", s.name, units.Expr(s.fpo), units.Expr(s.macs), share(approxF(s.fpo), total))
		}
		tw.Flush()
	}
	if top > 0 {
		fmt.Fprintf(w, "\nTop %d nodes\n", top)
		nodes := append([]*fpo.NodeCost(nil), rep.Nodes...)
		sort.SliceStable(nodes, func(i, j int) bool { return approxF(nodes[i].FPO) > approxF(nodes[j].FPO) })
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "node\top\tFPO\tMACs\toutput\n")
		for i, nc := range nodes {
			if i >= top {
				break
			}
			out := ""
			if len(nc.Node.Outputs) > 0 && nc.Node.Outputs[0] != nil {
				out = shape.ShapeString(nc.Node.Outputs[0])
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", nodeLabel(nc), nc.Node.Node.OpType, units.Expr(nc.FPO), units.Expr(nc.MACs), out)
		}
		tw.Flush()
	}
	if len(rep.Unsupported) > 0 || len(rep.Uncounted) > 0 {
		fmt.Fprintln(w, "\nNot counted (their FPO is missing from the totals)")
		for _, u := range rep.Uncounted {
			fmt.Fprintf(w, "  %s (%s): %s\n", u.Node, u.OpType, u.Reason)
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
	for _, m := range r.shapes.Warnings {
		fmt.Fprintf(w, "\nWarning: %s\n", m)
	}
}

func nodeLabel(nc *fpo.NodeCost) string {
	n := nc.Node.Node.Name
	if n == "" {
		n = "(" + nc.Node.Node.OpType + ")"
	}
	if nc.Graph != "" {
		n = nc.Graph + "/" + n
	}
	return n
}

func exact(e sym.Expr) string {
	if v, ok := e.IsConst(); ok {
		return fmt.Sprint(v)
	}
	return e.String()
}

// short renders an expression for the text table: SI-formatted, or a hint
// when the formula is too long to read (a peak over many incomparable
// polynomials).
func short(e sym.Expr) string {
	s := units.Expr(e)
	if len(s) > 100 {
		return "symbolic (" + fmt.Sprint(len(e.Vars())) + " symbols; bind them with --dim)"
	}
	return s
}

// exactCol is the exact value for concrete totals, empty for symbolic ones
// (their exact polynomial is printed under "Symbolic").
func exactCol(e sym.Expr) string {
	if v, ok := e.IsConst(); ok {
		return fmt.Sprint(v)
	}
	return ""
}

func approxF(e sym.Expr) float64 {
	b := map[string]int64{}
	for _, v := range e.Vars() {
		b[v] = 1
	}
	v, err := e.Eval(b)
	if err != nil {
		return 0
	}
	return float64(v)
}

func share(x, total float64) string {
	if total <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*x/total)
}

type scopeTotal struct {
	name      string
	fpo, macs sym.Expr
}

func scopeTotals(rep *fpo.Report, depth int) []scopeTotal {
	m := map[string]*scopeTotal{}
	var order []string
	for _, nc := range rep.Nodes {
		if len(nc.Scope) == 0 {
			continue
		}
		d := depth
		if d > len(nc.Scope) {
			d = len(nc.Scope)
		}
		k := "/" + strings.Join(nc.Scope[:d], "/")
		s := m[k]
		if s == nil {
			s = &scopeTotal{name: k}
			m[k] = s
			order = append(order, k)
		}
		s.fpo = s.fpo.Add(nc.FPO)
		s.macs = s.macs.Add(nc.MACs)
	}
	out := make([]scopeTotal, 0, len(order))
	for _, k := range order {
		out = append(out, *m[k])
	}
	return out
}

func writeFPOCSV(w io.Writer, results []*fpoResult) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"model", "graph", "node", "op_type", "domain", "scope", "fpo", "macs", "bytes_moved", "output_shape", "error"})
	for _, r := range results {
		for _, nc := range r.report.Nodes {
			out := ""
			if len(nc.Node.Outputs) > 0 && nc.Node.Outputs[0] != nil {
				out = shape.ShapeString(nc.Node.Outputs[0])
			}
			e := ""
			if nc.Err != nil {
				e = nc.Err.Error()
			}
			cw.Write([]string{r.path, nc.Graph, nc.Node.Node.Name, nc.Node.Node.OpType, nc.Node.Node.Domain,
				"/" + strings.Join(nc.Scope, "/"), exact(nc.FPO), exact(nc.MACs), exact(nc.Bytes), out, e})
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeFPOMarkdown(w io.Writer, results []*fpoResult) error {
	fmt.Fprintf(w, "| Model | FPO | MACs | Params | Peak activations |\n|---|---:|---:|---:|---:|\n")
	for _, r := range results {
		rep := r.report
		fmt.Fprintf(w, "| %s | %s | %s | %s | %sB |\n", r.path, units.Expr(rep.FPO), units.Expr(rep.MACs),
			units.Count(rep.Params.Params), units.Expr(rep.ActivationPeak))
	}
	fmt.Fprintf(w, "\nFPO counts every ADD and MUL (convention: %s); 1 MAC = 2 FPO. SI prefixes are decimal.\n", results[0].report.Convention)
	for _, r := range results {
		fmt.Fprintf(w, "\n### %s by operator type\n\n| Operator | Count | FPO | MACs |\n|---|---:|---:|---:|\n", r.path)
		for _, k := range r.report.SortedOps(nil) {
			t := r.report.ByOp[k]
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", k, t.Count, units.Expr(t.FPO), units.Expr(t.MACs))
		}
	}
	return nil
}

func writeFPOCompare(w io.Writer, results []*fpoResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t", r.path)
	}
	fmt.Fprintln(tw)
	row := func(name string, f func(*fpo.Report) string) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t", f(r.report))
		}
		fmt.Fprintln(tw)
	}
	row("FPO", func(r *fpo.Report) string { return units.Expr(r.FPO) })
	row("MACs", func(r *fpo.Report) string { return units.Expr(r.MACs) })
	row("Params", func(r *fpo.Report) string { return units.Count(r.Params.Params) })
	row("Param bytes", func(r *fpo.Report) string { return units.Bytes(r.Params.TotalBytes) })
	row("Peak activations (B)", func(r *fpo.Report) string { return units.Expr(r.ActivationPeak) })
	row("Uncounted nodes", func(r *fpo.Report) string { return fmt.Sprint(len(r.Uncounted)) })
	ops := map[string]bool{}
	for _, r := range results {
		for k := range r.report.ByOp {
			ops[k] = true
		}
	}
	var keys []string
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(tw, "FPO by operator type\t")
	for _, k := range keys {
		row("  "+k, func(r *fpo.Report) string {
			if t := r.ByOp[k]; t != nil {
				return units.Expr(t.FPO)
			}
			return "-"
		})
	}
	tw.Flush()
}

func writeFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o644)
}

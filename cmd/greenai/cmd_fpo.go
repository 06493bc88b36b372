package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/shape"
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
Shares of symbolic counts are evaluated at each symbol = 1 unless --dim
binds it; the tables say at which point. A scope's row includes its
children. Loop and Scan bodies are multiplied by their trip counts. An If whose
condition is unknown counts its costlier branch and reports both.

With several models, prints them side by side.

` + modelInputsUsage + `

Flags:
` + modelFlagsUsage + `  --json              JSON (version greenai.fpo/1, docs/schema/fpo.schema.json):
                      {"totals":{"fpo","macs","params","param_bytes",
                      "activation_bytes_peak",…}, "by_op_type":{…},
                      "by_scope":[…], "nodes":[…], "unsupported":[…],
                      "symbolic":{"fpo","macs"}}; for a config, folder or
                      GGUF file also "source", "weights" (params and bytes
                      by dtype) and "weights_check"
  --csv               one CSV row per node
  --models-csv        one CSV row per model: the models table of greenai
                      report pareto (model,group,params,macs,fpo,acc1; fill
                      in acc1)
  --markdown, --latex paper tables (totals, by operator type)
  --exact             print polynomials whole (by default the text is cut
                      to the terminal width: $COLUMNS, else 80)
  --pprof FILE        write a profile.proto over the module tree, opening on
                      the convention's unit (go tool pprof -http=: FILE)
  --convention NAME   what totals.fpo counts: fpo (default: every ADD/MUL and
                      priced primitives), macs, fvcore (fvcore's
                      FlopCountAnalysis defaults), ptflops (ptflops' module
                      hooks)
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
	json, csv, modelsCSV, markdown, latex, strict, exact bool
	pprof, convention, table                             string
	top, depth                                           int
}

// fpoResult is one counted model.
type fpoResult struct {
	path     string
	model    *onnx.Model
	shapes   *shape.Result
	report   *fpo.Report
	symbolic *fpo.Report // counted without --dim bindings (nil when the same as report)
	file     *modelfile.Model
}

func runFPO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["fpo"]
	fs := newFlagSet(c, stderr)
	var f fpoFlags
	f.register(fs)
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.csv, "csv", false, "")
	fs.BoolVar(&f.markdown, "markdown", false, "")
	fs.BoolVar(&f.latex, "latex", false, "")
	fs.BoolVar(&f.modelsCSV, "models-csv", false, "")
	fs.BoolVar(&f.exact, "exact", false, "")
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
	if n := btoi(f.json) + btoi(f.csv) + btoi(f.modelsCSV) + btoi(f.markdown) + btoi(f.latex); n > 1 {
		return usageError("give at most one of --json, --csv, --models-csv, --markdown and --latex")
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
	docs := make([]*report.FPODoc, len(results))
	for i, r := range results {
		docs[i] = report.NewFPO(r.path, r.shapes, r.report, r.symbolic)
		addSource(docs[i], r.file)
		if r.file != nil && r.file.HF != nil {
			docs[i].LanguageModel = report.NewLLM(r.file.HF, hf.Summarize(r.file.HF, r.shapes), r.report.FPO, "forward pass", dimBindings(f.dims), false)
		}
	}
	format := report.Plain
	switch {
	case f.json:
		format = "json"
	case f.csv:
		format = report.CSV
	case f.modelsCSV:
		format = "models-csv"
	case f.markdown:
		format = report.Markdown
	case f.latex:
		format = report.LaTeX
	}
	view := report.FPOView{Top: f.top, Depth: f.depth, Width: termWidth(), Exact: f.exact}
	if err := report.WriteFPO(stdout, format, docs, view); err != nil {
		return err
	}
	if f.modelsCSV {
		fmt.Fprintln(stderr, "greenai: fill in acc1 (each model's top-1 accuracy) before greenai report pareto reads the table")
	}
	if f.pprof != "" {
		if len(results) != 1 {
			return usageError("--pprof takes one model")
		}
		var buf bytes.Buffer
		if err := docs[0].WritePprof(&buf); err != nil {
			return fmt.Errorf("--pprof: %w", err)
		}
		if err := writeFile(f.pprof, buf.Bytes()); err != nil {
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
// counts the symbolic model so the polynomial can be reported. The symbolic
// count runs first and only its totals are kept (all the report shows of
// it), so two counted graphs are never in memory at once.
func countModel(path string, mf *modelFlags, opts fpo.Options) (*fpoResult, error) {
	var symbolic *fpo.Report
	if len(mf.dims) > 0 {
		free := *mf
		free.dims = nil
		sm, sres, err := loadModel(path, &free)
		if err == nil {
			if srep, err := fpo.Count(sres, opts); err == nil {
				symbolic = &fpo.Report{FPO: srep.FPO, MACs: srep.MACs}
			}
			sm.Close()
		}
	}
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
	return &fpoResult{path: path, model: m, shapes: res, report: rep, file: file, symbolic: symbolic}, nil
}

func writeFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o644)
}

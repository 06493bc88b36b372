package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/internal/runsource"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/report"
)

func init() {
	register(&command{
		name:    "report",
		summary: "budget views: accuracy vs FPO with Pareto front (Figure 4), training curves, data size",
		usage:   reportUsage,
		run:     runReport,
	})
}

const reportUsage = `Usage:
  greenai report pareto   [flags] MODELS.csv   accuracy against FPO, MACs and
                                               parameters
  greenai report trials   [flags] TRIALS.csv   each trial's score against its
                                               cost
  greenai report trials   --runs --metric NAME [flags]
  greenai report curves   [flags] RECORDS...   training metric against
                                               cumulative cost
  greenai report curves   --runs [flags]
  greenai report datasize [flags] RESULTS.csv    score against training-set size

Budget views of results, each as a table (standard output) and, with --plot,
a figure. Inputs are CSV (header row; '#' starts a comment line), TSV, or
JSONL (one JSON object per line); the format is taken from the extension
(.csv, .tsv, .jsonl, .ndjson) or else from the content. Column names are
matched without regard to case.

Experiment trackers are inputs too (see docs/measure.md): a TensorBoard
event file or log directory (one run per directory), an MLflow mlruns
folder (or one experiment of it), or an MLflow tracking server given as
mlflow+http://HOST:PORT?experiment=NAME. Curves get one record per run and
step (columns run, step, timestamp, the run's params and every metric);
trials one row per run (its params and each metric's last value).

report pareto: Green AI's Figure 4. MODELS.csv has the columns
    model,params,macs,fpo,acc1        (and optionally group)
  one row per model: parameter count, multiply-accumulates and FPO per
  example (one forward pass), and top-1 accuracy (a fraction or a
  percentage). params, macs or fpo may be empty in a row: the model is then
  left out of that panel, with a warning. group names the series (for
  example "leading models" and "ResNet depth"). The figure has one panel
  per axis: accuracy against FPO, against MACs (the same compute in the MAC
  convention, 1 MAC = 2 FPO for the multiply-accumulates) and against
  parameters, all on log axes, with labelled points and the Pareto front
  (no other model is both cheaper and more accurate) drawn in red.
    --axes LIST        panels, from fpo, macs, params (default fpo,macs,params)
    --connect GROUP    join the points of GROUP with a line, in x order, to
                       show a sweep's diminishing returns (repeatable)

report trials: TRIALS.csv has the columns model,score and per-trial costs
  (see "greenai help evp"); one point per trial, one series per model,
  Pareto front over all trials.
    --cost COL         the cost column for the x axis (required), for
                       example fpo, seconds or kwh
    --score COL        the score column (default score)
    --model COL        the model column (default model)
    --labels           write the model name next to every point
  With --runs, the trials are the runs recorded by "greenai run", as for
  "greenai evp --runs" (see "greenai help evp"): --metric NAME scores a
  run, --metric-agg, --group-by, --include-failed, and the costs fpo,
  seconds, cpu_seconds, kwh and co2_kg. Points are labelled by run id.

report curves: per-step records such as
    {"run":"base","step":100,"val_acc":0.71,"fpo":1.2e15}
  (JSONL) or the same as CSV columns, from one or more files. Records that
  lack the metric (training-loss records between evaluations) add their
  cost but no point; within a run records are ordered by step if there is a
  step column.
    --y COL            the metric (required), e.g. val_acc
    --x COL            the cost axis (default fpo); kwh, seconds, … work too
    --increments       each record's x is the cost since the previous record
                       of the run (summed); default: x is already cumulative
    --group COL        the column naming the run (default run, else model,
                       else one curve per file)
  With more than 8 runs the figure draws each model (the model column of
  records named by run; with --runs, the model of --group-by) as one line,
  the mean of its runs, in a band from their minimum to their maximum (runs
  interpolated linearly between their points), with the legend outside the
  axes; the table still lists every run.
  With --runs, each run recorded by "greenai run" is a curve (named by its
  model and trial, or run id) and each of its metric records with the --y
  metric is a point. A record at a step the run reported ({"step": N}) is
  placed at the time, energy and FPO greenai run recorded at that step;
  other records are prorated from the run's totals, and the table says how:
    --x seconds        the time from the run's start to the record's
                       "timestamp" or "time" field (Unix seconds or RFC
                       3339); without one, step ÷ total steps × wall time
    --x fpo            step ÷ total steps × the run's FPO (recorded with
                       --model and --spec); records without a step:
                       elapsed ÷ wall time × the FPO
    --x kwh            the run's energy prorated by time: elapsed ÷ wall
                       time × energy; records without a timestamp: step ÷
                       total steps × energy
  Total steps is the run's --param total_steps when given, else the largest
  step it recorded.

report datasize: RESULTS.csv has the columns model, train_size and score;
  repeated runs (seeds) at one size are averaged and shown as mean ±1 sd.
    --size COL         the training-set size column (default train_size)
    --score COL        the score column (default score)
    --model COL        the model column (default model)

Runs store (report trials and report curves, with --runs):
  --db PATH|URL        the database (default $GREENAI_DB, else the per-user
                       SQLite database, as for "greenai runs")
  --experiment NAME    only runs of this experiment
  --tag LABEL          only runs with this tag or KEY=VALUE parameter
                       (repeatable)
  --group-by PARAM     the model of a run: a --param name, or experiment
                       (default: the model parameter, else the experiment)
  --include-failed     keep runs that did not finish (left out and counted
                       on standard error by default)

Output (all subcommands):
  (default)            a table fitted to the terminal ($COLUMNS, 80 by default)
  --markdown           the table as Markdown
  --latex              the table as a LaTeX booktabs table
  --csv                the table as CSV (numbers at full precision)
  --json               the tables as a JSON document (version
                       greenai.report/1, schema docs/schema/report.schema.json):
                       {"version", "view", "tables": [{"caption", "columns",
                       "rows": [{COLUMN: value}], "notes"}]}, numbers at full
                       precision
  -o FILE              write the table to FILE instead of standard output
  --plot FILE          draw the figure to FILE; the extension picks the
                       format: .svg, .png, .pdf, or .tex (a PGF picture to
                       \input after \usepackage{tikz}). Repeatable.
  --logx MODE          x axis: auto (log when the data span two decades or
                       more), linear or log
  --logy MODE          y axis, likewise

Tick labels carry decimal SI prefixes: k = 1e3, M = 1e6, G = 1e9, T = 1e12,
P = 1e15.

Examples:
  greenai report pareto models.csv --plot fig4.pdf --connect "ResNet depth"
  greenai report trials trials.csv --cost kwh --plot front.svg --markdown
  greenai report curves train.jsonl --y val_acc --x fpo --plot curve.png
  greenai report curves --runs --experiment sst2 --y val_acc --x kwh
`

// outputFlags are the output flags the report commands share.
type outputFlags struct {
	view                 string // the report view, for --json
	markdown, latex, csv bool
	out                  string
	plots                multiFlag
	logx, logy           string
}

func (o *outputFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.markdown, "markdown", false, "table as Markdown")
	fs.BoolVar(&o.latex, "latex", false, "table as LaTeX")
	fs.BoolVar(&o.csv, "csv", false, "table as CSV")
	fs.StringVar(&o.out, "o", "", "write the table to FILE")
	fs.Var(&o.plots, "plot", "draw the figure to FILE (.svg, .png, .pdf, .tex); repeatable")
	fs.StringVar(&o.logx, "logx", "auto", "x axis scale: auto, linear or log")
	fs.StringVar(&o.logy, "logy", "auto", "y axis scale: auto, linear or log")
}

// format returns the table format chosen by the flags; extra names other
// mutually exclusive output flags that are set (like --json).
func (o *outputFlags) format(extra map[string]bool) (string, error) {
	chosen := map[string]bool{"--markdown": o.markdown, "--latex": o.latex, "--csv": o.csv}
	for k, v := range extra {
		chosen[k] = v
	}
	var set []string
	for k, v := range chosen {
		if v {
			set = append(set, k)
		}
	}
	if len(set) > 1 {
		slices.Sort(set)
		return "", usageError("choose one output format, not %s", strings.Join(set, " and "))
	}
	switch {
	case o.markdown:
		return report.Markdown, nil
	case o.latex:
		return report.LaTeX, nil
	case o.csv:
		return report.CSV, nil
	}
	return report.Plain, nil
}

// scales parses --logx and --logy.
func (o *outputFlags) scales() (x, y plot.Scale, err error) {
	if x, err = plot.ParseScale(o.logx); err != nil {
		return x, y, usageError("--logx: %v", err)
	}
	if y, err = plot.ParseScale(o.logy); err != nil {
		return x, y, usageError("--logy: %v", err)
	}
	return x, y, nil
}

// checkPlots validates the --plot file names before any work is done.
func (o *outputFlags) checkPlots() error {
	for _, p := range o.plots {
		if _, err := plot.FormatOf(p); err != nil {
			return usageError("--plot %s: want a .svg, .png, .pdf or .tex file", p)
		}
	}
	return nil
}

// savePlots draws fig to every --plot file and reports each on stderr.
func (o *outputFlags) savePlots(fig *plot.Figure, stderr io.Writer) error {
	for _, p := range o.plots {
		if err := fig.Save(p); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "greenai: wrote %s\n", p)
	}
	return nil
}

// emit writes the rendered output to -o FILE or stdout.
func (o *outputFlags) emit(stdout io.Writer, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if o.out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(o.out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// tables writes tables in the chosen format (text fitted to the
// terminal), or as the report view's JSON document.
func (o *outputFlags) tables(stdout io.Writer, format string, tables ...*report.Table) error {
	if format == "json" {
		return o.emit(stdout, report.NewReport(o.view, tables...).WriteJSON)
	}
	if format == report.Plain {
		for _, t := range tables {
			t.Width = termWidth()
		}
	}
	return o.emit(stdout, func(w io.Writer) error { return report.WriteTables(w, format, tables...) })
}

// runsFlags read trials or training curves from the runs store of
// "greenai run" instead of files.
type runsFlags struct {
	on                   bool
	db, experiment       string
	tags                 multiFlag
	metric, agg, groupBy string
	includeFailed        bool
}

// register adds the runs flags; withMetric adds --metric and --metric-agg
// (the score of a trial), which curves do not need.
func (r *runsFlags) register(fs *flag.FlagSet, withMetric bool) {
	fs.BoolVar(&r.on, "runs", false, "read runs recorded by greenai run")
	fs.StringVar(&r.db, "db", "", "runs database (default $GREENAI_DB, else the per-user one)")
	fs.StringVar(&r.experiment, "experiment", "", "only runs of this experiment")
	fs.Var(&r.tags, "tag", "only runs with this tag or KEY=VALUE parameter (repeatable)")
	fs.StringVar(&r.groupBy, "group-by", "", "model of a run: experiment, or a parameter")
	fs.BoolVar(&r.includeFailed, "include-failed", false, "keep runs that did not finish")
	if withMetric {
		fs.StringVar(&r.metric, "metric", "", "the metric that is a run's score")
		fs.StringVar(&r.agg, "metric-agg", runsource.AggBest, "best, last, max or min over the run's records")
	}
}

// check rejects runs flags without --runs, and input files with it.
func (r *runsFlags) check(cmd string, pos []string) error {
	if !r.on {
		if r.db != "" || r.experiment != "" || len(r.tags) > 0 || r.metric != "" || r.groupBy != "" || r.includeFailed || (r.agg != "" && r.agg != runsource.AggBest) {
			return usageError("%s: --db, --experiment, --tag, --metric, --metric-agg, --group-by and --include-failed select runs: add --runs", cmd)
		}
		return nil
	}
	if len(pos) > 0 {
		return usageError("%s: --runs reads the runs store; name no input files (got %q)", cmd, pos)
	}
	return nil
}

// load opens the store (--db, else $GREENAI_DB, else the per-user
// database, as for "greenai runs") and selects the runs, saying on stderr
// how many it read and left out.
func (r *runsFlags) load(ctx context.Context, stderr io.Writer) (*runsource.Set, error) {
	target := store.Target(r.db, os.Getenv)
	if !store.IsPostgres(target) {
		// Reading must not create an empty database.
		if _, err := os.Stat(target); err != nil {
			return nil, fmt.Errorf("no runs database at %s (record runs with \"greenai run\", or name a database with --db or $%s)", target, store.EnvDB)
		}
	}
	st, err := store.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	where := st.Where()
	if !store.IsPostgres(target) {
		where = report.DisplayPath(where) // no absolute local paths in reports
	}
	set, err := runsource.Load(ctx, st, where, store.Filter{Experiment: r.experiment, Tags: r.tags}, r.includeFailed)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(stderr, "greenai:", set.Summary())
	return set, nil
}

// trials loads the runs as trials scored by --metric, checks that each has
// the cost columns costs, and says on stderr what was left out and which
// costs are not measurements.
func (r *runsFlags) trials(ctx context.Context, stderr io.Writer, cmd string, lower bool, costs ...string) (*runsource.Set, *runsource.TrialSet, error) {
	if r.metric == "" {
		return nil, nil, usageError("%s: --runs needs --metric NAME, the metric that scores a run (for example --metric val_acc)", cmd)
	}
	set, err := r.load(ctx, stderr)
	if err != nil {
		return nil, nil, err
	}
	ts, err := set.Trials(runsource.TrialOptions{Metric: r.metric, Agg: r.agg, LowerIsBetter: lower, GroupBy: r.groupBy})
	if err != nil {
		return nil, nil, err
	}
	for _, c := range costs {
		if c == "" {
			continue
		}
		if err := ts.RequireCost(c); err != nil {
			return nil, nil, err
		}
	}
	say(stderr, "", ts.Notes)
	say(stderr, "warning: ", runsource.Warnings(ts.Runs, costs...))
	return set, ts, nil
}

// say prints lines on stderr after "greenai: " and prefix.
func say(stderr io.Writer, prefix string, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(stderr, "greenai: "+prefix+l)
	}
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, reportUsage)
		return usageError("report: name a view: pareto, trials, curves or datasize")
	}
	views := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"pareto":   reportPareto,
		"trials":   reportTrials,
		"curves":   reportCurves,
		"datasize": reportDataSize,
	}
	view, ok := views[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
			fmt.Fprint(stdout, reportUsage)
			return nil
		}
		return usageError("report: unknown view %q (want pareto, trials, curves or datasize)", args[0])
	}
	return view(ctx, args[1:], stdout, stderr)
}

// reportFlags parses a view's flags: the shared output flags plus the
// view's own, set up by extra.
func reportFlags(view string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*outputFlags, []string, string, error) {
	fs := newFlagSet(commands["report"], stderr)
	o := &outputFlags{view: view}
	o.register(fs)
	asJSON := fs.Bool("json", false, "the tables as a JSON document")
	extra(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, nil, "", err
	}
	format, err := o.format(map[string]bool{"--json": *asJSON})
	if err != nil {
		return nil, nil, "", err
	}
	if *asJSON {
		format = "json"
	}
	if err := o.checkPlots(); err != nil {
		return nil, nil, "", err
	}
	return o, pos, format, nil
}

func oneFile(view string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", usageError("report %s: want exactly one input file, got %d", view, len(pos))
	}
	return pos[0], nil
}

func reportPareto(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var axes string
	var connect multiFlag
	o, pos, format, err := reportFlags("pareto", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&axes, "axes", "fpo,macs,params", "panels: fpo, macs, params")
		fs.Var(&connect, "connect", "join the points of GROUP (repeatable)")
	})
	if err != nil {
		return err
	}
	path, err := oneFile("pareto", pos)
	if err != nil {
		return err
	}
	models, err := report.ReadModels(path)
	if err != nil {
		return err
	}
	cmp := &report.ModelComparison{Models: models, Connect: map[string]bool{}}
	for _, g := range connect {
		cmp.Connect[g] = true
	}
	axisList := strings.Split(axes, ",")
	for i := range axisList {
		axisList[i] = strings.ToLower(strings.TrimSpace(axisList[i]))
	}
	views, warnings, err := cmp.Views(axisList)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "greenai: warning:", w)
	}
	x, y, err := o.scales()
	if err != nil {
		return err
	}
	for _, v := range views {
		if o.logx != "auto" {
			v.X.Scale = x
		}
		v.Y.Scale = y
	}
	if err := o.savePlots(report.Figure(views), stderr); err != nil {
		return err
	}
	return o.tables(stdout, format, cmp.Table(views, axisList))
}

func reportTrials(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cost, score, model string
	var labels bool
	var rf runsFlags
	o, pos, format, err := reportFlags("trials", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&cost, "cost", "", "cost column for the x axis")
		fs.StringVar(&score, "score", "score", "score column")
		fs.StringVar(&model, "model", "model", "model column")
		fs.BoolVar(&labels, "labels", false, "label every point")
		rf.register(fs, true)
	})
	if err != nil {
		return err
	}
	if err := rf.check("report trials", pos); err != nil {
		return err
	}
	if cost == "" {
		return usageError("report trials: --cost COL is required (for example --cost fpo)")
	}
	cost = strings.ToLower(cost)
	var trials []report.Trial
	var ts *runsource.TrialSet
	if rf.on {
		if score != "score" || model != "model" {
			return usageError("report trials: with --runs, --metric names the score and --group-by the model")
		}
		if _, ts, err = rf.trials(ctx, stderr, "report trials", false, cost); err != nil {
			return err
		}
		trials, score = ts.Trials, strings.ToLower(rf.metric)
	} else {
		path, err := oneFile("trials", pos)
		if err != nil {
			return err
		}
		if trials, err = (report.FileTrials{Path: path, Options: report.TrialOptions{
			ModelColumn: model, ScoreColumn: score, CostColumns: []string{cost}}}).Trials(); err != nil {
			return err
		}
	}
	v, err := report.TrialsView(trials, cost, score, labels)
	if err != nil {
		return err
	}
	if ts != nil {
		// One point per trial, in order: label each with its run.
		for i := range v.Points {
			v.Points[i].Label = ts.Runs[i].ID
		}
	}
	if v.X.Scale, v.Y.Scale, err = o.scales(); err != nil {
		return err
	}
	if err := o.savePlots(report.Figure([]*report.ScatterView{v}), stderr); err != nil {
		return err
	}
	t := v.Table()
	if ts != nil {
		t.Notes = append(t.Notes, ts.About)
	}
	return o.tables(stdout, format, t)
}

func reportCurves(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts report.CurveOptions
	var rf runsFlags
	o, pos, format, err := reportFlags("curves", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&opts.Y, "y", "", "metric column")
		fs.StringVar(&opts.X, "x", "fpo", "cost column")
		fs.BoolVar(&opts.Increments, "increments", false, "x holds per-record increments")
		fs.StringVar(&opts.Group, "group", "", "run column")
		rf.register(fs, false)
	})
	if err != nil {
		return err
	}
	if err := rf.check("report curves", pos); err != nil {
		return err
	}
	if opts.Y == "" {
		return usageError("report curves: --y COL is required (for example --y val_acc)")
	}
	x, y := strings.ToLower(opts.X), strings.ToLower(opts.Y)
	var curves []report.TrainingCurve
	var notes []string
	if rf.on {
		if opts.Increments || opts.Group != "" {
			return usageError("report curves: --increments and --group are for files; with --runs each run is a curve, named by --group-by")
		}
		set, err := rf.load(ctx, stderr)
		if err != nil {
			return err
		}
		cs, err := set.Curves(runsource.CurveOptions{Y: y, X: x, GroupBy: rf.groupBy})
		if err != nil {
			return err
		}
		say(stderr, "", cs.Notes)
		say(stderr, "warning: ", runsource.Warnings(cs.Runs, x))
		if format == report.CSV {
			// CSV has no notes: say the proration where people see it.
			say(stderr, "", cs.Proration)
		}
		curves, notes = cs.Curves, cs.Proration
	} else {
		if len(pos) == 0 {
			return usageError("report curves: name at least one records file (or --runs)")
		}
		var inputs []*report.Input
		for _, p := range pos {
			in, err := report.ReadFile(p)
			if err != nil {
				return err
			}
			inputs = append(inputs, in)
		}
		if curves, err = report.CurvesFromInputs(inputs, opts); err != nil {
			return err
		}
	}
	xa, ya := report.ColumnAxis(x), report.ColumnAxis(y)
	if xa.Scale, ya.Scale, err = o.scales(); err != nil {
		return err
	}
	if err := o.savePlots(report.CurvesFigure(curves, xa, ya), stderr); err != nil {
		return err
	}
	t := report.CurvesTable(curves, x, y)
	t.Notes = append(t.Notes, notes...)
	return o.tables(stdout, format, t)
}

func reportDataSize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts report.SizeOptions
	o, pos, format, err := reportFlags("datasize", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&opts.Size, "size", "train_size", "training-set size column")
		fs.StringVar(&opts.Score, "score", "score", "score column")
		fs.StringVar(&opts.Model, "model", "model", "model column")
	})
	if err != nil {
		return err
	}
	path, err := oneFile("datasize", pos)
	if err != nil {
		return err
	}
	in, err := report.ReadFile(path)
	if err != nil {
		return err
	}
	opts.Size, opts.Score, opts.Model = strings.ToLower(opts.Size), strings.ToLower(opts.Score), strings.ToLower(opts.Model)
	curves, err := report.SizeCurves(in, opts)
	if err != nil {
		return err
	}
	fig := report.SizeFigure(curves, opts.Size, opts.Score)
	x, y, err := o.scales()
	if err != nil {
		return err
	}
	fig.Panels[0].X.Scale, fig.Panels[0].Y.Scale = x, y
	if err := o.savePlots(fig, stderr); err != nil {
		return err
	}
	return o.tables(stdout, format, report.SizeTable(curves, opts.Size, opts.Score))
}

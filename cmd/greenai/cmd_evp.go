package main

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/internal/runsource"
	"github.com/greenai/greenai/report"
)

func init() {
	register(&command{
		name:    "evp",
		summary: "expected validation performance against the tuning budget (Show Your Work)",
		usage:   evpUsage,
		run:     runEVP,
	})
}

const evpUsage = `Usage:
  greenai evp [flags] TRIALS...
  greenai evp --runs --metric NAME [flags]

Expected maximum validation performance: how good a model is expected to
look after a hyperparameter search of n trials, for every budget n, from the
trials you ran (Dodge et al. 2019, "Show Your Work"). Reporting the curve
instead of the single best score shows what a result cost to find, and at
which budget one model overtakes another.

With the N trial scores of a model sorted, v(1) ≤ … ≤ v(N),
    E[max of n] = Σ_i v(i)·(F_n(i) − F_n(i−1))
with two estimators of F_n(i), the probability that the best of n trials is
at most v(i):
  with replacement      F_n(i) = (i/N)^n, the original paper's; any n
  without replacement   F_n(i) = C(i,n)/C(N,n), unbiased; n ≤ N
Both also give the standard deviation of the best of n. Tied scores are
handled exactly; N in the hundreds of thousands is fine.

Input from trackers: a TensorBoard log directory, an MLflow mlruns folder or
mlflow+http://HOST:PORT?experiment=NAME gives one trial per run: its params
and each metric's last value as columns (choose them with --score and
--model).

Input: one or more CSV, TSV or JSONL files of trials (format from the
extension, else from the content), one row or object per trial:
  model           the model or approach; one curve each (required)
  score           the validation score, higher is better unless
                  --lower-is-better (required)
  fpo, macs, seconds, hours, gpu_hours, kwh, joules, co2_kg, cost_NAME
                  optional per-trial costs (numbers ≥ 0; empty = unknown)
  anything else   a hyperparameter (reported for the best trial)
Example CSV:
  model,score,fpo,seconds,lr
  bert,0.912,3.1e16,5400,2e-5
JSONL objects may nest hyperparameters under "params" and costs under
"costs". Lines starting with '#' are comments. A single trial gives the
degenerate curve E = that score, sd = 0.

Input from the runs store (--runs): every run that "greenai run" recorded
and that matches --experiment and --tag is a trial:
  model           the run's --param model=…, else its --experiment
                  (--group-by PARAM or --group-by experiment to choose)
  score           --metric NAME from the JSON lines the program appended
                  to $GREENAI_METRICS, e.g. {"step":100,"val_acc":0.71}:
                  the best value over the run's records (--metric-agg)
  costs           fpo (the FPO of one training trial, recorded with
                  --model and --spec), seconds (wall), cpu_seconds, kwh
                  (the energy components summed, before PUE) and co2_kg;
                  a cost the run did not record is missing, not 0
  hyperparameters the run's --param values (less the one naming the model)
Runs that did not finish (incomplete, killed, or an exit status other than
0) are left out, and counted on standard error; --include-failed keeps
them. Runs without a value of the metric are left out and named. When kwh
or co2_kg rest on model estimates rather than measurements, or fpo is one
forward pass rather than a training trial, a warning says so.

Flags:
  --score COL       the score column (default score)
  --model COL       the model column (default model)
  --cost COL        put the budget in cost instead of trials: budget =
                    n × the model's mean COL per trial, e.g. --cost fpo,
                    --cost seconds or --cost kwh. Every trial needs COL.
  --max-n N         the largest budget in trials (default: each model's N).
                    Without replacement stops at N regardless.
  --budgets LIST    the budgets n shown in tables, comma-separated
                    (default 1,2,3,5,10,20,30,50,100,… and N)
  --estimator E     the estimator drawn by --plot: without (default) or with
  --lower-is-better the score is a loss, error rate or perplexity: report
                    the expected minimum (the best of n is the lowest)

Runs store:
  --runs            read the trials from the runs store instead of files
  --db PATH|URL     the database (default $GREENAI_DB, else the per-user
                    SQLite database, as for "greenai run" and "greenai runs")
  --experiment NAME only runs of this experiment
  --tag LABEL       only runs with this tag or KEY=VALUE parameter
                    (repeatable: all must match)
  --metric NAME     the metric that scores a run (required with --runs)
  --metric-agg A    how a run's records give its score: best (default:
                    the highest, the lowest with --lower-is-better), last,
                    max or min
  --group-by PARAM  the model of a run: a --param name, or experiment
  --include-failed  keep runs that did not finish

Output:
  (default)         a table of E[max] and sd for both estimators at the
                    table budgets, then where the curves of the --estimator
                    cross
  --json            the EVP document (version greenai.evp/1, schema
                    docs/schema/evp.schema.json), one entry per model:
                      {"version": …, "score": …, "models": {"MODEL":
                        {"trials": N, "best": {...},
                         "with_replacement":    [{"n":1,"mean":…,"sd":…}, …],
                         "without_replacement": [{"n":1,"mean":…,"sd":…}, …],
                         "crossings": {...}}}}
                    every n from 1 to the maximum budget; with --cost,
                    points also carry "budget" and the entry "cost",
                    "cost_unit" and "mean_cost"; with --runs, "best" has
                    the "run" id. "crossings" lists, per
                    estimator, the budgets where this model's curve
                    crosses another's ("other", "budget", "mean",
                    "ahead_below", "ahead_above").
  --markdown        the tables as Markdown (| escaped): the EVP document's
                    table (report.EVPDoc.Table) and, for two models or more,
                    its crossings table; greenai serve shows the same cells
  --latex           the tables as LaTeX (booktabs, specials escaped)
  --csv             the tables as CSV, numbers at full precision
  -o FILE           write the table or JSON to FILE instead of standard output
  --plot FILE       draw all models' curves (±1 sd band, crossings marked)
                    to FILE: .svg, .png, .pdf, or .tex (PGF/TikZ picture).
                    Repeatable.
  --logx MODE       budget axis: auto (log when it spans two decades or
                    more), linear or log
  --logy MODE       score axis, likewise

Examples:
  greenai evp trials.csv
  greenai evp trials.csv --cost fpo --plot evp.pdf --latex -o evp.tex
  greenai evp --json trials.jsonl
  greenai evp --runs --experiment sst2 --metric val_acc --cost kwh
`

func runEVP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["evp"]
	fs := newFlagSet(c, stderr)
	o := &outputFlags{}
	o.register(fs)
	var (
		score, model, cost, budgets, estimator string
		maxN                                   int
		asJSON, lower                          bool
	)
	fs.StringVar(&score, "score", "score", "score column")
	fs.StringVar(&model, "model", "model", "model column")
	fs.StringVar(&cost, "cost", "", "cost column for the budget axis")
	fs.IntVar(&maxN, "max-n", 0, "largest budget in trials")
	fs.StringVar(&budgets, "budgets", "", "table budgets, comma-separated")
	fs.StringVar(&estimator, "estimator", "without", "estimator to plot: with or without")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	fs.BoolVar(&lower, "lower-is-better", false, "lower scores are better")
	var rf runsFlags
	rf.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	format, err := o.format(map[string]bool{"--json": asJSON})
	if err != nil {
		return err
	}
	if err := rf.check("evp", pos); err != nil {
		return err
	}
	if rf.on && (score != "score" || model != "model") {
		return usageError("evp: with --runs, --metric names the score and --group-by the model")
	}
	if len(pos) == 0 && !rf.on {
		return usageError("evp: name at least one trials file (or read the runs store with --runs)")
	}
	if err := o.checkPlots(); err != nil {
		return err
	}
	est, err := evp.ParseEstimator(estimator)
	if err != nil {
		return usageError("--estimator: want with or without, not %q", estimator)
	}
	if maxN < 0 || maxN == 0 && flagSet(fs, "max-n") {
		return usageError("--max-n %d: must be a positive number of trials", maxN)
	}
	ns, err := parseBudgets(budgets)
	if err != nil {
		return err
	}
	xs, ys, err := o.scales()
	if err != nil {
		return err
	}
	cost = strings.ToLower(cost)
	opts := report.TrialOptions{ModelColumn: model, ScoreColumn: score}
	if cost != "" {
		opts.CostColumns = []string{cost}
	}
	var trials []report.Trial
	var ts *runsource.TrialSet
	if rf.on {
		if _, ts, err = rf.trials(ctx, stderr, "evp", lower, cost); err != nil {
			return err
		}
		trials, score = ts.Trials, rf.metric
	}
	for _, p := range pos {
		t, err := report.FileTrials{Path: p, Options: opts}.Trials()
		if err != nil {
			return err
		}
		trials = append(trials, t...)
	}
	rep, err := report.ComputeEVP(trials, report.EVPOptions{Cost: cost, MaxN: maxN, Score: strings.ToLower(score), LowerIsBetter: lower})
	if err != nil {
		return err
	}
	if err := o.savePlots(rep.Figure(est, xs, ys), stderr); err != nil {
		return err
	}
	var runOf func(report.Trial) string
	if ts != nil {
		runOf = func(t report.Trial) string {
			if r := ts.RunOf(t); r != nil {
				return r.ID
			}
			return ""
		}
	}
	doc, err := report.NewEVP(rep, runOf)
	if err != nil {
		return err
	}
	if ts != nil {
		doc.Notes = append(doc.Notes, ts.About)
	}
	if asJSON {
		return o.emit(stdout, doc.WriteJSON)
	}
	tables := []*report.Table{doc.Table(ns)}
	if len(doc.Models) > 1 {
		tables = append(tables, doc.CrossingTable(est))
	}
	return o.tables(stdout, format, tables...)
}

func parseBudgets(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, usageError("--budgets: %q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

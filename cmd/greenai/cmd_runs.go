package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/internal/trackerio"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

func init() {
	register(&command{
		name:    "runs",
		summary: "list, filter, show and export recorded runs",
		usage:   runsUsage,
		run:     runRuns,
	})
}

const runsUsage = `Usage:
  greenai runs [flags]                  list runs, oldest first
  greenai runs show ID [FORMAT]         one run in full (ID or a unique prefix),
                                        or a distributed job given its id
  greenai runs group GROUP [FORMAT]     the summed cost of a distributed job:
                                        per node, per GPU and the job total
  greenai runs import FILE...           save JSON records, e.g. spooled ones
  greenai runs export --tensorboard DIR [filters]   TensorBoard event files
  greenai runs export --mlflow URL [filters]        runs logged to MLflow

Lists the run records that "greenai run" wrote. A run whose greenai died
before finalising it (SIGKILL, power loss) shows as "incomplete"; one still
going on this host shows as "running".

Filters (combine freely; the list and export only):
  --experiment NAME     runs of one experiment
  --tag LABEL           runs with this tag, or with this KEY=VALUE parameter
                        (repeatable: all must match)
  --param KEY=VALUE     same as --tag KEY=VALUE
  --group ID            runs of one distributed job
  --since TIME          started at or after TIME
  --until TIME          started before TIME
  --limit N             only the latest N runs
TIME is RFC 3339 (2024-05-01T12:00:00Z), a date (2024-05-01, UTC), or an
age such as 90m, 36h or 7d (that long ago).

Output:
  (default)             a table fitted to $COLUMNS (80 by default): id,
                        status, exit, wall, CPU, energy, carbon, and below
                        each run its start, the provenance of each energy
                        component (m = measured counter, i = integrated
                        power, e = model estimate), experiment and command
  --json                a JSON list of full records (version greenai.run/1,
                        schema docs/schema/runs.schema.json): id, status,
                        complete, command, argv, dir, start, end, exit_code,
                        host, hardware, wall_seconds, cpu_seconds,
                        peak_rss_bytes, experiment, trial, params, tags,
                        group, energy [{component, device, joules,
                        provenance, method, scope}], energy_joules,
                        whole_joules, attributed_joules, carbon_g, pue,
                        carbon, metrics [...], fpo, notes; runs show and
                        runs group write one record or a job's totals
                        (greenai.job/1)
  --markdown, --latex   the list as a Markdown or LaTeX (booktabs) table;
                        runs show: the run's fields and its energy figures
                        as two tables; runs group: the job's totals, nodes
                        and GPUs as tables (also with --csv, one table after
                        another, exact seconds, bytes, joules and grams).
                        FORMAT is one of --json, --csv, --markdown, --latex
  --csv                 one CSV row per run: energy in total and per
                        component (cpu, dram, ram, gpu), as recorded, whole
                        (the host's counters and whole devices, before the
                        run's share) and attributed (the run's share), the
                        provenance, and how each figure was attributed
  -o FILE               write the output to FILE instead of standard output
  --tensorboard DIR     (export) DIR/RUN-ID/events.out.tfevents.*: every
                        numeric metric per step, and greenai/energy_kwh,
                        greenai/energy_joules, greenai/carbon_g,
                        greenai/seconds, greenai/fpo per recorded step and
                        as totals at the last step (tensorboard --logdir DIR)
  --mlflow URL          (export) one MLflow run per record, in the record's
                        experiment (else "greenai"): params, the same metrics,
                        tags greenai.run_id, greenai.energy.*, … through the
                        REST API; a run exported before is left alone.
                        Credentials: MLFLOW_TRACKING_TOKEN, or
                        MLFLOW_TRACKING_USERNAME and _PASSWORD
  --db PATH|URL         the database (default $GREENAI_DB, else the per-user
                        SQLite database, as for "greenai run")

Group totals ("greenai runs group"): figures that belong to one run (model
estimates, and RAPL energy billed by CPU-time share) add up; a GPU measured
by several runs on one host counts once. See docs/measure.md.
`

func runRuns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["runs"]
	fs := newFlagSet(c, stderr)
	var (
		db, experiment, group, since, until, out string
		tags, params                             multiFlag
		limit                                    int
		asJSON, asCSV                            bool
	)
	fs.StringVar(&db, "db", "", "database")
	fs.StringVar(&experiment, "experiment", "", "experiment")
	fs.Var(&tags, "tag", "label")
	fs.Var(&params, "param", "KEY=VALUE")
	fs.StringVar(&group, "group", "", "group")
	fs.StringVar(&since, "since", "", "time")
	fs.StringVar(&until, "until", "", "time")
	fs.IntVar(&limit, "limit", 0, "latest N")
	fs.BoolVar(&asJSON, "json", false, "JSON")
	fs.BoolVar(&asCSV, "csv", false, "CSV")
	var asMD, asTeX bool
	fs.BoolVar(&asMD, "markdown", false, "Markdown")
	fs.BoolVar(&asTeX, "latex", false, "LaTeX")
	fs.StringVar(&out, "o", "", "output file")
	var tbDir, mlflowURL string
	fs.StringVar(&tbDir, "tensorboard", "", "TensorBoard log directory")
	fs.StringVar(&mlflowURL, "mlflow", "", "MLflow tracking server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	format, err := chooseFormat("runs", asJSON, asCSV, asMD, asTeX)
	if err != nil {
		return err
	}
	now := time.Now()
	f := store.Filter{Experiment: experiment, Group: group, Limit: limit, Tags: append(tags, params...)}
	if f.Since, err = parseWhen(since, now); err != nil {
		return usageError("runs: --since: %v", err)
	}
	if f.Until, err = parseWhen(until, now); err != nil {
		return usageError("runs: --until: %v", err)
	}
	if limit < 0 {
		return usageError("runs: --limit must not be negative")
	}
	sub := ""
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
	}
	if sub == "show" || sub == "group" || sub == "import" {
		// These name their runs (or files): the list's filters and the
		// export targets do not apply, and are refused rather than ignored.
		for _, name := range []string{"experiment", "tag", "param", "group", "since", "until", "limit", "tensorboard", "mlflow"} {
			if flagSet(fs, name) {
				return usageError("runs %s: --%s filters or exports the list of runs; it does not apply to %s", sub, name, sub)
			}
		}
	}
	switch sub {
	case "", "list", "export":
		if len(pos) > 0 {
			return usageError("runs: unexpected argument %q", pos[0])
		}
	case "show", "group":
		if len(pos) != 1 {
			return usageError("runs %s: want exactly one %s", sub, map[string]string{"show": "run id", "group": "group id"}[sub])
		}
	case "import":
		if len(pos) == 0 {
			return usageError("runs import: no files given")
		}
		if format != report.Plain || out != "" {
			return usageError("runs import: saves records and prints only a count; --json, --csv, --markdown, --latex and -o do not apply")
		}
	default:
		return usageError("runs: unknown subcommand %q (show, group, import)", sub)
	}

	st, err := store.Open(ctx, store.Target(db, os.Getenv))
	if err != nil {
		return err
	}
	defer st.Close()

	w := stdout
	if out != "" {
		fh, err := os.Create(out)
		if err != nil {
			return fmt.Errorf("runs: %w", err)
		}
		defer fh.Close()
		w = fh
	}
	switch sub {
	case "show":
		r, err := st.Get(ctx, pos[0])
		if errors.Is(err, store.ErrNotFound) {
			// Not a run: a distributed job's id shows the job.
			if recs, gerr := st.List(ctx, store.Filter{Group: pos[0]}); gerr == nil && len(recs) > 0 {
				return report.NewJob(tracker.SumGroup(pos[0], recs)).Write(w, format, termWidth())
			}
		}
		if err != nil {
			return err
		}
		return report.NewRun(r).Write(w, format, termWidth())
	case "group":
		recs, err := st.List(ctx, store.Filter{Group: pos[0]})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("runs group: no runs in group %q", pos[0])
		}
		return report.NewJob(tracker.SumGroup(pos[0], recs)).Write(w, format, termWidth())
	case "import":
		n, err := st.Import(ctx, pos, "")
		fmt.Fprintf(stderr, "greenai: imported %d record(s) into %s\n", n, st.Where())
		return err
	}
	recs, err := st.List(ctx, f)
	if err != nil {
		return err
	}
	if tbDir != "" || mlflowURL != "" {
		if sub != "export" {
			return usageError("runs: --tensorboard and --mlflow go with \"greenai runs export\"")
		}
		if format != report.Plain || out != "" {
			return usageError("runs export: --tensorboard/--mlflow write to the tracker; --json, --csv, --markdown, --latex and -o do not apply")
		}
		if len(recs) == 0 {
			return fmt.Errorf("runs export: no runs match the filters in %s", st.Where())
		}
		return exportTrackers(ctx, recs, tbDir, mlflowURL, stdout)
	}
	return report.NewRuns(recs).Write(w, format, termWidth())
}

// chooseFormat is the output format of a command with --json, --csv,
// --markdown and --latex: at most one may be set.
func chooseFormat(cmd string, asJSON, asCSV, asMD, asTeX bool) (string, error) {
	format, n := report.Plain, 0
	for _, c := range []struct {
		set bool
		f   string
	}{{asJSON, "json"}, {asCSV, report.CSV}, {asMD, report.Markdown}, {asTeX, report.LaTeX}} {
		if c.set {
			format, n = c.f, n+1
		}
	}
	if n > 1 {
		return "", usageError("%s: choose one of --json, --csv, --markdown and --latex", cmd)
	}
	return format, nil
}

// parseWhen parses a --since/--until value.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.ParseFloat(n, 64); err == nil && days >= 0 {
			return now.Add(-time.Duration(days * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (RFC 3339, YYYY-MM-DD, or an age like 36h or 7d)", s)
}

func writeJSONFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func exportTrackers(ctx context.Context, recs []*tracker.Record, tbDir, mlflowURL string, w io.Writer) error {
	if tbDir != "" {
		files, skipped, err := trackerio.WriteTensorBoard(tbDir, recs)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %d TensorBoard event file(s) under %s (tensorboard --logdir %s)\n", len(files), tbDir, tbDir)
		for _, id := range slices.Sorted(maps.Keys(skipped)) {
			fmt.Fprintf(w, "  note: run %s: %d metric line(s) without a step were left out (TensorBoard places scalars by step)\n", id, skipped[id])
		}
	}
	if mlflowURL != "" {
		c, err := trackerio.NewMLflow(mlflowURL, os.Getenv)
		if err != nil {
			return err
		}
		done, err := trackerio.ExportMLflow(ctx, c, recs)
		for _, e := range done {
			if e.Existed {
				fmt.Fprintf(w, "run %s: already in MLflow as run %s (experiment %s), left as it was\n", e.ID, e.MLflowRun, e.Experiment)
				continue
			}
			fmt.Fprintf(w, "run %s: MLflow run %s in experiment %s: %d params, %d metric values, %d tags\n", e.ID, e.MLflowRun, e.Experiment, e.Params, e.Metrics, e.Tags)
			if e.Skipped > 0 {
				fmt.Fprintf(w, "  note: %d metric line(s) without a step were left out\n", e.Skipped)
			}
		}
		if err != nil {
			return fmt.Errorf("runs export: %w (%d of %d run(s) exported)", err, len(done), len(recs))
		}
	}
	return nil
}

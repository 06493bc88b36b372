package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/internal/trackerio"
	"github.com/greenai/greenai/tracker"
	"github.com/greenai/greenai/units"
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
  greenai runs show ID [--json]         one run in full (ID or a unique prefix),
                                        or a distributed job given its id
  greenai runs group GROUP [--json]     the summed cost of a distributed job:
                                        per node, per GPU and the job total
  greenai runs import FILE...           save record files (JSON), e.g. spooled ones
  greenai runs export --tensorboard DIR [filters]   TensorBoard event files
  greenai runs export --mlflow URL [filters]        runs logged to MLflow

Lists the run records that "greenai run" wrote. A run whose greenai died
before finalising it (SIGKILL, power loss) shows as "incomplete"; one still
going on this host shows as "running".

Filters (combine freely):
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
  (default)             a table: id, start, status, exit, wall, CPU, energy
                        (provenance of each component: m = measured counter,
                        i = integrated power, e = model estimate), carbon,
                        experiment, command
  --json                a JSON list of full records: id, status, complete,
                        command, argv, dir, start, end, exit_code, host,
                        hardware, wall_seconds, cpu_seconds, peak_rss_bytes,
                        experiment, trial, params, tags, group, energy
                        [{component, device, joules, provenance, method,
                        scope}], energy_joules, carbon_g, pue, carbon, metrics
                        [...], fpo, notes
  --csv                 one CSV row per run (components as columns)
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
	fs.StringVar(&out, "o", "", "output file")
	var tbDir, mlflowURL string
	fs.StringVar(&tbDir, "tensorboard", "", "TensorBoard log directory")
	fs.StringVar(&mlflowURL, "mlflow", "", "MLflow tracking server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if asJSON && asCSV {
		return usageError("runs: choose one of --json and --csv")
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
				t := tracker.SumGroup(pos[0], recs)
				if asJSON {
					return writeJSON(w, t)
				}
				showGroup(w, t)
				return nil
			}
		}
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(w, r)
		}
		showRun(w, r)
		return nil
	case "group":
		recs, err := st.List(ctx, store.Filter{Group: pos[0]})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("runs group: no runs in group %q", pos[0])
		}
		t := tracker.SumGroup(pos[0], recs)
		if asJSON {
			return writeJSON(w, t)
		}
		showGroup(w, t)
		return nil
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
		if asJSON || asCSV || out != "" {
			return usageError("runs export: --tensorboard/--mlflow write to the tracker; --json, --csv and -o do not apply")
		}
		if len(recs) == 0 {
			return fmt.Errorf("runs export: no runs match the filters in %s", st.Where())
		}
		return exportTrackers(ctx, recs, tbDir, mlflowURL, stdout)
	}
	switch {
	case asJSON:
		if recs == nil {
			recs = []*tracker.Record{}
		}
		return writeJSON(w, recs)
	case asCSV:
		return writeCSV(w, recs)
	}
	listRuns(w, recs)
	return nil
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

// state tells a finalised run's status, or whether an unfinalised one is
// still running (its greenai is alive on this host) or incomplete.
func state(r *tracker.Record) string {
	if r.Complete {
		return r.Status
	}
	if r.Host == meter.Hostname() && r.PID > 0 {
		if err := syscall.Kill(r.PID, 0); err == nil || err == syscall.EPERM {
			return "running"
		}
	}
	return "incomplete"
}

func provenanceCode(p meter.Provenance) string {
	switch p {
	case meter.MeasuredCounter:
		return "m"
	case meter.IntegratedPower:
		return "i"
	}
	return "e"
}

func energyBrief(r *tracker.Record) string {
	var parts []string
	for _, e := range r.Energy {
		parts = append(parts, e.Component+":"+provenanceCode(e.Provenance))
	}
	return fmt.Sprintf("%s (%s)", units.Joules(r.EnergyJoules), strings.Join(parts, " "))
}

func listRuns(w io.Writer, recs []*tracker.Record) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART\tSTATUS\tEXIT\tWALL\tCPU\tENERGY\tCARBON\tEXPERIMENT\tCOMMAND")
	for _, r := range recs {
		exit := "-"
		if r.ExitCode != nil {
			exit = strconv.Itoa(*r.ExitCode)
		}
		cmd := []rune(strings.NewReplacer("\n", `\n`, "\t", " ").Replace(r.Command))
		if len(cmd) > 40 {
			cmd = append(cmd[:37], []rune("...")...)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1fs\t%.1fs\t%s\t%.3gg\t%s\t%s\n", r.ID, r.Start.Local().Format("2006-01-02 15:04:05"),
			state(r), exit, r.WallSeconds, r.CPUSeconds, energyBrief(r), r.CarbonG, r.Experiment, string(cmd))
	}
	tw.Flush()
	if len(recs) == 0 {
		fmt.Fprintln(w, "(no runs)")
	}
}

func showRun(w io.Writer, r *tracker.Record) {
	fmt.Fprintf(w, "run %s  (%s)\n", r.ID, state(r))
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-12s %s\n", k+":", v)
		}
	}
	line("command", r.Command)
	line("dir", r.Dir)
	line("host", fmt.Sprintf("%s (pid %d)", r.Host, r.PID))
	ram := units.Bytes(r.Hardware.RAMBytes) + " RAM"
	if r.Hardware.HostRAMBytes > 0 {
		ram += fmt.Sprintf(" (%s; host %s)", r.Hardware.RAMSource, units.Bytes(r.Hardware.HostRAMBytes))
	}
	line("hardware", fmt.Sprintf("%s, %d logical CPUs, %s, GPUs: %s", r.Hardware.CPUModel, r.Hardware.LogicalCPUs, ram, orNone(r.Hardware.GPUs)))
	line("start", r.Start.Local().Format(time.RFC3339))
	if r.End != nil {
		line("end", r.End.Local().Format(time.RFC3339))
	}
	if r.ExitCode != nil {
		line("exit", strconv.Itoa(*r.ExitCode)+" "+r.Signal)
	}
	line("interrupted", r.InterruptedBy)
	line("error", r.Error)
	line("experiment", r.Experiment)
	line("trial", r.Trial)
	var ps []string
	for k, v := range r.Params {
		ps = append(ps, k+"="+v)
	}
	sort.Strings(ps)
	line("params", strings.Join(ps, " "))
	line("tags", strings.Join(r.Tags, " "))
	if r.Group != "" {
		line("group", r.Group+" rank "+r.Rank)
		if j := r.Job; j != nil {
			role := "measured its own figures; the node's counters by rank " + j.LeaderRank
			if j.NodeLeader {
				role = "node leader: measured the node's counters"
			}
			if len(j.GPUs) > 0 {
				role += "; GPUs " + strings.Join(j.GPUs, ", ")
			}
			line("job", fmt.Sprintf("node %s (%s launcher), %s; \"greenai runs show %s\" for the job", j.Node, j.Launcher, role, j.ID))
		}
	}
	line("time", fmt.Sprintf("wall %.2f s, cpu %.2f s (user %.2f, sys %.2f), peak RSS %s", r.WallSeconds, r.CPUSeconds, r.UserSeconds, r.SystemSeconds, units.Bytes(r.PeakRSSBytes)))
	line("energy", units.Joules(r.EnergyJoules))
	for _, e := range r.Energy {
		fmt.Fprintf(w, "    %-5s %-14s %-16s %s\n", e.Component, energyOfWhole(e), e.Provenance, e.Method)
	}
	for _, l := range sharedLines(r) {
		line("shared", l)
	}
	line("carbon", fmt.Sprintf("%.4g g CO2e (%s)", r.CarbonG, r.Carbon))
	if r.FPO != nil {
		line("fpo", fmt.Sprintf("%.4g total, %.4g per example, %.4g MACs (%s)", r.FPO.TotalFPO, r.FPO.PerExampleFPO, r.FPO.MACs, r.FPO.Source))
	}
	if len(r.Metrics) > 0 {
		line("metrics", fmt.Sprintf("%d line(s); last %s", len(r.Metrics), r.Metrics[len(r.Metrics)-1]))
	}
	for _, n := range r.Notes {
		line("note", n)
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func showGroup(w io.Writer, t tracker.GroupTotal) {
	fmt.Fprintf(w, "job %s: %d run(s) on %d node(s), %d host(s), %d incomplete\n", t.Group, t.Runs, len(t.Nodes), t.Hosts, t.Incomplete)
	fmt.Fprintf(w, "  wall %.2f s (first start to last end), cpu %.2f s\n", t.WallSeconds, t.CPUSeconds)
	fmt.Fprintf(w, "  energy %s (whole nodes and GPUs, each counted once)\n", units.Joules(t.EnergyJoules))
	comps := make([]string, 0, len(t.ByComponent))
	for c := range t.ByComponent {
		comps = append(comps, c)
	}
	sort.Strings(comps)
	for _, c := range comps {
		fmt.Fprintf(w, "    %-5s %s\n", c, units.Joules(t.ByComponent[c]))
	}
	fmt.Fprintf(w, "  attributed to the job %s\n", units.Joules(t.AttributedJoules))
	writeWrapped(w, "    method: ", "      ", t.AttributedHow, 80)
	fmt.Fprintf(w, "  carbon %.4g g CO2e\n", t.CarbonG)
	if len(t.Nodes) > 0 {
		fmt.Fprintln(w, "  nodes:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    NODE\tRANKS\tLEADER\tWHOLE\tSHARE\tATTRIBUTED")
		for _, n := range t.Nodes {
			leader := n.Leader
			if leader == "" {
				leader = "-"
			}
			fmt.Fprintf(tw, "    %s\t%d\t%s\t%s\t%.1f%%\t%s\n", n.Node, n.Ranks, leader, units.Joules(n.Joules), n.Share*100, units.Joules(n.Attributed))
		}
		tw.Flush()
	}
	if len(t.GPUs) > 0 {
		fmt.Fprintln(w, "  GPUs (each measured once):")
		for _, g := range t.GPUs {
			writeWrapped(w, "    "+g.Device+" ", "      ", fmt.Sprintf("(node %s, rank %s)", g.Node, g.Rank), 80)
			fmt.Fprintf(w, "      %s, attributed %s, %s\n", units.Joules(g.Joules), units.Joules(g.Attributed), g.Provenance)
		}
	}
	for _, d := range t.Deduplicated {
		fmt.Fprintf(w, "  note: %s\n", d)
	}
}

var csvComponents = []string{"cpu", "dram", "ram", "gpu"}

func writeCSV(w io.Writer, recs []*tracker.Record) error {
	cw := csv.NewWriter(w)
	head := []string{"id", "status", "complete", "start", "end", "exit_code", "host", "experiment", "trial", "group", "rank",
		"command", "wall_seconds", "cpu_seconds", "peak_rss_bytes", "energy_joules"}
	for _, c := range csvComponents {
		head = append(head, c+"_joules", c+"_provenance")
	}
	head = append(head, "carbon_g", "pue", "g_per_kwh", "carbon_where", "params", "tags", "metrics")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range recs {
		end, code := "", ""
		if r.End != nil {
			end = r.End.Format(time.RFC3339Nano)
		}
		if r.ExitCode != nil {
			code = strconv.Itoa(*r.ExitCode)
		}
		row := []string{r.ID, state(r), strconv.FormatBool(r.Complete), r.Start.Format(time.RFC3339Nano), end, code, r.Host,
			r.Experiment, r.Trial, r.Group, r.Rank, r.Command, ftoa(r.WallSeconds), ftoa(r.CPUSeconds),
			strconv.FormatUint(r.PeakRSSBytes, 10), ftoa(r.EnergyJoules)}
		for _, c := range csvComponents {
			j, provs := 0.0, map[string]bool{}
			for _, e := range r.Energy {
				if e.Component == c {
					j += e.Joules
					provs[string(e.Provenance)] = true
				}
			}
			var p []string
			for k := range provs {
				p = append(p, k)
			}
			sort.Strings(p)
			js := ""
			if len(p) > 0 {
				js = ftoa(j)
			}
			row = append(row, js, strings.Join(p, "+"))
		}
		var ps []string
		for k, v := range r.Params {
			ps = append(ps, k+"="+v)
		}
		sort.Strings(ps)
		row = append(row, ftoa(r.CarbonG), ftoa(r.PUE), ftoa(r.Carbon.GramsPerKWh), r.Carbon.Where,
			strings.Join(ps, ";"), strings.Join(r.Tags, ";"), strconv.Itoa(len(r.Metrics)))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func writeJSONFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := writeJSON(f, v); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// writeWrapped writes text after first, folded at width columns with the
// continuation lines indented by indent.
func writeWrapped(w io.Writer, first, indent, text string, width int) {
	line := first
	fresh := true
	for _, word := range strings.Fields(text) {
		if !fresh && len([]rune(line))+1+len([]rune(word)) > width {
			fmt.Fprintln(w, line)
			line, fresh = indent, true
		}
		if !fresh {
			line += " "
		}
		line += word
		fresh = false
	}
	fmt.Fprintln(w, line)
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

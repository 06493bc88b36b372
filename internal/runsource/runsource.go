// Package runsource turns the run records that "greenai run" stored
// (internal/store) into the inputs of package report: trials for the budget
// views, training curves from the metrics the runs recorded, and the
// provenance an efficiency card states. Dependencies go one way: runsource
// imports report, tracker and store; report knows nothing of runs.
package runsource

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

// Lister is what the adapter needs of a runs store; *store.Store has it.
type Lister interface {
	List(ctx context.Context, f store.Filter) ([]*tracker.Record, error)
}

// Set is a selection of runs, oldest first, without the runs that did not
// finish (unless they were asked for).
type Set struct {
	// Where names the store and the filter, for people:
	// "runs.db, experiment sst2".
	Where string
	Runs  []*tracker.Record
	// Listed counts the runs the filter matched; Left counts those left
	// out because they did not finish, by reason ("incomplete", "exit
	// status 1", "signaled", …).
	Listed int
	Left   map[string]int
}

// Load lists the runs of l that match f; where names l for people. A run
// that did not finish (not finalised, not ended by itself, or with an exit
// status other than 0) is left out unless includeFailed.
func Load(ctx context.Context, l Lister, where string, f store.Filter, includeFailed bool) (*Set, error) {
	recs, err := l.List(ctx, f)
	if err != nil {
		return nil, err
	}
	s := &Set{Where: describe(where, f), Listed: len(recs), Left: map[string]int{}}
	if len(recs) == 0 {
		return nil, fmt.Errorf("no runs in %s", s.Where)
	}
	for _, r := range recs {
		if why := unfinished(r); why != "" && !includeFailed {
			s.Left[why]++
			continue
		}
		s.Runs = append(s.Runs, r)
	}
	if len(s.Runs) == 0 {
		return nil, fmt.Errorf("none of the %d runs in %s finished (%s); --include-failed keeps them", s.Listed, s.Where, s.leftCounts())
	}
	return s, nil
}

func describe(where string, f store.Filter) string {
	var sel []string
	if f.Experiment != "" {
		sel = append(sel, "experiment "+f.Experiment)
	}
	for _, t := range f.Tags {
		sel = append(sel, "tag "+t)
	}
	if f.Group != "" {
		sel = append(sel, "group "+f.Group)
	}
	return strings.Join(append([]string{where}, sel...), ", ")
}

// unfinished says why a run did not finish, or "" if it did.
func unfinished(r *tracker.Record) string {
	switch {
	case !r.Complete:
		return "incomplete"
	case r.Status != tracker.StatusFinished:
		return r.Status
	case r.ExitCode == nil:
		return "no exit status"
	case *r.ExitCode != 0:
		return "exit status " + strconv.Itoa(*r.ExitCode)
	}
	return ""
}

func (s *Set) leftCounts() string {
	var parts []string
	for _, why := range slices.Sorted(maps.Keys(s.Left)) {
		parts = append(parts, fmt.Sprintf("%d %s", s.Left[why], why))
	}
	return strings.Join(parts, ", ")
}

// Summary says, for standard error, how many runs were read and how many
// were left out because they did not finish.
func (s *Set) Summary() string {
	line := fmt.Sprintf("%s from %s", plural(len(s.Runs), "run"), s.Where)
	if n := s.Listed - len(s.Runs); n > 0 {
		line += fmt.Sprintf("; left out %d that did not finish (%s); --include-failed keeps them", n, s.leftCounts())
	}
	return line
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// Aggregations of a metric over a run's records (TrialOptions.Agg).
const (
	AggBest = "best" // max, or min when lower is better
	AggLast = "last" // the last record that has the metric
	AggMax  = "max"
	AggMin  = "min"
)

// TrialOptions say how runs become trials.
type TrialOptions struct {
	// Metric is the metric whose value is the trial's score (required),
	// as the run's program wrote it, e.g. "val_acc".
	Metric string
	// Agg aggregates the metric over the run's records: best (default),
	// last, max or min.
	Agg string
	// LowerIsBetter makes best the minimum.
	LowerIsBetter bool
	// GroupBy names the model of each run: "" means the run's "model"
	// parameter if it has one, else its experiment; "experiment" means
	// the experiment; anything else is a parameter every run must have.
	GroupBy string
}

// Describe says in words how a run became a trial.
func (o TrialOptions) Describe() string {
	return fmt.Sprintf("score = the %s over each run's metric records; model = %s", scoreWords(o), groupWords(o.GroupBy))
}

// scoreWords names the score: "best (highest) val_acc", "last val_acc", ….
func scoreWords(o TrialOptions) string {
	agg := o.Agg
	switch agg {
	case "", AggBest:
		agg = "best (highest)"
		if o.LowerIsBetter {
			agg = "best (lowest)"
		}
	case AggMax:
		agg = "highest"
	case AggMin:
		agg = "lowest"
	}
	return agg + " " + strings.ToLower(o.Metric)
}

func groupWords(by string) string {
	switch by {
	case "":
		return "the run's model parameter, else its experiment"
	case "experiment":
		return "the run's experiment"
	}
	return "the run's " + by + " parameter"
}

// TrialSet is runs turned into trials.
type TrialSet struct {
	Trials []report.Trial
	// Runs[i] is the run of Trials[i]; Trials[i].Line is i+1 (the trials
	// have no Source, so report never prints the Line as a file line).
	Runs []*tracker.Record
	// Notes say, for standard error, which runs were left out because
	// they recorded no value of the metric.
	Notes []string
	// About says where the trials came from, for table notes.
	About string

	opts  TrialOptions
	where string
}

// RunOf returns the run a trial of the set came from, or nil.
func (ts *TrialSet) RunOf(t report.Trial) *tracker.Record {
	if t.Source != "" || t.Line < 1 || t.Line > len(ts.Runs) {
		return nil
	}
	return ts.Runs[t.Line-1]
}

// Trials turns the runs into trials: the model from o.GroupBy, the score
// from the metric records, the costs fpo (the record's FPO total),
// fpo_train_per_example or fpo_inference_per_example (the record's
// per-example FPO, by whether a spec priced a training trial), seconds
// (wall), cpu_seconds, kwh (the energy components summed; before PUE), pue
// and co2_kg, and the run's parameters (less the one naming the model). A cost
// the run did not record is absent, not 0. Runs that recorded no value of
// the metric are left out, with a note; none having it is an error.
func (s *Set) Trials(o TrialOptions) (*TrialSet, error) {
	o.Metric = strings.ToLower(strings.TrimSpace(o.Metric))
	if o.Metric == "" {
		return nil, fmt.Errorf("no metric given for the trials' score")
	}
	agg, err := aggregator(o)
	if err != nil {
		return nil, err
	}
	ts := &TrialSet{opts: o, where: s.Where}
	ts.Notes, err = collect(s, o.Metric, o.GroupBy,
		func(_ *tracker.Record, in *report.Input) ([]float64, error) {
			var vals []float64
			for _, row := range in.Rows {
				v, ok, err := row.Number(o.Metric)
				if err != nil {
					return nil, err
				}
				if ok {
					vals = append(vals, v)
				}
			}
			return vals, nil
		},
		func(r *tracker.Record, vals []float64, model string, params map[string]string) {
			ts.Runs = append(ts.Runs, r)
			ts.Trials = append(ts.Trials, report.Trial{Model: model, Score: agg(vals), Costs: Costs(r), Params: params, Line: len(ts.Runs)})
		})
	if err != nil {
		return nil, err
	}
	ts.About = fmt.Sprintf("Trials: %s from %s; %s.", plural(len(ts.Runs), "run"), s.Where, o.Describe())
	return ts, nil
}

// collect reads each run's metric records and takes from them what a
// report needs (values of the metric, points of a curve). A run it takes
// nothing from is left out and named in the notes it returns; if that is
// every run, the error lists the metrics the runs did record. keep gets
// each other run with its model and parameters under groupBy.
func collect[T any](s *Set, metric, groupBy string, take func(*tracker.Record, *report.Input) ([]T, error),
	keep func(r *tracker.Record, got []T, model string, params map[string]string)) ([]string, error) {
	var left []string
	names := map[string]bool{}
	for _, r := range s.Runs {
		in, err := metricInput(r)
		if err != nil {
			return nil, err
		}
		got, err := take(r, in)
		if err != nil {
			return nil, err
		}
		if len(got) == 0 {
			left = append(left, r.ID)
			for _, c := range in.Columns {
				names[c] = true
			}
			continue
		}
		model, params, err := modelOf(r, groupBy)
		if err != nil {
			return nil, err
		}
		keep(r, got, model, params)
	}
	switch {
	case len(left) == len(s.Runs) && len(names) == 0:
		return nil, fmt.Errorf("no run in %s recorded metrics (a program appends JSON lines such as {\"step\":100,%q:0.71} to the file $GREENAI_METRICS names)", s.Where, metric)
	case len(left) == len(s.Runs):
		return nil, fmt.Errorf("no run in %s has a metric %q (the runs recorded: %s)", s.Where, metric, strings.Join(slices.Sorted(maps.Keys(names)), ", "))
	case len(left) == 0:
		return nil, nil
	}
	more := ""
	if len(left) > 3 {
		more = ", …"
	}
	return []string{fmt.Sprintf("left out %s that recorded no %s value: %s%s", plural(len(left), "run"), metric, strings.Join(left[:min(3, len(left))], ", "), more)}, nil
}

func aggregator(o TrialOptions) (func([]float64) float64, error) {
	agg := o.Agg
	if agg == "" || agg == AggBest {
		agg = AggMax
		if o.LowerIsBetter {
			agg = AggMin
		}
	}
	switch agg {
	case AggLast:
		return func(v []float64) float64 { return v[len(v)-1] }, nil
	case AggMax:
		return slices.Max[[]float64], nil
	case AggMin:
		return slices.Min[[]float64], nil
	}
	return nil, fmt.Errorf("metric aggregation %q: want best, last, max or min", o.Agg)
}

// metricInput reads a run's metric records as JSONL rows, so that nested
// objects, key case and number checks follow the rules of report.Read.
func metricInput(r *tracker.Record) (*report.Input, error) {
	var b bytes.Buffer
	for _, m := range r.Metrics {
		b.Write(m)
		b.WriteByte('\n')
	}
	return report.Read(&b, "run "+r.ID+" metrics", report.FormatJSONL)
}

// modelOf returns the model of a run under groupBy, and the run's
// parameters without the one that named the model.
func modelOf(r *tracker.Record, groupBy string) (string, map[string]string, error) {
	params := maps.Clone(r.Params)
	if params == nil {
		params = map[string]string{}
	}
	key := groupBy
	switch {
	case groupBy == "experiment":
		if r.Experiment == "" {
			return "", nil, fmt.Errorf("run %s has no experiment name (--group-by experiment)", r.ID)
		}
		return r.Experiment, params, nil
	case groupBy == "" && params["model"] == "":
		if r.Experiment == "" {
			return "", nil, fmt.Errorf("run %s has neither a model parameter nor an experiment name; name the model with --group-by PARAM", r.ID)
		}
		return r.Experiment, params, nil
	case groupBy == "":
		key = "model"
	}
	v := params[key]
	if v == "" {
		return "", nil, fmt.Errorf("run %s has no parameter %q (--group-by %s)", r.ID, key, key)
	}
	delete(params, key)
	return v, params, nil
}

// Costs are the costs a run recorded, in the cost columns of package
// report: seconds and cpu_seconds always; fpo when the run recorded the
// FPO of its model; kwh (the energy components summed, before PUE) and
// co2_kg when it recorded energy.
func Costs(r *tracker.Record) map[string]float64 {
	c := map[string]float64{"seconds": r.WallSeconds, "cpu_seconds": r.CPUSeconds}
	if r.FPO != nil {
		c["fpo"] = r.FPO.TotalFPO
		// With a spec the record's per-example FPO is that of one training
		// example (E_train); with a model alone, of one forward pass.
		switch {
		case r.FPO.PerExampleFPO <= 0:
		case r.FPO.Spec != "":
			c[report.ColTrainFPOPerExample] = r.FPO.PerExampleFPO
		default:
			c[report.ColInferenceFPOPerExample] = r.FPO.PerExampleFPO
		}
	}
	if len(r.Energy) > 0 {
		c["kwh"] = tracker.TotalJoules(r.Energy) / 3.6e6
		c["co2_kg"] = r.CarbonG / 1000
		pue := r.Carbon.PUE
		if pue == 0 {
			pue = r.PUE
		}
		if pue > 0 {
			c[report.ColPUE] = pue
		}
	}
	return c
}

// RequireCost checks that every trial has cost col, naming the first run
// that lacks it and why.
func (ts *TrialSet) RequireCost(col string) error {
	for i, t := range ts.Trials {
		if _, ok := t.Costs[col]; ok {
			continue
		}
		r := ts.Runs[i]
		switch col {
		case "fpo":
			return fmt.Errorf("run %s (model %s) has no fpo cost: it was run without --model (and --spec); use --cost seconds or --cost kwh, or rerun with --model", r.ID, t.Model)
		case "kwh", "co2_kg":
			return fmt.Errorf("run %s (model %s) has no %s cost: it recorded no energy", r.ID, t.Model, col)
		}
		return fmt.Errorf("runs have no %q cost (costs from runs: %s)", col, strings.Join(slices.Sorted(maps.Keys(Costs(r))), ", "))
	}
	return nil
}

// Warnings say what the cost columns cols rest on that is not a
// measurement: energy from model estimates, and FPO of one forward pass
// instead of a training trial.
func Warnings(runs []*tracker.Record, cols ...string) []string {
	var out []string
	if slices.ContainsFunc(cols, func(c string) bool { return c == "kwh" || c == "co2_kg" }) {
		if w := estimateWarning(runs); w != "" {
			out = append(out, w)
		}
	}
	if slices.Contains(cols, "fpo") {
		n := 0
		for _, r := range runs {
			if r.FPO != nil && r.FPO.Spec == "" {
				n++
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("the fpo of %s is one forward pass of one example (greenai run --model without --spec), not the cost of a training trial", plural(n, "run")))
		}
	}
	return out
}

func estimateWarning(runs []*tracker.Record) string {
	n := 0
	for _, r := range runs {
		if slices.ContainsFunc(r.Energy, func(e tracker.Energy) bool { return e.Provenance == tracker.ModelEstimate }) {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, k := range componentRuns(runs) {
		if k.prov == string(tracker.ModelEstimate) {
			parts = append(parts, fmt.Sprintf("%s in %s", k.comp, plural(k.runs, "run")))
		}
	}
	return fmt.Sprintf("the energy of %d of %s includes model estimates, not measurements (%s); \"greenai runs show ID\" says how each figure was obtained",
		n, plural(len(runs), "run"), strings.Join(parts, ", "))
}

// provComp is a provenance and a component, and the number of runs that
// have an energy figure of that component with that provenance.
type provComp struct {
	prov, comp string
	runs       int
}

// componentRuns counts the runs per provenance and component, sorted by
// provenance (measured-counter, integrated-power, model-estimate, others)
// and component.
func componentRuns(runs []*tracker.Record) []provComp {
	type key struct{ prov, comp string }
	count := map[key]int{}
	for _, r := range runs {
		seen := map[key]bool{}
		for _, e := range r.Energy {
			k := key{string(e.Provenance), e.Component}
			if !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	rank := func(p string) int {
		i := slices.Index([]string{string(tracker.MeasuredCounter), string(tracker.IntegratedPower), string(tracker.ModelEstimate)}, p)
		if i < 0 {
			return 3
		}
		return i
	}
	out := make([]provComp, 0, len(count))
	for k, n := range count {
		out = append(out, provComp{k.prov, k.comp, n})
	}
	slices.SortFunc(out, func(a, b provComp) int {
		return cmp.Or(cmp.Compare(rank(a.prov), rank(b.prov)), cmp.Compare(a.prov, b.prov), cmp.Compare(a.comp, b.comp))
	})
	return out
}

// EnergyProvenance says how the energy of runs was obtained: for each
// provenance, the components, with the number of runs where not all of
// them: "measured-counter: cpu, gpu; model-estimate: ram (2 of 8 runs)".
func EnergyProvenance(runs []*tracker.Record) string {
	var parts []string
	last := ""
	for _, k := range componentRuns(runs) {
		c := k.comp
		if k.runs < len(runs) {
			c += fmt.Sprintf(" (%d of %s)", k.runs, plural(len(runs), "run"))
		}
		if k.prov == last {
			parts[len(parts)-1] += ", " + c
			continue
		}
		parts, last = append(parts, k.prov+": "+c), k.prov
	}
	return strings.Join(parts, "; ")
}

// CarbonProvenance lists the carbon settings of runs (intensity, where,
// source, PUE), with the number of runs each where they differ.
func CarbonProvenance(runs []*tracker.Record) string {
	var settings []string
	for _, r := range runs {
		if len(r.Energy) > 0 {
			settings = append(settings, r.Carbon.String())
		}
	}
	return distinct(settings, " | ")
}

// distinct joins the distinct non-empty values, in first-seen order, each
// with its number of runs when there are several.
func distinct(values []string, sep string) string {
	count := map[string]int{}
	var order []string
	for _, v := range values {
		if v == "" {
			continue
		}
		if count[v] == 0 {
			order = append(order, v)
		}
		count[v]++
	}
	if len(order) > 1 {
		for i, v := range order {
			order[i] = fmt.Sprintf("%s (%s)", v, plural(count[v], "run"))
		}
	}
	return strings.Join(order, sep)
}

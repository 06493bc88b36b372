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
// from the metric records, the costs fpo (the record's FPO total), seconds
// (wall), cpu_seconds, kwh (the energy components summed; before PUE) and
// co2_kg, and the run's parameters (less the one naming the model). A cost
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
	ts := &TrialSet{About: fmt.Sprintf("Trials: %s from %s; %s.", plural(len(s.Runs), "run"), s.Where, o.Describe()), opts: o, where: s.Where}
	var missing missingMetric
	for _, r := range s.Runs {
		in, err := metricInput(r)
		if err != nil {
			return nil, err
		}
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
		if len(vals) == 0 {
			missing.add(r, in)
			continue
		}
		model, params, err := modelOf(r, o.GroupBy)
		if err != nil {
			return nil, err
		}
		ts.Runs = append(ts.Runs, r)
		ts.Trials = append(ts.Trials, report.Trial{Model: model, Score: agg(vals), Costs: Costs(r), Params: params, Line: len(ts.Runs)})
	}
	if len(ts.Trials) == 0 {
		return nil, missing.err(o.Metric, s.Where)
	}
	ts.Notes = missing.notes(o.Metric)
	return ts, nil
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

// missingMetric collects the runs without a value of the metric, and the
// metric names the runs did record.
type missingMetric struct {
	ids   []string
	names map[string]bool
}

func (m *missingMetric) add(r *tracker.Record, in *report.Input) {
	m.ids = append(m.ids, r.ID)
	if m.names == nil {
		m.names = map[string]bool{}
	}
	for _, c := range in.Columns {
		m.names[c] = true
	}
}

func (m *missingMetric) err(metric, where string) error {
	if len(m.names) == 0 {
		return fmt.Errorf("no run in %s recorded metrics (a program appends JSON lines such as {\"step\":100,%q:0.71} to the file $GREENAI_METRICS names)", where, metric)
	}
	return fmt.Errorf("no run in %s has a metric %q (the runs recorded: %s)", where, metric, strings.Join(slices.Sorted(maps.Keys(m.names)), ", "))
}

func (m *missingMetric) notes(metric string) []string {
	if len(m.ids) == 0 {
		return nil
	}
	ids := m.ids
	more := ""
	if len(ids) > 3 {
		ids, more = ids[:3], ", …"
	}
	return []string{fmt.Sprintf("left out %s that recorded no %s value: %s%s", plural(len(m.ids), "run"), metric, strings.Join(ids, ", "), more)}
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
	}
	if len(r.Energy) > 0 {
		c["kwh"] = tracker.TotalJoules(r.Energy) / 3.6e6
		c["co2_kg"] = r.CarbonG / 1000
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
	comps := map[string]int{}
	for _, r := range runs {
		est := map[string]bool{}
		for _, e := range r.Energy {
			if e.Provenance == tracker.ModelEstimate {
				est[e.Component] = true
			}
		}
		if len(est) > 0 {
			n++
		}
		for c := range est {
			comps[c]++
		}
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(comps)) {
		parts = append(parts, fmt.Sprintf("%s in %s", c, plural(comps[c], "run")))
	}
	return fmt.Sprintf("the energy of %d of %s includes model estimates, not measurements (%s); \"greenai runs show ID\" says how each figure was obtained",
		n, plural(len(runs), "run"), strings.Join(parts, ", "))
}

// EnergyProvenance says how the energy of runs was obtained: for each
// provenance, the components, with the number of runs where not all of
// them.
func EnergyProvenance(runs []*tracker.Record) string {
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
	byProv := map[string][]string{}
	for _, k := range slices.SortedFunc(maps.Keys(count), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.prov, b.prov), cmp.Compare(a.comp, b.comp))
	}) {
		c := k.comp
		if n := count[k]; n < len(runs) {
			c += fmt.Sprintf(" (%d of %s)", n, plural(len(runs), "run"))
		}
		byProv[k.prov] = append(byProv[k.prov], c)
	}
	var parts []string
	for _, p := range []string{string(tracker.MeasuredCounter), string(tracker.IntegratedPower), string(tracker.ModelEstimate)} {
		if cs := byProv[p]; len(cs) > 0 {
			parts = append(parts, p+": "+strings.Join(cs, ", "))
			delete(byProv, p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(byProv)) {
		parts = append(parts, p+": "+strings.Join(byProv[p], ", "))
	}
	return strings.Join(parts, "; ")
}

// CarbonProvenance lists the carbon settings of runs (intensity, where,
// source, PUE), with the number of runs each where they differ.
func CarbonProvenance(runs []*tracker.Record) string {
	count := map[string]int{}
	var order []string
	for _, r := range runs {
		if len(r.Energy) == 0 {
			continue
		}
		s := r.Carbon.String()
		if count[s] == 0 {
			order = append(order, s)
		}
		count[s]++
	}
	if len(order) == 1 {
		return order[0]
	}
	for i, s := range order {
		order[i] = fmt.Sprintf("%s (%s)", s, plural(count[s], "run"))
	}
	return strings.Join(order, " | ")
}

package runsource

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

// All records here are synthetic.

// fakeStore is a Lister over fixed records (filters are the store's
// business and are tested there).
type fakeStore struct {
	recs []*tracker.Record
	err  error
}

func (f fakeStore) List(context.Context, store.Filter) ([]*tracker.Record, error) {
	return f.recs, f.err
}

var t0 = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)

// rec is a finished synthetic run with the given metric lines.
func rec(id string, params map[string]string, metrics ...string) *tracker.Record {
	code := 0
	end := t0.Add(100 * time.Second)
	r := &tracker.Record{ID: id, Status: tracker.StatusFinished, Complete: true, ExitCode: &code, Start: t0, End: &end,
		WallSeconds: 100, CPUSeconds: 80, Experiment: "exp", Params: params,
		Energy: []tracker.Energy{{Component: "cpu", Joules: 3.6e6, Provenance: meter.MeasuredCounter}},
		FPO:    &tracker.FPOInfo{TotalFPO: 1e12, Spec: "s.yaml", Source: "synthetic"}, CarbonG: 500}
	for _, m := range metrics {
		r.Metrics = append(r.Metrics, json.RawMessage(m))
	}
	return r
}

func load(t *testing.T, recs ...*tracker.Record) *Set {
	t.Helper()
	s, err := Load(context.Background(), fakeStore{recs: recs}, "test.db", store.Filter{}, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadLeavesOutUnfinished(t *testing.T) {
	one, two := 1, 0
	failed := rec("b", nil)
	failed.ExitCode = &one
	incomplete := rec("c", nil)
	incomplete.Complete = false
	signaled := rec("d", nil)
	signaled.Status = tracker.StatusSignaled
	noCode := rec("e", nil)
	noCode.ExitCode = nil
	ok := rec("a", nil)
	ok.ExitCode = &two
	recs := []*tracker.Record{ok, failed, incomplete, signaled, noCode}
	tests := []struct {
		include bool
		want    []string
		summary string
	}{
		{false, []string{"a"}, "1 run from test.db, experiment x; left out 4 that did not finish (1 exit status 1, 1 incomplete, 1 no exit status, 1 signaled); --include-failed keeps them"},
		{true, []string{"a", "b", "c", "d", "e"}, "5 runs from test.db, experiment x"},
	}
	for _, tc := range tests {
		s, err := Load(context.Background(), fakeStore{recs: recs}, "test.db", store.Filter{Experiment: "x"}, tc.include)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range s.Runs {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tc.want) || s.Summary() != tc.summary {
			t.Errorf("include %v: %v, %q; want %v, %q", tc.include, got, s.Summary(), tc.want, tc.summary)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	broken := errors.New("store: read runs from x: disk on fire")
	incomplete := rec("c", nil)
	incomplete.Complete = false
	tests := []struct {
		name string
		st   fakeStore
		want string
	}{
		{"empty", fakeStore{}, "no runs in test.db, tag a=b"},
		{"store error", fakeStore{err: broken}, "disk on fire"},
		{"none finished", fakeStore{recs: []*tracker.Record{incomplete}}, "none of the 1 runs in test.db, tag a=b finished (1 incomplete); --include-failed keeps them"},
	}
	for _, tc := range tests {
		_, err := Load(context.Background(), tc.st, "test.db", store.Filter{Tags: []string{"a=b"}}, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestTrials(t *testing.T) {
	s := load(t,
		rec("r1", map[string]string{"model": "cnn", "lr": "0.1"}, `{"step":1,"acc":0.5}`, `{"step":2,"acc":0.7}`, `{"step":3,"acc":0.6}`),
		rec("r2", map[string]string{"lr": "0.2", "arch": "big"}, `{"step":1,"Acc":0.4}`, `{"step":2,"loss":1}`),
		rec("r3", map[string]string{"model": "cnn"}, `{"step":1,"loss":2}`),
	)
	tests := []struct {
		name       string
		opts       TrialOptions
		models     []string
		scores     []float64
		params     map[string]string // of the first trial
		wantErr    string
		wantNoteIn string
	}{
		{"best", TrialOptions{Metric: "ACC"}, []string{"cnn", "exp"}, []float64{0.7, 0.4}, map[string]string{"lr": "0.1"}, "", "left out 1 run that recorded no acc value: r3"},
		{"best lower", TrialOptions{Metric: "acc", LowerIsBetter: true}, nil, []float64{0.5, 0.4}, nil, "", ""},
		{"last", TrialOptions{Metric: "acc", Agg: AggLast}, nil, []float64{0.6, 0.4}, nil, "", ""},
		{"min", TrialOptions{Metric: "acc", Agg: AggMin}, nil, []float64{0.5, 0.4}, nil, "", ""},
		{"max lower", TrialOptions{Metric: "acc", Agg: AggMax, LowerIsBetter: true}, nil, []float64{0.7, 0.4}, nil, "", ""},
		{"experiment", TrialOptions{Metric: "acc", GroupBy: "experiment"}, []string{"exp", "exp"}, nil, map[string]string{"model": "cnn", "lr": "0.1"}, "", ""},
		{"by lr", TrialOptions{Metric: "acc", GroupBy: "lr"}, []string{"0.1", "0.2"}, nil, map[string]string{"model": "cnn"}, "", ""},
		{"by arch", TrialOptions{Metric: "acc", GroupBy: "arch"}, nil, nil, nil, `run r1 has no parameter "arch" (--group-by arch)`, ""},
		{"no metric", TrialOptions{Metric: "f1"}, nil, nil, nil, `no run in test.db has a metric "f1" (the runs recorded: acc, loss, step)`, ""},
		{"empty metric", TrialOptions{}, nil, nil, nil, "no metric given", ""},
		{"bad agg", TrialOptions{Metric: "acc", Agg: "mean"}, nil, nil, nil, `metric aggregation "mean"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := s.Trials(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var models []string
			var scores []float64
			for i, tr := range ts.Trials {
				models, scores = append(models, tr.Model), append(scores, tr.Score)
				if ts.RunOf(tr) != ts.Runs[i] {
					t.Errorf("RunOf(trial %d) is not its run", i)
				}
			}
			if tc.models != nil && !slices.Equal(models, tc.models) {
				t.Errorf("models %v, want %v", models, tc.models)
			}
			if tc.scores != nil && !slices.Equal(scores, tc.scores) {
				t.Errorf("scores %v, want %v", scores, tc.scores)
			}
			if tc.params != nil && !maps.Equal(ts.Trials[0].Params, tc.params) {
				t.Errorf("params %v, want %v", ts.Trials[0].Params, tc.params)
			}
			if tc.wantNoteIn != "" && !slices.Contains(ts.Notes, tc.wantNoteIn) {
				t.Errorf("notes %q lack %q", ts.Notes, tc.wantNoteIn)
			}
		})
	}
}

func TestNoMetricsAtAll(t *testing.T) {
	s := load(t, rec("a", map[string]string{"model": "m"}), rec("b", map[string]string{"model": "m"}))
	want := `no run in test.db recorded metrics (a program appends JSON lines such as {"step":100,"acc":0.71} to the file $GREENAI_METRICS names)`
	if _, err := s.Trials(TrialOptions{Metric: "acc"}); err == nil || err.Error() != want {
		t.Errorf("trials: %v, want %q", err, want)
	}
	if _, err := s.Curves(CurveOptions{Y: "acc"}); err == nil || err.Error() != want {
		t.Errorf("curves: %v, want %q", err, want)
	}
}

func TestCosts(t *testing.T) {
	r := rec("r", nil)
	r.Energy = append(r.Energy, tracker.Energy{Component: "gpu", Joules: 7.2e6, Provenance: meter.ModelEstimate})
	c := Costs(r)
	want := map[string]float64{"seconds": 100, "cpu_seconds": 80, "fpo": 1e12, "kwh": 3, "co2_kg": 0.5}
	if len(c) != len(want) {
		t.Errorf("costs %v, want %v", c, want)
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	r.FPO, r.Energy = nil, nil
	if c := Costs(r); len(c) != 2 {
		t.Errorf("a run without FPO or energy has costs %v, want seconds and cpu_seconds only", c)
	}
	// The per-example FPO is a training example's under a spec, an
	// inference example's without; the PUE comes with the energy.
	r = rec("r", nil)
	r.FPO.PerExampleFPO, r.FPO.Spec, r.Carbon.PUE = 3e9, "spec.yaml", 1.4
	if c := Costs(r); c[report.ColTrainFPOPerExample] != 3e9 || c[report.ColPUE] != 1.4 || c[report.ColInferenceFPOPerExample] != 0 {
		t.Errorf("with a spec: costs %v", c)
	}
	r.FPO.Spec = ""
	if c := Costs(r); c[report.ColInferenceFPOPerExample] != 3e9 || c[report.ColTrainFPOPerExample] != 0 {
		t.Errorf("without a spec: costs %v", c)
	}
}

func TestWarningsAndProvenance(t *testing.T) {
	measured := rec("a", nil)
	estimated := rec("b", nil)
	estimated.Energy = []tracker.Energy{
		{Component: "cpu", Joules: 1, Provenance: meter.ModelEstimate},
		{Component: "ram", Joules: 1, Provenance: meter.ModelEstimate},
		{Component: "gpu", Joules: 1, Provenance: meter.IntegratedPower},
	}
	estimated.FPO.Spec = ""
	runs := []*tracker.Record{measured, estimated}
	tests := []struct {
		cols []string
		want []string
	}{
		{[]string{"seconds"}, nil},
		{[]string{"kwh"}, []string{`the energy of 1 of 2 runs includes model estimates, not measurements (cpu in 1 run, ram in 1 run); "greenai runs show ID" says how each figure was obtained`}},
		{[]string{"fpo"}, []string{"the fpo of 1 run is one forward pass of one example (greenai run --model without --spec), not the cost of a training trial"}},
	}
	for _, tc := range tests {
		if got := Warnings(runs, tc.cols...); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.cols, got, tc.want)
		}
	}
	if got, want := EnergyProvenance(runs), "measured-counter: cpu (1 of 2 runs); integrated-power: gpu (1 of 2 runs); model-estimate: cpu (1 of 2 runs), ram (1 of 2 runs)"; got != want {
		t.Errorf("energy provenance %q, want %q", got, want)
	}
	if got := Warnings([]*tracker.Record{measured}, "kwh", "co2_kg", "fpo"); got != nil {
		t.Errorf("measured runs warned: %q", got)
	}
}

func TestHardware(t *testing.T) {
	a, b, c := rec("a", nil), rec("b", nil), rec("c", nil)
	a.Hardware = meter.Hardware{CPUModel: "Xeon", Sockets: 2, LogicalCPUs: 64, RAMBytes: 256e9, GPUs: []string{"A100", "A100", "T4"}}
	b.Hardware = a.Hardware
	c.Hardware = meter.Hardware{CPUModel: "EPYC", LogicalCPUs: 8}
	tests := []struct {
		runs []*tracker.Record
		want string
	}{
		{[]*tracker.Record{a, b}, "2× Xeon, 64 logical CPUs, 256 GB RAM, 2× A100, 1× T4"},
		{[]*tracker.Record{a, b, c}, "2× Xeon, 64 logical CPUs, 256 GB RAM, 2× A100, 1× T4 (2 runs); EPYC, 8 logical CPUs (1 run)"},
		{[]*tracker.Record{rec("d", nil)}, ""},
	}
	for _, tc := range tests {
		if got := Hardware(tc.runs); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

// TestCurves checks every point against hand-computed values: a run that
// writes timestamps, one that writes steps (with a total_steps parameter),
// and one that writes neither.
func TestCurves(t *testing.T) {
	ts := func(sec int) string { return t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339) }
	timed := rec("timed", map[string]string{"model": "m"},
		`{"step":1,"loss":3}`,
		`{"timestamp":"`+ts(75)+`","acc":0.6}`,
		`{"timestamp":`+strconv.FormatInt(t0.Unix()+25, 10)+`,"acc":0.5}`)
	stepped := rec("stepped", map[string]string{"model": "m", "total_steps": "400"},
		`{"step":100,"acc":0.2}`, `{"step":200,"acc":0.3}`)
	stepped.Trial = "s1"
	tests := []struct {
		x      string
		run    *tracker.Record
		xs, ys []float64
		notes  []string
	}{
		{"seconds", timed, []float64{25, 75}, []float64{0.5, 0.6}, []string{"x (cumulative seconds) = the time from the run's start to the record's timestamp: 2 points in 1 run."}},
		{"fpo", timed, []float64{0.25e12, 0.75e12}, []float64{0.5, 0.6}, []string{"x (cumulative fpo) = elapsed ÷ wall time × the run's FPO: 2 points in 1 run."}},
		{"kwh", timed, []float64{0.25, 0.75}, []float64{0.5, 0.6}, nil},
		{"seconds", stepped, []float64{25, 50}, []float64{0.2, 0.3}, []string{"x (cumulative seconds) = step ÷ total steps × the run's wall time (total steps: the run's total_steps parameter): 2 points in 1 run."}},
		{"fpo", stepped, []float64{0.25e12, 0.5e12}, []float64{0.2, 0.3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.x+" "+tc.run.ID, func(t *testing.T) {
			cs, err := load(t, tc.run).Curves(CurveOptions{Y: "acc", X: tc.x})
			if err != nil {
				t.Fatal(err)
			}
			c := cs.Curves[0]
			if !slices.Equal(c.X, tc.xs) || !slices.Equal(c.Y, tc.ys) {
				t.Errorf("points %v %v, want %v %v", c.X, c.Y, tc.xs, tc.ys)
			}
			if tc.notes != nil && !slices.Equal(cs.Proration, tc.notes) {
				t.Errorf("proration %q, want %q", cs.Proration, tc.notes)
			}
			if want := "m " + cmp.Or(tc.run.Trial, tc.run.ID); c.Name != want {
				t.Errorf("name %q, want %q", c.Name, want)
			}
		})
	}
}

func TestCurvesErrors(t *testing.T) {
	noFPO := rec("nofpo", nil, `{"step":1,"acc":0.5}`)
	noFPO.FPO = nil
	tests := []struct {
		name string
		run  *tracker.Record
		x    string
		want string
	}{
		{"neither", rec("r", nil, `{"acc":0.5}`), "seconds", "run r metrics:1: acc has neither a step nor a timestamp"},
		{"outside", rec("r", nil, `{"time":12.5,"acc":0.5}`), "seconds", "run r metrics:1: time 12.5 is not within the run"},
		{"garbled", rec("r", nil, `{"time":"yesterday","acc":0.5}`), "seconds", `time "yesterday" is neither Unix seconds nor RFC 3339`},
		{"no fpo", noFPO, "fpo", "run nofpo has no FPO"},
		{"steps zero", rec("r", nil, `{"step":0,"acc":0.5}`), "fpo", "recorded no step above 0"},
		{"not a number", rec("r", nil, `{"step":1,"acc":"high"}`), "fpo", `run r metrics:1: acc "high" is not a number`},
		{"axis", rec("r", nil, `{"step":1,"acc":0.5}`), "co2_kg", `x axis "co2_kg"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.run).Curves(CurveOptions{Y: "acc", X: tc.x})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
}

// A run that recorded its energy and FPO at each step is drawn from those
// figures, not prorated.
func TestCurvesFromRecordedSteps(t *testing.T) {
	r := rec("steps", map[string]string{"model": "m"}, `{"step":1,"acc":0.2}`, `{"step":2,"acc":0.4}`, `{"step":3,"loss":1}`)
	f1, f2 := 1e11, 3e11
	r.Steps = []tracker.Step{{Step: 1, Seconds: 10, Joules: 720000, FPO: &f1}, {Step: 2, Seconds: 70, Joules: 2.88e6, FPO: &f2}, {Step: 3, Seconds: 90, Joules: 3e6}}
	r.StepsHow = "test"
	for x, want := range map[string][]float64{"kwh": {0.2, 0.8}, "fpo": {1e11, 3e11}, "seconds": {10, 70}} {
		cs, err := load(t, r).Curves(CurveOptions{Y: "acc", X: x})
		if err != nil {
			t.Fatal(err)
		}
		if got := cs.Curves[0].X; !slices.Equal(got, want) {
			t.Errorf("%s: x %v, want the recorded %v", x, got, want)
		}
		if !strings.Contains(strings.Join(cs.Proration, " "), "recorded by greenai run at the step") {
			t.Errorf("%s: notes %q", x, cs.Proration)
		}
	}
}

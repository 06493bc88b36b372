package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/plot/plottest"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

// The runs in these tests are synthetic: one run per row of
// testdata/report/trials.csv (itself synthetic), saved through the real
// store API, so that every report from --runs can be checked against the
// same report from the CSV file.

var runsT0 = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)

// synthID is the id of the synthetic run made from trial row i.
func synthID(i int) string { return fmt.Sprintf("20240601T%02d0000-%08x", 8+i, i+1) }

// synthRun is a finished, synthetic run: the trial's score is the best
// val_acc of three evaluation records (the last is slightly worse), its
// cost columns become the record's wall time, FPO and energy (cnn: two
// measured components; lstm: the CPU estimated from a TDP model).
// perExample is the synthetic FPO of one training example of each model.
var perExample = map[string]float64{"cnn": 3.1e9, "lstm": 1.2e9}

func synthRun(i int, model string, score, fpo, seconds, kwh float64, params map[string]string) *tracker.Record {
	start := runsT0.Add(time.Duration(i) * time.Hour)
	end := start.Add(time.Duration(seconds * float64(time.Second)))
	code := 0
	joules := kwh * 3.6e6
	cpuProv := meter.MeasuredCounter
	if model == "lstm" {
		cpuProv = meter.ModelEstimate
	}
	r := &tracker.Record{
		ID: synthID(i), Status: tracker.StatusFinished, Complete: true, Command: "python train.py (synthetic)",
		Start: start, End: &end, ExitCode: &code, Host: "synthetic-host", PID: 999999999,
		Hardware: meter.Hardware{CPUModel: "Synthetic CPU 8-core", LogicalCPUs: 16, RAMBytes: 64e9,
			GPUs: []string{"Synthetic GPU 16 GB", "Synthetic GPU 16 GB"}},
		WallSeconds: seconds, CPUSeconds: 0.9 * seconds,
		Energy: []tracker.Energy{
			{Component: "gpu", Device: "GPU-0", Joules: 0.75 * joules, Provenance: meter.MeasuredCounter, Scope: meter.ScopeDevice},
			{Component: "cpu", Joules: joules - 0.75*joules, Provenance: cpuProv, Scope: meter.ScopeProcess},
		},
		Carbon:     carbon.Setting{PUE: 1.2, GramsPerKWh: 300, Where: "Synthetica", Source: "synthetic test table"},
		PUE:        1.2,
		Experiment: "sst2", Trial: fmt.Sprintf("t%02d", i+1), Params: params,
		FPO: &tracker.FPOInfo{Model: model + ".onnx", Spec: "spec.yaml", TotalFPO: fpo, PerExampleFPO: perExample[model], Source: "synthetic FPO count"},
	}
	r.EnergyJoules = tracker.TotalJoules(r.Energy)
	r.CarbonG = r.Carbon.Grams(r.EnergyJoules)
	// Evaluations at steps 100, 200 and 300 of 300, with a training-loss
	// record between them; cnn runs also write timestamps.
	r.Metrics = append(r.Metrics, json.RawMessage(`{"step":50,"loss":1.2}`))
	for k, v := range []float64{score - 0.05, score, score - 0.02} {
		step := 100 * (k + 1)
		m := fmt.Sprintf(`{"step":%d,"val_acc":%s`, step, strconv.FormatFloat(v, 'g', -1, 64))
		if model == "cnn" {
			at := start.Add(time.Duration(float64(step) / 300 * seconds * float64(time.Second)))
			m += fmt.Sprintf(`,"timestamp":%q`, at.Format(time.RFC3339Nano))
		}
		r.Metrics = append(r.Metrics, json.RawMessage(m+"}"))
	}
	return r
}

// seedTrialRuns saves one synthetic run per row of trials.csv into a new
// SQLite store, plus, with unfinished, a cnn run that exited with status 1
// (with a score better than any other) and an incomplete run. It returns
// the database path.
func seedTrialRuns(t *testing.T, unfinished bool) string {
	t.Helper()
	in, err := report.ReadFile(reportData + "trials.csv")
	if err != nil {
		t.Fatal(err)
	}
	var recs []*tracker.Record
	for i, row := range in.Rows {
		num := func(col string) float64 {
			v, err := row.MustNumber(col)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		params := map[string]string{"model": row.Fields["model"], "lr": row.Fields["lr"], "dropout": row.Fields["dropout"]}
		recs = append(recs, synthRun(i, row.Fields["model"], num("score"), num("fpo"), num("seconds"), num("kwh"), params))
	}
	if unfinished {
		n := len(recs)
		failed := synthRun(n, "cnn", 0.99, 2e15, 100, 0.01, map[string]string{"model": "cnn", "lr": "1", "dropout": "0"})
		code := 1
		failed.ExitCode = &code
		incomplete := synthRun(n+1, "lstm", 0.5, 8e14, 10, 0.001, map[string]string{"model": "lstm", "lr": "1", "dropout": "0"})
		incomplete.Complete, incomplete.Status, incomplete.End, incomplete.ExitCode, incomplete.Metrics = false, tracker.StatusStarted, nil, nil, nil
		recs = append(recs, failed, incomplete)
	}
	return saveRuns(t, recs)
}

func saveRuns(t *testing.T, recs []*tracker.Record) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "runs.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, r := range recs {
		if err := st.Save(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// intoRuns makes the directory of db the working directory, so that the
// database is named "runs.db" in outputs as it would be by a user there, and
// returns the absolute path of the test data directory.
func intoRuns(t *testing.T, db string) string {
	t.Helper()
	data, err := filepath.Abs(reportData)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(db))
	return data + string(filepath.Separator)
}

func runsGolden(t *testing.T, data, name string, args ...string) (string, string) {
	t.Helper()
	out, errOut, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("greenai %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	plottest.Golden(t, filepath.Join(data, "golden", name), []byte(out))
	return out, errOut
}

// wantStderr checks that standard error says each of wants.
func wantStderr(t *testing.T, errOut string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// sameJSON compares decoded JSON values, numbers to a relative 1e-12
// (kWh go through joules and back), ignoring the keys in skip.
func sameJSON(a, b any, path string, skip map[string]bool) error {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: object against %T", path, b)
		}
		for k := range x {
			if _, ok := y[k]; !ok && !skip[k] {
				return fmt.Errorf("%s.%s: missing on one side", path, k)
			}
		}
		for k := range y {
			if skip[k] {
				continue
			}
			if err := sameJSON(x[k], y[k], path+"."+k, skip); err != nil {
				return err
			}
		}
		return nil
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Errorf("%s: %d elements against %v", path, len(x), b)
		}
		for i := range x {
			if err := sameJSON(x[i], y[i], fmt.Sprintf("%s[%d]", path, i), skip); err != nil {
				return err
			}
		}
		return nil
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-12*math.Max(math.Abs(x), math.Abs(y)) {
			return fmt.Errorf("%s: %v against %v", path, x, b)
		}
		return nil
	}
	if a != b {
		return fmt.Errorf("%s: %v against %v", path, a, b)
	}
	return nil
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return v
}

func TestRunsSourceEVPMatchesCSV(t *testing.T) {
	data := intoRuns(t, seedTrialRuns(t, true))
	tests := []struct {
		name     string
		csv      []string // flags for the CSV run
		runs     []string // flags for the runs run
		bestCNN  string   // id of cnn's best run
		bestLSTM string
	}{
		{"trials", nil, nil, synthID(4), synthID(11)},
		{"fpo", []string{"--cost", "fpo"}, []string{"--cost", "fpo"}, synthID(4), synthID(11)},
		{"seconds", []string{"--cost", "seconds"}, []string{"--cost", "seconds"}, synthID(4), synthID(11)},
		{"kwh", []string{"--cost", "kwh"}, []string{"--cost", "kwh"}, synthID(4), synthID(11)},
		{"max-n", []string{"--max-n", "12"}, []string{"--max-n", "12"}, synthID(4), synthID(11)},
		// Lower is better: the CSV's score is each run's highest val_acc.
		{"lower", []string{"--lower-is-better"}, []string{"--lower-is-better", "--metric-agg", "max"}, synthID(7), synthID(13)},
		{"group-by", nil, []string{"--group-by", "model"}, synthID(4), synthID(11)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, _, err := runCLI(t, append([]string{"evp", "--json", data + "trials.csv"}, tc.csv...)...)
			if err != nil {
				t.Fatal(err)
			}
			got, errOut, err := runCLI(t, append([]string{"evp", "--json", "--runs", "--db", "runs.db", "--metric", "val_acc"}, tc.runs...)...)
			if err != nil {
				t.Fatal(err, errOut)
			}
			g, w := decodeJSON(t, got), decodeJSON(t, want)
			if err := sameJSON(w, g, "", map[string]bool{"where": true, "run": true, "notes": true, "score": true}); err != nil {
				t.Errorf("runs and CSV differ: %v", err)
			}
			for model, id := range map[string]string{"cnn": tc.bestCNN, "lstm": tc.bestLSTM} {
				best := g["models"].(map[string]any)[model].(map[string]any)["best"].(map[string]any)
				if best["run"] != id {
					t.Errorf("%s: best run %v, want %s", model, best["run"], id)
				}
			}
			wantStderr(t, errOut, "greenai: 14 runs from runs.db; left out 2 that did not finish (1 exit status 1, 1 incomplete); --include-failed keeps them")
		})
	}
}

func TestRunsSourceIncludeFailed(t *testing.T) {
	intoRuns(t, seedTrialRuns(t, true))
	out, errOut, err := runCLI(t, "evp", "--json", "--runs", "--db", "runs.db", "--metric", "val_acc", "--include-failed")
	if err != nil {
		t.Fatal(err, errOut)
	}
	got := decodeJSON(t, out)
	cnn := got["models"].(map[string]any)["cnn"].(map[string]any)
	if cnn["trials"] != 9.0 || cnn["best"].(map[string]any)["run"] != synthID(14) {
		t.Errorf("cnn with the failed run: %v trials, best %v", cnn["trials"], cnn["best"])
	}
	wantStderr(t, errOut, "greenai: 16 runs from runs.db\n", "greenai: left out 1 run that recorded no val_acc value: "+synthID(15))
}

func TestRunsSourceMetricAgg(t *testing.T) {
	intoRuns(t, seedTrialRuns(t, false))
	score := 0.712 // the first trial's, reached at step 200
	tests := []struct {
		agg  string
		want float64
	}{
		{"best", score},
		{"max", score},
		{"last", score - 0.02}, // float64 arithmetic, as when the runs were made
		{"min", score - 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.agg, func(t *testing.T) {
			out, errOut, err := runCLI(t, "report", "trials", "--runs", "--db", "runs.db", "--metric", "val_acc", "--metric-agg", tc.agg, "--cost", "fpo", "--csv")
			if err != nil {
				t.Fatal(err, errOut)
			}
			want := synthID(0) + ",cnn,2e+15," + strconv.FormatFloat(tc.want, 'g', -1, 64) + ","
			if !strings.Contains(out, "\n"+want) {
				t.Errorf("no row %q in\n%s", want, out)
			}
		})
	}
}

func TestRunsSourceOutputs(t *testing.T) {
	data := intoRuns(t, seedTrialRuns(t, true))
	tests := []struct {
		golden string
		args   []string
		stderr []string
	}{
		{"runs_source_evp.txt", []string{"evp", "--runs", "--db", "runs.db", "--metric", "val_acc", "--cost", "kwh", "--budgets", "1,3,6"},
			[]string{"greenai: warning: the energy of 6 of 14 runs includes model estimates, not measurements (cpu in 6 runs)"}},
		{"runs_source_trials.md", []string{"report", "trials", "--runs", "--db", "runs.db", "--experiment", "sst2", "--metric", "val_acc", "--cost", "fpo", "--markdown"}, nil},
		{"runs_source_curves.txt", []string{"report", "curves", "--runs", "--db", "runs.db", "--tag", "model=cnn", "--y", "val_acc", "--x", "seconds"}, nil},
		{"runs_source_curves_fpo.txt", []string{"report", "curves", "--runs", "--db", "runs.db", "--y", "VAL_ACC"}, nil},
		{"runs_source_curves_kwh.txt", []string{"report", "curves", "--runs", "--db", "runs.db", "--y", "val_acc", "--x", "kwh"},
			[]string{"model estimates"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			_, errOut := runsGolden(t, data, tc.golden, tc.args...)
			wantStderr(t, errOut, tc.stderr...)
		})
	}
}

// TestRunsSourceCurves checks the curve table of the first cnn run (x from
// timestamps, or from steps for FPO) and the first lstm run (steps only)
// against hand-computed values: its total x is the last point's, and its
// best val_acc (step 200 of 300) is at two thirds of it.
func TestRunsSourceCurves(t *testing.T) {
	intoRuns(t, seedTrialRuns(t, false))
	tests := []struct {
		x, run        string
		total, atBest float64
		proration     string
	}{
		{"seconds", "cnn t01", 3600, 2400, "the time from the run's start to the record's timestamp"},
		{"seconds", "lstm t09", 1500, 1000, "step ÷ total steps × the run's wall time (total steps: the largest step the run recorded)"},
		{"fpo", "cnn t01", 2e15, 2e15 * 2 / 3, "step ÷ total steps × the run's FPO"},
		{"fpo", "lstm t09", 8e14, 8e14 * 2 / 3, "step ÷ total steps × the run's FPO"},
		{"kwh", "cnn t01", 0.30, 0.30 * 2 / 3, "elapsed ÷ wall time × the run's energy"},
		{"kwh", "lstm t09", 0.12, 0.12 * 2 / 3, "step ÷ total steps × the run's energy"},
	}
	for _, tc := range tests {
		t.Run(tc.x+" "+tc.run, func(t *testing.T) {
			out, errOut, err := runCLI(t, "report", "curves", "--runs", "--db", "runs.db", "--y", "val_acc", "--x", tc.x, "--csv")
			if err != nil {
				t.Fatal(err, errOut)
			}
			wantStderr(t, errOut, tc.proration)
			var row []string
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Split(l, ","); f[0] == tc.run {
					row = f
				}
			}
			if len(row) != 6 || row[1] != "3" || row[3] == row[4] {
				t.Fatalf("row of %s: %q\n%s", tc.run, row, out)
			}
			for i, want := range map[int]float64{2: tc.total, 5: tc.atBest} {
				got, err := strconv.ParseFloat(row[i], 64)
				if err != nil || math.Abs(got-want) > 1e-9*want {
					t.Errorf("column %d: %s, want %v", i, row[i], want)
				}
			}
		})
	}
}

func TestRunsSourceCard(t *testing.T) {
	data := intoRuns(t, seedTrialRuns(t, true))
	md, errOut := runsGolden(t, data, "runs_source_card.md", "card", data+"runs_source_card.yaml", "--runs", "--db", "runs.db", "--metric", "val_acc")
	for _, want := range []string{
		"| Computing infrastructure | Synthetic CPU 8-core, 16 logical CPUs, 64 GB RAM, 2× Synthetic GPU 16 GB | hardware recorded by greenai run (14 runs) |",
		"| Average runtime per trial, cnn | 3569 s (59.5 min) | mean of seconds over 8 trials |",
		"| Number of trials, cnn | 8 |",
		"| Number of trials, lstm | 6 |",
		"| cnn | 0.745 | dropout=0.2, lr=1e-4 | run " + synthID(4) + " |",
		"| lstm | 0.725 | dropout=0.2, lr=3e-4 | run " + synthID(11) + " |",
		"| Runs left out (did not finish) | 2 (1 exit status 1, 1 incomplete) | greenai run records |",
		"| Energy, cnn | 2.37 kWh | sum of kwh over 8 trials; measured-counter: cpu, gpu |",
		"| Energy, lstm | 730 Wh | sum of kwh over 6 trials; measured-counter: gpu; model-estimate: cpu |",
		"| Carbon, cnn | 853 g CO2e | sum of co2\\_kg over 8 trials; 300 g CO2e/kWh, Synthetica \\[synthetic test table]; PUE 1.20 |",
		"Metric: val\\_acc. Trials: 14 runs from runs.db, each scored by its best (highest) val\\_acc.",
		// Every run recorded its per-example training FPO.
		"| FPO per training example, cnn | 3.1 × 10⁹ FPO | recorded by greenai run (8 runs); counted by synthetic FPO count |",
		"| FPO per training example, lstm | 1.2 × 10⁹ FPO | recorded by greenai run (6 runs); counted by synthetic FPO count |",
	} {
		if !strings.Contains(squeeze(md), want) {
			t.Errorf("card lacks %q", want)
		}
	}
	wantStderr(t, errOut, "model estimates")
	// A spec that states the hardware keeps it; a plot is drawn from runs.
	dir := t.TempDir()
	fig := filepath.Join(dir, "evp.svg")
	out, errOut, err := runCLI(t, "card", data+"card.yaml", "--runs", "--db", "runs.db", "--metric", "val_acc", "--plot", fig)
	if err != nil {
		t.Fatal(err, errOut)
	}
	if !strings.Contains(squeeze(out), "| Computing infrastructure | 1x GPU (16 GB), 8 CPU cores | card spec |") {
		t.Errorf("the spec's hardware was replaced:\n%s", out)
	}
	// The spec's intensity replaces the runs' one, but the runs' PUE stays:
	// 2.37 kWh × 1.2 × 400 g/kWh.
	if want := "| Carbon, cnn | 1.14 kg CO2e | energy × PUE 1.2 (recorded by the runs) × 400 g CO2e/kWh; intensity: grid average (example value) |"; !strings.Contains(squeeze(out), want) {
		t.Errorf("card lacks %q:\n%s", want, out)
	}
	// No absolute local path anywhere.
	if strings.Contains(out, "/tmp/") || strings.Contains(out, dir) {
		t.Errorf("the card prints an absolute path:\n%s", out)
	}
	if _, err := os.Stat(fig); err != nil {
		t.Error(err)
	}
}

// squeeze collapses the padding of Markdown tables.
func squeeze(s string) string {
	return regexp.MustCompile(` {2,}`).ReplaceAllString(s, " ")
}

func TestRunsSourceErrors(t *testing.T) {
	data := intoRuns(t, seedTrialRuns(t, false))
	empty := saveRuns(t, nil)
	// A run without FPO and without energy, and one without a model
	// parameter or experiment.
	bare := synthRun(0, "cnn", 0.7, 1, 10, 0.1, map[string]string{"lr": "1"})
	bare.FPO, bare.Energy, bare.Experiment = nil, nil, ""
	bareDB := saveRuns(t, []*tracker.Record{bare})
	noFPO := synthRun(0, "cnn", 0.7, 1, 10, 0.1, map[string]string{"model": "cnn"})
	noFPO.FPO = nil
	noFPODB := saveRuns(t, []*tracker.Record{noFPO})
	missingDB := filepath.Join(t.TempDir(), "none.db")
	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"missing metric", []string{"evp", "--runs", "--db", "runs.db", "--metric", "val_f1"}, `no run in runs.db has a metric "val_f1" (the runs recorded: loss, step, timestamp, val_acc)`, false},
		{"empty store", []string{"evp", "--runs", "--db", empty, "--metric", "val_acc"}, "no runs in " + filepath.Base(empty), false},
		{"no match", []string{"evp", "--runs", "--db", "runs.db", "--metric", "val_acc", "--experiment", "mnist"}, "no runs in runs.db, experiment mnist", false},
		{"no database", []string{"evp", "--runs", "--db", missingDB, "--metric", "val_acc"}, "no runs database at " + missingDB, false},
		{"no metric flag", []string{"evp", "--runs", "--db", "runs.db"}, "--runs needs --metric NAME", true},
		{"metric without runs", []string{"evp", "--metric", "val_acc", data + "trials.csv"}, "add --runs", true},
		{"runs and a file", []string{"evp", "--runs", "--metric", "val_acc", data + "trials.csv"}, "name no input files", true},
		{"runs and score", []string{"evp", "--runs", "--metric", "val_acc", "--score", "acc"}, "--metric names the score", true},
		{"bad agg", []string{"evp", "--runs", "--db", "runs.db", "--metric", "val_acc", "--metric-agg", "mean"}, `metric aggregation "mean": want best, last, max or min`, false},
		{"no fpo", []string{"evp", "--runs", "--db", noFPODB, "--metric", "val_acc", "--cost", "fpo"}, "run " + synthID(0) + " (model cnn) has no fpo cost", false},
		{"no energy", []string{"report", "trials", "--runs", "--db", bareDB, "--metric", "val_acc", "--group-by", "lr", "--cost", "kwh"}, "has no kwh cost: it recorded no energy", false},
		{"unknown cost", []string{"evp", "--runs", "--db", "runs.db", "--metric", "val_acc", "--cost", "gpu_hours"}, `runs have no "gpu_hours" cost (costs from runs: co2_kg, cpu_seconds, fpo, fpo_train_per_example, kwh, pue, seconds)`, false},
		{"no model", []string{"evp", "--runs", "--db", bareDB, "--metric", "val_acc"}, "neither a model parameter nor an experiment name", false},
		{"group-by missing", []string{"evp", "--runs", "--db", "runs.db", "--metric", "val_acc", "--group-by", "seed"}, `has no parameter "seed" (--group-by seed)`, false},
		{"curves no fpo", []string{"report", "curves", "--runs", "--db", noFPODB, "--y", "val_acc"}, "has no FPO", false},
		{"curves x", []string{"report", "curves", "--runs", "--db", "runs.db", "--y", "val_acc", "--x", "macs"}, `x axis "macs": curves from runs have fpo, seconds, kwh`, false},
		{"curves increments", []string{"report", "curves", "--runs", "--db", "runs.db", "--y", "val_acc", "--increments"}, "--increments and --group are for files", true},
		{"curves metric", []string{"report", "curves", "--runs", "--db", "runs.db", "--y", "bleu"}, `has a metric "bleu"`, false},
		{"card and trials", []string{"card", data + "card.yaml", data + "trials.csv", "--runs", "--metric", "val_acc"}, "name no trials file", true},
		{"card group-by without runs", []string{"card", data + "card.yaml", "--group-by", "lr"}, "add --runs", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, tc.args...)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
			var ee *exitError
			if isUsage := errors.As(err, &ee) && ee.code == 2; isUsage != tc.usage {
				t.Errorf("usage error = %v, want %v", isUsage, tc.usage)
			}
		})
	}
}

// TestRunsSourceCardLaTeX compiles the standalone LaTeX card from runs,
// figure included, where pdflatex is installed. The provenance that runs
// add (run ids, energy components, runs left out) must still fit one page.
func TestRunsSourceCardLaTeX(t *testing.T) {
	requireLaTeX(t)
	data := intoRuns(t, seedTrialRuns(t, true))
	if _, errOut, err := runCLI(t, "card", data+"card.yaml", "--runs", "--db", "runs.db", "--metric", "val_acc",
		"--latex", "--standalone", "--plot", "evp.pdf", "-o", "card.tex"); err != nil {
		t.Fatal(err, errOut)
	}
	tex, err := os.ReadFile("card.tex")
	if err != nil {
		t.Fatal(err)
	}
	// The per-example FPO every run recorded is filled in.
	if want := `FPO per training example, cnn & 3.1 \ensuremath{\times} 10\ensuremath{^{9}} FPO`; !strings.Contains(string(tex), want) {
		t.Errorf("the card lacks %q", want)
	}
	pdflatex(t, ".", "card.tex")
	log, err := os.ReadFile("card.log")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "Output written on card.pdf (1 page") {
		t.Errorf("the card from runs is not one page:\n%s", log[max(0, len(log)-400):])
	}
}

package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/tracker"
)

// seedRuns writes three finished runs and one incomplete one.
func seedRuns(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "runs.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	mk := func(id, exp string, day int, complete bool, tags []string, group string, gpuJ float64) {
		end := t0.Add(time.Duration(day)*24*time.Hour + time.Minute)
		code := 0
		r := &tracker.Record{
			ID: id, Status: tracker.StatusFinished, Complete: complete, Command: "python train.py",
			Start: t0.Add(time.Duration(day) * 24 * time.Hour), End: &end, ExitCode: &code,
			Host: "node1", PID: 999999999, Experiment: exp, Params: map[string]string{"lr": "0.1"}, Tags: tags, Group: group,
			WallSeconds: 60, CPUSeconds: 50, PeakRSSBytes: 1 << 30, PUE: 1.2,
			Carbon: carbon.Setting{PUE: 1.2, GramsPerKWh: 300, Where: "test"},
			Energy: []tracker.Energy{
				{Component: "cpu", Joules: 1000, Provenance: meter.MeasuredCounter, Scope: meter.ScopeProcess},
				{Component: "gpu", Device: "GPU-A", Joules: gpuJ, Provenance: meter.MeasuredCounter, Scope: meter.ScopeDevice},
			},
			Metrics: []json.RawMessage{json.RawMessage(`{"step":1,"acc":0.5}`)},
		}
		r.EnergyJoules = tracker.TotalJoules(r.Energy)
		r.CarbonG = r.Carbon.Grams(r.EnergyJoules)
		if !complete {
			r.Status, r.End, r.ExitCode = tracker.StatusStarted, nil, nil
		}
		if err := st.Save(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	mk("20240501T120000-00000001", "resnet", 0, true, []string{"baseline"}, "slurm:1", 5000)
	mk("20240502T120000-00000002", "resnet", 1, true, nil, "slurm:1", 4000)
	mk("20240503T120000-00000003", "bert", 2, true, []string{"baseline"}, "", 100)
	mk("20240504T120000-00000004", "bert", 3, false, nil, "", 0)
	return db
}

func TestRunsList(t *testing.T) {
	db := seedRuns(t)
	tests := []struct {
		args []string
		want []string // id suffixes
	}{
		{nil, []string{"01", "02", "03", "04"}},
		{[]string{"--experiment", "resnet"}, []string{"01", "02"}},
		{[]string{"--tag", "baseline"}, []string{"01", "03"}},
		{[]string{"--param", "lr=0.1", "--tag", "baseline", "--experiment", "bert"}, []string{"03"}},
		{[]string{"--since", "2024-05-02", "--until", "2024-05-04"}, []string{"02", "03"}},
		{[]string{"--since", "2024-05-03T00:00:00Z"}, []string{"03", "04"}},
		{[]string{"--group", "slurm:1"}, []string{"01", "02"}},
		{[]string{"--limit", "1"}, []string{"04"}},
	}
	for _, tc := range tests {
		runs := listRunsJSON(t, db, tc.args...)
		var got []string
		for _, r := range runs {
			got = append(got, r.ID[len(r.ID)-2:])
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%v: got %v, want %v", tc.args, got, tc.want)
		}
	}
	out, _, err := runCLI(t, "runs", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"20240501T120000-00000001", "finished", "incomplete", "cpu:m gpu:m", "resnet"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if runs := listRunsJSON(t, db, "--experiment", "none"); runs == nil || len(runs) != 0 {
		t.Errorf("no match: want an empty JSON list, got %v", runs)
	}
}

func TestRunsJSONFields(t *testing.T) {
	db := seedRuns(t)
	out, _, err := runCLI(t, "runs", "--db", db, "--json", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "command", "exit_code", "start", "end", "wall_seconds", "cpu_seconds", "peak_rss_bytes",
		"experiment", "energy", "carbon_g", "pue", "metrics"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("record lacks %q", k)
		}
	}
	e := raw[0]["energy"].([]any)[0].(map[string]any)
	for _, k := range []string{"component", "joules", "provenance"} {
		if _, ok := e[k]; !ok {
			t.Errorf("energy lacks %q", k)
		}
	}
	if raw[1]["exit_code"] != nil || raw[1]["end"] != nil || raw[1]["complete"] != false {
		t.Errorf("incomplete run: %v", raw[1])
	}
}

func TestRunsShowGroupCSV(t *testing.T) {
	db := seedRuns(t)
	out, _, err := runCLI(t, "runs", "--db", db, "show", "20240503")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"20240503T120000-00000003", "bert", "measured-counter", "PUE 1.20", "metrics"} {
		if !strings.Contains(out, s) {
			t.Errorf("show lacks %q:\n%s", s, out)
		}
	}
	if _, _, err := runCLI(t, "runs", "--db", db, "show", "2024"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	out, _, err = runCLI(t, "runs", "--db", db, "group", "slurm:1", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var g tracker.GroupTotal
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	// Both runs of the group measured GPU-A on node1: counted once.
	if g.Runs != 2 || g.EnergyJoules != 2000+5000 || len(g.Deduplicated) != 1 {
		t.Errorf("group: %+v", g)
	}
	csvPath := filepath.Join(t.TempDir(), "runs.csv")
	if _, _, err := runCLI(t, "runs", "--db", db, "--csv", "-o", csvPath); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "id" || !strings.Contains(strings.Join(rows[0], ","), "gpu_provenance") {
		t.Fatalf("csv: %v", rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if rows[1][col["cpu_joules"]] != "1000" || rows[1][col["cpu_provenance"]] != "measured-counter" || rows[1][col["metrics"]] != "1" {
		t.Errorf("csv row: %v", rows[1])
	}
}

func TestRunsImport(t *testing.T) {
	db := seedRuns(t)
	out, _, err := runCLI(t, "runs", "--db", db, "show", "20240501T120000-00000001", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r tracker.Record
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	r.ID = "imported-1"
	file := filepath.Join(t.TempDir(), "r.json")
	b, _ := json.Marshal(r)
	os.WriteFile(file, b, 0o644)
	other := filepath.Join(t.TempDir(), "other.db")
	if _, _, err := runCLI(t, "runs", "--db", other, "import", file); err != nil {
		t.Fatal(err)
	}
	if runs := listRunsJSON(t, other); len(runs) != 1 || runs[0].ID != "imported-1" {
		t.Errorf("imported: %+v", runs)
	}
}

func TestRunsMarkdown(t *testing.T) {
	db := seedRuns(t)
	out, _, err := runCLI(t, "runs", "--db", db, "--markdown")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Recorded runs**", "| 20240501T120000-00000001 | finished ", "| cpu:m gpu:m "} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestRunsUsageErrors(t *testing.T) {
	db := seedRuns(t)
	for _, args := range [][]string{
		{"runs", "--db", db, "--json", "--csv"},
		{"runs", "--db", db, "--since", "yesterday"},
		{"runs", "--db", db, "show"},
		{"runs", "--db", db, "frob"},
		{"runs", "--db", db, "--limit", "-1"},
		{"runs", "--db", db, "import"},
		{"runs", "--db", db, "--markdown", "--latex"},
		{"runs", "--db", db, "import", "r.json", "--markdown"},
	} {
		_, _, err := runCLI(t, args...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"":                     {},
		"2024-05-01":           time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		"2024-05-01T10:00:00Z": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		"36h":                  now.Add(-36 * time.Hour),
		"7d":                   now.Add(-7 * 24 * time.Hour),
	}
	for in, want := range tests {
		got, err := parseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-5h", "5x"} {
		if _, err := parseWhen(bad, now); err == nil {
			t.Errorf("parseWhen(%q): want an error", bad)
		}
	}
}

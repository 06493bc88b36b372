package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/tracker"
)

// sharedRun is a finished run on a shared host: RAPL billed by CPU-time
// share, a GPU billed by the driver's per-process share.
func sharedRun() *tracker.Record {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	end, code := t0.Add(time.Minute), 0
	r := &tracker.Record{ID: "20240501T120000-00000001", Status: tracker.StatusFinished, Complete: true,
		Command: "python train.py --epochs 90 --lr 0.1 --batch-size 256 --data /datasets/imagenet/train --out /scratch/run1",
		Start:   t0, End: &end, ExitCode: &code, Host: "node1", Experiment: "resnet", WallSeconds: 60, CPUSeconds: 50,
		Carbon: carbon.Setting{PUE: 1.2, GramsPerKWh: 300, Where: "test"}, PUE: 1.2,
		Energy: []tracker.Energy{
			{Component: "cpu", Device: "package-0", Joules: 400, HostJoules: 1000, Share: 0.4, Provenance: meter.MeasuredCounter,
				Scope: meter.ScopeHost, Method: "RAPL package counter, billed by the run's share of the host's busy CPU time"},
			{Component: "gpu", Device: "GPU-5f1f3c1e-0d7a-4b6c-9e8d-7c6b5a493827", Joules: 5000, Share: 0.5, Provenance: meter.MeasuredCounter,
				Scope: meter.ScopeDevice, Method: "NVML total energy counter, whole device; the driver's per-process share"},
		}}
	r.EnergyJoules = tracker.TotalJoules(r.Energy)
	r.WholeJoules, r.AttributedJoules = 6000, 2900
	r.CarbonG = r.Carbon.Grams(r.EnergyJoules)
	return r
}

// TestRunsText: the list, one run and the run summary fit 80 columns.
func TestRunsText(t *testing.T) {
	r := sharedRun()
	var list, show, sum bytes.Buffer
	if err := NewRuns([]*tracker.Record{r, r}).Write(&list, Plain, 80); err != nil {
		t.Fatal(err)
	}
	if err := NewRun(r).Write(&show, Plain, 80); err != nil {
		t.Fatal(err)
	}
	if err := WriteRunSummary(&sum, r, "saved to runs.db", 80); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		text string
		want []string
	}{
		"list":    {list.String(), []string{"20240501T120000-00000001  finished", "cpu:m gpu:m  resnet  python train.py", "…", "e = model estimate (not measured)"}},
		"show":    {show.String(), []string{"400 J of 1 kJ whole (40.0%)", "attributed to the run 2.9 kJ", "billed by the run's share"}},
		"summary": {sum.String(), []string{"package-0: RAPL", "saved to runs.db", "carbon"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.text, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, c.text)
			}
		}
		checkWidth(t, name, c.text, 80)
	}
	var empty bytes.Buffer
	NewRuns(nil).Write(&empty, "json", 80)
	if strings.TrimSpace(empty.String()) != "[]" {
		t.Errorf("no runs: %q", empty.String())
	}
}

// TestRunsCSV: whole and attributed energy, per component and in total,
// with how each figure was attributed.
func TestRunsCSV(t *testing.T) {
	var b bytes.Buffer
	if err := NewRuns([]*tracker.Record{sharedRun()}).Write(&b, CSV, 0); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	for k, want := range map[string]string{"energy_joules": "5400", "whole_joules": "6000", "attributed_joules": "2900",
		"cpu_joules": "400", "cpu_whole_joules": "1000", "cpu_attributed_joules": "400",
		"gpu_joules": "5000", "gpu_whole_joules": "5000", "gpu_attributed_joules": "2500", "gpu_provenance": "measured-counter"} {
		if col[k] != want {
			t.Errorf("%s = %q, want %q", k, col[k], want)
		}
	}
	if !strings.Contains(col["attribution"], "cpu package-0: RAPL package counter, billed") || !strings.Contains(col["attribution"], "gpu GPU-5f1f") {
		t.Errorf("attribution %q", col["attribution"])
	}
}

// TestRunsSchema: the list, one run and a job's totals match
// docs/schema/runs.schema.json, and a run reads back as a tracker.Record.
func TestRunsSchema(t *testing.T) {
	r := sharedRun()
	validate(t, "runs.schema.json", NewRuns([]*tracker.Record{r}))
	validate(t, "runs.schema.json", NewRun(r))
	validate(t, "runs.schema.json", NewJob(tracker.SumGroup("slurm:1", []*tracker.Record{r})))
	b, _ := json.Marshal(NewRun(r))
	var back tracker.Record
	if err := json.Unmarshal(b, &back); err != nil || back.ID != r.ID || back.Schema != RunVersion {
		t.Errorf("read back %v: %+v", err, back)
	}
}

// The job view fits 80 columns with real GPU UUIDs and node names.
func TestJobFits80Columns(t *testing.T) {
	tot := tracker.GroupTotal{Group: "slurm:123456.0", Runs: 8, Hosts: 2, ByComponent: map[string]float64{"cpu": 1e6, "gpu": 3.6e7},
		EnergyJoules: 3.7e7, AttributedJoules: 3.1e7, AttributedHow: strings.Repeat("words and more words ", 10),
		Nodes: []tracker.NodeTotal{{Node: "gpu-node-0123.cluster#1", Ranks: 4, Leader: "4", Joules: 1e6, Share: 0.4, Attributed: 4e5}},
		GPUs: []tracker.GPUTotal{{Node: "gpu-node-0123.cluster#1", Device: "GPU-5f1f3c1e-0d7a-4b6c-9e8d-7c6b5a493827", Rank: "12",
			Joules: 3.6e7, Attributed: 9e6, Provenance: "measured-counter"}}}
	var b strings.Builder
	if err := NewJob(tot).Write(&b, Plain, 80); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GPU-5f1f3c1e-0d7a-4b6c-9e8d-7c6b5a493827 (node", "attributed 9 MJ", "gpu-node-0123.cluster#1      4"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("job view lacks %q:\n%s", want, b.String())
		}
	}
	checkWidth(t, "job", b.String(), 80)
}

// The terminal listing names each distinct source once: a cloud region,
// which takes its country's figure, refers to the country's source and
// gives the country's code, instead of a near-copy of the note per country.
func TestIntensitiesTableGroupsSources(t *testing.T) {
	tb := IntensitiesTable(true)
	full := IntensitiesTable(false)
	rows := carbon.Table()
	if len(tb.Rows) != len(rows) || len(full.Rows) != len(rows) {
		t.Fatalf("%d and %d rows, want %d", len(tb.Rows), len(full.Rows), len(rows))
	}
	bases := map[string]bool{}
	for i, in := range rows {
		if got := full.Rows[i][4].Text; got != in.Source {
			t.Errorf("%s: full source %q, want %q", in.Code, got, in.Source)
		}
		got := tb.Rows[i][4].Text
		if in.Country != "" {
			if !strings.HasSuffix(got, "] "+in.Country) {
				t.Errorf("%s: source cell %q does not name country %s", in.Code, got, in.Country)
			}
			c, err := carbon.LookupCountry(in.Country)
			if err != nil {
				t.Fatal(err)
			}
			bases[strings.TrimSuffix(in.Source, "; figure of "+c.Name)] = true
		} else {
			bases[in.Source] = true
		}
	}
	// One note per distinct source, plus the one explaining the region
	// markers; no note repeats another's source.
	if len(tb.Notes) != len(bases)+1 {
		t.Errorf("%d notes for %d distinct sources:\n%s", len(tb.Notes), len(bases), strings.Join(tb.Notes, "\n"))
	}
	for _, n := range tb.Notes[:len(tb.Notes)-1] {
		_, src, _ := strings.Cut(n, "] ")
		if !bases[src] || strings.Contains(src, "figure of") {
			t.Errorf("note %q is not one distinct source", n)
		}
	}
	if last := tb.Notes[len(tb.Notes)-1]; !strings.Contains(last, "figure of") {
		t.Errorf("no note explains the region markers: %q", last)
	}
}

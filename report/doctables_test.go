package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/tracker"
)

func testRun() *tracker.Record {
	end := time.Date(2024, 5, 1, 12, 1, 0, 0, time.UTC)
	code := 0
	r := &tracker.Record{ID: "r1", Status: tracker.StatusFinished, Complete: true, Command: "python a.py | tee 50% _log & {x}",
		Start: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), End: &end, ExitCode: &code, Host: "h|1",
		WallSeconds: 60, CPUSeconds: 30, EnergyJoules: 1234.5,
		Energy: []tracker.Energy{{Component: "cpu", Joules: 1234.5, Provenance: meter.MeasuredCounter, Method: "RAPL package_0"}}}
	return r
}

func writeAll(t *testing.T, format string, tables ...*Table) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTables(&b, format, tables...); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The run's tables escape Markdown's | and LaTeX's specials, and CSV keeps
// the full-precision values.
func TestRunDocTablesEscape(t *testing.T) {
	d := NewRun(testRun())
	md := writeAll(t, Markdown, d.Tables()...)
	for _, want := range []string{`| command  | python a.py \| tee 50% \_log & {x} `, `| h\|1 `, "| cpu       |        | 1.234 kJ |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	tex := writeAll(t, LaTeX, d.Tables()...)
	for _, want := range []string{`command & python a.py \textbar{} tee 50\% \_log \& \{x\} \\`, `\caption{Run r1 (finished)}`, `energy & 1.234 kJ \\`} {
		if !strings.Contains(tex, want) {
			t.Errorf("latex lacks %q:\n%s", want, tex)
		}
	}
	csv := writeAll(t, CSV, d.Tables()...)
	for _, want := range []string{"energy,1234.5\n", "wall,60\n", "start,2024-05-01T12:00:00Z\n", "cpu,,1234.5,1234.5,measured-counter,RAPL package_0\n"} {
		if !strings.Contains(csv, want) {
			t.Errorf("csv lacks %q:\n%s", want, csv)
		}
	}
	var text bytes.Buffer
	if err := d.Write(&text, "pdf", 80); err == nil || !strings.Contains(err.Error(), `unknown run format "pdf"`) {
		t.Errorf("Write pdf: %v", err)
	}
}

func TestJobDocTables(t *testing.T) {
	a, b := testRun(), testRun()
	b.ID = "r2"
	a.Group, b.Group, a.Rank, b.Rank = "job|1", "job|1", "0", "1"
	d := NewJob(tracker.SumGroup("job|1", []*tracker.Record{a, b}))
	md := writeAll(t, Markdown, d.Tables()...)
	for _, want := range []string{`**Job job\|1**`, "| runs ", "| 2 "} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if csv := writeAll(t, CSV, d.Tables()...); !strings.Contains(csv, "runs,2\n") || !strings.Contains(csv, "energy cpu,2469\n") {
		t.Errorf("csv:\n%s", csv)
	}
}

// The EVP document's tables have the report's cells, also when the
// document is read back from its JSON.
func TestEVPDocTables(t *testing.T) {
	rep, err := ComputeEVP(readTrials(t, "testdata/trials.csv"), EVPOptions{Cost: "fpo"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := NewEVP(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var back EVPDoc
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{Markdown, LaTeX, CSV} {
		want := writeAll(t, f, rep.Table(nil), rep.CrossingTable(evp.WithoutReplacement))
		if got := writeAll(t, f, doc.Table(nil), doc.CrossingTable(evp.WithoutReplacement)); got != want {
			t.Errorf("%s: document's tables\n%s\nreport's\n%s", f, got, want)
		}
		// Read back, models come sorted; the cells of each row are the same.
		got := writeAll(t, f, back.Table(nil), back.CrossingTable(evp.WithoutReplacement))
		if sortedLines(got) != sortedLines(want) {
			t.Errorf("%s: read-back document's tables\n%s\nreport's\n%s", f, got, want)
		}
	}
	if len(rep.Models) < 2 || len(rep.Crossings[evp.WithoutReplacement]) == 0 {
		t.Fatalf("fixture has %d models, %d crossings: the test checks nothing", len(rep.Models), len(rep.Crossings[evp.WithoutReplacement]))
	}
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	for i := range l {
		for j := i + 1; j < len(l); j++ {
			if l[j] < l[i] {
				l[i], l[j] = l[j], l[i]
			}
		}
	}
	return strings.Join(l, "\n")
}

package main

import (
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// csvRecords reads every record of CSV output that holds several tables
// (separated by blank lines, each with its own header).
func csvRecords(t *testing.T, out string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	return recs
}

func hasRecord(recs [][]string, want ...string) bool {
	for _, r := range recs {
		if len(r) >= len(want) && slices.Equal(r[:len(want)], want) {
			return true
		}
	}
	return false
}

func TestInspectTableFormats(t *testing.T) {
	model := filepath.Join(models, "gru_lm.onnx")
	for flag, name := range map[string]string{"--markdown": "inspect_gru_lm.md", "--latex": "inspect_gru_lm.tex", "--csv": "inspect_gru_lm.csv"} {
		out, _, err := runCLI(t, "inspect", flag, model)
		if err != nil {
			t.Fatalf("%s: %v", flag, err)
		}
		goldenText(t, name, out)
	}
	out, _, err := runCLI(t, "inspect", "--csv", model)
	if err != nil {
		t.Fatal(err)
	}
	recs := csvRecords(t, out)
	for _, want := range [][]string{{"field", "value"}, {"name", "type", "source"}, {"count", "operator"}} {
		if !hasRecord(recs, want...) {
			t.Errorf("inspect --csv lacks the header %q:\n%s", want, out)
		}
	}
	if !hasRecord(recs, "count", "operator") || !strings.Contains(out, ",GRU\n") {
		t.Errorf("inspect --csv lacks the GRU operator row:\n%s", out)
	}
	_, _, err = runCLI(t, "inspect", "--csv", "--json", model)
	if ee := (*exitError)(nil); !errors.As(err, &ee) || ee.code != 2 {
		t.Errorf("inspect --csv --json: %v, want a usage error", err)
	}
}

func TestRunsShowGroupFormats(t *testing.T) {
	db := seedRuns(t)
	out, _, err := runCLI(t, "runs", "--db", db, "show", "20240503", "--csv")
	if err != nil {
		t.Fatal(err)
	}
	recs := csvRecords(t, out)
	for _, want := range [][]string{
		{"field", "value"}, {"command", "python train.py"}, {"wall", "60"}, {"energy", "1100"}, {"peak RSS", "1073741824"},
		{"component", "device", "energy", "whole", "provenance", "method"},
		{"gpu", "GPU-A", "100", "100", "measured-counter"},
	} {
		if !hasRecord(recs, want...) {
			t.Errorf("runs show --csv lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "runs", "--db", db, "show", "20240503", "--markdown")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Run 20240503T120000-00000003 (finished)**", "| energy ", "| 1.1 kJ", "| gpu       | GPU-A  |"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs show --markdown lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "runs", "--db", db, "group", "slurm:1", "--latex")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`\caption{Job slurm:1}`, `\caption{Nodes of job slurm:1}`, `\caption{GPUs of job slurm:1}`, "node1 & 2 & ", "GPU-A & node1"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs group --latex lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "runs", "--db", db, "group", "slurm:1", "--csv")
	if err != nil {
		t.Fatal(err)
	}
	if recs := csvRecords(t, out); !hasRecord(recs, "energy (whole nodes and GPUs, each once)", "7000") || !hasRecord(recs, "runs", "2") {
		t.Errorf("runs group --csv:\n%s", out)
	}
	// runs show with a job's id shows the job, in any format.
	if out, _, err = runCLI(t, "runs", "--db", db, "show", "slurm:1", "--markdown"); err != nil || !strings.Contains(out, "**Job slurm:1**") {
		t.Errorf("runs show JOB --markdown: %v\n%s", err, out)
	}
	// A format runs import cannot honour is a usage error.
	for _, args := range [][]string{
		{"runs", "--db", db, "import", "x.json", "--csv"},
		{"runs", "--db", db, "import", "x.json", "-o", filepath.Join(t.TempDir(), "out")},
		{"runs", "--db", db, "show", "20240503", "--csv", "--latex"},
		{"runs", "--db", db, "show", "20240503", "--experiment", "bert"},
		{"runs", "--db", db, "group", "slurm:1", "--limit", "1"},
		{"runs", "--db", db, "show", "20240503", "--tensorboard", t.TempDir()},
		{"runs", "--db", db, "import", "x.json", "--since", "7d"},
	} {
		_, _, err := runCLI(t, args...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

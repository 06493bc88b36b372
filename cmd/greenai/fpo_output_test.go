package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/greenai/greenai/report"
)

// Under a convention, the totals row is named after the unit it holds, and
// --pprof opens on that unit.
func TestFPOConventionLabels(t *testing.T) {
	resnet := filepath.Join(models, "resnet18.onnx")
	for conv, label := range map[string]string{"fpo": "FPO", "macs": "MACs", "fvcore": "fvcore flops", "ptflops": "ptflops MACs"} {
		out, _, err := runCLI(t, "fpo", "--dim", "batch=1", "--convention", conv, "--top", "0", resnet)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out, "\n")
		var first string
		for i, l := range lines {
			if l == "Totals per inference" {
				first = lines[i+1]
			}
		}
		if !strings.HasPrefix(first, "  "+label+" ") {
			t.Errorf("--convention %s: first totals row %q, want it labelled %q", conv, first, label)
		}
		if conv != "fpo" {
			if strings.Contains(out, "\n  FPO   ") || !strings.Contains(out, "FPO (every ADD and MUL)  3.635G") {
				t.Errorf("--convention %s: a row labelled FPO holds another unit, or the real FPO is missing:\n%s", conv, out)
			}
		}
		path := filepath.Join(t.TempDir(), "p.pb.gz")
		if _, _, err := runCLI(t, "fpo", "--dim", "batch=1", "--convention", conv, "--pprof", path, resnet); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(path)
		p, err := profile.Parse(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(strings.ToLower(label), " ", "_")
		if p.DefaultSampleType != want || p.SampleType[0].Type != want {
			t.Errorf("--convention %s: pprof opens on %q (types %v), want %q", conv, p.DefaultSampleType, p.SampleType, want)
		}
	}
}

// Shares of symbolic counts say where they are evaluated; scope rows
// include their children.
func TestFPOSharesAndScopes(t *testing.T) {
	out, _, err := runCLI(t, "fpo", filepath.Join(models, "gpt2_small.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "By operator type (shares at batch = 1, sequence = 1)") || !strings.Contains(out, "shares at batch = 1, sequence = 1)") {
		t.Errorf("symbolic shares do not state their point:\n%s", out)
	}
	out, _, err = runCLI(t, "fpo", "--json", "--dim", "batch=1", filepath.Join(models, "resnet18.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var doc report.FPODoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != report.FPOVersion || doc.SharesAt != nil {
		t.Errorf("version %q, shares_at %v (concrete counts need no point)", doc.Version, doc.SharesAt)
	}
	fpoOf := map[string]int64{}
	for _, s := range doc.ByScope {
		v, _ := s.FPO.IsConst()
		fpoOf[s.Scope] = v
	}
	if l1, a, b := fpoOf["/layer1"], fpoOf["/layer1/layer1.0"], fpoOf["/layer1/layer1.1"]; l1 == 0 || l1 != a+b {
		t.Errorf("/layer1 = %d, want its children's total %d + %d", l1, a, b)
	}
	text, _, _ := runCLI(t, "fpo", "--dim", "batch=1", filepath.Join(models, "resnet18.onnx"))
	if !strings.Contains(text, "\n/layer1      926.9M  462.4M  25.5%\n  /layer1.0") {
		t.Errorf("scope table lacks the /layer1 total above its children:\n%s", text)
	}
}

// Text output fits the terminal: 80 columns by default, $COLUMNS when set.
func TestFPOFitsColumns(t *testing.T) {
	for _, cols := range []string{"", "80", "100"} {
		t.Setenv("COLUMNS", cols)
		limit := 80
		if cols != "" {
			limit = atoi(cols)
		}
		for _, m := range []string{"gpt2_small.onnx", "bert_base.onnx", "resnet18.onnx"} {
			out, _, err := runCLI(t, "fpo", filepath.Join(models, m))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(out, "\n") {
				if n := len([]rune(l)); n > limit {
					t.Errorf("COLUMNS=%q %s: line of %d columns: %q", cols, m, n, l)
				}
			}
		}
	}
	t.Setenv("COLUMNS", "200")
	wide, _, _ := runCLI(t, "fpo", filepath.Join(models, "gpt2_small.onnx"))
	if !strings.Contains(wide, "By module scope (depth 2; a scope includes its children; shares at batch = 1, sequence = 1)\n") {
		t.Errorf("COLUMNS=200 is not used: the caption is still wrapped")
	}
	t.Setenv("COLUMNS", "")
	out, _, _ := runCLI(t, "fpo", filepath.Join(models, "gpt2_small.onnx"))
	if !strings.Contains(out, "+ …") || !strings.Contains(out, "--exact prints them whole") {
		t.Errorf("cut polynomials carry no pointer to --exact/--json:\n%s", out)
	}
	out, _, _ = runCLI(t, "fpo", "--exact", filepath.Join(models, "gpt2_small.onnx"))
	if !strings.Contains(out, "FPO  = 39600*batch*sequence^2 + 248516907*batch*sequence + 12*sequence^2 + sequence + 12") {
		t.Errorf("--exact does not print the polynomial whole:\n%s", out)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = 10*n + int(c-'0')
	}
	return n
}

// fpo --models-csv writes the table report pareto reads.
func TestFPOModelsCSV(t *testing.T) {
	out, errOut, err := runCLI(t, "fpo", "--models-csv", "--dim", "batch=1", filepath.Join(models, "resnet18.onnx"), filepath.Join(models, "resnet34.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "acc1") {
		t.Errorf("no hint to fill in acc1: %q", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != "model,group,params,macs,fpo,acc1" || !strings.HasSuffix(lines[1], ",1814073344,3635322856,") {
		t.Fatalf("models table:\n%s", out)
	}
	// Filled in, it is what report pareto reads.
	dir := t.TempDir()
	csv := filepath.Join(dir, "models.csv")
	filled := lines[0] + "\n" + lines[1] + "69.76\n" + lines[2] + "73.31\n"
	os.WriteFile(csv, []byte(filled), 0o644)
	rows, err := report.ReadModels(csv)
	if err != nil || len(rows) != 2 || rows[0].FPO != 3635322856 || rows[0].MACs != 1814073344 {
		t.Fatalf("report reads %+v, %v", rows, err)
	}
	if _, _, err := runCLI(t, "report", "pareto", csv); err != nil {
		t.Errorf("report pareto on fpo's table: %v", err)
	}
}

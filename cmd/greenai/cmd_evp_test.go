package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/plot/plottest"
)

const reportData = "testdata/report/"

// golden runs the CLI and compares standard output with
// testdata/report/golden/NAME.
func golden(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, errOut, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("greenai %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	plottest.Golden(t, filepath.Join(reportData, "golden", name), []byte(out))
	return out
}

func TestEVPOutputs(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"evp.txt", []string{"evp", reportData + "trials.csv"}},
		{"evp_fpo.md", []string{"evp", reportData + "trials.csv", "--cost", "fpo", "--markdown"}},
		{"evp_fpo.tex", []string{"evp", "--latex", "--cost", "FPO", reportData + "trials.csv"}},
		{"evp.csv", []string{"evp", "--csv", "--budgets", "1,4,8", reportData + "trials.csv"}},
		{"evp.json", []string{"evp", "--json", reportData + "trials.csv"}},
		{"evp_single.txt", []string{"evp", reportData + "single.csv"}},
		{"evp_lower.txt", []string{"evp", "--lower-is-better", "--budgets", "1,2,6", reportData + "trials.csv"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) { golden(t, tc.golden, tc.args...) })
	}
}

func TestEVPJSON(t *testing.T) {
	out, _, err := runCLI(t, "evp", "--json", "--cost", "seconds", reportData+"trials.csv")
	if err != nil {
		t.Fatal(err)
	}
	type point struct {
		N      int      `json:"n"`
		Mean   float64  `json:"mean"`
		SD     float64  `json:"sd"`
		Budget *float64 `json:"budget"`
	}
	var doc struct {
		Version string `json:"version"`
		Models  map[string]struct {
			Trials             int     `json:"trials"`
			MeanCost           float64 `json:"mean_cost"`
			WithReplacement    []point `json:"with_replacement"`
			WithoutReplacement []point `json:"without_replacement"`
			Crossings          map[string][]struct {
				Other string `json:"other"`
			} `json:"crossings"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Version != "greenai.evp/1" {
		t.Errorf("version %q", doc.Version)
	}
	got := doc.Models
	cnn, ok := got["cnn"]
	if !ok || len(got) != 2 {
		t.Fatalf("models: %v", got)
	}
	if cnn.Trials != 8 || len(cnn.WithReplacement) != 8 || len(cnn.WithoutReplacement) != 8 {
		t.Fatalf("cnn: %+v", cnn)
	}
	mean := (0.712 + 0.654 + 0.731 + 0.690 + 0.745 + 0.702 + 0.731 + 0.600) / 8
	if p := cnn.WithReplacement[0]; p.N != 1 || math.Abs(p.Mean-mean) > 1e-12 {
		t.Errorf("n=1 with replacement: %+v, want mean %v", p, mean)
	}
	if p := cnn.WithoutReplacement[7]; p.N != 8 || p.Mean != 0.745 || p.SD != 0 {
		t.Errorf("n=N without replacement: %+v", p)
	}
	if p := cnn.WithoutReplacement[2]; p.Budget == nil || math.Abs(*p.Budget-3*cnn.MeanCost) > 1e-9 {
		t.Errorf("budget at n=3: %v, mean cost %v", p.Budget, cnn.MeanCost)
	}
	if len(cnn.Crossings["without_replacement"]) != 1 || cnn.Crossings["without_replacement"][0].Other != "lstm" {
		t.Errorf("crossings: %+v", cnn.Crossings)
	}
}

func TestEVPPlots(t *testing.T) {
	dir := t.TempDir()
	var args []string
	for _, ext := range []string{"svg", "png", "pdf", "tex"} {
		args = append(args, "--plot", filepath.Join(dir, "evp."+ext))
	}
	_, errOut, err := runCLI(t, append([]string{"evp", reportData + "trials.csv", "--cost", "kwh"}, args...)...)
	if err != nil {
		t.Fatal(err, errOut)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "evp.svg"))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := plottest.SVGTexts(svg)
	if err != nil {
		t.Fatal(err)
	}
	if miss := plottest.Missing(texts, []string{"Budget: trials × mean kwh per trial (kWh)", "Expected max score (±1 sd)", "cnn (N=8)", "lstm (N=6)"}); len(miss) > 0 {
		t.Errorf("SVG lacks %q (has %q)", miss, texts)
	}
	png, err := os.ReadFile(filepath.Join(dir, "evp.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plottest.DecodePNG(png); err != nil {
		t.Errorf("PNG: %v", err)
	}
	for _, ext := range []string{"pdf", "tex"} {
		if st, err := os.Stat(filepath.Join(dir, "evp."+ext)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", ext, err)
		}
	}
	if !strings.Contains(errOut, "wrote "+filepath.Join(dir, "evp.pdf")) {
		t.Errorf("stderr does not report the files: %q", errOut)
	}
}

func TestEVPErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"no file", []string{"evp"}, "name at least one trials file", true},
		{"missing column", []string{"evp", reportData + "missing_column.csv"}, `missing_column.csv:1: missing column "score"`, false},
		{"non-numeric", []string{"evp", reportData + "nonnumeric.csv"}, `nonnumeric.csv:4: score "high" is not a number`, false},
		{"missing cost", []string{"evp", "--cost", "joules", reportData + "trials.csv"}, "trials.csv:3: trial has no joules cost", false},
		{"two formats", []string{"evp", "--json", "--csv", reportData + "trials.csv"}, "choose one output format", true},
		{"bad estimator", []string{"evp", "--estimator", "both", reportData + "trials.csv"}, "--estimator", true},
		{"bad budgets", []string{"evp", "--budgets", "1,x", reportData + "trials.csv"}, "--budgets", true},
		{"bad plot", []string{"evp", "--plot", "out.gif", reportData + "trials.csv"}, "--plot out.gif", true},
		{"bad scale", []string{"evp", "--logx", "sqrt", reportData + "trials.csv"}, "--logx", true},
		{"no such file", []string{"evp", reportData + "nope.csv"}, "nope.csv", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
			var ee *exitError
			if isUsage := errors.As(err, &ee) && ee.code == 2; isUsage != tc.usage {
				t.Errorf("usage error = %v, want %v (%v)", isUsage, tc.usage, err)
			}
		})
	}
}

func TestEVPOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evp.md")
	out, _, err := runCLI(t, "evp", "--markdown", "-o", path, reportData+"trials.csv")
	if err != nil || out != "" {
		t.Fatalf("%v, stdout %q", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "| cnn ") {
		t.Errorf("%v: %s", err, b)
	}
}

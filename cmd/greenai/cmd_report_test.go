package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/internal/plot/plottest"
)

func TestReportOutputs(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"pareto.txt", []string{"report", "pareto", reportData + "models.csv"}},
		{"pareto.md", []string{"report", "pareto", "--markdown", "--axes", "fpo,params", reportData + "models.csv"}},
		{"pareto.tex", []string{"report", "pareto", "--latex", reportData + "models.csv"}},
		{"pareto.csv", []string{"report", "pareto", "--csv", reportData + "models.csv"}},
		{"trials_front.md", []string{"report", "trials", "--cost", "fpo", "--markdown", reportData + "trials.csv"}},
		{"curves.txt", []string{"report", "curves", "--y", "val_acc", reportData + "curves.jsonl"}},
		{"datasize.md", []string{"report", "datasize", "--markdown", reportData + "datasize.csv"}},
		{"pareto.json", []string{"report", "pareto", "--json", reportData + "models.csv"}},
		{"trials_front.json", []string{"report", "trials", "--cost", "fpo", "--json", reportData + "trials.csv"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) { golden(t, tc.golden, tc.args...) })
	}
}

func TestReportParetoFigure(t *testing.T) {
	dir := t.TempDir()
	svg, png := filepath.Join(dir, "fig4.svg"), filepath.Join(dir, "fig4.png")
	_, errOut, err := runCLI(t, "report", "pareto", reportData+"models.csv", "--connect", "sweep",
		"--plot", svg, "--plot", png, "--plot", filepath.Join(dir, "fig4.pdf"), "--plot", filepath.Join(dir, "fig4.tex"))
	if err != nil {
		t.Fatal(err, errOut)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := plottest.SVGTexts(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Compute per example (FPO)", "Compute per example (MAC)", "Parameters", "Top-1 accuracy (%)",
		"Pareto front", "comparison", "sweep", "net-a", "sweep-d80", "1G", "10G"}
	if miss := plottest.Missing(texts, want); len(miss) > 0 {
		t.Errorf("SVG lacks %q", miss)
	}
	b, err = os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	img, err := plottest.DecodePNG(b)
	if err != nil {
		t.Fatal(err)
	}
	if n := plottest.CountColor(img, plot.FrontColor); n < 300 {
		t.Errorf("PNG front: %d pixels in the front colour", n)
	}
}

func TestReportOtherFigures(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"report", "trials", "--cost", "seconds", reportData + "trials.csv"}, []string{"seconds (s)", "Pareto front", "cnn", "lstm"}},
		{[]string{"report", "curves", "--y", "val_acc", "--x", "fpo", reportData + "curves.jsonl"}, []string{"fpo (FPO)", "val_acc", "small", "large"}},
		{[]string{"report", "datasize", reportData + "datasize.csv"}, []string{"Training examples (train_size)", "cnn", "lstm"}},
	}
	for i, tc := range tests {
		path := filepath.Join(dir, tc.args[1]+".svg")
		_, errOut, err := runCLI(t, append(tc.args, "--plot", path)...)
		if err != nil {
			t.Fatalf("%d: %v %s", i, err, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := plottest.SVGTexts(b)
		if err != nil {
			t.Fatal(err)
		}
		if miss := plottest.Missing(texts, tc.want); len(miss) > 0 {
			t.Errorf("%s: SVG lacks %q", tc.args[1], miss)
		}
	}
}

func TestReportErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no view", []string{"report"}, "name a view"},
		{"unknown view", []string{"report", "bars"}, `unknown view "bars"`},
		{"pareto no file", []string{"report", "pareto"}, "exactly one input file"},
		{"pareto missing column", []string{"report", "pareto", reportData + "trials.csv"}, `trials.csv:2: missing column "params"`},
		{"pareto bad axis", []string{"report", "pareto", "--axes", "flops", reportData + "models.csv"}, `unknown model axis "flops"`},
		{"trials needs cost", []string{"report", "trials", reportData + "trials.csv"}, "--cost COL is required"},
		{"curves needs y", []string{"report", "curves", reportData + "curves.jsonl"}, "--y COL is required"},
		{"curves no file", []string{"report", "curves", "--y", "val_acc"}, "at least one records file"},
		{"datasize missing column", []string{"report", "datasize", reportData + "trials.csv"}, `missing column "train_size"`},
		{"two formats", []string{"report", "pareto", "--csv", "--latex", reportData + "models.csv"}, "choose one output format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestReportWarnsAboutMissingValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(path, []byte("model,params,macs,fpo,acc1\na,1e6,1e8,2e8,60\nb,2e6,,,70\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, "report", "pareto", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "warning: "+path+":3: b has no macs value") {
		t.Errorf("stderr: %q", errOut)
	}
}

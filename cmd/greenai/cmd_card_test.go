package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/report"
)

func TestCardOutputs(t *testing.T) {
	md := golden(t, "card.md", "card", reportData+"card.yaml", reportData+"trials.csv")
	for _, want := range []string{"# Efficiency card: Sentence classification baselines", "| Number of trials, cnn", "not reported"} {
		if !strings.Contains(md, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	golden(t, "card.tex", "card", "--latex", "--spec", reportData+"card.yaml", "--trials", reportData+"trials.csv")
	doc := golden(t, "card_standalone.tex", "card", "--latex", "--standalone", reportData+"card.yaml")
	if !strings.HasPrefix(doc, `\documentclass`) {
		t.Error("standalone card is not a document")
	}
}

func TestCardWithPlot(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "card.md")
	fig := filepath.Join(dir, "fig", "evp.svg")
	if err := os.Mkdir(filepath.Dir(fig), 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, "card", reportData+"card.yaml", reportData+"trials.csv", "--plot", fig, "-o", out)
	if err != nil {
		t.Fatal(err, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "![Expected validation performance](fig/evp.svg)") {
		t.Errorf("card does not include the figure relative to itself:\n%s", b)
	}
	if _, err := os.Stat(fig); err != nil {
		t.Error(err)
	}
}

func TestCardErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no spec", []string{"card"}, "name a card spec"},
		{"both formats", []string{"card", "--markdown", "--latex", reportData + "card.yaml"}, "not both"},
		{"standalone without latex", []string{"card", "--standalone", reportData + "card.yaml"}, "--standalone needs --latex"},
		{"plot without trials", []string{"card", "--plot", "x.svg", reportData + "card.yaml"}, "--plot needs a trials file"},
		{"too many args", []string{"card", reportData + "card.yaml", reportData + "trials.csv", "extra"}, "unexpected arguments"},
		{"bad trials", []string{"card", reportData + "card.yaml", reportData + "nonnumeric.csv"}, "nonnumeric.csv:4:"},
		{"spec not YAML", []string{"card", reportData + "trials.csv"}, "trials.csv"},
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

// TestLaTeXCompiles compiles the LaTeX card, a LaTeX table and a PGF figure
// where pdflatex (with booktabs and pgf) is installed, and checks that the
// card fits on one page.
func TestLaTeXCompiles(t *testing.T) {
	requireLaTeX(t)
	dir := t.TempDir()
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, args := range [][]string{
		{"card", abs(reportData + "card.yaml"), abs(reportData + "trials.csv"), "--latex", "--standalone", "--plot", filepath.Join(dir, "evp.pdf"), "-o", filepath.Join(dir, "card.tex")},
		{"evp", abs(reportData + "trials.csv"), "--cost", "fpo", "--latex", "--plot", filepath.Join(dir, "fig.tex"), "-o", filepath.Join(dir, "table.tex")},
	} {
		if _, errOut, err := runCLI(t, args...); err != nil {
			t.Fatal(err, errOut)
		}
	}
	// A price tag with an estimate (its note has a code span, set in
	// \texttt) and a table with | < > ` in cells and a note, which must
	// compile under the default OT1 encoding.
	model, _ := filepath.Abs(resnet50Model)
	spec := filepath.Join(dir, "spec.yaml")
	body := "model: " + model + "\ntrain: {examples: 1281167, epochs: 90, batch_size: 256, optimizer: sgd-momentum}\nsearch: {trials: 1}\n"
	if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	costTeX, errOut, err := runCLI(t, "cost", spec, "--accelerator", "a100-sxm4", "--devices", "8", "--latex")
	if err != nil {
		t.Fatal(err, errOut)
	}
	if !strings.Contains(costTeX, `\texttt{greenai run}`) || strings.Contains(costTeX, "`") {
		t.Errorf("the estimate note has no \\texttt code span:\n%s", costTeX)
	}
	if err := os.WriteFile(filepath.Join(dir, "cost.tex"), []byte(costTeX), 0o644); err != nil {
		t.Fatal(err)
	}
	special := &report.Table{Caption: "a|b", Header: []string{"x"}, Notes: []string{"Run `greenai run` with a|b <c> `d_e`."}}
	special.AddRow(report.Text("p|q <r> s`t` __init__"))
	var sb strings.Builder
	if err := special.WriteLaTeX(&sb); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "special.tex"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := "\\documentclass{article}\\usepackage{booktabs}\\usepackage{tikz}\\begin{document}\\input{table.tex}\\input{fig.tex}" +
		"\\input{cost.tex}\\input{special.tex}\\end{document}\n"
	if err := os.WriteFile(filepath.Join(dir, "doc.tex"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"card", "doc"} {
		pdflatex(t, dir, name+".tex")
	}
	log, err := os.ReadFile(filepath.Join(dir, "card.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "(1 page") {
		t.Errorf("the card is not one page:\n%s", log[max(0, len(log)-400):])
	}
}

// requireLaTeX skips a test where pdflatex is not installed, unless
// $GREENAI_REQUIRE_LATEX is set (scripts/test.sh sets it, after installing
// TeX Live): then a missing pdflatex fails the test.
func requireLaTeX(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pdflatex"); err != nil {
		if os.Getenv("GREENAI_REQUIRE_LATEX") != "" {
			t.Fatal("pdflatex not installed, and GREENAI_REQUIRE_LATEX is set (scripts/test.sh installs texlive-latex-base, texlive-latex-recommended and texlive-pictures)")
		}
		t.Skip("pdflatex not installed (scripts/test.sh installs it)")
	}
}

// pdflatex compiles file in dir; a missing LaTeX package skips the test
// unless $GREENAI_REQUIRE_LATEX is set.
func pdflatex(t *testing.T, dir, file string) {
	t.Helper()
	cmd := exec.Command("pdflatex", "-interaction=nonstopmode", "-halt-on-error", file)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), ".sty' not found") && os.Getenv("GREENAI_REQUIRE_LATEX") == "" {
			t.Skipf("LaTeX package missing: %s", out)
		}
		t.Fatalf("pdflatex %s: %v\n%s", file, err, out)
	}
}

// TestCardEVPErrorsArePlain: evp and card errors name what and where in
// plain words, without a Go package prefix or type name.
func TestCardEVPErrorsArePlain(t *testing.T) {
	for _, args := range [][]string{
		{"card", reportData + "card_typo.yaml"},
		{"card", "nosuch.yaml"},
		{"card", reportData + "card.yaml", reportData + "nan_score.csv"},
		{"evp", reportData + "nan_score.csv"},
		{"evp", reportData + "empty.csv"},
		{"evp", "nosuch.csv"},
		{"evp", "--max-n", "-1", reportData + "trials.csv"},
	} {
		_, _, err := runCLI(t, args...)
		if err == nil {
			t.Errorf("%q: no error", args)
			continue
		}
		msg := err.Error()
		for _, bad := range []string{"report:", "evp:", "report.CardSpec", " yaml:", "unmarshal"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%q: error %q contains %q", args, msg, bad)
			}
		}
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	doc := "\\documentclass{article}\\usepackage{booktabs}\\usepackage{tikz}\\begin{document}\\input{table.tex}\\input{fig.tex}\\end{document}\n"
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

package main

import (
	"os"
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

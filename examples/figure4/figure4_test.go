package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite models.csv and figure4.png beside the example")

// TestFigure4 runs the example: it counts every model, writes the table and
// the figure, and checks the figure shows what the paper's Figure 4 shows.
func TestFigure4(t *testing.T) {
	rows, err := Count("../../testdata/models")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if *update {
		out = "."
	}
	if err := Write(rows, out); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"models.csv", "figure4.png", "figure4.svg", "figure4.pdf"} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil || st.Size() < 100 {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	got, _ := os.ReadFile(filepath.Join(out, "models.csv"))
	want, err := os.ReadFile("models.csv")
	if err != nil || string(got) != string(want) {
		t.Errorf("models.csv differs from the checked-in table (go test ./examples/figure4 -update to accept)")
	}
	// Diminishing returns along the ResNet depth sweep: past ResNet-50 each
	// added GFPO buys less accuracy.
	byName := map[string]Row{}
	for _, r := range rows {
		byName[r.Model] = r
	}
	slope := func(a, b string) float64 {
		return (byName[b].Acc1 - byName[a].Acc1) / (float64(byName[b].FPO-byName[a].FPO) / 1e9)
	}
	s1, s2, s3 := slope("resnet18", "resnet34"), slope("resnet50", "resnet101"), slope("resnet101", "resnet152")
	if !(s3 < s2 && s2 < s1) {
		t.Errorf("accuracy per GFPO along the ResNet sweep: 18→34 %.3f, 50→101 %.3f, 101→152 %.3f: want decreasing", s1, s2, s3)
	}
	// MACs are the linear-layer multiply-accumulates PyTorch measured.
	if byName["resnet50"].MACs != 4089184256 {
		t.Errorf("resnet50 MACs %d", byName["resnet50"].MACs)
	}
	svg, _ := os.ReadFile(filepath.Join(out, "figure4.svg"))
	for _, label := range []string{"Pareto front", "ResNet depth", "efficientnet_v2_s", "FPO", "MAC", "Parameters", "Top-1 accuracy"} {
		if !strings.Contains(string(svg), label) {
			t.Errorf("figure lacks %q", label)
		}
	}
}

package report

import (
	"bytes"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/greenai/greenai/evp"
)

func addSeedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, n)
	}
}

// FuzzReadTrials feeds arbitrary bytes to the CSV/TSV/JSONL reader and the
// trial conversion: they must fail with an error, never panic, and whatever
// they accept must give finite expected-performance curves.
func FuzzReadTrials(f *testing.F) {
	addSeedFiles(f, "trials.csv", "trials.jsonl", "nonnumeric.csv", "ragged.csv", "bad.jsonl", "single.csv")
	f.Add([]byte("model\tscore\na\t1\n"), "x.tsv")
	f.Add([]byte("{\"model\":\"a\",\"score\":1,\"params\":{\"x\":[1,2]}}\n"), "stdin")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		in, err := Read(bytes.NewReader(data), name, "")
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the input %q: %v", name, err)
			}
			return
		}
		for _, r := range in.Rows {
			for k := range r.Fields {
				if !slices.Contains(in.Columns, k) {
					t.Fatalf("row field %q is not a column %v", k, in.Columns)
				}
			}
		}
		trials, err := TrialsFromInput(in, TrialOptions{})
		if err != nil {
			return
		}
		rep, err := ComputeEVP(trials, EVPOptions{MaxN: 50})
		if err != nil {
			t.Fatalf("accepted trials give an EVP error: %v", err)
		}
		for _, m := range rep.Models {
			for _, e := range evp.Estimators {
				for _, p := range m.Curves[e] {
					if math.IsNaN(p.Mean) || math.IsInf(p.Mean, 0) || math.IsNaN(p.SD) {
						t.Fatalf("%s %v n=%d: %+v", m.Model, e, p.N, p)
					}
				}
			}
		}
	})
}

// FuzzCurves checks the training-curve and data-size readers on arbitrary
// input.
func FuzzCurves(f *testing.F) {
	addSeedFiles(f, "curves.jsonl", "curves_increments.csv", "datasize.csv")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		in, err := Read(bytes.NewReader(data), name, "")
		if err != nil {
			return
		}
		for _, inc := range []bool{false, true} {
			curves, err := CurvesFromInputs([]*Input{in}, CurveOptions{Y: "val_acc", Increments: inc})
			if err != nil {
				continue
			}
			for _, c := range curves {
				if len(c.X) == 0 || len(c.X) != len(c.Y) {
					t.Fatalf("curve %q: %d x, %d y", c.Name, len(c.X), len(c.Y))
				}
			}
			_ = CurvesTable(curves, "fpo", "val_acc").WriteText(&bytes.Buffer{})
		}
		if sc, err := SizeCurves(in, SizeOptions{}); err == nil {
			_ = SizeTable(sc, "train_size", "score").WriteMarkdown(&bytes.Buffer{})
		}
	})
}

// FuzzCardSpec checks that any spec either parses or gives an error naming
// the file, and that a parsed spec always builds a card.
func FuzzCardSpec(f *testing.F) {
	for _, n := range []string{"card.yaml", "card_min.json", "card_typo.yaml"} {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseCardSpec(data, "spec.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "spec.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		trials := []Trial{{Model: "m", Score: 1, Costs: map[string]float64{"kwh": 1}}}
		card, err := BuildCard(spec, trials, "t.csv")
		if err != nil {
			return
		}
		if err := card.WriteLaTeX(&bytes.Buffer{}, true); err != nil {
			t.Fatal(err)
		}
	})
}

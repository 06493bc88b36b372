package report

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func readTrials(t *testing.T, path string) []Trial {
	t.Helper()
	trials, err := FileTrials{Path: path}.Trials()
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

func TestReadTrialsCSVAndJSONLAgree(t *testing.T) {
	csvT := readTrials(t, "testdata/trials.csv")
	jsonT := readTrials(t, "testdata/trials.jsonl")
	if len(csvT) != 14 || len(jsonT) != 14 {
		t.Fatalf("got %d and %d trials, want 14", len(csvT), len(jsonT))
	}
	for i := range csvT {
		c, j := csvT[i], jsonT[i]
		if c.Model != j.Model || c.Score != j.Score || !reflect.DeepEqual(c.Costs, j.Costs) {
			t.Errorf("trial %d differs: %+v vs %+v", i, c, j)
		}
		if c.Params["lr"] != j.Params["lr"] {
			t.Errorf("trial %d lr: %q vs %q", i, c.Params["lr"], j.Params["lr"])
		}
	}
	first := csvT[0]
	want := Trial{Model: "cnn", Score: 0.712, Costs: map[string]float64{"fpo": 2e15, "seconds": 3600, "kwh": 0.3},
		Params: map[string]string{"lr": "1e-3", "dropout": "0.1"}, Source: "testdata/trials.csv", Line: 3}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first trial:\n got %+v\nwant %+v", first, want)
	}
	if jsonT[0].Line != 1 {
		t.Errorf("JSONL line = %d", jsonT[0].Line)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"missing_column.csv", `testdata/missing_column.csv:1: missing column "score" (columns: model, acc)`},
		{"nonnumeric.csv", `testdata/nonnumeric.csv:4: score "high" is not a number`},
		{"ragged.csv", `testdata/ragged.csv:3: wrong number of fields`},
		{"header_only.csv", `testdata/header_only.csv: no trials`},
		{"empty.csv", `testdata/empty.csv: empty file`},
		{"bad.jsonl", `testdata/bad.jsonl:2: not a JSON object`},
		{"negative_cost.csv", `testdata/negative_cost.csv:2: fpo -5 is negative`},
		{"nan_score.csv", `testdata/nan_score.csv:2: score "NaN" is not a finite number`},
		{"does_not_exist.csv", `no such file`},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			_, err := FileTrials{Path: "testdata/" + tc.file}.Trials()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestReadFormats(t *testing.T) {
	tests := []struct {
		name, source, format, text string
		want                       []map[string]string
	}{
		{"sniff jsonl", "stdin", "", "\n  {\"Model\":\"a\",\"score\":1,\"ok\":true,\"n\":null}\n",
			[]map[string]string{{"model": "a", "score": "1", "ok": "true"}}},
		{"sniff csv", "stdin", "", "model,score\na,1\n", []map[string]string{{"model": "a", "score": "1"}}},
		{"tsv by extension", "x.tsv", "", "model\tscore\na\t1\n", []map[string]string{{"model": "a", "score": "1"}}},
		{"BOM and case", "x.csv", "", "\ufeffModel, Score \na, 1\n", []map[string]string{{"model": "a", "score": "1"}}},
		{"nested flattening", "x.jsonl", "", `{"model":"a","score":1,"hp":{"lr":0.1},"costs":{"fpo":5}}`,
			[]map[string]string{{"model": "a", "score": "1", "hp.lr": "0.1", "fpo": "5"}}},
		{"comments", "x.csv", "", "# note\nmodel,score\n# skip\na,1\n", []map[string]string{{"model": "a", "score": "1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Read(strings.NewReader(tc.text), tc.source, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var got []map[string]string
			for _, r := range in.Rows {
				got = append(got, r.Fields)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []struct{ text, format, want string }{
		{"a,a\n1,2\n", "csv", `x:1: column "a" appears twice`},
		{"a,,b\n1,2,3\n", "csv", "x:1: column 2 has no name"},
		{`[1,2]`, "jsonl", "x:1: not a JSON object"},
		{`{"a":1} {"b":2}`, "jsonl", "x:1: more than one JSON value"},
		{`{"a":1,"costs":{"a":2}}`, "jsonl", `field "a" given twice`},
		{"model,score\n", "xml", "unknown input format"},
		{"model,\"score\n", "csv", "x:1:"},
	} {
		if _, err := Read(strings.NewReader(bad.text), "x", bad.format); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: got %v, want %q", bad.text, err, bad.want)
		}
	}
}

func TestTrialOptions(t *testing.T) {
	in, err := Read(strings.NewReader("arch,val_acc,cost_usd,gflops\na,0.5,2,7\nb,0.6,3,8\n"), "x.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	trials, err := TrialsFromInput(in, TrialOptions{ModelColumn: "Arch", ScoreColumn: "val_acc", CostColumns: []string{"gflops"}})
	if err != nil {
		t.Fatal(err)
	}
	if trials[1].Model != "b" || trials[1].Score != 0.6 || trials[1].Costs["cost_usd"] != 3 || trials[1].Costs["gflops"] != 8 {
		t.Errorf("got %+v", trials[1])
	}
	if CostUnit("cost_usd") != "usd" || CostUnit("fpo") != "FPO" || CostUnit("gflops") != "" {
		t.Error("cost units")
	}
	if _, err := MeanCost(trials, "kwh"); err == nil || !strings.Contains(err.Error(), "x.csv:2: trial has no kwh cost") {
		t.Errorf("missing cost: %v", err)
	}
	if _, err := MeanCost([]Trial{{Model: "m"}}, "kwh"); err == nil || !strings.Contains(err.Error(), "model m") {
		t.Errorf("missing cost without source: %v", err)
	}
}

func TestFront(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		xs, ys []float64
		want   []int
	}{
		{"empty", nil, nil, nil},
		{"single", []float64{1}, []float64{1}, []int{0}},
		{"dominated", []float64{1, 2, 3}, []float64{3, 2, 1}, []int{0}},
		{"staircase", []float64{3, 1, 2, 4}, []float64{0.8, 0.5, 0.7, 0.75}, []int{1, 2, 0}},
		{"equal y at higher cost is dominated", []float64{1, 2}, []float64{5, 5}, []int{0}},
		{"equal x keeps the better", []float64{1, 1}, []float64{4, 5}, []int{1}},
		{"identical points both kept", []float64{1, 1, 2}, []float64{5, 5, 6}, []int{0, 1, 2}},
		{"NaN ignored", []float64{1, nan, 3}, []float64{1, 9, nan}, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Front(tc.xs, tc.ys)
			if !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFrontBruteForce compares the sweep with the definition on random
// points with many ties.
func TestFrontBruteForce(t *testing.T) {
	seed := uint64(1)
	next := func() float64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return float64(seed>>60) / 4 // 16 distinct values: many ties
	}
	for round := 0; round < 200; round++ {
		n := 1 + round%12
		xs, ys := make([]float64, n), make([]float64, n)
		for i := range xs {
			xs[i], ys[i] = next(), next()
		}
		got := map[int]bool{}
		for _, i := range Front(xs, ys) {
			got[i] = true
		}
		for i := range xs {
			dominated := false
			for j := range xs {
				if xs[j] <= xs[i] && ys[j] >= ys[i] && (xs[j] < xs[i] || ys[j] > ys[i]) {
					dominated = true
				}
			}
			if got[i] == dominated {
				t.Fatalf("round %d: point %d (%v,%v) dominated=%v but on front=%v; xs=%v ys=%v", round, i, xs[i], ys[i], dominated, got[i], xs, ys)
			}
		}
	}
}

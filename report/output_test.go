package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/internal/plot/plottest"
)

// goldenTables writes each table in every format and compares with
// testdata/golden/NAME.{md,tex,csv}.
func goldenTables(t *testing.T, name string, tables ...*Table) {
	t.Helper()
	for format, ext := range map[string]string{Plain: "txt", Markdown: "md", LaTeX: "tex", CSV: "csv"} {
		var buf bytes.Buffer
		if err := WriteTables(&buf, format, tables...); err != nil {
			t.Fatal(err)
		}
		plottest.Golden(t, filepath.Join("testdata", "golden", name+"."+ext), buf.Bytes())
	}
}

// svgTexts renders f as SVG, compares it with the golden file and returns
// its text elements.
func svgTexts(t *testing.T, f *plot.Figure, golden string) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Render(&buf, "svg"); err != nil {
		t.Fatal(err)
	}
	if golden != "" {
		plottest.Golden(t, filepath.Join("testdata", "golden", golden), buf.Bytes())
	}
	texts, err := plottest.SVGTexts(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

func wantTexts(t *testing.T, texts []string, want ...string) {
	t.Helper()
	if miss := plottest.Missing(texts, want); len(miss) > 0 {
		t.Errorf("figure lacks %q; has %q", miss, texts)
	}
}

func TestEVPReport(t *testing.T) {
	trials := readTrials(t, "testdata/trials.csv")
	rep, err := ComputeEVP(trials, EVPOptions{Cost: "fpo"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Models) != 2 || rep.Models[0].Model != "cnn" || rep.Models[0].Trials != 8 {
		t.Fatalf("models: %+v", rep.Models)
	}
	cnn := rep.Models[0]
	if got := cnn.Curves[evp.WithoutReplacement][7]; got.Mean != 0.745 || got.SD != 0 {
		t.Errorf("cnn n=N: %+v", got)
	}
	// On the FPO axis the cheaper lstm leads at small budgets and the cnn
	// overtakes it.
	cs := rep.Crossings[evp.WithoutReplacement]
	if len(cs) != 1 || cs[0].Before != "lstm" || cs[0].After != "cnn" {
		t.Fatalf("crossings: %+v", cs)
	}
	goldenTables(t, "evp", rep.Table(nil), rep.CrossingTable(evp.WithoutReplacement))

	texts := svgTexts(t, rep.Figure(evp.WithoutReplacement, plot.Auto, plot.Auto), "evp.svg")
	wantTexts(t, texts, "Expected validation performance (without replacement)",
		"Budget: trials × mean fpo per trial (FPO)", "Expected max score (±1 sd)",
		"cnn (N=8)", "lstm (N=6)", "curves cross", "4P", "10P", "16P")

	var png bytes.Buffer
	if err := rep.Figure(evp.WithReplacement, plot.Auto, plot.Auto).Render(&png, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := plottest.DecodePNG(png.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if n := plottest.CountColor(img, plot.Palette[i]); n < 100 {
			t.Errorf("series %d colour: only %d pixels", i, n)
		}
	}
}

func TestEVPTrialAxisAndMaxN(t *testing.T) {
	trials := readTrials(t, "testdata/trials.csv")
	rep, err := ComputeEVP(trials, EVPOptions{MaxN: 10})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Models[0].Curves[evp.WithReplacement]); n != 10 {
		t.Errorf("with replacement: %d points, want 10", n)
	}
	if n := len(rep.Models[0].Curves[evp.WithoutReplacement]); n != 8 {
		t.Errorf("without replacement: %d points, want N=8", n)
	}
	var buf bytes.Buffer
	if err := rep.Table([]int{1, 8, 10}).WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	plottest.Golden(t, "testdata/golden/evp_trials.md", buf.Bytes())

	if _, err := ComputeEVP(trials, EVPOptions{Cost: "joules"}); err == nil || !strings.Contains(err.Error(), "trials.csv:3: trial has no joules cost") {
		t.Errorf("missing cost column: %v", err)
	}
	if _, err := ComputeEVP(nil, EVPOptions{}); err == nil {
		t.Error("no trials: want error")
	}
	single := readTrials(t, "testdata/single.csv")
	rep, err = ComputeEVP(single, EVPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evp.Estimators {
		if pts := rep.Models[0].Curves[e]; len(pts) != 1 || pts[0] != (evp.Point{N: 1, Mean: 0.7}) {
			t.Errorf("single trial %v: %+v", e, pts)
		}
	}
	if err := rep.Figure(evp.WithoutReplacement, plot.Auto, plot.Auto).Render(&bytes.Buffer{}, "svg"); err != nil {
		t.Errorf("single-trial figure: %v", err)
	}
}

func TestTrialsView(t *testing.T) {
	trials := readTrials(t, "testdata/trials.csv")
	v, err := TrialsView(trials, "kwh", "score", false)
	if err != nil {
		t.Fatal(err)
	}
	goldenTables(t, "trials_front", v.Table())
	texts := svgTexts(t, Figure([]*ScatterView{v}), "trials_front.svg")
	wantTexts(t, texts, "kwh (kWh)", "score", "cnn", "lstm", "Pareto front")
	if _, err := TrialsView(trials, "joules", "score", false); err == nil {
		t.Error("missing cost: want error")
	}
}

func TestModelComparison(t *testing.T) {
	models, err := ReadModels("testdata/models.csv")
	if err != nil {
		t.Fatal(err)
	}
	c := &ModelComparison{Models: models, Connect: map[string]bool{"sweep": true}}
	views, warnings, err := c.Views(ModelAxes)
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	// Front on FPO: net-a, sweep-d10? (69.5 < 70.1 at higher cost: no),
	// sweep-d20, sweep-d40, net-b (76.0 at 8.2e9 equals sweep-d40's cost
	// with higher accuracy), net-c.
	var front []string
	for _, k := range views[0].Front() {
		front = append(front, views[0].Points[k].Label)
	}
	if strings.Join(front, ",") != "net-a,sweep-d20,net-b,net-c" {
		t.Errorf("FPO front: %v", front)
	}
	goldenTables(t, "models", c.Table(views, ModelAxes))
	f := Figure(views)
	texts := svgTexts(t, f, "models.svg")
	wantTexts(t, texts,
		"(a) Accuracy against compute (FPO)",
		"(b) Accuracy against compute (MAC)",
		"(c) Accuracy against parameters",
		"Compute per example (FPO)", "Compute per example (MAC)", "Parameters", "Top-1 accuracy (%)",
		"comparison", "sweep", "Pareto front", "net-a", "net-d", "sweep-d80", "1G", "10G", "10M", "100M")

	var png bytes.Buffer
	if err := f.Render(&png, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := plottest.DecodePNG(png.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 15*plot.PNGDPI || b.Dy() != 45*plot.PNGDPI/10 {
		t.Errorf("PNG size %v", b)
	}
	if n := plottest.CountColor(img, plot.FrontColor); n < 300 {
		t.Errorf("front colour: only %d pixels", n)
	}
	if os.Getenv("GREENAI_WRITE_FIGURES") != "" {
		_ = os.WriteFile(filepath.Join(os.TempDir(), "greenai-models.png"), png.Bytes(), 0o644)
	}
}

func TestModelsMissingValues(t *testing.T) {
	in, err := ReadFile("testdata/models_missing.csv")
	if err != nil {
		t.Fatal(err)
	}
	models, err := ModelsFromInput(in)
	if err != nil {
		t.Fatal(err)
	}
	c := &ModelComparison{Models: models}
	views, warnings, err := c.Views([]string{"fpo", "params"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "models_missing.csv:3: net-b has no fpo value; left out of panel (a)") {
		t.Errorf("warnings: %q", warnings)
	}
	if len(views[0].Points) != 1 || len(views[1].Points) != 2 {
		t.Errorf("points: %d, %d", len(views[0].Points), len(views[1].Points))
	}
	if _, _, err := c.Views([]string{"flops"}); err == nil {
		t.Error("unknown axis: want error")
	}
	bad, _ := Read(strings.NewReader("model,params,macs,fpo\na,1,2,3\n"), "m.csv", "")
	if _, err := ModelsFromInput(bad); err == nil || !strings.Contains(err.Error(), `m.csv:1: missing column "acc1"`) {
		t.Errorf("missing acc1: %v", err)
	}
	bad, _ = Read(strings.NewReader("model,params,macs,fpo,acc1\na,0,2,3,50\n"), "m.csv", "")
	if _, err := ModelsFromInput(bad); err == nil || !strings.Contains(err.Error(), "m.csv:2: params 0 must be positive") {
		t.Errorf("zero params: %v", err)
	}
}

func TestTrainingCurves(t *testing.T) {
	in, err := ReadFile("testdata/curves.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	curves, err := CurvesFromInputs([]*Input{in}, CurveOptions{Y: "val_acc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != 2 || curves[0].Name != "small" || len(curves[0].X) != 4 {
		t.Fatalf("curves: %+v", curves)
	}
	goldenTables(t, "curves", CurvesTable(curves, "fpo", "val_acc"))
	texts := svgTexts(t, CurvesFigure(curves, ColumnAxis("fpo"), ColumnAxis("val_acc")), "curves.svg")
	wantTexts(t, texts, "val_acc against cumulative fpo", "fpo (FPO)", "val_acc", "small", "large")

	inc, err := ReadFile("testdata/curves_increments.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := CurvesFromInputs([]*Input{inc}, CurveOptions{Y: "val_acc", Increments: true})
	if err != nil {
		t.Fatal(err)
	}
	if x := got[0].X; len(x) != 3 || x[0] != 4e15 || x[2] != 9e15 {
		t.Errorf("increments: %v", x)
	}
	if _, err := CurvesFromInputs([]*Input{inc}, CurveOptions{Y: "val_acc"}); err == nil ||
		!strings.Contains(err.Error(), "curves_increments.csv:4: fpo decreases") {
		t.Errorf("decreasing cumulative cost: %v", err)
	}
	if _, err := CurvesFromInputs([]*Input{in}, CurveOptions{Y: "test_acc"}); err == nil ||
		!strings.Contains(err.Error(), `curves.jsonl: no record has the field "test_acc"`) {
		t.Errorf("missing metric: %v", err)
	}
}

func TestDataSize(t *testing.T) {
	in, err := ReadFile("testdata/datasize.csv")
	if err != nil {
		t.Fatal(err)
	}
	curves, err := SizeCurves(in, SizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != 2 || len(curves[0].Points) != 3 || curves[0].Points[0].Runs != 2 {
		t.Fatalf("curves: %+v", curves)
	}
	goldenTables(t, "datasize", SizeTable(curves, "train_size", "score"))
	texts := svgTexts(t, SizeFigure(curves, "train_size", "score"), "datasize.svg")
	wantTexts(t, texts, "Training examples (train_size)", "score (mean ±1 sd over runs)", "cnn", "lstm", "1k", "10k", "100k")
}

func TestCard(t *testing.T) {
	spec, err := ReadCardSpec("testdata/card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec.Figure = "evp.pdf"
	trials := readTrials(t, "testdata/trials.csv")
	card, err := BuildCard(spec, trials, "trials.csv")
	if err != nil {
		t.Fatal(err)
	}
	var md, tex, doc bytes.Buffer
	if err := card.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := card.WriteLaTeX(&tex, false); err != nil {
		t.Fatal(err)
	}
	if err := card.WriteLaTeX(&doc, true); err != nil {
		t.Fatal(err)
	}
	plottest.Golden(t, "testdata/golden/card.md", md.Bytes())
	plottest.Golden(t, "testdata/golden/card.tex", tex.Bytes())
	for _, want := range []string{
		"| Computing infrastructure", "1x GPU (16 GB), 8 CPU cores",
		"Average runtime per trial, cnn", "mean of seconds over 8 trials", "Trials: trials.csv.",
		"Bounds: dropout", "uniform random search", "Number of trials, lstm", "lr=1e-4",
		"FPO per inference example", "4.1 × 10⁹ FPO", "1.59 × 10¹⁶ FPO", "Energy, cnn", "2.37 kWh",
		"Carbon, cnn", "948 g CO2e", "energy × PUE 1 (not reported: assumed) × 400 g CO2e/kWh; intensity: grid average (example value)",
		"![Expected validation performance](evp.pdf)",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("card lacks %q", want)
		}
	}
	if !regexp.MustCompile(`\| FPO per training example +\| not reported +\|`).MatchString(md.String()) {
		t.Error("training FPO, given nowhere, is not marked as not reported")
	}
	if !strings.HasPrefix(doc.String(), `\documentclass`) || !strings.HasSuffix(doc.String(), "\\end{document}\n") {
		t.Error("standalone LaTeX card is not a document")
	}
}

func TestCardWithoutTrials(t *testing.T) {
	spec, err := ReadCardSpec("testdata/card_min.json")
	if err != nil {
		t.Fatal(err)
	}
	card, err := BuildCard(spec, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := card.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	plottest.Golden(t, "testdata/golden/card_min.md", md.Bytes())
	s := md.String()
	for _, item := range []string{"Computing infrastructure", "Average runtime per trial", "Number of trials",
		"Hyperparameter bounds", "Best configuration", "Expected validation performance", "Total FPO", "Energy", "Carbon"} {
		if !strings.Contains(s, "| "+item) {
			t.Errorf("card lacks item %q", item)
		}
	}
	if n := strings.Count(s, NotReported); n < 12 {
		t.Errorf("only %d items not reported:\n%s", n, s)
	}
}

func TestCardErrors(t *testing.T) {
	if _, err := ReadCardSpec("testdata/card_typo.yaml"); err == nil || err.Error() != `testdata/card_typo.yaml:2: unknown key "serach" (did you mean "search"?); valid keys: title, task, model, metric, infrastructure, runtime, search, fpo, energy, carbon, figure` {
		t.Errorf("typo: %v", err)
	}
	for _, tc := range []struct{ spec, want string }{
		{"fpo: {total: lots}", `c.yaml:1: fpo.total must be a number, not "lots"`},
		{"title: x\ninfrastructure:\n  hardwre: A100\n", `c.yaml:3: unknown key "hardwre" in infrastructure (did you mean "hardware"?); valid keys: hardware, software`},
		{"carbon: {intensity: 300}", `c.yaml:1: unknown key "intensity" in carbon; valid keys: kg_co2e, intensity_g_per_kwh, pue, provenance`},
		{"search: {trials: 2.5}", "c.yaml:1: search.trials must be a whole number, not 2.5"},
		{"search: {bounds: {lr: [1, 2]}}", "c.yaml:1: search.bounds.lr must be text, not a list"},
		{"runtime: 2h", `c.yaml:1: runtime must be a mapping of keys (average_per_trial, total), not "2h"`},
		{"title: a\ntitle: b\n", "c.yaml:2: key \"title\" given twice"},
	} {
		_, err := ParseCardSpec([]byte(tc.spec), "c.yaml")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.spec, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "report.") {
			t.Errorf("%q: the error names a Go type: %v", tc.spec, err)
		}
	}
	if _, err := ParseCardSpec([]byte("{"), "c.json"); err == nil || !strings.Contains(err.Error(), "c.json") {
		t.Errorf("bad JSON: %v", err)
	}
	spec := &CardSpec{Model: "transformer"}
	if _, err := BuildCard(spec, readTrials(t, "testdata/trials.csv"), "trials.csv"); err == nil || err.Error() != `trials.csv has no trials of model "transformer", the card spec's model (its models: cnn, lstm)` {
		t.Errorf("unknown model: %v", err)
	}
}

func TestTableFormats(t *testing.T) {
	tb := &Table{Caption: "A | b_c", Label: "tab:x", Header: []string{"name", "value", "mid"}, Align: []byte("lrc"),
		Notes: []string{"50% of $"}}
	tb.AddRow(Text("a|b"), Num(1.23456789), Text("x"))
	tb.AddRow(Text("c&d"), SI(2.5e9), Int(3))
	goldenTables(t, "table", tb)
	if err := tb.Write(&bytes.Buffer{}, "html"); err == nil {
		t.Error("html: want error")
	}
}

func TestEVPLowerIsBetter(t *testing.T) {
	trials := readTrials(t, "testdata/trials.csv")
	losses := make([]Trial, len(trials))
	for i, tr := range trials {
		losses[i] = tr
		losses[i].Score = 1 - tr.Score // an error rate
	}
	hi, err := ComputeEVP(trials, EVPOptions{Cost: "fpo"})
	if err != nil {
		t.Fatal(err)
	}
	lo, err := ComputeEVP(losses, EVPOptions{Cost: "fpo", LowerIsBetter: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range hi.Models {
		if lo.Models[i].Best.Line != hi.Models[i].Best.Line {
			t.Errorf("%s: best trial at line %d, want %d", lo.Models[i].Model, lo.Models[i].Best.Line, hi.Models[i].Best.Line)
		}
		for _, e := range evp.Estimators {
			for j, p := range lo.Models[i].Curves[e] {
				q := hi.Models[i].Curves[e][j]
				if math.Abs(p.Mean-(1-q.Mean)) > 1e-12 || math.Abs(p.SD-q.SD) > 1e-12 {
					t.Fatalf("%v n=%d: E[min] %v sd %v, want %v %v", e, p.N, p.Mean, p.SD, 1-q.Mean, q.SD)
				}
			}
		}
	}
	c, d := lo.Crossings[evp.WithoutReplacement], hi.Crossings[evp.WithoutReplacement]
	if len(c) != 1 || c[0].Before != d[0].Before || c[0].After != d[0].After || math.Abs(c[0].X-d[0].X) > 1e-6*d[0].X {
		t.Errorf("crossings %+v, want the same order as %+v", c, d)
	}
	var buf bytes.Buffer
	if err := lo.Table(nil).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "E[min] without repl.") || !strings.Contains(buf.String(), "Expected minimum") {
		t.Errorf("table does not say minimum:\n%s", buf.String())
	}
}

// TestCardFromTrialColumns: the per-example FPO and the PUE come from the
// trials' columns when the spec is silent (runs always record them).
func TestCardFromTrialColumns(t *testing.T) {
	csv := "model,score,kwh,pue,fpo_train_per_example\n" +
		"a,0.7,0.5,1.5,3e9\na,0.8,0.5,1.5,3e9\n" +
		"b,0.6,1.0,1.2,1e9\nb,0.65,1.0,1.4,2e9\n"
	in, err := Read(strings.NewReader(csv), "t.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	trials, err := TrialsFromInput(in, TrialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := 400.0
	spec := &CardSpec{}
	spec.Carbon.IntensityGPerKWh = &g
	card, err := BuildCard(spec, trials, "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := card.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(` {2,}`).ReplaceAllString(md.String(), " ")
	for _, want := range []string{
		"| FPO per training example, a | 3 × 10⁹ FPO | fpo\\_train\\_per\\_example of the trials |",
		"| FPO per training example, b | 1 × 10⁹ to 2 × 10⁹ FPO | fpo\\_train\\_per\\_example of the trials |",
		// 1 kWh × 1.5 × 400 g/kWh; (1.2 + 1.4) kWh-weighted × 400 g/kWh.
		"| Carbon, a | 600 g CO2e | energy × PUE 1.5 (recorded with the trials) × 400 g CO2e/kWh |",
		"| Carbon, b | 1.04 kg CO2e | energy × each trial's PUE (1.3 on average, recorded with the trials) × 400 g CO2e/kWh |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("card lacks %q:\n%s", want, s)
		}
	}
	// The spec's PUE applies where the trials have none.
	p := 1.25
	spec.Carbon.PUE = &p
	trials, _ = TrialsFromInput(mustRead(t, "model,score,kwh\na,0.7,2\n"), TrialOptions{})
	card, err = BuildCard(spec, trials, "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	md.Reset()
	_ = card.WriteMarkdown(&md)
	if want := "| Carbon | 1 kg CO2e | energy × PUE 1.25 (card spec) × 400 g CO2e/kWh |"; !strings.Contains(regexp.MustCompile(` {2,}`).ReplaceAllString(md.String(), " "), want) {
		t.Errorf("card lacks %q:\n%s", want, md.String())
	}
}

func mustRead(t *testing.T, csv string) *Input {
	t.Helper()
	in, err := Read(strings.NewReader(csv), "t.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestTrainingCurvesGrouped: many runs are drawn as one mean line per
// group, in a min–max band, with the legend outside; few runs one by one.
func TestTrainingCurvesGrouped(t *testing.T) {
	var curves []TrainingCurve
	for i := range 25 {
		model := []string{"cnn", "lstm", "transformer"}[i%3]
		c := TrainingCurve{Name: fmt.Sprintf("%s t%02d", model, i+1), Group: model}
		for k := 1; k <= 5; k++ {
			c.X = append(c.X, float64(k)*1e15*(1+0.01*float64(i)))
			c.Y = append(c.Y, 0.1*float64(k)+0.01*float64(i%3)+0.001*float64(i))
		}
		curves = append(curves, c)
	}
	texts := svgTexts(t, CurvesFigure(curves, ColumnAxis("fpo"), ColumnAxis("val_acc")), "curves_grouped.svg")
	wantTexts(t, texts, "val_acc against cumulative fpo", "cnn (mean, min–max of 9 runs)",
		"lstm (mean, min–max of 8 runs)", "transformer (mean, min–max of 8 runs)")
	for _, s := range texts {
		if strings.Contains(s, " t0") || strings.Contains(s, " t1") {
			t.Errorf("a grouped figure names run %q", s)
		}
	}
	// Up to MaxCurves runs stay one line each.
	texts = svgTexts(t, CurvesFigure(curves[:MaxCurves], ColumnAxis("fpo"), ColumnAxis("val_acc")), "")
	wantTexts(t, texts, "cnn t01", "transformer t06")

	// The mean and band at each x of any run, over the runs covering it.
	a := TrainingCurve{X: []float64{0, 10}, Y: []float64{0, 1}}
	b := TrainingCurve{X: []float64{0, 5, 20}, Y: []float64{1, 1, 4}}
	xs, mean, lo, hi := meanBand([]TrainingCurve{a, b})
	want := [][4]float64{{0, 0.5, 0, 1}, {5, 0.75, 0.5, 1}, {10, 1.5, 1, 2}, {20, 4, 4, 4}}
	if len(xs) != len(want) {
		t.Fatalf("meanBand: %v", xs)
	}
	for i, w := range want {
		if got := [4]float64{xs[i], mean[i], lo[i], hi[i]}; math.Abs(got[1]-w[1]) > 1e-12 || got[0] != w[0] || math.Abs(got[2]-w[2]) > 1e-12 || math.Abs(got[3]-w[3]) > 1e-12 {
			t.Errorf("point %d: x, mean, lo, hi = %v, want %v", i, got, w)
		}
	}
}

package server

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// The entry page and the entry JSON show the documents of package report,
// the ones greenai fpo and greenai cost print: the breakdown by operator
// type holds the same cells as the command line's table, the entry JSON
// carries the fpo document (greenai.fpo/1), and the price tag table is the
// cost document's.
func TestEntryShowsReportDocuments(t *testing.T) {
	e := newEnv(t, nil)
	spec := `{"inputs": {"input": "batchx3x224x224"}, "train": {"examples": 1281167, "epochs": 90, "batch_size": 256, "optimizer": "sgd"}, "search": {"trials": 3}}`
	a := e.submit(manifest(func(m map[string]any) { m["cost_spec"] = json.RawMessage(spec) }), readFile(t, modelFile(t, "resnet18")))
	if a.code != 201 {
		t.Fatalf("submit: %d %s", a.code, a.body)
	}
	id := a.js["id"].(string)

	// The command line's document, made as greenai fpo makes it.
	m, err := onnx.Open(modelFile(t, "resnet18"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{"input": {sym.Const(1), sym.Const(3), sym.Const(224), sym.Const(224)}}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fpo.Count(res, fpo.Options{Convention: fpo.ConvFPO, Table: fpo.DefaultTable()})
	if err != nil {
		t.Fatal(err)
	}
	cli := report.NewFPO("resnet18", res, rep, nil)

	// Entry JSON: the fpo document, with the CLI's totals.
	js := e.get("/entries/" + id + ".json")
	var ent board.Entry
	if err := json.Unmarshal([]byte(js.body), &ent); err != nil {
		t.Fatal(err)
	}
	doc := ent.Counted.Doc
	if doc == nil || doc.Version != report.FPOVersion || doc.Model != "resnet18" {
		t.Fatalf("entry JSON's fpo_document: %+v", doc)
	}
	if doc.Totals.FPO.String() != cli.Totals.FPO.String() || doc.Totals.MACs.String() != cli.Totals.MACs.String() || doc.Totals.Params != cli.Totals.Params {
		t.Errorf("entry's totals %v FPO, %v MACs, %d params; greenai fpo's %v, %v, %d", doc.Totals.FPO, doc.Totals.MACs, doc.Totals.Params, cli.Totals.FPO, cli.Totals.MACs, cli.Totals.Params)
	}

	// Entry page: the operator table's rows are the CLI table's cells.
	page := e.get("/entries/" + id)
	section := between(t, page.body, `id="ops"`, "</table>")
	rows := cellsOf(section)
	sameCells(t, "operator table", "greenai fpo", rows, cli.OpTypeTable())
	// ops.csv is the same table's CSV (exact counts).
	var csvWant strings.Builder
	if err := cli.OpTypeTable().WriteCSV(&csvWant); err != nil {
		t.Fatal(err)
	}
	if got := e.get("/entries/" + id + "/ops.csv").body; got != csvWant.String() {
		t.Errorf("ops.csv:\n%s\nwant:\n%s", got, csvWant.String())
	}

	// The price tag table is the cost document's, as greenai cost makes it.
	cs, err := cost.ParseSpec([]byte(strings.Replace(spec, "{", `{"model": "`+modelFile(t, "resnet18")+`", `, 1)))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := cost.Compute(cs)
	if err != nil {
		t.Fatal(err)
	}
	prows := cellsOf(between(t, page.body, `id="pricetag"`, "</table>"))
	sameCells(t, "price tag table", "greenai cost", prows, report.NewCost(pt).Table())
}

// sameCells checks a page's table cells against a report table's.
func sameCells(t *testing.T, what, cli string, rows [][]string, want *report.Table) {
	t.Helper()
	if len(rows) != len(want.Rows) {
		t.Fatalf("the page's %s has %d rows, %s's %d", what, len(rows), cli, len(want.Rows))
	}
	for i, r := range want.Rows {
		if len(rows[i]) != len(r) {
			t.Fatalf("%s row %d: page %q, %s %d cells", what, i, rows[i], cli, len(r))
		}
		for j, c := range r {
			if rows[i][j] != strings.TrimSpace(c.Text) {
				t.Errorf("%s row %d, column %d: page %q, %s %q", what, i, j, rows[i][j], cli, c.Text)
			}
		}
	}
}

func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("page lacks %s", from)
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		t.Fatalf("page: %s not closed", from)
	}
	return s[i : i+j]
}

var (
	rowRe  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRe = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
)

// cellsOf returns the text of each body row's cells.
func cellsOf(table string) [][]string {
	body := table[strings.Index(table, "<tbody>"):]
	var out [][]string
	for _, r := range rowRe.FindAllStringSubmatch(body, -1) {
		var row []string
		for _, c := range cellRe.FindAllStringSubmatch(r[1], -1) {
			row = append(row, html.UnescapeString(c[1]))
		}
		out = append(out, row)
	}
	return out
}

// The entry page's runs and EVP sections hold the cells of the tables
// greenai runs --markdown, greenai runs show and greenai evp print for
// the same runs and trials.
func TestEntryShowsRunAndEVPDocuments(t *testing.T) {
	e := newEnv(t, nil)
	runs := `[{"id": "20240501T120000-aaaa0001", "status": "finished", "complete": true, "host": "gpu|box", "command": "python train.py --lr 0.1",
		"start": "2024-05-01T12:00:00Z", "wall_seconds": 7200, "cpu_seconds": 7000, "energy_joules": 3.6e6, "carbon_g": 400,
		"energy": [{"component": "gpu", "device": "GPU-0", "joules": 3.0e6, "provenance": "measured-counter", "method": "NVML total energy counter"},
		           {"component": "cpu", "joules": 0.6e6, "provenance": "model-estimate", "method": "TDP × utilization"}]},
		{"id": "20240502T120000-aaaa0002", "status": "failed", "complete": true, "wall_seconds": 60, "energy_joules": 1000,
		"energy": [{"component": "cpu", "joules": 1000, "provenance": "measured-counter"}]}]`
	scores := []float64{69.1, 69.7, 68.2, 70.3, 69.9}
	var trials []map[string]any
	for _, s := range scores {
		trials = append(trials, map[string]any{"score": s})
	}
	a := e.submit(manifest(func(m map[string]any) {
		m["cost_spec"] = json.RawMessage(`{"inputs": {"input": "batchx3x224x224"}, "train": {"examples": 1281167, "epochs": 90, "batch_size": 256, "optimizer": "sgd"}, "search": {"trials": 5}}`)
		m["runs"] = json.RawMessage(runs)
		m["trials"] = trials
	}), readFile(t, modelFile(t, "resnet18")))
	if a.code != 201 {
		t.Fatalf("submit: %d %s", a.code, a.body)
	}
	id := a.js["id"].(string)
	var ent board.Entry
	if err := json.Unmarshal([]byte(e.get("/entries/"+id+".json").body), &ent); err != nil {
		t.Fatal(err)
	}
	if len(ent.Runs) != 2 || ent.Counted == nil || ent.Counted.Price == nil || ent.Counted.Price.TrialFPO <= 0 {
		t.Fatalf("entry: %d runs, counted %+v", len(ent.Runs), ent.Counted)
	}
	page := e.get("/entries/" + id).body

	// Runs: the list of greenai runs --markdown, and each run's energy
	// figures as greenai runs show gives them.
	sameCells(t, "runs table", "greenai runs", cellsOf(between(t, page, `id="runs"`, "</table>")), report.NewRuns(ent.Runs).Table())
	for _, r := range ent.Runs {
		sameCells(t, "energy of "+r.ID, "greenai runs show", cellsOf(between(t, page, `id="energy-`+r.ID+`"`, "</table>")), report.NewRun(r).EnergyTable())
	}
	if !strings.Contains(page, "gpu|box") || !strings.Contains(page, "NVML total energy counter") {
		t.Errorf("runs section lacks the host or the method")
	}

	// EVP: greenai evp on a trials file with the same scores, the budget
	// in FPO at the server's price of one trial.
	var csv strings.Builder
	csv.WriteString("model,score,fpo\n")
	for _, s := range scores {
		fmt.Fprintf(&csv, "%s,%v,%v\n", ent.Model, s, ent.Counted.Price.TrialFPO)
	}
	file := filepath.Join(t.TempDir(), "trials.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := report.FileTrials{Path: file, Options: report.TrialOptions{ModelColumn: "model", ScoreColumn: "score", CostColumns: []string{"fpo"}}}.Trials()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.ComputeEVP(tr, report.EVPOptions{Cost: "fpo", Score: "top1"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.NewEVP(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := doc.Table(nil)
	if len(want.Rows) < 4 {
		t.Fatalf("the CLI's EVP table has %d rows", len(want.Rows))
	}
	sameCells(t, "EVP table", "greenai evp", cellsOf(between(t, page, `id="evptable"`, "</table>")), want)
	if svg := e.get("/entries/" + id + "/evp.svg"); svg.code != 200 || !strings.Contains(svg.body, "without replacement") {
		t.Errorf("evp.svg: %d, not the report's figure", svg.code)
	}
}

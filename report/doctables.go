package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/tracker"
	"github.com/greenai/greenai/units"
)

// The public tables of the inspect, run, job and EVP documents: what
// --csv, --markdown and --latex write, and what greenai serve shows, so
// that both render the same cells.

// writeDocTables writes a document that has text and json forms of its
// own and the tables for csv, markdown and latex.
func writeDocTables(w io.Writer, format, what string, doc any, text func() error, tables func() []*Table) error {
	switch format {
	case CSV, Markdown, LaTeX:
		return WriteTables(w, format, tables()...)
	case "json", Plain, "":
		return writeTextOrJSON(w, format, what, doc, text)
	}
	return fmt.Errorf("unknown %s format %q (want text, json, csv, markdown or latex)", what, format)
}

// field is a row of a two-column field/value table; raw, when set, is the
// machine-readable value for CSV.
func field(t *Table, k, v, raw string) {
	if v == "" {
		return
	}
	t.AddRow(Text(k), Cell{Text: v, Raw: raw})
}

// SummaryTable is the model's facts, one per row: producer, IR version
// and opsets, file size, nodes, parameters and their bytes by data type.
func (d *InspectDoc) SummaryTable() *Table {
	t := &Table{Caption: "Model " + d.Path, Header: []string{"field", "value"}}
	prod := strings.TrimSpace(d.Producer + " " + d.ProducerVersion)
	if prod == "" {
		prod = "(not recorded)"
	}
	field(t, "producer", prod, "")
	field(t, "IR version", strconv.FormatInt(d.IRVersion, 10), "")
	var ops []string
	for dom, v := range d.Opsets {
		ops = append(ops, fmt.Sprintf("%s %d", dom, v))
	}
	sort.Strings(ops)
	field(t, "opsets", strings.Join(ops, ", "), "")
	field(t, "file size", units.Bytes(d.FileBytes), strconv.FormatInt(d.FileBytes, 10))
	field(t, "nodes", strconv.Itoa(d.Nodes), "")
	if d.NodesAll != d.Nodes {
		field(t, "nodes including subgraphs", strconv.Itoa(d.NodesAll), "")
	}
	field(t, "params (unique learnable: PyTorch numel sum)", units.Count(d.Params)+" ("+strconv.FormatInt(d.Params, 10)+")", strconv.FormatInt(d.Params, 10))
	ps := d.ParamsDetail
	if ps.Stored != 0 || ps.Tensors != 0 {
		field(t, "stored elements", fmt.Sprintf("%d in %d tensors", ps.Stored, ps.Tensors), strconv.FormatInt(ps.Stored, 10))
	}
	field(t, "param bytes", units.Bytes(d.ParamBytes), strconv.FormatInt(d.ParamBytes, 10))
	dts := make([]string, 0, len(d.ParamBytesBy))
	for dt := range d.ParamBytesBy {
		dts = append(dts, dt)
	}
	sort.Strings(dts)
	for _, dt := range dts {
		field(t, "param bytes "+dt, units.Bytes(d.ParamBytesBy[dt]), strconv.FormatInt(d.ParamBytesBy[dt], 10))
	}
	if ps.Constants > 0 {
		field(t, "constants (not parameters)", strconv.FormatInt(ps.Constants, 10), "")
	}
	t.Notes = append(t.Notes, ps.Notes()...)
	return t
}

// InputsTable lists the graph's inputs: name, type (dtype and shape) and
// where the type came from when not inferred.
func (d *InspectDoc) InputsTable() *Table { return valueTable("Inputs", d.Inputs, 0) }

// OutputsTable lists the graph's outputs as InputsTable does the inputs.
func (d *InspectDoc) OutputsTable() *Table { return valueTable("Outputs", d.Outputs, 0) }

// ValuesTable lists every intermediate value (empty unless the document
// was built with values).
func (d *InspectDoc) ValuesTable() *Table { return valueTable("Values", d.Values, 0) }

// OperatorTable is the histogram of operators, most frequent first.
func (d *InspectDoc) OperatorTable() *Table {
	type kc struct {
		k string
		n int
	}
	var hist []kc
	for k, n := range d.OpTypes {
		hist = append(hist, kc{k, n})
	}
	sort.Slice(hist, func(i, j int) bool {
		if hist[i].n != hist[j].n {
			return hist[i].n > hist[j].n
		}
		return hist[i].k < hist[j].k
	})
	t := &Table{Caption: "Operators", Heading: true, HideHeader: true, Header: []string{"count", "operator"}, Align: []byte("rl"), Indent: "  "}
	for _, h := range hist {
		t.AddRow(Int(h.n), Text(h.k))
	}
	return t
}

// ProblemsTable lists what greenai could not infer: operators without a
// shape rule, nodes whose inference failed, and warnings.
func (d *InspectDoc) ProblemsTable() *Table {
	t := &Table{Caption: "Not inferred", Header: []string{"kind", "operator", "where", "message"}}
	for _, u := range d.Unsupported {
		dom := u.Domain
		if dom == "" {
			dom = "ai.onnx"
		}
		t.AddRow(Text("unsupported"), Text(u.OpType+" ("+dom+")"), Text(fmt.Sprintf("%d node(s)", u.Count)), Text("no shape rule; outputs unknown unless the model declares them"))
	}
	for _, f := range d.Failures {
		t.AddRow(Text("failure"), Text(f.Op), Text(f.Node), Text(firstLine(f.Err)))
	}
	for _, m := range d.Warnings {
		t.AddRow(Text("warning"), Text(""), Text(""), Text(m))
	}
	return t
}

// Tables are the document's tables in the order --csv, --markdown and
// --latex write them; the values and problems tables only when not empty.
func (d *InspectDoc) Tables() []*Table {
	ts := []*Table{d.SummaryTable(), d.InputsTable(), d.OutputsTable(), d.OperatorTable()}
	if p := d.ProblemsTable(); len(p.Rows) > 0 {
		ts = append(ts, p)
	}
	if len(d.Values) > 0 {
		ts = append(ts, d.ValuesTable())
	}
	return ts
}

// Table is the run's record, one field per row, as greenai runs show
// prints it; CSV gets times in RFC 3339 and quantities in seconds, bytes,
// joules and grams.
func (d *RunDoc) Table() *Table {
	r := d.Record
	t := &Table{Caption: "Run " + r.ID + " (" + d.State + ")", Header: []string{"field", "value"}}
	field(t, "command", r.Command, "")
	field(t, "dir", r.Dir, "")
	field(t, "host", r.Host, "")
	if r.Hardware.CPUModel != "" || r.Hardware.LogicalCPUs > 0 {
		field(t, "hardware", fmt.Sprintf("%s, %d logical CPUs, %s RAM, GPUs: %s", r.Hardware.CPUModel, r.Hardware.LogicalCPUs, units.Bytes(r.Hardware.RAMBytes), orNone(r.Hardware.GPUs)), "")
	}
	field(t, "start", r.Start.UTC().Format(time.RFC3339), r.Start.Format(time.RFC3339Nano))
	if r.End != nil {
		field(t, "end", r.End.UTC().Format(time.RFC3339), r.End.Format(time.RFC3339Nano))
	}
	if r.ExitCode != nil {
		field(t, "exit", strings.TrimSpace(strconv.Itoa(*r.ExitCode)+" "+r.Signal), strconv.Itoa(*r.ExitCode))
	}
	field(t, "interrupted", r.InterruptedBy, "")
	field(t, "error", r.Error, "")
	field(t, "experiment", r.Experiment, "")
	field(t, "trial", r.Trial, "")
	var ps []string
	for k, v := range r.Params {
		ps = append(ps, k+"="+v)
	}
	sort.Strings(ps)
	field(t, "params", strings.Join(ps, " "), "")
	field(t, "tags", strings.Join(r.Tags, " "), "")
	if r.Group != "" {
		field(t, "group", r.Group+" rank "+r.Rank, "")
	}
	field(t, "wall", fmt.Sprintf("%.2f s", r.WallSeconds), ftoa(r.WallSeconds))
	field(t, "cpu", fmt.Sprintf("%.2f s (user %.2f, sys %.2f)", r.CPUSeconds, r.UserSeconds, r.SystemSeconds), ftoa(r.CPUSeconds))
	field(t, "peak RSS", units.Bytes(r.PeakRSSBytes), strconv.FormatUint(r.PeakRSSBytes, 10))
	field(t, "energy", units.Joules(r.EnergyJoules), ftoa(r.EnergyJoules))
	if r.WholeJoules > 0 {
		field(t, "whole host and devices", units.Joules(r.WholeJoules), ftoa(r.WholeJoules))
		field(t, "attributed to the run", units.Joules(r.AttributedJoules), ftoa(r.AttributedJoules))
	}
	field(t, "carbon", fmt.Sprintf("%.4g g CO2e (%s)", r.CarbonG, r.Carbon), ftoa(r.CarbonG))
	if r.FPO != nil {
		field(t, "FPO", fmt.Sprintf("%.4g total, %.4g per example (%s)", r.FPO.TotalFPO, r.FPO.PerExampleFPO, r.FPO.Source), ftoa(r.FPO.TotalFPO))
		field(t, "MACs", fmt.Sprintf("%.4g", r.FPO.MACs), ftoa(r.FPO.MACs))
	}
	if len(r.Metrics) > 0 {
		field(t, "metrics", fmt.Sprintf("%d line(s)", len(r.Metrics)), strconv.Itoa(len(r.Metrics)))
	}
	t.Notes = append(append(t.Notes, SharedLines(r)...), r.Notes...)
	return t
}

// EnergyTable is the run's energy figures: component, device, energy (of
// the whole, when the run was billed a share), provenance and method.
func (d *RunDoc) EnergyTable() *Table { return energyFigures(d.Record) }

func energyFigures(r *tracker.Record) *Table {
	t := &Table{Caption: "Energy of run " + r.ID, Header: []string{"component", "device", "energy", "whole", "provenance", "method"}, Align: []byte("llrrll")}
	for _, e := range r.Energy {
		t.AddRow(Text(e.Component), Text(e.Device), Cell{Text: EnergyOfWhole(e), Raw: ftoa(tracker.AttributedJoules(e))},
			Cell{Text: units.Joules(tracker.WholeJoules(e)), Raw: ftoa(tracker.WholeJoules(e))}, Text(string(e.Provenance)), Text(e.Method))
	}
	return t
}

// Tables are the run's tables as --csv, --markdown and --latex write them.
func (d *RunDoc) Tables() []*Table { return []*Table{d.Table(), d.EnergyTable()} }

// Table lists the runs, one row per run (as greenai runs --markdown
// writes it): id, status, exit, wall, CPU, energy, carbon, start (local
// time), host, the provenance of each energy component, experiment and
// command.
func (d *RunsDoc) Table() *Table {
	t := d.listTable(false)
	t.Caption = "Recorded runs"
	return t
}

// Table is the job's totals, one per row, as greenai runs group prints
// them; CSV gets seconds, joules and grams.
func (d *JobDoc) Table() *Table {
	g := d.GroupTotal
	t := &Table{Caption: "Job " + g.Group, Header: []string{"field", "value"}}
	field(t, "runs", strconv.Itoa(g.Runs), "")
	field(t, "nodes", strconv.Itoa(len(g.Nodes)), "")
	field(t, "hosts", strconv.Itoa(g.Hosts), "")
	field(t, "incomplete", strconv.Itoa(g.Incomplete), "")
	field(t, "wall (first start to last end)", fmt.Sprintf("%.2f s", g.WallSeconds), ftoa(g.WallSeconds))
	field(t, "cpu", fmt.Sprintf("%.2f s", g.CPUSeconds), ftoa(g.CPUSeconds))
	field(t, "energy (whole nodes and GPUs, each once)", units.Joules(g.EnergyJoules), ftoa(g.EnergyJoules))
	comps := make([]string, 0, len(g.ByComponent))
	for c := range g.ByComponent {
		comps = append(comps, c)
	}
	sort.Strings(comps)
	for _, c := range comps {
		field(t, "energy "+c, units.Joules(g.ByComponent[c]), ftoa(g.ByComponent[c]))
	}
	field(t, "attributed to the job", units.Joules(g.AttributedJoules), ftoa(g.AttributedJoules))
	field(t, "attribution method", g.AttributedHow, "")
	field(t, "carbon", fmt.Sprintf("%.4g g CO2e", g.CarbonG), ftoa(g.CarbonG))
	t.Notes = append(t.Notes, g.Deduplicated...)
	return t
}

// NodeTable is the job's energy per node: ranks, the rank that measured
// the node's counters, its whole energy, the job's share and the energy
// attributed to the job.
func (d *JobDoc) NodeTable() *Table {
	t := &Table{Caption: "Nodes of job " + d.Group, Header: []string{"NODE", "RANKS", "LEADER", "WHOLE", "SHARE", "ATTRIBUTED"}, Align: []byte("lrlrrr")}
	for _, n := range d.Nodes {
		leader := n.Leader
		if leader == "" {
			leader = "-"
		}
		t.AddRow(Text(n.Node), Int(n.Ranks), Text(leader), Cell{Text: units.Joules(n.Joules), Raw: ftoa(n.Joules)},
			Cell{Text: fmt.Sprintf("%.1f%%", n.Share*100), Raw: ftoa(n.Share)}, Cell{Text: units.Joules(n.Attributed), Raw: ftoa(n.Attributed)})
	}
	return t
}

// GPUTable is the job's GPUs, each measured once: device, node, the rank
// that measured it, its energy, the energy attributed to the job, and the
// provenance.
func (d *JobDoc) GPUTable() *Table {
	t := &Table{Caption: "GPUs of job " + d.Group, Header: []string{"DEVICE", "NODE", "RANK", "ENERGY", "ATTRIBUTED", "PROVENANCE"}, Align: []byte("lllrrl")}
	for _, g := range d.GPUs {
		t.AddRow(Text(g.Device), Text(g.Node), Text(g.Rank), Cell{Text: units.Joules(g.Joules), Raw: ftoa(g.Joules)},
			Cell{Text: units.Joules(g.Attributed), Raw: ftoa(g.Attributed)}, Text(string(g.Provenance)))
	}
	return t
}

// Tables are the job's tables as --csv, --markdown and --latex write
// them: the totals, then the nodes and GPUs where there are any.
func (d *JobDoc) Tables() []*Table {
	ts := []*Table{d.Table()}
	if len(d.Nodes) > 0 {
		ts = append(ts, d.NodeTable())
	}
	if len(d.GPUs) > 0 {
		ts = append(ts, d.GPUTable())
	}
	return ts
}

// modelNames are the document's models in the order of the report it was
// built from, else (read back from JSON) sorted.
func (d *EVPDoc) modelNames() []string {
	if len(d.order) == len(d.Models) {
		return d.order
	}
	names := make([]string, 0, len(d.Models))
	for k := range d.Models {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (d *EVPDoc) extreme() string {
	if d.LowerIsBetter {
		return "min"
	}
	return "max"
}

func (d *EVPDoc) budgetHeader() string {
	if u := d.CostUnit; u != "" {
		return "budget (" + u + ")"
	}
	return "budget (" + d.Cost + ")"
}

// Table is E[max] ± sd for both estimators at the given budgets in trials
// (nil: 1, 2, 3, 5, 10, 20, … up to each model's N), as greenai evp
// prints it (the same cells as EVPReport.Table).
func (d *EVPDoc) Table(budgets []int) *Table {
	t := &Table{
		Caption: fmt.Sprintf("Expected %simum %s after n hyperparameter trials (mean ± sd of the best of n)", d.extreme(), validationScore(d.Score)),
		Label:   "tab:evp",
		Header:  []string{"model", "N", "n"},
		Align:   []byte("lrr"),
	}
	if d.Cost != "" {
		t.Header = append(t.Header, d.budgetHeader())
		t.Align = append(t.Align, 'r')
	}
	ex := "E[" + d.extreme() + "]"
	t.Header = append(t.Header, ex+" without repl.", "sd", ex+" with repl.", "sd")
	t.Align = append(t.Align, 'r', 'r', 'r', 'r')
	for _, name := range d.modelNames() {
		m := d.Models[name]
		ns := budgets
		if ns == nil {
			ns = evp.Budgets(m.Trials)
		}
		for _, n := range ns {
			row := []Cell{Text(name), Int(m.Trials), Int(n)}
			if d.Cost != "" {
				mc := 1.0
				if m.MeanCost != nil {
					mc = *m.MeanCost
				}
				row = append(row, SI(float64(n)*mc))
			}
			for _, pts := range [][]EVPPointDoc{m.WithoutReplacement, m.WithReplacement} {
				if n >= 1 && n <= len(pts) && pts[n-1].N == n {
					row = append(row, Num(pts[n-1].Mean), Num(pts[n-1].SD))
				} else {
					row = append(row, Text("–"), Text("–"))
				}
			}
			t.AddRow(row...)
		}
	}
	t.Notes = append(t.Notes, "Without replacement: unbiased estimator, defined for n ≤ N. With replacement: Dodge et al. (2019).")
	t.Notes = append(t.Notes, d.Notes...)
	return t
}

// CrossingTable lists the budgets at which the curves of estimator e swap
// order (the same cells, in the same order, as EVPReport.CrossingTable).
func (d *EVPDoc) CrossingTable(e evp.Estimator) *Table {
	x := "budget (trials)"
	if d.Cost != "" {
		x = d.budgetHeader()
	}
	t := &Table{
		Caption: fmt.Sprintf("Budgets at which expected-performance curves cross (%s)", humanEstimator(e)),
		Label:   "tab:evp-crossings",
		Header:  []string{"ahead below", "ahead above", x, "E[" + d.extreme() + "] at crossing"},
		Align:   []byte("llrr"),
	}
	// Each crossing is listed under both of its models; keep it once.
	type key struct {
		a, b string
		x    float64
	}
	seen := map[key]bool{}
	var cs []EVPCrossingDoc
	for _, name := range d.modelNames() {
		for _, c := range d.Models[name].Crossings[e.String()] {
			k := key{c.AheadBelow, c.AheadAbove, c.Budget}
			if !seen[k] {
				seen[k] = true
				cs = append(cs, c)
			}
		}
	}
	for _, c := range cs {
		t.AddRow(Text(c.AheadBelow), Text(c.AheadAbove), SI(c.Budget), Num(c.Mean))
	}
	if len(cs) == 0 {
		t.Notes = append(t.Notes, "No curves cross within the budgets they share.")
	}
	return t
}

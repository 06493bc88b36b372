package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

// FPOVersion is the "version" of the fpo document's JSON. It changes when a
// field changes meaning or goes away (docs/schema/fpo.schema.json).
const FPOVersion = "greenai.fpo/1"

// FPODoc is the count of one model as greenai fpo prints it and greenai
// serve shows it: totals, breakdowns by operator type, module scope and
// node. Build it with NewFPO; write it with Write (or encoding/json).
type FPODoc struct {
	Version string `json:"version"` // FPOVersion
	Model   string `json:"model"`   // the model's path or name
	// Inputs are the main graph's inputs with their inferred types.
	Inputs []ValueDoc `json:"inputs"`
	Totals FPOTotals  `json:"totals"`
	// ByOpType aggregates nodes by operator type ("Conv", "com.microsoft::Attention").
	ByOpType map[string]OpDoc `json:"by_op_type"`
	// ByScope aggregates nodes by module scope (from node names such as
	// /layer1/layer1.0/conv1/Conv), every level of the tree: a scope's row
	// includes all of its children.
	ByScope []ScopeDoc `json:"by_scope"`
	// SharesAt is the point at which the shares of symbolic counts are
	// evaluated: every symbol of the counts, at 1 unless bound. Empty when
	// the counts are concrete.
	SharesAt map[string]int64 `json:"shares_at,omitempty"`
	Nodes    []NodeDoc        `json:"nodes"`
	// Unsupported lists operators with no shape rule; Uncounted lists nodes
	// whose FPO is missing from the totals, with why.
	Unsupported []shape.Unsupported `json:"unsupported"`
	Uncounted   []fpo.Uncounted     `json:"uncounted"`
	// CostTable is the FPO charged per primitive (docs/fpo.md).
	CostTable map[string]int64 `json:"cost_table"`
	// Symbolic holds the totals as polynomials in the model's free dims,
	// when --dim bound some (or all) of them: the count before binding.
	Symbolic *SymbolicDoc `json:"symbolic,omitempty"`
	Notes    []string     `json:"notes,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
	// Source says what a Hugging Face config, model folder or GGUF input was
	// read from (absent for an ONNX file); Weights are its weights headers
	// and WeightsCheck their check against the graph built from the config.
	Source       *SourceDoc         `json:"source,omitempty"`
	Weights      *modelfile.Weights `json:"weights,omitempty"`
	WeightsCheck *modelfile.Check   `json:"weights_check,omitempty"`
	// LanguageModel is set for a model built from a Hugging Face config:
	// phase, active/total parameters, KV cache, and the rules of thumb.
	LanguageModel *LLMDoc `json:"language_model,omitempty"`
}

// SourceDoc is what a model that is not an ONNX file was read from.
type SourceDoc struct {
	Kind      string `json:"kind"`   // config, folder, gguf or safetensors
	Config    string `json:"config"` // the config.json, or "GGUF metadata"
	ModelType string `json:"model_type,omitempty"`
}

// ValueDoc is a typed value: a graph input or a node output.
type ValueDoc struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	// Shape holds integers for concrete dims and strings for symbolic ones;
	// null for an unknown rank.
	Shape []any `json:"shape"`
	// Type is the full type as text: float32[batch, 3, 224, 224].
	Type string `json:"type,omitempty"`
}

// FPOTotals are the totals per inference (one run of the main graph).
type FPOTotals struct {
	// Convention is what FPO counts: fpo (every ADD and MUL, other
	// primitives priced by the cost table), macs, fvcore or ptflops.
	Convention string `json:"convention"`
	// Unit names what FPO holds under the convention: "FPO", "MACs",
	// "fvcore flops" or "ptflops MACs".
	Unit string `json:"unit"`
	FPO  Count  `json:"fpo"`
	// FPOMin counts the cheaper branch of every If whose condition is not
	// known (FPO counts the costlier); absent when there is none.
	FPOMin *Count `json:"fpo_min,omitempty"`
	// FPOAllOps is every ADD and MUL (the fpo convention), given under the
	// other conventions so that both stand side by side.
	FPOAllOps *Count `json:"fpo_every_add_mul,omitempty"`
	// MACs are multiply-accumulates of convolution, matrix-product and
	// recurrent operators; FPOFromMACs = 2 × MACs.
	MACs        Count `json:"macs"`
	FPOFromMACs Count `json:"fpo_from_macs"`
	// Params is the headline: unique learnable parameters (PyTorch's Σ
	// numel, tied weights once). StoredParams are the parameter elements the
	// file stores, in ParamTensors tensors; ParamsAliases the elements read
	// again through Identity aliases of stored weights. ParamsDetail is
	// package params' full account (duplicates, unchecked copies, buffers).
	Params            int64            `json:"params"`
	StoredParams      int64            `json:"stored_params"`
	ParamsAliases     int64            `json:"params_read_through_aliases"`
	ParamsDetail      params.Stats     `json:"params_detail"`
	ParamNotes        []string         `json:"param_notes,omitempty"`
	ParamTensors      int              `json:"param_tensors"`
	ParamBytes        int64            `json:"param_bytes"`
	ParamBytesByDType map[string]int64 `json:"param_bytes_by_dtype"`
	// ActivationBytes sums every intermediate tensor; ActivationPeak is the
	// most alive at once in topological order; BytesMoved is what
	// data-movement operators copy (0 FPO).
	ActivationBytes Count `json:"activation_bytes"`
	ActivationPeak  Count `json:"activation_bytes_peak"`
	BytesMoved      Count `json:"bytes_moved"`
	// Primitives counts each primitive operation (add, mul, exp, …) that occurs.
	Primitives map[string]Count `json:"primitives"`
}

// OpDoc is the total of one operator type.
type OpDoc struct {
	Count      int   `json:"count"`
	FPO        Count `json:"fpo"`
	MACs       Count `json:"macs"`
	BytesMoved Count `json:"bytes_moved"`
}

// ScopeDoc is the total of one module scope, its children included.
type ScopeDoc struct {
	Scope string `json:"scope"` // "/layer1/layer1.0"
	Depth int    `json:"depth"` // 1 for "/layer1"
	FPO   Count  `json:"fpo"`
	MACs  Count  `json:"macs"`
	Nodes int    `json:"nodes"`
}

// NodeDoc is one counted node.
type NodeDoc struct {
	Name   string `json:"name"`
	OpType string `json:"op_type"`
	Domain string `json:"domain"`
	// Graph is the path of the enclosing body ("" for the main graph) and
	// Runs how often the node runs per inference there.
	Graph      string     `json:"graph,omitempty"`
	Runs       *Count     `json:"runs,omitempty"`
	Scope      []string   `json:"scope,omitempty"`
	FPO        Count      `json:"fpo"`
	MACs       Count      `json:"macs"`
	BytesMoved Count      `json:"bytes_moved"`
	Error      string     `json:"error,omitempty"`
	Outputs    []ValueDoc `json:"outputs"`
}

// SymbolicDoc is a count's totals as exact polynomials and as SI text.
type SymbolicDoc struct {
	FPO   string `json:"fpo"`
	MACs  string `json:"macs"`
	FPOSI string `json:"fpo_si"`
	MACSI string `json:"macs_si"`
}

// NewFPO builds the document of one counted model. rep is the count at the
// user's bindings; symbolic, when not nil, is the count of the same model
// with its dims left free (reported under "symbolic"). res is the shape
// inference the count was made from.
func NewFPO(model string, res *shape.Result, rep, symbolic *fpo.Report) *FPODoc {
	d := &FPODoc{Version: FPOVersion, Model: model, ByOpType: map[string]OpDoc{},
		Unsupported: rep.Unsupported, Uncounted: rep.Uncounted, CostTable: map[string]int64{},
		Notes: rep.Notes, Inputs: []ValueDoc{}, ByScope: []ScopeDoc{}, Nodes: []NodeDoc{}}
	if d.Unsupported == nil {
		d.Unsupported = []shape.Unsupported{}
	}
	if d.Uncounted == nil {
		d.Uncounted = []fpo.Uncounted{}
	}
	if res != nil {
		d.Warnings = res.Warnings
		if res.Graph != nil {
			for _, v := range res.Graph.Inputs {
				d.Inputs = append(d.Inputs, valueDoc(v))
			}
		}
	}
	t := &d.Totals
	t.Convention = string(rep.Convention)
	t.Unit = ConventionUnit(rep.Convention)
	t.FPO, t.MACs, t.FPOFromMACs = C(rep.FPO), C(rep.MACs), C(rep.MACs.MulInt(2))
	if !rep.FPO.Equal(rep.FPOMin) {
		m := C(rep.FPOMin)
		t.FPOMin = &m
	}
	if rep.Convention != fpo.ConvFPO && rep.Convention != "" {
		all := C(rep.Ops.FPO(&rep.Table))
		t.FPOAllOps = &all
	}
	t.Params, t.StoredParams, t.ParamsAliases, t.ParamTensors = rep.Params.Params, rep.Params.Stored, rep.Params.Aliases, rep.Params.Tensors
	t.ParamsDetail, t.ParamNotes = rep.Params, rep.Params.Notes()
	t.ParamBytes, t.ParamBytesByDType = rep.Params.TotalBytes, rep.Params.Bytes
	if t.ParamBytesByDType == nil {
		t.ParamBytesByDType = map[string]int64{}
	}
	t.ActivationBytes, t.ActivationPeak, t.BytesMoved = C(rep.ActivationBytes), C(rep.ActivationPeak), C(rep.Bytes)
	t.Primitives = map[string]Count{}
	for _, p := range fpo.Prims() {
		if v, ok := rep.Ops[p].IsConst(); !ok || v != 0 {
			t.Primitives[p.String()] = C(rep.Ops[p])
		}
		d.CostTable[p.String()] = rep.Table[p]
	}
	for k, o := range rep.ByOp {
		d.ByOpType[k] = OpDoc{Count: o.Count, FPO: C(o.FPO), MACs: C(o.MACs), BytesMoved: C(o.Bytes)}
	}
	scopes := map[string]*ScopeDoc{}
	for _, nc := range rep.Nodes {
		n := NodeDoc{Name: nc.Node.Node.Name, OpType: nc.Node.Node.OpType, Domain: nc.Node.Node.Domain,
			Graph: nc.Graph, Scope: nc.Scope, FPO: C(nc.FPO), MACs: C(nc.MACs), BytesMoved: C(nc.Bytes), Outputs: []ValueDoc{}}
		if nc.Graph != "" {
			r := C(nc.Runs)
			n.Runs = &r
		}
		if nc.Err != nil {
			n.Error = nc.Err.Error()
		}
		for _, v := range nc.Node.Outputs {
			if v != nil {
				n.Outputs = append(n.Outputs, valueDoc(v))
			}
		}
		d.Nodes = append(d.Nodes, n)
		for i := range nc.Scope {
			k := "/" + strings.Join(nc.Scope[:i+1], "/")
			s := scopes[k]
			if s == nil {
				s = &ScopeDoc{Scope: k, Depth: i + 1}
				scopes[k] = s
				d.ByScope = append(d.ByScope, ScopeDoc{Scope: k}) // placeholder keeps first-seen order
			}
			s.FPO, s.MACs, s.Nodes = C(s.FPO.Add(nc.FPO)), C(s.MACs.Add(nc.MACs)), s.Nodes+1
		}
	}
	for i, s := range d.ByScope {
		d.ByScope[i] = *scopes[s.Scope]
	}
	d.ByScope = treeOrder(d.ByScope)
	vars := map[string]bool{}
	for _, e := range []sym.Expr{rep.FPO, rep.MACs} {
		for _, v := range e.Vars() {
			vars[v] = true
		}
	}
	if len(vars) > 0 {
		d.SharesAt = map[string]int64{}
		for v := range vars {
			d.SharesAt[v] = 1
		}
	}
	s := rep
	if symbolic != nil {
		s = symbolic
	}
	if len(s.FPO.Vars()) > 0 {
		d.Symbolic = &SymbolicDoc{FPO: s.FPO.String(), MACs: s.MACs.String(), FPOSI: units.Expr(s.FPO), MACSI: units.Expr(s.MACs)}
	}
	return d
}

// treeOrder sorts scopes so that children follow their parent, siblings in
// the order first seen.
func treeOrder(in []ScopeDoc) []ScopeDoc {
	children := map[string][]ScopeDoc{}
	for _, s := range in {
		parent := s.Scope[:strings.LastIndex(s.Scope, "/")]
		children[parent] = append(children[parent], s)
	}
	var out []ScopeDoc
	var walk func(string)
	walk = func(p string) {
		for _, c := range children[p] {
			out = append(out, c)
			walk(c.Scope)
		}
	}
	walk("")
	if out == nil {
		out = []ScopeDoc{}
	}
	return out
}

func valueDoc(v *shape.Value) ValueDoc {
	return ValueDoc{Name: v.Name, DType: v.DType.String(), Shape: shape.JSONShape(v), Type: shape.TypeString(v)}
}

// ConventionUnit names what a count under convention c holds: "FPO" for
// fpo, "MACs" for macs, "fvcore flops" (fvcore's 1 per MAC plus its
// extras) and "ptflops MACs".
func ConventionUnit(c fpo.Convention) string {
	switch c {
	case fpo.ConvMACs:
		return "MACs"
	case fpo.ConvFvcore:
		return "fvcore flops"
	case fpo.ConvPtflops:
		return "ptflops MACs"
	}
	return "FPO"
}

// FPOView chooses what the text and table formats show of an FPO document.
type FPOView struct {
	Top   int // the N costliest nodes (0: none)
	Depth int // scope levels shown (default 2)
	// Width is the terminal width the text must fit (0: no limit). Long
	// polynomials are then cut, with a pointer to --exact and --json,
	// unless Exact is set.
	Width int
	Exact bool
}

// Write writes the document in format: text, json, markdown, latex or csv
// (one row per node).
func (d *FPODoc) Write(w io.Writer, format string, v FPOView) error {
	return WriteFPO(w, format, []*FPODoc{d}, v)
}

// WriteFPO writes one or several counts in format. Several models are
// compared side by side in text, summarized one row per model in
// Markdown and LaTeX, listed node by node in CSV, and written as a JSON
// array.
func WriteFPO(w io.Writer, format string, docs []*FPODoc, v FPOView) error {
	if len(docs) == 0 {
		return fmt.Errorf("no fpo counts to write")
	}
	if v.Depth <= 0 {
		v.Depth = 2
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if len(docs) == 1 {
			return enc.Encode(docs[0])
		}
		return enc.Encode(docs)
	case CSV:
		return fpoNodeTable(docs).WriteCSV(w)
	case "models-csv":
		return FPOModelsTable(docs).WriteCSV(w)
	case Markdown, LaTeX:
		tables := []*Table{fpoSummary(docs)}
		for _, d := range docs {
			tables = append(tables, d.opTable(v, format))
		}
		return WriteTables(w, format, tables...)
	case Plain, "":
		if len(docs) > 1 {
			return writeCompare(w, docs, v)
		}
		return docs[0].writeText(w, v)
	}
	return fmt.Errorf("unknown fpo format %q (want text, json, markdown, latex, csv or models-csv)", format)
}

// FPOModelsTable is the models table that greenai report pareto reads
// (model, group, params, macs, fpo, acc1), one row per count. acc1 (top-1
// accuracy) is not something a count knows: it is left empty to fill in.
// Symbolic counts are written as their polynomial.
func FPOModelsTable(docs []*FPODoc) *Table {
	t := &Table{Header: []string{"model", "group", "params", "macs", "fpo", "acc1"}}
	for _, d := range docs {
		t.AddRow(Text(d.Model), Text("models"), Cell{Text: fmt.Sprint(d.Totals.Params)},
			Cell{Text: units.Exact(d.Totals.MACs.Expr)}, Cell{Text: units.Exact(d.fpoEveryAddMul().Expr)}, Text(""))
	}
	return t
}

// fpoEveryAddMul is the FPO count under the fpo convention.
func (d *FPODoc) fpoEveryAddMul() Count {
	if d.Totals.FPOAllOps != nil {
		return *d.Totals.FPOAllOps
	}
	return d.Totals.FPO
}

func fpoNodeTable(docs []*FPODoc) *Table {
	t := &Table{Header: []string{"model", "graph", "node", "op_type", "domain", "scope", "fpo", "macs", "bytes_moved", "output_shape", "error"}}
	for _, d := range docs {
		for _, n := range d.Nodes {
			out := ""
			if len(n.Outputs) > 0 {
				out = shapeText(n.Outputs[0].Shape)
			}
			t.AddRow(Text(d.Model), Text(n.Graph), Text(n.Name), Text(n.OpType), Text(n.Domain),
				Text("/"+strings.Join(n.Scope, "/")), Text(units.Exact(n.FPO.Expr)), Text(units.Exact(n.MACs.Expr)),
				Text(units.Exact(n.BytesMoved.Expr)), Text(out), Text(n.Error))
		}
	}
	return t
}

// shapeText writes a JSON shape as [1, 64, 112, 112]; ? for unknown rank.
func shapeText(s []any) string {
	if s == nil {
		return "?"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func fpoSummary(docs []*FPODoc) *Table {
	unit := docs[0].Totals.Unit
	t := &Table{Header: []string{"Model", unit, "MACs", "Params", "Peak activations"}, Align: []byte("lrrrr"),
		Notes: []string{fmt.Sprintf("FPO counts every ADD and MUL (convention: %s); 1 MAC = 2 FPO. SI prefixes are decimal.", docs[0].Totals.Convention)}}
	for _, d := range docs {
		t.AddRow(Text(d.Model), d.Totals.FPO.cell(), d.Totals.MACs.cell(), Cell{Text: units.Count(d.Totals.Params)},
			Cell{Text: units.Expr(d.Totals.ActivationPeak.Expr) + "B"})
		if n := len(d.Uncounted); n > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: a lower bound: %d node(s) not counted (first: %s, %s: %s).",
				d.Model, n, d.Uncounted[0].Node, d.Uncounted[0].OpType, d.Uncounted[0].Reason))
		}
	}
	return t
}

// sortedOps lists operator types by FPO at the share point, costliest first.
func (d *FPODoc) sortedOps() []string {
	keys := make([]string, 0, len(d.ByOpType))
	for k := range d.ByOpType {
		keys = append(keys, k)
	}
	val := func(k string) float64 { return d.ByOpType[k].FPO.At(d.SharesAt) }
	sort.Slice(keys, func(i, j int) bool {
		if a, b := val(keys[i]), val(keys[j]); a != b {
			return a > b
		}
		return keys[i] < keys[j]
	})
	return keys
}

func (d *FPODoc) opTable(v FPOView, format string) *Table {
	t := &Table{Caption: d.Model + " by operator type", Header: []string{"Operator", "Count", d.Totals.Unit, "MACs"}, Align: []byte("lrrr")}
	if format == Plain {
		t.Caption = "By operator type"
	}
	for _, k := range d.sortedOps() {
		o := d.ByOpType[k]
		t.AddRow(Text(k), Int(o.Count), o.FPO.cell(), o.MACs.cell())
	}
	return t
}

// sharePoint says where shares of symbolic counts are evaluated.
func (d *FPODoc) sharePoint() string {
	var names []string
	for k := range d.SharesAt {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		names[i] = fmt.Sprintf("%s = %d", k, d.SharesAt[k])
	}
	return strings.Join(names, ", ")
}

// share is x's share of the total at the share point.
func (d *FPODoc) share(x Count) string {
	return units.Percent(x.At(d.SharesAt), d.Totals.FPO.At(d.SharesAt))
}

// polyFit abbreviates long polynomials in a text table, noting that it did.
type polyFit struct {
	v        FPOView
	cut      bool
	namesCut bool // node names with their middle cut out to fit
}

func (p *polyFit) fit(s string, width int) string {
	if p.v.Exact || p.v.Width <= 0 {
		return s
	}
	s2, cut := Abbreviate(s, width)
	p.cut = p.cut || cut
	return s2
}

func (d *FPODoc) writeText(w io.Writer, v FPOView) error {
	if v.Exact {
		v.Width = 0 // whole polynomials: no line fits a terminal anyway
	}
	var b strings.Builder
	pf := &polyFit{v: v}
	b.WriteString(kvLine("Model", d.Model, v.Width))
	b.WriteString(kvLine("Inputs", inputsText(d.Inputs), v.Width))
	b.WriteString(kvLine("Convention", fmt.Sprintf("%s (%s)", d.Totals.Convention, fpo.ConventionDoc(fpo.Convention(d.Totals.Convention))), v.Width))
	b.WriteString("\n")
	tot := d.totalsTable(pf)
	tot.Width = v.Width
	if err := tot.WriteText(&b); err != nil {
		return err
	}
	writeParamNotes(&b, d.Totals.ParamNotes, v.Width)
	if s := d.Symbolic; s != nil {
		b.WriteString("\nSymbolic (exact)\n")
		unit := d.Totals.Unit
		n := max(runeLen(unit), 4)
		for _, l := range [][2]string{{unit, s.FPO}, {"MACs", s.MACs}} {
			prefix := "  " + l[0] + strings.Repeat(" ", n-runeLen(l[0])) + " = "
			b.WriteString(prefix + pf.fit(l[1], v.Width-runeLen(prefix)) + "\n")
		}
	}
	if d.LanguageModel != nil {
		if err := d.LanguageModel.WriteText(&b, v.Width); err != nil {
			return err
		}
	}
	b.WriteString("\n")
	if err := fitText(&b, d.OpTypeTable(), []int{2, 3}, 0, pf); err != nil {
		return err
	}
	if st := d.ScopeTable(v.Depth); len(st.Rows) > 0 {
		b.WriteString("\n")
		if err := fitText(&b, st, []int{1, 2}, 0, pf); err != nil {
			return err
		}
	}
	if v.Top > 0 {
		nodes := append([]NodeDoc(nil), d.Nodes...)
		sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].FPO.At(d.SharesAt) > nodes[j].FPO.At(d.SharesAt) })
		if len(nodes) > v.Top {
			nodes = nodes[:v.Top]
		}
		nt := &Table{Caption: fmt.Sprintf("Top %d nodes", v.Top), Heading: true, Header: []string{"node", "op", d.Totals.Unit, "MACs", "output"}}
		for _, n := range nodes {
			out := ""
			if len(n.Outputs) > 0 {
				out = shapeText(n.Outputs[0].Shape)
			}
			nt.AddRow(Text(nodeLabel(n)), Text(n.OpType), n.FPO.cell(), n.MACs.cell(), Text(out))
		}
		b.WriteString("\n")
		if err := fitText(&b, nt, []int{2, 3}, 0, pf); err != nil {
			return err
		}
	}
	if len(d.Unsupported) > 0 || len(d.Uncounted) > 0 {
		b.WriteString("\nNot counted (their FPO is missing from the totals)\n")
		for _, u := range d.Uncounted {
			b.WriteString(wrapIndent(fmt.Sprintf("  %s (%s): %s", u.Node, u.OpType, u.Reason), v.Width, "    "))
		}
	}
	for _, n := range d.Notes {
		b.WriteString("\n" + wrapIndent("Note: "+n, v.Width, "  "))
	}
	for _, m := range d.Warnings {
		b.WriteString("\n" + wrapIndent("Warning: "+m, v.Width, "  "))
	}
	if pf.cut {
		b.WriteString("\n" + wrapIndent("… marks polynomials cut to fit the terminal: --exact prints them whole, --json gives every count exactly.", v.Width, ""))
	}
	if pf.namesCut {
		b.WriteString("\n" + wrapIndent("A node name with … has its middle cut out to fit the terminal: --csv and --json give every name whole.", v.Width, ""))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// OpTypeTable is the breakdown by operator type as the text output shows
// it (op, count, FPO, MACs, share), for other renderers too (greenai
// serve's entry page).
func (d *FPODoc) OpTypeTable() *Table {
	ops := &Table{Caption: "By operator type", Heading: true, Header: []string{"op", "count", d.Totals.Unit, "MACs", "share"}, Align: []byte("rrrrr"), Indent: "  "}
	if len(d.SharesAt) > 0 {
		ops.Caption = fmt.Sprintf("By operator type (shares at %s)", d.sharePoint())
	}
	for _, k := range d.sortedOps() {
		o := d.ByOpType[k]
		ops.AddRow(Text(k), Int(o.Count), o.FPO.cell(), o.MACs.cell(), Text(d.share(o.FPO)))
	}
	return ops
}

// ScopeTable is the breakdown by module scope down to depth, as the text
// output shows it; it has no rows when the node names hold no scopes.
func (d *FPODoc) ScopeTable(depth int) *Table {
	st := &Table{Caption: fmt.Sprintf("By module scope (depth %d; a scope includes its children)", depth), Heading: true,
		Header: []string{"scope", d.Totals.Unit, "MACs", "share"}, Align: []byte("lrrr")}
	if len(d.SharesAt) > 0 {
		st.Caption = fmt.Sprintf("By module scope (depth %d; a scope includes its children; shares at %s)", depth, d.sharePoint())
	}
	for _, s := range d.ByScope {
		if s.Depth > depth {
			continue
		}
		name := strings.Repeat("  ", s.Depth-1) + s.Scope[strings.LastIndex(s.Scope, "/"):]
		if s.Depth == 1 {
			name = s.Scope
		}
		st.AddRow(Text(name), s.FPO.cell(), s.MACs.cell(), Text(d.share(s.FPO)))
	}
	return st
}

func (d *FPODoc) totalsTable(pf *polyFit) *Table {
	t := &Table{Caption: "Totals per inference", Heading: true, HideHeader: true, Indent: "  ",
		Header: []string{"Quantity", "Value", "Exact"}}
	if n := len(d.Uncounted); n > 0 {
		t.Caption = fmt.Sprintf("Totals per inference (a lower bound: %d node(s) not counted, listed below)", n)
	}
	tt := d.Totals
	short := func(c Count) string {
		s := units.Expr(c.Expr)
		if runeLen(s) > 100 && !pf.v.Exact {
			// A peak over many incomparable polynomials.
			pf.cut = true
			return "symbolic, see --exact"
		}
		if pf.v.Width > 0 {
			return pf.fit(s, max(21, pf.v.Width-54))
		}
		return s
	}
	exact := func(c Count) string {
		if v, ok := c.IsConst(); ok {
			return fmt.Sprint(v)
		}
		return ""
	}
	t.AddRow(Text(tt.Unit), Text(short(tt.FPO)), Text(exact(tt.FPO)))
	if tt.FPOMin != nil {
		t.AddRow(Text(tt.Unit+" (cheaper If branches)"), Text(short(*tt.FPOMin)), Text(exact(*tt.FPOMin)))
	}
	if tt.FPOAllOps != nil {
		t.AddRow(Text("FPO (every ADD and MUL)"), Text(short(*tt.FPOAllOps)), Text(exact(*tt.FPOAllOps)))
	}
	if tt.Unit != "MACs" && tt.MACs.Concrete() {
		t.AddRow(Text("MACs"), Text(short(tt.MACs)), Text(exact(tt.MACs)+" (= "+units.Expr(tt.FPOFromMACs.Expr)+" FPO)"))
	} else if tt.Unit != "MACs" {
		t.AddRow(Text("MACs"), Text(short(tt.MACs)), Text("(1 MAC = 2 FPO)"))
	} else {
		t.AddRow(Text("FPO from MACs"), Text(short(tt.FPOFromMACs)), Text("2 FPO per MAC"))
	}
	t.AddRow(Text("Params"), Text(units.Count(tt.Params)), Text(fmt.Sprintf("%d unique learnable (PyTorch's Σ numel)", tt.Params)))
	t.AddRow(Text("Stored"), Text(units.Count(tt.StoredParams)), Text(fmt.Sprintf("%d elements in %d tensors, %s", tt.StoredParams, tt.ParamTensors, units.Bytes(tt.ParamBytes))))
	t.AddRow(Text("Activations (sum)"), Text(short(tt.ActivationBytes)), Text("bytes"))
	t.AddRow(Text("Activations (peak live)"), Text(short(tt.ActivationPeak)), Text("bytes"))
	t.AddRow(Text("Data moved"), Text(short(tt.BytesMoved)), Text("bytes by data-movement operators (0 FPO)"))
	return t
}

// fitText writes t to fit v.Width: as it is when it fits; else with the
// polynomial columns (polys) on lines of their own below each row, cut to
// the width.
func fitText(b *strings.Builder, t *Table, polys []int, _ int, pf *polyFit) error {
	width := pf.v.Width
	t.Width = width
	if width <= 0 || tableWidth(t) <= width {
		return t.WriteText(b)
	}
	isPoly := map[int]bool{}
	for _, i := range polys {
		isPoly[i] = true
	}
	st := &Table{Caption: t.Caption, Heading: t.Heading, Width: width}
	for i, h := range t.Header {
		if !isPoly[i] {
			st.Header = append(st.Header, h)
			a := t.align(i)
			if len(st.Align) == 0 {
				a = 'l' // the row's name leads its detail lines
			}
			st.Align = append(st.Align, a)
		}
	}
	label := 0
	for _, i := range polys {
		label = max(label, runeLen(t.Header[i]))
	}
	for _, r := range t.Rows {
		var row []Cell
		for i := range t.Header {
			if !isPoly[i] {
				row = append(row, t.cell(r, i))
			}
		}
		st.AddRow(row...)
		// One detail line with every count when it fits, else one each.
		var parts []string
		for _, i := range polys {
			parts = append(parts, t.Header[i]+" "+t.cell(r, i).Text)
		}
		if one := "    " + strings.Join(parts, "   "); runeLen(one) <= width {
			st.AddRow(Cell{Text: one, Span: true})
			continue
		}
		for _, i := range polys {
			prefix := "    " + t.Header[i] + strings.Repeat(" ", label-runeLen(t.Header[i])) + " "
			st.AddRow(Cell{Text: prefix + pf.fit(t.cell(r, i).Text, width-runeLen(prefix)), Span: true})
		}
	}
	if over := tableWidth(st) - width; over > 0 {
		// Names without spaces (node paths) cannot wrap: cut out their middle.
		w0 := 0
		for _, r := range st.Rows {
			if !r[0].Span {
				w0 = max(w0, runeLen(r[0].Text))
			}
		}
		keep := max(16, w0-over)
		for _, r := range st.Rows {
			if rs := []rune(r[0].Text); !r[0].Span && len(rs) > keep {
				head := (keep - 1) * 2 / 5
				r[0].Text = string(rs[:head]) + "…" + string(rs[len(rs)-(keep-1-head):])
				pf.namesCut = true
			}
		}
	}
	return st.WriteText(b)
}

// tableWidth is the width of t's widest text line.
func tableWidth(t *Table) int {
	total := runeLen(t.Indent) + 2*max(0, len(t.Header)-1)
	for i, h := range t.Header {
		w := 0
		if !t.HideHeader {
			w = runeLen(h)
		}
		for _, r := range t.Rows {
			if len(r) > 0 && r[0].Span {
				continue
			}
			w = max(w, runeLen(t.cell(r, i).Text))
		}
		total += w
	}
	return total
}

func nodeLabel(n NodeDoc) string {
	name := n.Name
	if name == "" {
		name = "(" + n.OpType + ")"
	}
	if n.Graph != "" {
		name = n.Graph + "/" + name
	}
	return name
}

// inputsText lists a graph's inputs with their types. Inputs that share
// one type, three or more (a decode step's KV-cache tensors), are listed
// once as "N × type (first … last)".
func inputsText(in []ValueDoc) string {
	var order []string
	byType := map[string][]string{}
	for _, v := range in {
		if _, ok := byType[v.Type]; !ok {
			order = append(order, v.Type)
		}
		byType[v.Type] = append(byType[v.Type], v.Name)
	}
	var parts []string
	for _, typ := range order {
		names := byType[typ]
		if len(names) < 3 {
			for _, n := range names {
				parts = append(parts, n+" "+typ)
			}
			continue
		}
		parts = append(parts, fmt.Sprintf("%d × %s (%s … %s)", len(names), typ, names[0], names[len(names)-1]))
	}
	return strings.Join(parts, "; ")
}

// kvLine writes "Key          value", the value wrapped to width under itself.
func kvLine(k, v string, width int) string {
	const col = 13
	prefix := k + strings.Repeat(" ", max(1, col-runeLen(k)))
	if width <= 0 {
		return prefix + v + "\n"
	}
	return prefix + Wrap(v, max(20, width-col), strings.Repeat(" ", col))[0:] // Wrap ends with \n
}

// wrapIndent wraps s to width (0: no wrapping), continuation lines indented.
func wrapIndent(s string, width int, indent string) string {
	if width <= 0 {
		return s + "\n"
	}
	return Wrap(s, width, indent)
}

// writeCompare writes several counts side by side, fitted to v.Width
// (unless v.Exact): columns are headed by the models' file names (the paths
// are listed above when that shortened them) and polynomials too wide for
// a column are cut, with a note.
func writeCompare(w io.Writer, docs []*FPODoc, v FPOView) error {
	if v.Exact {
		v.Width = 0
	}
	names := compareNames(docs)
	var b strings.Builder
	for i, d := range docs {
		if names[i] != d.Model {
			paths := make([]string, len(docs))
			for k, d := range docs {
				paths[k] = d.Model
			}
			b.WriteString(kvLine("Models", strings.Join(paths, "; "), v.Width) + "\n")
			break
		}
	}
	t := fpoCompare(docs, names)
	pf := &polyFit{v: v}
	if v.Width > 0 && tableWidth(t) > v.Width {
		label := 0
		for _, r := range t.Rows {
			label = max(label, runeLen(r[0].Text))
		}
		// Columns narrower than an equal share keep their width; the
		// others share what is left (at least 12 columns each).
		need := make([]int, len(docs))
		for i := range need {
			need[i] = runeLen(t.Header[i+1])
			for _, r := range t.Rows {
				need[i] = max(need[i], runeLen(t.cell(r, i+1).Text))
			}
		}
		order := make([]int, len(docs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return need[order[a]] < need[order[b]] })
		left := v.Width - label - 2*len(docs)
		for k, i := range order {
			col := max(12, min(need[i], left/(len(docs)-k)))
			left -= col
			for _, r := range t.Rows {
				if i+1 < len(r) {
					r[i+1].Text = pf.fit(r[i+1].Text, col)
				}
			}
		}
	}
	if err := t.WriteText(&b); err != nil {
		return err
	}
	if pf.cut {
		b.WriteString("\n" + wrapIndent("… marks polynomials cut to fit the terminal: --exact prints them whole, --json gives every count exactly.", v.Width, ""))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// compareNames are the column headings of a side-by-side count: each
// model's file name, or the whole paths when two file names are the same.
func compareNames(docs []*FPODoc) []string {
	names := make([]string, len(docs))
	seen := map[string]bool{}
	for i, d := range docs {
		names[i] = filepath.Base(d.Model)
		if seen[names[i]] {
			for k, d := range docs {
				names[k] = d.Model
			}
			return names
		}
		seen[names[i]] = true
	}
	return names
}

// fpoCompare lays several counts side by side, under the column headings
// names.
func fpoCompare(docs []*FPODoc, names []string) *Table {
	t := &Table{Header: []string{""}, Align: []byte{'r'}}
	for i := range docs {
		t.Header = append(t.Header, names[i])
		t.Align = append(t.Align, 'r')
	}
	row := func(name string, f func(*FPODoc) string) {
		r := []Cell{Text(name)}
		for _, d := range docs {
			r = append(r, Text(f(d)))
		}
		t.AddRow(r...)
	}
	unit := docs[0].Totals.Unit
	row(unit, func(d *FPODoc) string { return units.Expr(d.Totals.FPO.Expr) })
	row("MACs", func(d *FPODoc) string { return units.Expr(d.Totals.MACs.Expr) })
	row("Params", func(d *FPODoc) string { return units.Count(d.Totals.Params) })
	row("Param bytes", func(d *FPODoc) string { return units.Bytes(d.Totals.ParamBytes) })
	row("Peak activations (B)", func(d *FPODoc) string { return units.Expr(d.Totals.ActivationPeak.Expr) })
	row("Uncounted nodes", func(d *FPODoc) string { return fmt.Sprint(len(d.Uncounted)) })
	ops := map[string]bool{}
	for _, d := range docs {
		for k := range d.ByOpType {
			ops[k] = true
		}
	}
	var keys []string
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	row(unit+" by operator type", func(*FPODoc) string { return "" })
	for _, k := range keys {
		row("  "+k, func(d *FPODoc) string {
			if o, ok := d.ByOpType[k]; ok {
				return units.Expr(o.FPO.Expr)
			}
			return "-"
		})
	}
	return t
}

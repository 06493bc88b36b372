package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

// Counted is what the server counted itself, with the engine of
// "greenai fpo" and "greenai cost", at the board's input shape.
type Counted struct {
	// FPO and MACs per inference; the *Exact strings are the exact
	// integers (float64 rounds above 2^53).
	FPO       float64 `json:"fpo"`
	FPOExact  string  `json:"fpo_exact"`
	MACs      float64 `json:"macs"`
	MACsExact string  `json:"macs_exact"`
	Params    int64   `json:"params"`
	Tensors   int     `json:"param_tensors"`
	// Inputs are the input shapes counted at ("input float32[1,3,224,224]").
	Inputs      []string  `json:"inputs"`
	Convention  string    `json:"convention"`
	ByOp        []OpCount `json:"by_op_type"`
	Unsupported []string  `json:"unsupported,omitempty"`
	Uncounted   int       `json:"uncounted_nodes,omitempty"`
	Warnings    []string  `json:"warnings,omitempty"`
	Notes       []string  `json:"notes,omitempty"`
	Engine      string    `json:"engine"`
	// Format is what the file turned out to be (onnx, config, gguf);
	// Source, for configs and GGUF files, how the graph was made.
	Format string `json:"format"`
	Source string `json:"source,omitempty"`
	// Price is the recomputed price tag when a cost spec was submitted.
	Price *Price `json:"price,omitempty"`
	// Doc is the count as "greenai fpo --json" writes it (the fpo
	// document, greenai.fpo/1), without its per-node list: the entry page
	// renders its breakdowns with package report, as the CLI does. Entries
	// stored before it existed lack it.
	Doc *report.FPODoc `json:"fpo_document,omitempty"`
}

// OpCount is one operator type's share of the FPO.
type OpCount struct {
	Op    string  `json:"op_type"`
	Nodes int     `json:"nodes"`
	FPO   float64 `json:"fpo"`
	MACs  float64 `json:"macs"`
}

// Price is the recomputed price tag, E·D·H.
type Price struct {
	EInfer       float64 `json:"e_infer_fpo"`
	ETrain       float64 `json:"e_train_fpo"`
	D            float64 `json:"examples_per_trial"`
	H            int64   `json:"trials"`
	TrialFPO     float64 `json:"trial_fpo"`
	SearchFPO    float64 `json:"search_fpo"`
	SearchMACs   float64 `json:"search_macs"`
	InferenceFPO float64 `json:"inference_fpo"`
	TotalFPO     float64 `json:"total_fpo"`
	TotalMACs    float64 `json:"total_macs"`
	// Estimates from the spec's hardware section (0 when none): these are
	// estimates from peak throughput and utilization, not measurements.
	EstimateDevice string  `json:"estimate_device,omitempty"`
	EstimateKWh    float64 `json:"estimate_search_kwh,omitempty"`
	EstimateHours  float64 `json:"estimate_search_hours,omitempty"`
	// Text is the price tag as "greenai cost" prints it.
	Text string `json:"text"`
	// Full is the price tag as "greenai cost --json" writes it.
	Full map[string]any `json:"full"`
}

// CountRequest asks for one model to be counted.
type CountRequest struct {
	Model  string            `json:"model"` // path of the model file
	Format string            `json:"format,omitempty"`
	Inputs map[string]string `json:"inputs"`
	Dims   map[string]int64  `json:"dims,omitempty"`
	// Spec is a cost spec (JSON); its model field is replaced by Model.
	Spec json.RawMessage `json:"spec,omitempty"`
}

// Engine names the counting engine in entries.
var Engine = "greenai fpo (convention fpo, default cost table)"

// Count counts a model in this process. Errors about the model are
// FieldErrors on "model", about the spec on "cost_spec". Use a
// SubprocessCounter to count untrusted models.
func Count(req CountRequest) (c *Counted, err error) {
	defer sym.Catch(&err)
	defer func() {
		if r := recover(); r != nil {
			err = &FieldError{Field: "model", Msg: fmt.Sprintf("counting failed: %v", r)}
		}
	}()
	kind, err := modelfile.Detect(req.Model)
	if err != nil {
		return nil, &FieldError{Field: "model", Msg: err.Error()}
	}
	switch kind {
	case modelfile.ONNX, modelfile.GGUF:
	case modelfile.Config:
		// A safetensors index names weight files beside it: a single
		// upload has none, and the server opens no file a submitter names.
		var probe map[string]json.RawMessage
		if data, err := os.ReadFile(req.Model); err == nil && json.Unmarshal(data, &probe) == nil {
			if _, ok := probe["weight_map"]; ok {
				return nil, &FieldError{Field: "model", Msg: "a safetensors index (model.safetensors.index.json) is not a model: submit the config.json"}
			}
		}
	default:
		return nil, &FieldError{Field: "model", Msg: fmt.Sprintf("a %s file holds weights, not an architecture: submit the ONNX model, the config.json or the GGUF file", kind)}
	}
	if req.Format != "" && req.Format != string(kind) {
		return nil, &FieldError{Field: "model_file.format", Msg: fmt.Sprintf("the manifest says %q but the file is %s", req.Format, kindName(kind))}
	}
	mf, err := modelfile.Open(req.Model, modelfile.Options{})
	if err != nil {
		return nil, &FieldError{Field: "model", Msg: strings.ReplaceAll(err.Error(), req.Model, "the uploaded file")}
	}
	defer mf.Close()
	m := mf.Graph
	opts, err := shapeOptions(m, req.Inputs, req.Dims)
	if err != nil {
		return nil, err
	}
	res, err := shape.Infer(m, opts)
	if err != nil {
		return nil, &FieldError{Field: "model", Msg: err.Error()}
	}
	if len(res.Failures) > 0 {
		f := res.Failures[0]
		return nil, &FieldError{Field: "model", Msg: fmt.Sprintf("shape inference failed at %d node(s); first: %s (%s): %s", len(res.Failures), f.Node, f.Op, firstLine(f.Err))}
	}
	rep, err := fpo.Count(res, fpo.Options{Convention: fpo.ConvFPO, Table: fpo.DefaultTable()})
	if err != nil {
		return nil, &FieldError{Field: "model", Msg: err.Error()}
	}
	c, err = fromReport(res, rep)
	if err != nil {
		return nil, err
	}
	c.Doc = report.NewFPO("uploaded model", res, rep, nil)
	c.Doc.Nodes = []report.NodeDoc{} // bounded: a big graph has many thousands
	c.Doc.Notes = append(c.Doc.Notes, "nodes omitted: the server keeps the totals and the breakdowns by operator type and module scope")
	for _, l := range [][]string{c.Doc.Notes, c.Doc.Warnings} {
		for i := range l {
			l[i] = strings.ReplaceAll(l[i], req.Model, "the uploaded file") // no server paths in entries
		}
	}
	c.Format = string(kind)
	if mf.HF != nil {
		c.Source = fmt.Sprintf("%s built by package hf from %s (model_type %s)", kindName(kind), sourceName(mf), mf.HF.ModelType)
	}
	if len(req.Spec) > 0 {
		if c.Price, err = price(req); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func fromReport(res *shape.Result, rep *fpo.Report) (*Counted, error) {
	f, ok := rep.FPO.IsConst()
	macs, ok2 := rep.MACs.IsConst()
	if !ok || !ok2 {
		return nil, &FieldError{Field: "model", Msg: fmt.Sprintf("the FPO is still symbolic at the board's input shape (%s): the model has dimensions the board does not fix (%s)", units.Expr(rep.FPO), strings.Join(rep.FPO.Vars(), ", "))}
	}
	c := &Counted{
		FPO: float64(f), FPOExact: strconv.FormatInt(f, 10), MACs: float64(macs), MACsExact: strconv.FormatInt(macs, 10),
		Params: rep.Params.Params, Tensors: rep.Params.Tensors, Convention: string(rep.Convention), Engine: Engine,
		Warnings: res.Warnings, Notes: rep.Notes, Uncounted: len(rep.Uncounted),
	}
	for _, v := range res.Graph.Inputs {
		c.Inputs = append(c.Inputs, v.Name+" "+shape.TypeString(v))
	}
	for op, t := range rep.ByOp {
		of, _ := t.FPO.IsConst()
		om, _ := t.MACs.IsConst()
		c.ByOp = append(c.ByOp, OpCount{Op: op, Nodes: t.Count, FPO: float64(of), MACs: float64(om)})
	}
	sort.Slice(c.ByOp, func(i, j int) bool {
		if c.ByOp[i].FPO != c.ByOp[j].FPO {
			return c.ByOp[i].FPO > c.ByOp[j].FPO
		}
		return c.ByOp[i].Op < c.ByOp[j].Op
	})
	for _, u := range rep.Unsupported {
		c.Unsupported = append(c.Unsupported, u.OpType)
	}
	return c, nil
}

func shapeOptions(m *onnx.Model, inputs map[string]string, dims map[string]int64) (shape.Options, error) {
	opts := shape.Options{Inputs: map[string][]sym.Expr{}, Dims: map[string]int64{}}
	for k, v := range dims {
		opts.Dims[k] = v
	}
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	var real []string
	for _, in := range m.Graph.Inputs {
		if !inits[in.Name] {
			real = append(real, in.Name)
		}
	}
	for name, d := range inputs {
		e, err := ParseDims(d)
		if err != nil {
			return opts, &FieldError{Field: "board.inputs." + name, Msg: err.Error()}
		}
		if name == "*" {
			if len(real) != 1 {
				return opts, &FieldError{Field: "model", Msg: fmt.Sprintf("the board fixes one input shape (%s) but the model has %d inputs (%s)", d, len(real), strings.Join(real, ", "))}
			}
			name = real[0]
		} else if !contains(real, name) {
			return opts, &FieldError{Field: "model", Msg: fmt.Sprintf("the board fixes input %q but the model's inputs are %s", name, strings.Join(real, ", "))}
		}
		opts.Inputs[name] = e
	}
	return opts, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func price(req CountRequest) (*Price, error) {
	var probe map[string]any
	if err := json.Unmarshal(req.Spec, &probe); err != nil {
		return nil, &FieldError{Field: "cost_spec", Msg: err.Error()}
	}
	// The submitted spec's model field names a file on the submitter's
	// machine; the server counts the uploaded file instead.
	if _, ok := probe["cost_table"]; ok {
		return nil, &FieldError{Field: "cost_spec.cost_table", Msg: "not allowed: boards count with the default cost table (and the server reads no files named by submitters)"}
	}
	delete(probe, "model")
	probe["model"] = req.Model
	data, _ := json.Marshal(probe)
	spec, err := cost.ParseSpec(data)
	if err != nil {
		return nil, &FieldError{Field: "cost_spec", Msg: err.Error()}
	}
	pt, err := cost.Compute(spec)
	if err != nil {
		return nil, &FieldError{Field: "cost_spec", Msg: err.Error()}
	}
	doc := report.NewCost(pt)
	var text, js bytes.Buffer
	if err := doc.Write(&text, report.Plain, 0); err != nil {
		return nil, err
	}
	if err := doc.Write(&js, "json", 0); err != nil {
		return nil, err
	}
	var full map[string]any
	dec := json.NewDecoder(&js)
	dec.UseNumber() // counts beyond 2^53 stay exact
	if err := dec.Decode(&full); err != nil {
		return nil, err
	}
	delete(full, "model")
	p := &Price{
		EInfer: ratF(pt.EInfer), ETrain: ratF(pt.ETrain), D: ratF(pt.D), H: pt.H,
		TrialFPO: ratF(pt.TrialFPO), SearchFPO: ratF(pt.SearchFPO), SearchMACs: ratF(pt.SearchMACs),
		InferenceFPO: ratF(pt.InferenceFPO), TotalFPO: ratF(pt.TotalFPO), TotalMACs: ratF(pt.TotalMACs),
		Text: strings.ReplaceAll(text.String(), req.Model, "(uploaded model)"), Full: full,
	}
	if e := pt.Estimate; e != nil {
		p.EstimateDevice = e.Device.Name
		p.EstimateKWh = e.SearchKWh
		p.EstimateHours = e.SearchSeconds / 3600
	}
	return p, nil
}

func ratF(r *big.Rat) float64 {
	if r == nil {
		return 0
	}
	f, _ := r.Float64()
	return f
}

// ParseDims parses a shape such as 1x3x224x224 (or 1,3,224,224); a dim may
// be a symbol bound by the board's dims.
func ParseDims(s string) ([]sym.Expr, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty shape (want e.g. 1x3x224x224)")
	}
	if s == "scalar" {
		return []sym.Expr{}, nil
	}
	sep := "x"
	if strings.Contains(s, ",") {
		sep = ","
	}
	parts := strings.Split(s, sep)
	if len(parts) > 16 {
		return nil, fmt.Errorf("shape %q has %d dims, at most 16", s, len(parts))
	}
	var out []sym.Expr
	for _, p := range parts {
		p = strings.TrimSpace(p)
		n, err := strconv.ParseInt(p, 10, 64)
		if err == nil {
			if n <= 0 || n > 1<<31 {
				return nil, fmt.Errorf("shape %q: dim %d out of range (1 to 2^31)", s, n)
			}
			out = append(out, sym.Const(n))
			continue
		}
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("shape %q: dim %s out of range (1 to 2^31)", s, p)
		}
		// A symbol starts with a letter or '_', so that a number never
		// passes as one.
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" || (p[0] >= '0' && p[0] <= '9') {
			return nil, fmt.Errorf("shape %q: dim %q is neither a positive integer nor a symbol name", s, p)
		}
		out = append(out, sym.Var(p))
	}
	return out, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func kindName(k modelfile.Kind) string {
	switch k {
	case modelfile.Config:
		return "a Hugging Face config.json"
	case modelfile.GGUF:
		return "a GGUF file"
	}
	return "an ONNX model"
}

func sourceName(mf *modelfile.Model) string {
	if mf.Kind == modelfile.GGUF {
		return "its GGUF metadata"
	}
	return "the config"
}

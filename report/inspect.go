package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/units"
)

// InspectVersion is the "version" of the inspect document's JSON. It
// changes when a field changes meaning or goes away
// (docs/schema/inspect.schema.json).
const InspectVersion = "greenai.inspect/1"

// InspectDoc is the summary of one model as greenai inspect prints it: its
// producer, inputs and outputs with their inferred shapes, operators,
// parameters, and anything greenai could not infer. Build it with
// NewInspect; write it with Write (or encoding/json).
type InspectDoc struct {
	Version         string           `json:"version"` // InspectVersion
	Path            string           `json:"path"`
	Producer        string           `json:"producer"`
	ProducerVersion string           `json:"producer_version,omitempty"`
	IRVersion       int64            `json:"ir_version"`
	Opsets          map[string]int64 `json:"opsets"` // by domain, "ai.onnx" for the default one
	FileBytes       int64            `json:"file_bytes"`
	Inputs          []InspectValue   `json:"inputs"`
	Outputs         []InspectValue   `json:"outputs"`
	// Params is the headline, unique learnable parameters (PyTorch's Σ
	// numel); ParamsDetail is package params' full account.
	Params        int64            `json:"params"`
	ParamsAliased int64            `json:"params_read_through_aliases,omitempty"`
	ParamsDetail  params.Stats     `json:"params_detail"`
	ParamBytes    int64            `json:"param_bytes"`
	ParamBytesBy  map[string]int64 `json:"param_bytes_by_dtype"`
	// Nodes counts the main graph's nodes; NodesAll those of its
	// subgraphs too, whose operators OpTypes counts (a domain other than
	// ai.onnx qualifies the name: "com.microsoft.Attention").
	Nodes       int                 `json:"nodes"`
	NodesAll    int                 `json:"nodes_including_subgraphs"`
	OpTypes     map[string]int      `json:"op_types"`
	Unsupported []shape.Unsupported `json:"unsupported"`
	Failures    []shape.Failure     `json:"failures"`
	Warnings    []string            `json:"warnings,omitempty"`
	// Values lists every intermediate value, when asked for.
	Values []InspectValue `json:"values,omitempty"`
	// Source, Weights and WeightsCheck are set for a Hugging Face config,
	// model folder or GGUF file (as in the fpo document).
	Source       *SourceDoc         `json:"source,omitempty"`
	Weights      *modelfile.Weights `json:"weights,omitempty"`
	WeightsCheck *modelfile.Check   `json:"weights_check,omitempty"`

	file *modelfile.Model // for the text's weights section
}

// InspectValue is one typed value. Shape holds integers for concrete dims
// and strings for symbolic ones (null for an unknown rank); a value that is
// not a tensor has its Kind, and DType gives its whole type.
type InspectValue struct {
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"`
	DType  string `json:"dtype"`
	Shape  []any  `json:"shape"`
	Source string `json:"source,omitempty"` // where the type came from, when not inferred
	Type   string `json:"-"`
}

func inspectValue(v *shape.Value) InspectValue {
	iv := InspectValue{Name: v.Name, DType: v.DType.String(), Shape: shape.JSONShape(v), Source: v.Source, Type: shape.TypeString(v)}
	if v.Kind != onnx.KindTensor {
		iv.Kind = v.Kind.String()
		iv.DType = iv.Type
	}
	return iv
}

// NewInspect builds the inspect document of a model file read from path,
// with its shapes inferred in res; values lists every intermediate value.
func NewInspect(path string, file *modelfile.Model, res *shape.Result, values bool) *InspectDoc {
	m := file.Graph
	ps := params.Count(res)
	d := &InspectDoc{Version: InspectVersion, Path: path, Producer: m.ProducerName, ProducerVersion: m.ProducerVersion,
		IRVersion: m.IRVersion, Opsets: map[string]int64{}, FileBytes: m.FileSize, Params: ps.Params, ParamsAliased: ps.Aliases,
		ParamsDetail: ps, ParamBytes: ps.TotalBytes, ParamBytesBy: ps.Bytes, Nodes: len(m.Graph.Nodes),
		OpTypes: map[string]int{}, Unsupported: res.Unsupported, Failures: res.Failures, Warnings: res.Warnings,
		Inputs: []InspectValue{}, Outputs: []InspectValue{}, file: file}
	if d.Unsupported == nil {
		d.Unsupported = []shape.Unsupported{}
	}
	if d.Failures == nil {
		d.Failures = []shape.Failure{}
	}
	if d.ParamBytesBy == nil {
		d.ParamBytesBy = map[string]int64{}
	}
	for dom, v := range m.Opsets {
		if dom == "" {
			dom = "ai.onnx"
		}
		d.Opsets[dom] = v
	}
	d.NodesAll = opHistogram(res.Graph, d.OpTypes)
	for _, v := range res.Graph.Inputs {
		d.Inputs = append(d.Inputs, inspectValue(v))
	}
	for _, v := range res.Graph.Outputs {
		d.Outputs = append(d.Outputs, inspectValue(v))
	}
	if values {
		for _, nr := range res.Graph.Nodes {
			for _, v := range nr.Outputs {
				if v != nil {
					d.Values = append(d.Values, inspectValue(v))
				}
			}
		}
	}
	d.Source, d.Weights, d.WeightsCheck = NewSource(file)
	return d
}

// NewSource says what a Hugging Face config, model folder or GGUF file was
// read from, with its weights headers and their check (all nil for an ONNX
// file).
func NewSource(m *modelfile.Model) (*SourceDoc, *modelfile.Weights, *modelfile.Check) {
	if m == nil || m.Kind == modelfile.ONNX {
		return nil, nil, nil
	}
	s := &SourceDoc{Kind: string(m.Kind), Config: m.ConfigSource}
	if m.HF != nil {
		s.ModelType = m.HF.ModelType
	}
	return s, m.Weights, m.Check
}

// opHistogram counts operators in every graph, qualified by domain when
// not ai.onnx, and returns how many nodes it counted.
func opHistogram(g *shape.GraphResult, h map[string]int) int {
	n := 0
	for _, nr := range g.Nodes {
		n++
		k := nr.Node.OpType
		if nr.Node.Domain != "" {
			k = nr.Node.Domain + "." + k
		}
		h[k]++
		for _, sg := range nr.Subgraphs {
			if sg.Attr == "function" {
				continue // a model-local function's body is not part of the graph's node list
			}
			n += opHistogram(sg.Graph, h)
		}
	}
	return n
}

// Write writes the document as text (fitted to width columns; 0 for no
// limit), json, or its tables (Tables) as csv, markdown or latex.
func (d *InspectDoc) Write(w io.Writer, format string, width int) error {
	return writeDocTables(w, format, "inspect", d, func() error { return d.writeText(w, width) }, d.Tables)
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func (d *InspectDoc) writeText(w io.Writer, width int) error {
	var b strings.Builder
	const col = 11
	kv := func(k, v string) {
		b.WriteString(hang(k+strings.Repeat(" ", col-runeLen(k)), v, width))
	}
	kv("Model", d.Path)
	prod := strings.TrimSpace(d.Producer + " " + d.ProducerVersion)
	if prod == "" {
		prod = "(not recorded)"
	}
	kv("Producer", prod)
	var ops []string
	for dom, v := range d.Opsets {
		ops = append(ops, fmt.Sprintf("%s %d", dom, v))
	}
	sort.Strings(ops)
	kv("IR", fmt.Sprintf("%d; opsets %s", d.IRVersion, strings.Join(ops, ", ")))
	kv("Size", units.Bytes(d.FileBytes)+" on disk")
	for _, g := range []struct {
		name string
		vals []InspectValue
	}{{"Inputs", d.Inputs}, {"Outputs", d.Outputs}} {
		b.WriteString("\n")
		if err := valueTable(g.name, g.vals, width).WriteText(&b); err != nil {
			return err
		}
	}
	nodes := fmt.Sprint(d.Nodes)
	if d.NodesAll != d.Nodes {
		nodes += fmt.Sprintf(" (%d including subgraphs)", d.NodesAll)
	}
	b.WriteString("\n")
	kv("Nodes", nodes)
	ps := d.ParamsDetail
	kv("Params", fmt.Sprintf("%s (%d unique learnable: PyTorch's Σ numel)", units.Count(ps.Params), ps.Params))
	kv("Stored", fmt.Sprintf("%s (%d elements in %d tensors), %s", units.Count(ps.Stored), ps.Stored, ps.Tensors, units.Bytes(ps.TotalBytes)))
	var dts []string
	for dt := range ps.Bytes {
		dts = append(dts, dt)
	}
	sort.Strings(dts)
	for _, dt := range dts {
		fmt.Fprintf(&b, "%s%-10s %s\n", strings.Repeat(" ", col), dt, units.Bytes(ps.Bytes[dt]))
	}
	if ps.Constants > 0 {
		kv("Constants", fmt.Sprintf("%d elements (shape vectors, indices: not parameters)", ps.Constants))
	}
	writeParamNotes(&b, ps.Notes(), width)
	ot := d.OperatorTable()
	ot.Align = []byte("rr") // names aligned on their right, under the counts
	b.WriteString("\n")
	if err := ot.WriteText(&b); err != nil {
		return err
	}
	if len(d.Unsupported) > 0 {
		b.WriteString("\n" + wrapIndent("Unsupported operators (no shape rule; outputs unknown unless the model declares them)", width, "  "))
		for _, u := range d.Unsupported {
			dom := u.Domain
			if dom == "" {
				dom = "ai.onnx"
			}
			fmt.Fprintf(&b, "  %s (%s) ×%d\n", u.OpType, dom, u.Count)
		}
	}
	if len(d.Warnings) > 0 {
		b.WriteString("\nWarnings\n")
		for _, m := range d.Warnings {
			b.WriteString(wrapIndent("  "+m, width, "    "))
		}
	}
	if len(d.Failures) > 0 {
		b.WriteString("\nInference failures\n")
		for _, f := range d.Failures {
			b.WriteString(wrapIndent(fmt.Sprintf("  %s (%s): %s", f.Node, f.Op, firstLine(f.Err)), width, "    "))
		}
	}
	if len(d.Values) > 0 {
		b.WriteString("\n")
		if err := valueTable("Values", d.Values, width).WriteText(&b); err != nil {
			return err
		}
	}
	if d.file != nil && d.file.Kind != modelfile.ONNX {
		b.WriteString("\n")
		d.file.WriteText(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// valueTable lists values with their types and, where the type was not
// inferred, where it came from.
func valueTable(caption string, vals []InspectValue, width int) *Table {
	t := &Table{Caption: caption, Heading: true, HideHeader: true, Header: []string{"name", "type", "source"}, Indent: "  ", Width: width}
	for _, v := range vals {
		typ := v.Type
		if typ == "" { // read back from JSON
			typ = v.DType + shapeText(v.Shape)
		}
		t.AddRow(Text(v.Name), Text(typ), Text(v.Source))
	}
	return t
}

// writeParamNotes writes how the parameter headline relates to the stored
// tensors (params.Stats.Notes), wrapped to width.
func writeParamNotes(b *strings.Builder, notes []string, width int) {
	if len(notes) == 0 {
		return
	}
	b.WriteString("\nParams notes\n")
	for _, n := range notes {
		b.WriteString(wrapIndent("  "+n, max(width, 0), "    "))
	}
}

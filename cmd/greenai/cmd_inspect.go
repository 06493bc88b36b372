package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/units"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "summarize an ONNX model: inputs, outputs and every inferred shape",
		usage: `usage: greenai inspect [flags] MODEL

Reads an ONNX model (any IR version, external data resolved beside the model,
weights never loaded) and infers the type and shape of every value, with
symbolic dimensions where the model leaves them open.

` + modelInputsUsage + `
For a folder or a GGUF file, a last section shows the weights headers and
their check: which tensors the config does not explain (tied embeddings
stored twice, rotary buffers) and which it implies but the file lacks.

Prints the producer, IR version and opsets, the inputs and outputs with their
inferred shapes, the node count, a histogram of operators, the parameter
count and bytes by data type, and any operator greenai has no rule for.

Flags:
` + modelFlagsUsage + `  --json              print JSON: {"inputs":[{"name","dtype","shape"}], "outputs":[…],
                      "params", "nodes", "op_types", "unsupported", "failures", …}.
                      A shape is a list of integers, or strings for symbolic dims.
  --values            list every intermediate value with its inferred type

Exit status: 0 on success, 1 when the model cannot be read or a node's
shape cannot be inferred, 2 on bad usage.
`,
		run: runInspect,
	})
}

type inspectJSON struct {
	Path            string              `json:"path"`
	Producer        string              `json:"producer"`
	ProducerVersion string              `json:"producer_version,omitempty"`
	IRVersion       int64               `json:"ir_version"`
	Opsets          map[string]int64    `json:"opsets"`
	Inputs          []valueJSON         `json:"inputs"`
	Outputs         []valueJSON         `json:"outputs"`
	Params          int64               `json:"params"`
	ParamsAliased   int64               `json:"params_read_through_aliases,omitempty"`
	ParamsDetail    params.Stats        `json:"params_detail"`
	ParamBytes      int64               `json:"param_bytes"`
	ParamBytesBy    map[string]int64    `json:"param_bytes_by_dtype"`
	Nodes           int                 `json:"nodes"`
	NodesAll        int                 `json:"nodes_including_subgraphs"`
	OpTypes         map[string]int      `json:"op_types"`
	Unsupported     []shape.Unsupported `json:"unsupported"`
	Failures        []shape.Failure     `json:"failures"`
	Warnings        []string            `json:"warnings,omitempty"`
	Values          []valueJSON         `json:"values,omitempty"`
}

type valueJSON struct {
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"`
	DType  string `json:"dtype"`
	Shape  []any  `json:"shape"`
	Source string `json:"source,omitempty"`
}

func toValueJSON(v *shape.Value) valueJSON {
	vj := valueJSON{Name: v.Name, DType: v.DType.String(), Shape: shape.JSONShape(v), Source: v.Source}
	if v.Kind != onnx.KindTensor {
		vj.Kind = v.Kind.String()
		vj.DType = shape.TypeString(v)
	}
	if vj.Shape == nil && v.Kind == onnx.KindTensor {
		vj.Shape = nil
	}
	return vj
}

// opHistogram counts operators in every graph, qualified by domain when not ai.onnx.
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

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["inspect"]
	fs := newFlagSet(c, stderr)
	var mf modelFlags
	mf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	values := fs.Bool("values", false, "list every value")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("inspect takes one model file (got %d arguments)", len(pos))
	}
	file, res, err := openModel(pos[0], &mf)
	if err != nil {
		return err
	}
	defer file.Close()
	m := file.Graph
	ps := params.Count(res)
	out := inspectJSON{
		Path: pos[0], Producer: m.ProducerName, ProducerVersion: m.ProducerVersion,
		IRVersion: m.IRVersion, Opsets: map[string]int64{}, Params: ps.Params, ParamsAliased: ps.Aliases, ParamsDetail: ps,
		ParamBytes: ps.TotalBytes, ParamBytesBy: ps.Bytes, Nodes: len(m.Graph.Nodes),
		OpTypes: map[string]int{}, Unsupported: res.Unsupported, Failures: res.Failures, Warnings: res.Warnings,
		Inputs: []valueJSON{}, Outputs: []valueJSON{},
	}
	if out.Unsupported == nil {
		out.Unsupported = []shape.Unsupported{}
	}
	if out.Failures == nil {
		out.Failures = []shape.Failure{}
	}
	for d, v := range m.Opsets {
		if d == "" {
			d = "ai.onnx"
		}
		out.Opsets[d] = v
	}
	out.NodesAll = opHistogram(res.Graph, out.OpTypes)
	for _, v := range res.Graph.Inputs {
		out.Inputs = append(out.Inputs, toValueJSON(v))
	}
	for _, v := range res.Graph.Outputs {
		out.Outputs = append(out.Outputs, toValueJSON(v))
	}
	if *values {
		for _, nr := range res.Graph.Nodes {
			for _, v := range nr.Outputs {
				if v != nil {
					out.Values = append(out.Values, toValueJSON(v))
				}
			}
		}
	}
	if *asJSON {
		doc, err := withSource(out, file)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		printInspect(stdout, m, res, &out, ps)
		if file.Kind != modelfile.ONNX {
			fmt.Fprintln(stdout)
			file.WriteText(stdout)
		}
	}
	if len(res.Failures) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("shape inference failed at %d node(s); first: %s (%s): %s",
			len(res.Failures), res.Failures[0].Node, res.Failures[0].Op, firstLine(res.Failures[0].Err))}
	}
	return nil
}

// withSource adds the source and weights-check fields of a config, folder
// or GGUF input to the inspect document.
func withSource(out inspectJSON, file *modelfile.Model) (any, error) {
	if file.Kind == modelfile.ONNX {
		return out, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	addSourceJSON(doc, file)
	return doc, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func printInspect(w io.Writer, m *onnx.Model, res *shape.Result, out *inspectJSON, ps params.Stats) {
	fmt.Fprintf(w, "Model      %s\n", out.Path)
	prod := strings.TrimSpace(m.ProducerName + " " + m.ProducerVersion)
	if prod == "" {
		prod = "(not recorded)"
	}
	fmt.Fprintf(w, "Producer   %s\n", prod)
	var ops []string
	for d, v := range out.Opsets {
		ops = append(ops, fmt.Sprintf("%s %d", d, v))
	}
	sort.Strings(ops)
	fmt.Fprintf(w, "IR         %d; opsets %s\n", m.IRVersion, strings.Join(ops, ", "))
	fmt.Fprintf(w, "Size       %s on disk\n", units.Bytes(m.FileSize))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nInputs\t\t")
	for _, v := range res.Graph.Inputs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, shape.TypeString(v), v.Source)
	}
	fmt.Fprintln(tw, "Outputs\t\t")
	for _, v := range res.Graph.Outputs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, shape.TypeString(v), v.Source)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nNodes      %d", out.Nodes)
	if out.NodesAll != out.Nodes {
		fmt.Fprintf(w, " (%d including subgraphs)", out.NodesAll)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Params     %s (%d unique learnable: PyTorch's Σ numel)\n", units.Count(ps.Params), ps.Params)
	fmt.Fprintf(w, "Stored     %s (%d elements in %d tensors), %s\n", units.Count(ps.Stored), ps.Stored, ps.Tensors, units.Bytes(ps.TotalBytes))
	var dts []string
	for dt := range ps.Bytes {
		dts = append(dts, dt)
	}
	sort.Strings(dts)
	for _, dt := range dts {
		fmt.Fprintf(w, "           %-10s %s\n", dt, units.Bytes(ps.Bytes[dt]))
	}
	if ps.Constants > 0 {
		fmt.Fprintf(w, "Constants  %d elements (shape vectors, indices: not parameters)\n", ps.Constants)
	}
	printParamNotes(w, &ps)
	fmt.Fprintln(w, "\nOperators")
	type kv struct {
		k string
		n int
	}
	var hist []kv
	for k, n := range out.OpTypes {
		hist = append(hist, kv{k, n})
	}
	sort.Slice(hist, func(i, j int) bool {
		if hist[i].n != hist[j].n {
			return hist[i].n > hist[j].n
		}
		return hist[i].k < hist[j].k
	})
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, h := range hist {
		fmt.Fprintf(tw, "  %d\t %s\t\n", h.n, h.k)
	}
	tw.Flush()
	if len(res.Unsupported) > 0 {
		fmt.Fprintln(w, "\nUnsupported operators (no shape rule; outputs unknown unless the model declares them)")
		for _, u := range res.Unsupported {
			d := u.Domain
			if d == "" {
				d = "ai.onnx"
			}
			fmt.Fprintf(w, "  %s (%s) ×%d\n", u.OpType, d, u.Count)
		}
	}
	if len(res.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings")
		for _, m := range res.Warnings {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	if len(res.Failures) > 0 {
		fmt.Fprintln(w, "\nInference failures")
		for _, f := range res.Failures {
			fmt.Fprintf(w, "  %s (%s): %s\n", f.Node, f.Op, firstLine(f.Err))
		}
	}
	if len(out.Values) > 0 {
		fmt.Fprintln(w, "\nValues")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, v := range out.Values {
			fmt.Fprintf(tw, "  %s\t%s\t%v\t%s\n", v.Name, v.DType, v.Shape, v.Source)
		}
		tw.Flush()
	}
}

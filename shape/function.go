package shape

import (
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// expandFunction infers a call of a model-local function by inferring its
// body with the caller's inputs and attributes, as if the body were inlined.
func (e *engine) expandFunction(c *Ctx, f *onnx.Function) error {
	n := c.Node
	present := map[string]bool{}
	g := &onnx.Graph{Name: "function " + f.Name}
	var inputs []*Value
	for i, formal := range f.Inputs {
		if i < len(c.ins) && c.ins[i] != nil {
			present[formal] = true
			g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: formal})
			inputs = append(inputs, c.ins[i])
		}
	}
	defaults := map[string]*onnx.Attribute{}
	for _, a := range f.AttrProtos {
		defaults[a.Name] = a
	}
	for _, fn := range f.Nodes {
		g.Nodes = append(g.Nodes, bindNode(fn, n, defaults, present, f.Inputs))
	}
	for _, o := range f.Outputs {
		g.Outputs = append(g.Outputs, &onnx.ValueInfo{Name: o})
	}
	opsets := f.Opsets
	if len(opsets) == 0 {
		opsets = e.model.Opsets
	} else {
		merged := map[string]int64{}
		for k, v := range e.model.Opsets {
			merged[k] = v
		}
		for k, v := range opsets {
			merged[k] = v
		}
		opsets = merged
	}
	// A function body sees only its inputs, not the caller's scope.
	gr, err := e.graph(g, opsets, nil, inputs, false)
	if err != nil {
		return err
	}
	c.res.Subgraphs = append(c.res.Subgraphs, &Subgraph{Attr: "function", Graph: gr, Trips: sym.Const(1), Taken: 1})
	for i := range c.outs {
		if i < len(gr.Outputs) {
			out := gr.Outputs[i].Clone()
			c.outs[i] = out
		}
	}
	return nil
}

// bindNode copies a function-body node with attribute references replaced
// by the caller's attributes (or the function's defaults), and references to
// omitted optional inputs replaced by "".
func bindNode(fn, caller *onnx.Node, defaults map[string]*onnx.Attribute, present map[string]bool, formals []string) *onnx.Node {
	isFormal := map[string]bool{}
	for _, f := range formals {
		isFormal[f] = true
	}
	out := *fn
	out.Inputs = make([]string, len(fn.Inputs))
	for i, in := range fn.Inputs {
		if isFormal[in] && !present[in] {
			in = ""
		}
		out.Inputs[i] = in
	}
	out.Attrs = nil
	for _, a := range fn.Attrs {
		if a.RefAttrName == "" {
			if a.G != nil || len(a.Graphs) > 0 {
				// Bodies of control flow inside the function see the same
				// attribute references and omitted inputs.
				b := *a
				if a.G != nil {
					b.G = bindGraph(a.G, caller, defaults, present, formals)
				}
				if len(a.Graphs) > 0 {
					b.Graphs = make([]*onnx.Graph, len(a.Graphs))
					for i, g := range a.Graphs {
						b.Graphs[i] = bindGraph(g, caller, defaults, present, formals)
					}
				}
				out.Attrs = append(out.Attrs, &b)
				continue
			}
			out.Attrs = append(out.Attrs, a)
			continue
		}
		src := caller.Attr(a.RefAttrName)
		if src == nil {
			src = defaults[a.RefAttrName]
		}
		if src == nil {
			continue // optional attribute not given: the operator's default applies
		}
		b := *src
		b.Name = a.Name
		b.RefAttrName = ""
		out.Attrs = append(out.Attrs, &b)
	}
	return &out
}

// bindGraph copies a nested body with its nodes bound like bindNode.
func bindGraph(g *onnx.Graph, caller *onnx.Node, defaults map[string]*onnx.Attribute, present map[string]bool, formals []string) *onnx.Graph {
	out := *g
	out.Nodes = make([]*onnx.Node, len(g.Nodes))
	for i, n := range g.Nodes {
		out.Nodes[i] = bindNode(n, caller, defaults, present, formals)
	}
	return &out
}

package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/google/pprof/profile"
)

// pprofType names a count's unit as a pprof sample type.
func pprofType(unit string) string {
	return strings.ReplaceAll(strings.ToLower(unit), " ", "_")
}

// WritePprof writes the count as a profile.proto for go tool pprof: each
// node is a sample whose stack is its module scope (outermost first in the
// flame graph) ending in the node itself. The sample values are the count
// under the document's convention (the default sample type pprof opens
// on) and its MACs. The counts must be concrete.
func (d *FPODoc) WritePprof(w io.Writer) error {
	unit := pprofType(d.Totals.Unit)
	p := &profile.Profile{
		SampleType:        []*profile.ValueType{{Type: unit, Unit: "count"}},
		DefaultSampleType: unit,
		PeriodType:        &profile.ValueType{Type: unit, Unit: "count"},
		Period:            1,
	}
	withMACs := unit != "macs"
	if withMACs {
		p.SampleType = append(p.SampleType, &profile.ValueType{Type: "macs", Unit: "count"})
	}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	loc := func(name, file string) *profile.Location {
		key := name + "\x00" + file
		if l := locs[key]; l != nil {
			return l
		}
		f := funcs[key]
		if f == nil {
			f = &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: name, Filename: file}
			funcs[key] = f
			p.Function = append(p.Function, f)
		}
		l := &profile.Location{ID: uint64(len(locs) + 1), Line: []profile.Line{{Function: f}}}
		locs[key] = l
		p.Location = append(p.Location, l)
		return l
	}
	for _, n := range d.Nodes {
		fv, ok1 := n.FPO.IsConst()
		mv, ok2 := n.MACs.IsConst()
		if !ok1 || !ok2 {
			return fmt.Errorf("pprof needs concrete counts: bind the symbolic dims with --dim (node %s: %s %s)", n.Name, n.FPO.String(), d.Totals.Unit)
		}
		if fv == 0 && mv == 0 {
			continue
		}
		// pprof stacks are leaf first.
		name := n.Name
		if name == "" {
			name = n.OpType
		}
		stack := []*profile.Location{loc(n.OpType+" "+name, n.OpType)}
		path := ""
		var scopes []string
		for _, s := range n.Scope {
			path += "/" + s
			scopes = append(scopes, path)
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			stack = append(stack, loc(scopes[i], "scope"))
		}
		if n.Graph != "" {
			stack = append(stack, loc(n.Graph, "subgraph"))
		}
		vals := []int64{fv}
		if withMACs {
			vals = append(vals, mv)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: vals,
			Label: map[string][]string{"op_type": {n.OpType}}})
	}
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("building profile: %w", err)
	}
	return p.Write(w)
}

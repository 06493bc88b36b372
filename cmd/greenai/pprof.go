package main

import (
	"bytes"
	"fmt"

	"github.com/google/pprof/profile"

	"github.com/greenai/greenai/fpo"
)

// writePprof writes the FPO breakdown as a profile.proto: each node is a
// sample whose stack is its module scope (outermost first in the flame graph)
// ending in the node itself, with FPO and MACs as sample values.
func writePprof(path string, rep *fpo.Report) error {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "fpo", Unit: "count"}, {Type: "macs", Unit: "count"}},
		PeriodType: &profile.ValueType{Type: "fpo", Unit: "count"},
		Period:     1,
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
	for _, nc := range rep.Nodes {
		fv, ok1 := fpo.Eval(nc.FPO, nil)
		mv, ok2 := fpo.Eval(nc.MACs, nil)
		if !ok1 || !ok2 {
			return fmt.Errorf("--pprof needs concrete counts: bind the symbolic dims with --dim (node %s: %s FPO)", nc.Node.Node.Name, nc.FPO.String())
		}
		if fv == 0 && mv == 0 {
			continue
		}
		// pprof stacks are leaf first.
		var stack []*profile.Location
		name := nc.Node.Node.Name
		if name == "" {
			name = nc.Node.Node.OpType
		}
		stack = append(stack, loc(nc.Node.Node.OpType+" "+name, nc.Node.Node.OpType))
		path := ""
		var scopes []string
		for _, s := range nc.Scope {
			path += "/" + s
			scopes = append(scopes, path)
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			stack = append(stack, loc(scopes[i], "scope"))
		}
		if nc.Graph != "" {
			stack = append(stack, loc(nc.Graph, "subgraph"))
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: []int64{fv, mv},
			Label: map[string][]string{"op_type": {nc.Node.Node.OpType}}})
	}
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("building profile: %w", err)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		return err
	}
	return writeFile(path, buf.Bytes())
}

// Package onnxtest builds one-node models for operator tests.
package onnxtest

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// OneNode wraps n in a model whose graph inputs in0, in1, … carry the given
// values (bound by position; a nil value leaves that input omitted) and
// whose outputs are n's outputs (out0 when n lists none). It returns the
// model and the inference options that bind the values.
func OneNode(opsets map[string]int64, n *onnx.Node, inputs ...*shape.Value) (*onnx.Model, shape.Options) {
	g := &onnx.Graph{Name: "test"}
	opts := shape.Options{InputValues: map[string]*shape.Value{}}
	n.Inputs = make([]string, len(inputs))
	for i, v := range inputs {
		if v == nil {
			continue
		}
		name := fmt.Sprintf("in%d", i)
		n.Inputs[i] = name
		g.Inputs = append(g.Inputs, &onnx.ValueInfo{Name: name})
		opts.InputValues[name] = v
	}
	if len(n.Outputs) == 0 {
		n.Outputs = []string{"out0"}
	}
	for _, o := range n.Outputs {
		if o != "" {
			g.Outputs = append(g.Outputs, &onnx.ValueInfo{Name: o})
		}
	}
	g.Nodes = []*onnx.Node{n}
	return &onnx.Model{IRVersion: 8, Opsets: opsets, Graph: g}, opts
}

package fpo_test

import (
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// com.microsoft ExpandDims only inserts a dim of 1: a view, 0 FPO.
func TestExpandDimsRule(t *testing.T) {
	axis := typed(onnx.Int32)
	axis.Const = &shape.Const{Ints: []sym.Expr{sym.Const(1)}}
	runOpsCases(t, []opsCase{
		{name: "expand dims", opsets: msOpsets(), node: opNode("com.microsoft", "ExpandDims", nil), inputs: vals(f32(2, 3), axis), ops: "", kind: fpo.View},
	})
}

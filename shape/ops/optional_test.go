package ops

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func optionalOf(state shape.OptState, elem *shape.Value) *shape.Value {
	return &shape.Value{Kind: onnx.KindOptional, Rank: -1, Opt: state, Elem: elem}
}

func typeAttr(t *onnx.Type) *onnx.Attribute {
	return &onnx.Attribute{Name: "type", Type: onnx.AttrTypeProto, TP: t}
}

func TestOptional(t *testing.T) {
	// Present, keeping contents.
	outs, res := inferNode(t, 15, node("Optional"), constInts(4, 5))
	wantNoFailure(t, res)
	o := outs[0]
	if o.Kind != onnx.KindOptional || o.Opt != shape.OptPresent {
		t.Fatalf("got %s state %d, want a present optional", shape.TypeString(o), o.Opt)
	}
	wantShape(t, "element", o.Elem, "int64[2]")
	wantInts(t, "element", o.Elem, 4, 5)
	// A sequence inside.
	outs, _ = inferNode(t, 15, node("Optional"), seqOf(f32(1)))
	if e := outs[0].Elem; e == nil || e.Kind != onnx.KindSequence || !e.SeqKnown {
		t.Errorf("optional sequence: element %s", shape.TypeString(e))
	}
	// Empty, with the declared type.
	seqT := &onnx.Type{Kind: onnx.KindSequence, Inner: &onnx.Type{Kind: onnx.KindTensor, Elem: onnx.Float, Shape: &onnx.Shape{Dims: []onnx.Dim{{Value: 5, HasValue: true}}}}}
	outs, res = inferNode(t, 15, node("Optional", typeAttr(seqT)))
	wantNoFailure(t, res)
	if o := outs[0]; o.Opt != shape.OptEmpty || shape.TypeString(o) != "optional(seq(float32[5]))" {
		t.Errorf("empty: got %s state %d", shape.TypeString(o), o.Opt)
	}
	// Errors.
	_, res = inferNode(t, 15, node("Optional"))
	wantFailure(t, res, "needs the type attribute")
	_, res = inferNode(t, 15, node("Optional"), optionalOf(shape.OptPresent, f32(1)))
	wantFailure(t, res, "want a tensor or a sequence")
}

func TestOptionalHasElement(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opset int64
		in    *shape.Value
		omit  bool
		want  int64 // -1: unknown
		err   string
	}{
		{"present", 15, optionalOf(shape.OptPresent, f32(4)), false, 1, ""},
		{"empty", 15, optionalOf(shape.OptEmpty, f32(4)), false, 0, ""},
		{"unknown", 15, optionalOf(shape.OptUnknown, f32(4)), false, -1, ""},
		{"tensor", 18, f32(4), false, 1, ""},
		{"sequence", 18, seqOf(), false, 1, ""},
		{"tensor at 15 (loop-carried)", 15, f32(4), false, 1, ""},
		{"omitted at 18", 18, nil, true, 0, ""},
		{"omitted at 15", 15, nil, true, 0, "required input 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs []*shape.Value
			var res *shape.Result
			if tc.omit {
				outs, res = inferNode(t, tc.opset, node("OptionalHasElement"), nil)
			} else {
				outs, res = inferNode(t, tc.opset, node("OptionalHasElement"), tc.in)
			}
			if tc.err != "" {
				wantFailure(t, res, tc.err)
				return
			}
			wantNoFailure(t, res)
			wantShape(t, "output", outs[0], "bool[]")
			if tc.want < 0 {
				if outs[0].Const != nil {
					t.Errorf("contents %v, want unknown", outs[0].Const.Ints)
				}
				return
			}
			wantInts(t, "output", outs[0], tc.want)
		})
	}
}

func TestOptionalGetElement(t *testing.T) {
	outs, res := inferNode(t, 15, node("OptionalGetElement"), optionalOf(shape.OptPresent, constInts(3)))
	wantNoFailure(t, res)
	wantShape(t, "present", outs[0], "int64[1]")
	wantInts(t, "present", outs[0], 3)
	outs, res = inferNode(t, 15, node("OptionalGetElement"), optionalOf(shape.OptUnknown, f32(2, 2)))
	wantNoFailure(t, res)
	wantShape(t, "unknown state", outs[0], "float32[2, 2]")
	outs, res = inferNode(t, 18, node("OptionalGetElement"), seqOf(f32(1), f32(2)))
	wantNoFailure(t, res)
	if got := seqString(outs[0]); got != "[float32[1] float32[2]]" {
		t.Errorf("sequence passthrough: %s", got)
	}
	outs, res = inferNode(t, 18, node("OptionalGetElement"), f32(7))
	wantNoFailure(t, res)
	wantShape(t, "tensor passthrough", outs[0], "float32[7]")
	_, res = inferNode(t, 18, node("OptionalGetElement"), optionalOf(shape.OptEmpty, f32(1)))
	wantFailure(t, res, "empty optional")
}

package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Optionals: Kind KindOptional with Opt telling whether the value is present
// and Elem holding the (present or declared) element.

func init() {
	shape.Register(
		shape.Op{Type: "Optional", Since: 15, Infer: inferOptional},
		shape.Op{Type: "OptionalHasElement", Since: 15, Infer: inferOptionalHasElement},
		shape.Op{Type: "OptionalGetElement", Since: 15, Infer: inferOptionalGetElement},
	)
}

func inferOptional(c *shape.Ctx) error {
	if v := c.Input(0); v != nil {
		if v.Kind == onnx.KindOptional {
			return fmt.Errorf("input 0: %s, want a tensor or a sequence", shape.TypeString(v))
		}
		c.SetOutput(0, &shape.Value{Kind: onnx.KindOptional, Rank: -1, Opt: shape.OptPresent, Elem: v.Clone()})
		return nil
	}
	a := c.Attr("type")
	if a == nil || a.TP == nil {
		return fmt.Errorf("an empty Optional needs the type attribute")
	}
	c.SetOutput(0, &shape.Value{Kind: onnx.KindOptional, Rank: -1, Opt: shape.OptEmpty, Elem: shape.FromType(a.TP, nil)})
	return nil
}

// Opsets 15 to 17 take only optionals; 18 also tensors and sequences (which
// always hold a value) and an omitted input (which never does). Tensors and
// sequences are accepted at every opset.
func inferOptionalHasElement(c *shape.Ctx) error {
	out := shape.Tensor(onnx.Bool)
	v := c.Input(0)
	state := shape.OptEmpty
	switch {
	case v == nil:
		if c.Opset < 18 {
			return errMissing(0)
		}
	case v.Kind == onnx.KindOptional:
		state = v.Opt
	case v.Kind == onnx.KindUnknown:
		state = shape.OptUnknown
	default:
		// Opset 18 allows tensors and sequences; earlier ones receive them
		// too when a loop-carried optional becomes a plain value.
		state = shape.OptPresent
	}
	if state != shape.OptUnknown {
		b := int64(0)
		if state == shape.OptPresent {
			b = 1
		}
		out.Const = &shape.Const{Ints: []sym.Expr{sym.Const(b)}}
	}
	c.SetOutput(0, out)
	return nil
}

func inferOptionalGetElement(c *shape.Ctx) error {
	v := c.Input(0)
	if v == nil {
		return errMissing(0)
	}
	switch v.Kind {
	case onnx.KindOptional:
		if v.Opt == shape.OptEmpty {
			return fmt.Errorf("input 0 is an empty optional")
		}
		if v.Elem == nil {
			c.SetOutput(0, shape.Unknown())
			return nil
		}
		c.SetOutput(0, v.Elem.Clone())
	case onnx.KindUnknown:
		c.SetOutput(0, shape.Unknown())
	default:
		c.SetOutput(0, v.Clone())
	}
	return nil
}

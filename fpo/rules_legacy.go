package fpo

import (
	"fmt"

	"github.com/greenai/greenai/sym"
)

// The experimental operators ONNX removed at opset 10, as old exports and
// ONNX Runtime still run them.

func init() {
	Register("", perElementRule(ops(Mul, 1, Add, 1)), "Affine")                             // α·x + β
	Register("", perElementRule(ops(Mul, 2, Tanh, 1)), "ScaledTanh")                        // α·tanh(β·x)
	Register("", perElementRule(ops(Mul, 2, Exp, 1, Add, 1, Log, 1)), "ParametricSoftplus") // α·log(1 + e^{β·x})
	Register("", perElementRule(ops(Mul, 1)), "Scale")                                      // scale·x
	Register("", perElementRule(ops(Mul, 1, Add, 1)), "ImageScaler")                        // scale·x + bias[c]
	Register("", movementRule, "Crop", "DynamicSlice", "ConstantFill", "GivenTensorFill")
	Register("", gruUnitRule, "GRUUnit")
	Register("", fcRule, "FC")
}

// gruUnitRule: Caffe2's GRUUnit takes the gate pre-activations already
// computed: per hidden unit u = σ(update) (sigmoid), o = tanh(output),
// h = h_prev·u + o·(1 − u) (2 MUL, 2 ADD), and a select keeping h_prev past
// the sequence length (1 CMP); no matrix product.
func gruUnitRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	per := perElement["Sigmoid"].Add(perElement["Tanh"]).Add(ops(Mul, 2, Add, 2, Cmp, 1))
	return Cost{Ops: per.Scale(e)}, nil
}

// fcRule: Caffe2's FC, Y = X·Wᵀ + b with X flattened to (M, K) at axis:
// M·N·K MACs and M·N bias ADDs.
func fcRule(n *Node) (Cost, error) {
	x, err := n.Shape(n.In(0))
	if err != nil {
		return Cost{}, err
	}
	axis := n.AttrInt("axis", 1)
	if axis < 0 {
		axis += int64(len(x))
	}
	if axis < 0 || axis > int64(len(x)) {
		return Cost{}, fmt.Errorf("axis %d out of range for rank %d", axis, len(x))
	}
	k := sym.Product(x[axis:]...)
	out, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	macs := out.Mul(k)
	o := macOps(macs)
	if n.has(2) {
		o[Add] = o[Add].Add(out)
	}
	return Cost{Ops: o, MACs: macs}, nil
}

// Package params counts the parameters of an inferred ONNX graph: weights, constants and their bytes by type.
package params

import (
	"sort"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// Stats summarizes the stored tensors of a model.
type Stats struct {
	// Params is the number of parameter elements: floating-point tensors, and
	// quantized integer weights, stored as initializers or produced by
	// Constant/ConstantOfShape nodes that do not depend on graph inputs. Each
	// tensor counts once however many nodes use it.
	Params int64 `json:"params"`
	// Constants counts the elements of other stored tensors (shape vectors,
	// indices, axes): data, not weights.
	Constants int64 `json:"constants"`
	// Bytes is the storage of parameters by element type.
	Bytes map[string]int64 `json:"param_bytes_by_dtype"`
	// TotalBytes is the sum of Bytes.
	TotalBytes int64 `json:"param_bytes"`
	// Tensors is the number of parameter tensors.
	Tensors int `json:"param_tensors"`
	// Sparse counts parameters stored sparsely (their stored values).
	Sparse int64 `json:"sparse_values,omitempty"`
	// FromNodes counts parameters produced by Constant/ConstantOfShape nodes
	// (as in models whose weights were replaced by ConstantOfShape).
	FromNodes int64 `json:"from_constant_nodes,omitempty"`
	// Aliases counts the elements of parameters read through Identity nodes
	// as tensors of their own. Exporters store equal tensors once and alias
	// them: the layers of an untrained nn.TransformerEncoder are copies of
	// one layer, so BERT's 12 layers are stored once. Params+Aliases is then
	// the count the training framework reports; Params is what the file stores.
	Aliases int64 `json:"aliased,omitempty"`
	// Weights lists each parameter tensor.
	Weights []Weight `json:"-"`
}

// Weight is one parameter tensor.
type Weight struct {
	Name     string
	DType    onnx.DataType
	Elements int64
	Bytes    int64
}

// quantWeightOps take integer tensors that are weights (quantized models).
var quantWeightOps = map[string]bool{
	"DequantizeLinear": true, "QLinearConv": true, "QLinearMatMul": true, "ConvInteger": true,
	"MatMulInteger": true, "MatMulNBits": true, "DynamicQuantizeMatMul": true, "QAttention": true,
	"GatherBlockQuantized": true, "QLinearAdd": true, "QLinearMul": true,
}

// Count computes parameter statistics over every graph of the result.
func Count(res *shape.Result) Stats {
	st := Stats{Bytes: map[string]int64{}}
	seen := map[*shape.Value]bool{}
	weight := map[*shape.Value]bool{} // parameters and their Identity aliases
	var visit func(g *shape.GraphResult)
	visit = func(g *shape.GraphResult) {
		quantUse := map[string]bool{}
		for _, n := range g.Nodes {
			if quantWeightOps[n.Node.OpType] {
				for _, in := range n.Node.Inputs {
					quantUse[in] = true
				}
			}
		}
		for _, v := range g.Initializers {
			if add(&st, v, seen, quantUse[v.Name], false) {
				weight[v] = true
			}
		}
		for _, n := range g.Nodes {
			if (n.Node.OpType == "Constant" || n.Node.OpType == "ConstantOfShape") && n.Node.Domain == "" && len(n.Outputs) > 0 && n.Outputs[0] != nil {
				if n.Node.OpType == "ConstantOfShape" && !constInput(n) {
					continue
				}
				if e, ok := n.Outputs[0].NumElements(); ok {
					if c, ok := e.IsConst(); ok && c <= 1 {
						// A scalar (a scale, an epsilon, a fill value) is a constant.
						if !seen[n.Outputs[0]] {
							seen[n.Outputs[0]] = true
							st.Constants += c
						}
						continue
					}
				}
				add(&st, n.Outputs[0], seen, quantUse[n.Node.Outputs[0]], true)
			}
			if n.Node.OpType == "Identity" && len(n.Inputs) == 1 && len(n.Outputs) == 1 && n.Outputs[0] != nil && weight[n.Inputs[0]] {
				weight[n.Outputs[0]] = true
				if e, ok := n.Outputs[0].NumElements(); ok {
					if c, ok := e.IsConst(); ok {
						st.Aliases += c
					}
				}
			}
			for _, sg := range n.Subgraphs {
				visit(sg.Graph)
			}
		}
	}
	visit(res.Graph)
	sort.Slice(st.Weights, func(i, j int) bool { return st.Weights[i].Elements > st.Weights[j].Elements })
	return st
}

func constInput(n *shape.NodeResult) bool {
	return len(n.Inputs) > 0 && n.Inputs[0] != nil && (n.Inputs[0].Const != nil || n.Inputs[0].Init != nil)
}

// add counts v and reports whether it is a parameter.
func add(st *Stats, v *shape.Value, seen map[*shape.Value]bool, quant, fromNode bool) bool {
	if v == nil || seen[v] || !v.IsTensor() && v.Kind != onnx.KindSparseTensor {
		return false
	}
	seen[v] = true
	dims, ok := v.Dims()
	if !ok {
		return false
	}
	n, err := onnx.NumElements(dims)
	if err != nil {
		return false
	}
	isParam := v.DType.IsFloat() || quant && (v.DType.IsInteger())
	if !isParam {
		st.Constants += n
		return false
	}
	stored := n
	if v.Sparse != nil && v.Sparse.Values != nil {
		if sn, err := v.Sparse.Values.NumElements(); err == nil {
			stored = sn
			st.Sparse += sn
		}
	}
	bytes := (stored*int64(v.DType.Bits()) + 7) / 8
	st.Params += stored
	st.Tensors++
	st.Bytes[v.DType.String()] += bytes
	st.TotalBytes += bytes
	if fromNode {
		st.FromNodes += stored
	}
	st.Weights = append(st.Weights, Weight{Name: v.Name, DType: v.DType, Elements: stored, Bytes: bytes})
	return true
}

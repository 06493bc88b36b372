// Package params counts the parameters of an inferred ONNX graph: the unique learnable parameters a training framework reports, and the stored tensors and their bytes by type.
package params

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// Stats summarizes the parameters and stored tensors of a model.
type Stats struct {
	// Params is the headline: the unique learnable parameters, the number a
	// PyTorch user compares with (Σ p.numel() over model.parameters(), tied
	// weights once). It is Stored + Aliases − DuplicateElements. Where the
	// weights' bytes cannot be read, stored tensors that may be copies of
	// others (Unchecked) are still counted: the figure is then an upper bound,
	// as UncheckedReason says.
	Params int64 `json:"params"`
	// Stored is the number of parameter elements the file stores: floating-
	// point tensors, and quantized integer weights, stored as initializers
	// or produced by Constant/ConstantOfShape nodes that do not depend on
	// the graph's inputs. Each stored tensor counts once however many nodes
	// read it.
	Stored int64 `json:"stored_params"`
	// Constants counts the elements of other stored tensors (shape vectors,
	// indices, axes, scalars): data, not weights.
	Constants int64 `json:"constants"`
	// Buffers counts the float elements read only as BatchNormalization's
	// running mean and variance: state, not learned parameters (PyTorch
	// keeps them as buffers and does not count them).
	Buffers int64 `json:"buffers,omitempty"`
	// InputDependent counts the float elements of ConstantOfShape outputs
	// whose shape is computed from the graph's inputs (causal masks sized by
	// the sequence length): they are not parameters and are not counted.
	InputDependent int64 `json:"input_dependent_elements,omitempty"`
	// Bytes is the storage of the stored parameters by element type.
	Bytes map[string]int64 `json:"param_bytes_by_dtype"`
	// TotalBytes is the sum of Bytes.
	TotalBytes int64 `json:"param_bytes"`
	// Tensors is the number of stored parameter tensors.
	Tensors int `json:"param_tensors"`
	// Sparse counts parameters stored sparsely (their stored values).
	Sparse int64 `json:"sparse_values,omitempty"`
	// FromNodes counts parameters produced by Constant/ConstantOfShape nodes
	// (as in models whose weights were replaced by ConstantOfShape).
	FromNodes int64 `json:"from_constant_nodes,omitempty"`
	// Aliases counts the elements of parameters read through Identity nodes
	// as tensors of their own. Exporters store equal tensors once and alias
	// them: the layers of an untrained nn.TransformerEncoder are copies of
	// one layer, so BERT's 12 layers are stored once, while PyTorch counts
	// 12 sets of parameters.
	Aliases int64 `json:"aliased,omitempty"`
	// Duplicates are stored tensors whose values equal another stored
	// tensor's, or its transpose's (found by a content hash of the values):
	// one weight stored twice, as when an exporter folds the transposed
	// token embedding of a tied output projection into a second
	// initializer. They are counted once in Params.
	Duplicates        []Duplicate `json:"duplicates,omitempty"`
	DuplicateElements int64       `json:"duplicate_elements,omitempty"`
	// Unchecked are stored tensors that may duplicate another (same element
	// type, same or transposed shape) but whose values could not be read to
	// check (structure-only files, missing external data). They are counted
	// in Params; UncheckedElements is what Params would lose if all were
	// copies.
	//
	// Only pairs where one tensor is an embedding table (read by Gather) are
	// listed: that is how tied input and output embeddings are exported.
	// Other tensors with the shape of another (the layers of a stack, the
	// two matrices of a feed-forward block) are only counted, in
	// OtherUnchecked and OtherUncheckedElements.
	Unchecked              []Duplicate `json:"unchecked_duplicates,omitempty"`
	UncheckedElements      int64       `json:"unchecked_elements,omitempty"`
	OtherUnchecked         int         `json:"other_unchecked_tensors,omitempty"`
	OtherUncheckedElements int64       `json:"other_unchecked_elements,omitempty"`
	UncheckedReason        string      `json:"unchecked_reason,omitempty"`
	// FoldedConvs counts Conv nodes whose weight and bias are both unnamed
	// initializers (onnx::Conv_…), which is how torch.onnx.export writes a
	// BatchNorm folded into the preceding convolution (constant folding, the
	// default): PyTorch's model has the BatchNorm's γ and β, two parameters
	// per channel, where the file stores one bias. FoldedChannels sums those
	// biases' elements: PyTorch's count is Params + FoldedChannels if every
	// one was folded and nothing else was (not densenet121, maxvit_t). A
	// heuristic, stated as one; Params is not changed.
	FoldedConvs    int   `json:"possibly_folded_batchnorm_convs,omitempty"`
	FoldedChannels int64 `json:"possibly_folded_batchnorm_channels,omitempty"`
	// Weights lists each stored parameter tensor, largest first.
	Weights []Weight `json:"-"`
}

// Weight is one stored parameter tensor.
type Weight struct {
	Name     string
	DType    onnx.DataType
	Elements int64
	Bytes    int64
	Value    *shape.Value
}

// Duplicate is a stored tensor that holds (or, unchecked, may hold) the
// same values as another, Of, or its transpose.
type Duplicate struct {
	Name       string  `json:"name"`
	Of         string  `json:"of"`
	Dims       []int64 `json:"dims"`
	Transposed bool    `json:"transposed,omitempty"`
	Elements   int64   `json:"elements"`
	// Value and OfValue are the two values in the inferred graph.
	Value, OfValue *shape.Value `json:"-"`
}

// ParamsIfCopies is Params less the listed unchecked tensors: the count if
// every one of them is a copy of the tensor it may duplicate.
func (s *Stats) ParamsIfCopies() int64 { return s.Params - s.UncheckedElements }

// quantWeightOps take integer tensors that are weights (quantized models).
var quantWeightOps = map[string]bool{
	"DequantizeLinear": true, "QLinearConv": true, "QLinearMatMul": true, "ConvInteger": true,
	"MatMulInteger": true, "MatMulNBits": true, "DynamicQuantizeMatMul": true, "QAttention": true,
	"GatherBlockQuantized": true, "QLinearAdd": true, "QLinearMul": true,
}

// Count computes parameter statistics over every graph of the result. It
// reads the values of stored tensors only to look for duplicates: a few
// sampled elements of each tensor that has a same-shaped (or transposed)
// partner of the same type, and the whole tensor when the samples match.
func Count(res *shape.Result) Stats {
	st := Stats{Bytes: map[string]int64{}}
	// A graph built from a config has no copies to look for: the candidate
	// list and the embedding tables are not needed (on DeepSeek-V3's
	// 45,395 tensors they are most of what counting parameters allocates).
	unique := uniqueByConstruction(res.Model)
	seen := map[*shape.Value]bool{}
	weight := map[*shape.Value]bool{} // parameters and their Identity aliases
	dep := map[*shape.Value]bool{}    // values computed from graph inputs
	var stored []Weight               // initializer parameters: duplicate candidates
	tables := map[*shape.Value]bool{} // embedding tables (Gather's data)
	var visit func(g *shape.GraphResult)
	visit = func(g *shape.GraphResult) {
		for _, v := range g.Inputs {
			dep[v] = true
		}
		quantUse := map[string]bool{}
		buffer := map[*shape.Value]bool{} // BatchNormalization's running statistics
		other := map[*shape.Value]bool{}  // read elsewhere (looked at only for buffers)
		for _, n := range g.Nodes {
			if quantWeightOps[n.Node.OpType] {
				for _, in := range n.Node.Inputs {
					quantUse[in] = true
				}
			}
			if n.Node.OpType == "BatchNormalization" && n.Node.Domain == "" {
				for i := 3; i < len(n.Inputs) && i <= 4; i++ {
					buffer[n.Inputs[i]] = true
				}
			}
		}
		if len(buffer) > 0 {
			for _, n := range g.Nodes {
				for i, in := range n.Inputs {
					if n.Node.OpType != "BatchNormalization" || n.Node.Domain != "" || i != 3 && i != 4 {
						other[in] = true
					}
				}
			}
		}
		for _, v := range g.Initializers {
			if buffer[v] && !other[v] && v.DType.IsFloat() && !seen[v] {
				seen[v] = true
				if e, ok := v.NumElements(); ok {
					if c, ok := e.IsConst(); ok {
						st.Buffers += c
					}
				}
				continue
			}
			if add(&st, v, seen, quantUse[v.Name], false) {
				weight[v] = true
				if !unique {
					stored = append(stored, st.Weights[len(st.Weights)-1])
				}
			}
		}
		for _, n := range g.Nodes {
			if !unique && n.Node.OpType == "Gather" && n.Node.Domain == "" && len(n.Inputs) > 0 && n.Inputs[0] != nil {
				tables[n.Inputs[0]] = true
			}
			for _, in := range n.Inputs {
				if in != nil && dep[in] {
					for _, o := range n.Outputs {
						if o != nil {
							dep[o] = true
						}
					}
					break
				}
			}
			if (n.Node.OpType == "Constant" || n.Node.OpType == "ConstantOfShape") && n.Node.Domain == "" && len(n.Outputs) > 0 && n.Outputs[0] != nil {
				if n.Node.OpType == "ConstantOfShape" {
					if !constInput(n) {
						continue
					}
					if dep[n.Outputs[0]] {
						// Sized by the input (a mask over the sequence): not a parameter.
						if e, ok := n.Outputs[0].NumElements(); ok && n.Outputs[0].DType.IsFloat() && !seen[n.Outputs[0]] {
							if c, ok := e.IsConst(); ok {
								seen[n.Outputs[0]] = true
								st.InputDependent += c
							}
						}
						continue
					}
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
			if n.Node.OpType == "Conv" && n.Node.Domain == "" && len(n.Node.Inputs) == 3 && len(n.Inputs) == 3 &&
				weight[n.Inputs[1]] && weight[n.Inputs[2]] &&
				strings.HasPrefix(n.Node.Inputs[1], "onnx::") && strings.HasPrefix(n.Node.Inputs[2], "onnx::") && n.Inputs[2] != nil {
				if e, ok := n.Inputs[2].NumElements(); ok {
					if c, ok := e.IsConst(); ok {
						st.FoldedConvs++
						st.FoldedChannels += c
					}
				}
			}
			for _, sg := range n.Subgraphs {
				visit(sg.Graph)
			}
		}
	}
	visit(res.Graph)
	if !unique {
		findDuplicates(&st, stored, tables)
	}
	st.Params = st.Stored + st.Aliases - st.DuplicateElements
	sort.SliceStable(st.Weights, func(i, j int) bool { return st.Weights[i].Elements > st.Weights[j].Elements })
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
	st.Stored += stored
	st.Tensors++
	st.Bytes[v.DType.String()] += bytes
	st.TotalBytes += bytes
	if fromNode {
		st.FromNodes += stored
	}
	st.Weights = append(st.Weights, Weight{Name: v.Name, DType: v.DType, Elements: stored, Bytes: bytes, Value: v})
	return true
}

// samples is how many elements of each candidate are compared before its
// whole contents are hashed.
const samples = 16

// candidate is a stored tensor in one orientation: as stored, or (for a
// matrix) transposed, with the dims of that orientation.
type candidate struct {
	w          Weight
	dims       []int64 // dims in this orientation
	transposed bool
}

// findDuplicates finds the stored tensors whose values equal another's or
// its transpose's. Two tensors can only be copies when they have the same
// element type and the same dims in some orientation; such tensors are
// compared by a few sampled elements, then by a SHA-256 hash of all their
// values. A tensor whose elements are all equal (the zero biases and unit
// scales of an untrained model) is never taken for a copy: equal values say
// nothing about shared weights there.
// UniqueKey is model metadata saying that no initializer can be a copy of
// another: the graph was built (from a config), with each shared weight
// one tensor, so there are no copies to look for and no values to compare.
const UniqueKey = "greenai.params.unique"

func uniqueByConstruction(m *onnx.Model) bool {
	if m == nil {
		return false
	}
	for _, kv := range m.Metadata {
		if kv.Key == UniqueKey {
			return true
		}
	}
	return false
}

func findDuplicates(st *Stats, stored []Weight, tables map[*shape.Value]bool) {
	type shapeKey struct {
		dt   onnx.DataType
		dims string
	}
	groups := map[shapeKey][]candidate{}
	var keys []shapeKey
	addCand := func(c candidate) {
		k := shapeKey{c.w.DType, fmt.Sprint(c.dims)}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	for _, w := range stored {
		if w.Value == nil || w.Value.Init == nil || w.Value.Sparse != nil || w.Elements < 2 {
			continue
		}
		dims, ok := w.Value.Dims()
		if !ok {
			continue
		}
		addCand(candidate{w: w, dims: dims})
		if len(dims) == 2 && dims[0] != dims[1] {
			addCand(candidate{w: w, dims: []int64{dims[1], dims[0]}, transposed: true})
		}
	}
	// Each tensor is a duplicate at most once; the first stored is the original.
	dupOf := map[*shape.Value]bool{}
	unchecked := map[*shape.Value]bool{}
	var reason string
	for _, k := range keys {
		g := groups[k]
		if len(g) < 2 || !hasStored(g) {
			continue
		}
		// Sample, then hash, the readable ones; list the unreadable ones.
		type hashed struct {
			c candidate
			h [32]byte
		}
		bySample := map[string][]candidate{}
		var order []string
		var unread []candidate
		for _, c := range g {
			s, err := sample(c)
			if err != nil {
				unread = append(unread, c)
				if reason == "" {
					reason = err.Error()
				}
				continue
			}
			if _, ok := bySample[s]; !ok {
				order = append(order, s)
			}
			bySample[s] = append(bySample[s], c)
		}
		for _, s := range order {
			cs := bySample[s]
			if len(cs) < 2 || !hasStored(cs) {
				continue
			}
			first := map[[32]byte]candidate{}
			var hs []hashed
			for _, c := range cs {
				h, constant, err := contentHash(c)
				if err != nil {
					unread = append(unread, c)
					if reason == "" {
						reason = err.Error()
					}
					continue
				}
				if !constant {
					hs = append(hs, hashed{c, h})
				}
			}
			// Originals are the tensors as stored; a transposed view only
			// matches one.
			for _, x := range hs {
				if !x.c.transposed {
					if _, ok := first[x.h]; !ok {
						first[x.h] = x.c
					}
				}
			}
			for _, x := range hs {
				o, ok := first[x.h]
				if !ok || o.w.Value == x.c.w.Value || dupOf[x.c.w.Value] || dupOf[o.w.Value] {
					continue
				}
				dupOf[x.c.w.Value] = true
				dims, _ := x.c.w.Value.Dims()
				st.Duplicates = append(st.Duplicates, Duplicate{Name: x.c.w.Name, Of: o.w.Name, Dims: dims, Transposed: x.c.transposed,
					Elements: x.c.w.Elements, Value: x.c.w.Value, OfValue: o.w.Value})
				st.DuplicateElements += x.c.w.Elements
			}
		}
		// A tensor that could not be read may duplicate another of the
		// group: in a group of same-shaped tensors the first stored is taken
		// for the original; a transposed view may be a copy of any.
		orig := firstStored(g)
		for _, u := range unread {
			if unchecked[u.w.Value] || dupOf[u.w.Value] || !u.transposed && u.w.Value == orig.w.Value {
				continue
			}
			var partner *candidate
			for i := range g {
				if p := g[i]; !p.transposed && p.w.Value != u.w.Value && !dupOf[p.w.Value] && !unchecked[p.w.Value] {
					partner = &g[i]
					break
				}
			}
			if partner == nil {
				continue
			}
			unchecked[u.w.Value] = true
			if !tables[u.w.Value] && !tables[partner.w.Value] {
				st.OtherUnchecked++
				st.OtherUncheckedElements += u.w.Elements
				continue
			}
			dims, _ := u.w.Value.Dims()
			st.Unchecked = append(st.Unchecked, Duplicate{Name: u.w.Name, Of: partner.w.Name, Dims: dims, Transposed: u.transposed,
				Elements: u.w.Elements, Value: u.w.Value, OfValue: partner.w.Value})
			st.UncheckedElements += u.w.Elements
		}
	}
	if len(st.Unchecked) > 0 || st.OtherUnchecked > 0 {
		st.UncheckedReason = "the values cannot be read (" + reason + ")"
	}
	sort.SliceStable(st.Unchecked, func(i, j int) bool { return st.Unchecked[i].Elements > st.Unchecked[j].Elements })
}

// hasStored reports whether a group holds a tensor in its stored orientation.
func hasStored(g []candidate) bool {
	for _, c := range g {
		if !c.transposed {
			return true
		}
	}
	return false
}

func firstStored(g []candidate) candidate {
	for _, c := range g {
		if !c.transposed {
			return c
		}
	}
	return g[0]
}

// flat returns the flat index, in the stored tensor, of element k of the
// candidate's orientation (row-major over c.dims).
func (c candidate) flat(k int64) int64 {
	if !c.transposed {
		return k
	}
	rows, cols := c.dims[0], c.dims[1] // the transposed view is [rows, cols] = stored [cols, rows]
	i, j := k/cols, k%cols
	return j*rows + i
}

// sample reads a few elements spread over the candidate's orientation.
func sample(c candidate) (string, error) {
	n := c.w.Elements
	m := int64(samples)
	if n < m {
		m = n
	}
	idx := make([]int64, m)
	for k := range idx {
		// Spread over the tensor, including the first and last element.
		p := int64(0)
		if m > 1 {
			p = int64(k) * (n - 1) / (m - 1)
		}
		idx[k] = c.flat(p)
	}
	if !c.w.Value.Init.HasData() {
		return "", fmt.Errorf("%q has no stored values (a structure-only file)", c.w.Name)
	}
	vals, err := c.w.Value.Init.Float64sAt(idx)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, 8*len(vals))
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return string(b), nil
}

// contentHash hashes every value of the candidate in its orientation and
// reports whether all its elements are equal.
func contentHash(c candidate) (h [32]byte, constant bool, err error) {
	vals, err := c.w.Value.Init.Float64s()
	if err != nil {
		return h, false, err
	}
	hs := sha256.New()
	buf := make([]byte, 0, 8<<10)
	constant = true
	for k := int64(0); k < int64(len(vals)); k++ {
		v := vals[c.flat(k)]
		if math.Float64bits(v) != math.Float64bits(vals[0]) {
			constant = false
		}
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		if len(buf) == cap(buf) {
			hs.Write(buf)
			buf = buf[:0]
		}
	}
	hs.Write(buf)
	copy(h[:], hs.Sum(nil))
	return h, constant, nil
}

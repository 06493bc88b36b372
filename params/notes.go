package params

import (
	"fmt"
	"strings"
)

// Notes explains, in sentences, how the headline Params relates to what the
// file stores: aliases counted, copies counted once, possible copies not
// checked, tensors that are not parameters. Empty when Params = Stored and
// nothing was left unchecked.
func (s *Stats) Notes() []string {
	var out []string
	if s.Aliases > 0 {
		out = append(out, fmt.Sprintf("%d elements read through Identity aliases of stored tensors are parameters of their own: the exporter stored equal tensors once.", s.Aliases))
	}
	for i, d := range s.Duplicates {
		if i == 3 {
			out = append(out, fmt.Sprintf("%d more copies (%d elements in all counted once).", len(s.Duplicates)-3, s.DuplicateElements))
			break
		}
		how := "a copy"
		if d.Transposed {
			how = "a transposed copy"
		}
		out = append(out, fmt.Sprintf("%s %s is %s of %s (same values): %d elements counted once.", d.Name, dimsString(d.Dims), how, d.Of, d.Elements))
	}
	for i, d := range s.Unchecked {
		if i == 3 {
			out = append(out, fmt.Sprintf("%d more tensors may be copies of embedding tables.", len(s.Unchecked)-3))
			break
		}
		how := "a copy"
		if d.Transposed {
			how = "a transposed copy"
		}
		out = append(out, fmt.Sprintf("%s %s may be %s of %s (tied weights); not checked, so counted: %d if it is.", d.Name, dimsString(d.Dims), how, d.Of, s.Params-d.Elements))
	}
	if s.OtherUnchecked > 0 {
		out = append(out, fmt.Sprintf("%d other tensors (%d elements) have the type and shape of another and were not checked for copies.", s.OtherUnchecked, s.OtherUncheckedElements))
	}
	if s.UncheckedReason != "" {
		out = append(out, "Not checked: "+s.UncheckedReason+".")
	}
	if s.InputDependent > 0 {
		out = append(out, fmt.Sprintf("%d float elements computed from the input's shape (masks) are not parameters.", s.InputDependent))
	}
	if s.FoldedConvs > 0 {
		// A guess from the names, and only this fold: a model that also
		// folded something else (densenet121's BatchNorms before a ReLU,
		// maxvit_t's relative-position tables) differs from PyTorch by more,
		// so the total is qualified.
		out = append(out, fmt.Sprintf("%d Conv nodes have unnamed weight and bias (onnx::Conv_…), as torch.onnx.export writes a BatchNorm folded into its convolution. A guess from the names: if so, PyTorch has γ and β (2 per channel) where the file has 1 bias, %d parameters more: %d in all if nothing else was folded.", s.FoldedConvs, s.FoldedChannels, s.Params+s.FoldedChannels))
	}
	if s.Buffers > 0 {
		out = append(out, fmt.Sprintf("%d BatchNormalization running statistics are buffers, not parameters.", s.Buffers))
	}
	return out
}

func dimsString(dims []int64) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, "×") + "]"
}

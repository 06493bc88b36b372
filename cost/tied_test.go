package cost

import (
	"strings"
	"testing"
)

// A decoder whose output projection is its token embedding, exported with
// the transposed embedding folded into a second initializer (weights
// included): PyTorch counts 172,288 trainable parameters, not the 236,288
// stored elements. Without the weights (GPT-2's structure-only export) the
// tie cannot be checked: the count says so and gives the tied figure.
func TestTiedTrainableParams(t *testing.T) {
	spec := func(model string) *Spec {
		return &Spec{Model: model, Dims: map[string]int64{"sequence": 16},
			Train: TrainSpec{Examples: 1000, Epochs: 1, BatchSize: 8, Optimizer: "adamw"}}
	}
	pt := mustCompute(t, spec("../testdata/params/tied_decoder.onnx"))
	if pt.Train.TrainableParams != 172288 || len(pt.Train.Tied) != 1 {
		t.Errorf("tied decoder: trainable %d (tied %v), PyTorch 172,288", pt.Train.TrainableParams, pt.Train.Tied)
	}
	if !strings.Contains(strings.Join(pt.Explanation, "\n"), "Tied weights") {
		t.Errorf("the explanation does not mention the tied weights:\n%s", strings.Join(pt.Explanation, "\n"))
	}
	gpt := mustCompute(t, spec("../testdata/models/gpt2_small.onnx"))
	tr := gpt.Train
	if tr.TrainableParams != 163037184 || tr.TrainableParams-tr.UncheckedTiedParams != 124439808 || len(tr.UncheckedTied) != 1 {
		t.Errorf("GPT-2: trainable %d, %d if tied (%v); want 163,037,184 stored, 124,439,808 (PyTorch) if tied", tr.TrainableParams, tr.TrainableParams-tr.UncheckedTiedParams, tr.UncheckedTied)
	}
	if !strings.Contains(strings.Join(gpt.Explanation, "\n"), "124439808 trainable parameters") {
		t.Errorf("the explanation does not give the tied count:\n%s", strings.Join(gpt.Explanation, "\n"))
	}
}

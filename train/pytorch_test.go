package train

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// pytorchStep is PyTorch's dispatch-level count of one training step,
// recorded by testdata/train/make_reference.py: the multiply-accumulates of
// the matrix products and convolutions (aten.mm, addmm, bmm, baddbmm,
// convolution, convolution_backward) dispatched in the forward pass and in
// backward, and the parameter count (Σ numel).
type pytorchStep struct {
	InputShape   []int64 `json:"input_shape"`
	Params       int64   `json:"params"`
	ForwardMACs  int64   `json:"forward_macs"`
	BackwardMACs int64   `json:"backward_macs"`
}

// TestPyTorchTrainingStep compares the forward and backward MACs of one
// training step with PyTorch's for four recurrent models: the LSTM tagger
// and GRU language model of testdata/models, an LSTM classifier and a 1-D
// convolution + GRU audio model (exported by the same script). Backward
// takes no gradient with respect to the constant initial hidden state, so
// the recurrent product Rᵀ·dgates is skipped at each sequence's first step
// (4·h² MACs per LSTM layer, direction and batch item; 3·h² per GRU), as
// PyTorch's autograd skips it. Elementwise work is not compared: PyTorch's
// count has none.
func TestPyTorchTrainingStep(t *testing.T) {
	raw, err := os.ReadFile("../testdata/train/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Models map[string]pytorchStep `json:"models"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{
		"lstm_tagger":     "../testdata/models/lstm_tagger.onnx",
		"gru_lm":          "../testdata/models/gru_lm.onnx",
		"lstm_classifier": "../testdata/train/lstm_classifier.onnx",
		"conv_gru_audio":  "../testdata/train/conv_gru_audio.onnx",
	}
	if len(ref.Models) != len(paths) {
		t.Fatalf("reference.json has %d models, want %d", len(ref.Models), len(paths))
	}
	for name, path := range paths {
		want, ok := ref.Models[name]
		if !ok {
			t.Fatalf("reference.json has no %s", name)
		}
		t.Run(name, func(t *testing.T) {
			m, err := onnx.Open(filepath.FromSlash(path))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			res, err := shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{"input": shape.Dims(want.InputShape...)}})
			if err != nil {
				t.Fatal(err)
			}
			fwd, rep := counts(t, res, Options{})
			if f := konst(t, "forward MACs", fwd.MACs); f != want.ForwardMACs {
				t.Errorf("forward %d MACs, PyTorch %d", f, want.ForwardMACs)
			}
			if b := konst(t, "backward MACs", rep.BackwardMACs); b != want.BackwardMACs {
				t.Errorf("backward %d MACs, PyTorch %d (%+.3f%%)", b, want.BackwardMACs, 100*float64(b-want.BackwardMACs)/float64(want.BackwardMACs))
			}
			if rep.TrainableParams != want.Params {
				t.Errorf("trainable %d parameters, PyTorch %d", rep.TrainableParams, want.Params)
			}
		})
	}
}

// TestTiedWeights: the tied decoder's exporter stored the token embedding
// and, constant folded, its transpose for the output projection. They are
// one parameter: PyTorch's 172,288 trainable parameters (not 236,288), one
// update, and the two uses' gradients summed (64,000 ADDs). The untied
// decoder has the same shapes and 236,288 parameters. Without the weights'
// bytes the tie cannot be checked and is reported as such.
func TestTiedWeights(t *testing.T) {
	run := func(path string) *Report {
		m, err := onnx.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		res, err := shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{"input": shape.Dims(2, 16)}})
		if err != nil {
			t.Fatal(err)
		}
		_, rep := counts(t, res, Options{})
		return rep
	}
	tied, untied := run("../testdata/params/tied_decoder.onnx"), run("../testdata/params/untied_decoder.onnx")
	if tied.TrainableParams != 172288 || len(tied.Tied) != 1 {
		t.Errorf("tied: trainable %d (tied %v), PyTorch 172,288", tied.TrainableParams, tied.Tied)
	}
	if untied.TrainableParams != 236288 || len(untied.Tied) != 0 {
		t.Errorf("untied: trainable %d (tied %v), PyTorch 236,288", untied.TrainableParams, untied.Tied)
	}
	if d := konst(t, "accumulate", tied.Accumulate) - konst(t, "accumulate", untied.Accumulate); d != 64000 {
		t.Errorf("tied accumulation − untied = %d ADD, want 64,000 (the embedding's two gradients summed)", d)
	}
	if u := konst(t, "update", tied.Update) * 236288; u != konst(t, "update", untied.Update)*172288 {
		t.Errorf("updates %s and %s are not in the ratio of the trainable counts", tied.Update, untied.Update)
	}
	st := run("../testdata/params/tied_decoder_structure.onnx")
	if st.TrainableParams != 236288 || len(st.UncheckedTied) != 1 || st.TrainableParams-st.UncheckedTiedParams != 172288 {
		t.Errorf("structure only: trainable %d, unchecked %v (%d), want 236,288 with 64,000 possibly tied", st.TrainableParams, st.UncheckedTied, st.UncheckedTiedParams)
	}
}

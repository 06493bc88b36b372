package params_test

import (
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
)

func count(t *testing.T, path string) params.Stats {
	t.Helper()
	m, err := onnx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return params.Count(res)
}

// ResNet-18 as exported: PyTorch counts 11,689,512 parameters. The export
// folds each BatchNorm into its convolution, dropping the BatchNorms' scale
// and shift (2 × 4,800 values) and giving the convolutions biases; with
// untrained weights those biases are all zero, and the exporter stores equal
// tensors once, so 20 convolutions share 4 bias tensors (64+128+256+512 = 960).
//
// Stored counts those 4 tensors once; the headline Params counts each of the
// 20 biases (the 16 read through Identity aliases too): 11,689,512 − 4,800.
func TestResNet18(t *testing.T) {
	st := count(t, "../testdata/models/resnet18.onnx")
	if want := int64(11689512 - 2*4800 + 960); st.Stored != want {
		t.Errorf("stored = %d, want %d", st.Stored, want)
	}
	if want := int64(11689512 - 4800); st.Params != want {
		t.Errorf("params = %d, want %d", st.Params, want)
	}
	if st.Tensors != 26 || st.Bytes["float32"] != 4*st.Stored || st.TotalBytes != 4*st.Stored {
		t.Errorf("tensors %d, bytes %v", st.Tensors, st.Bytes)
	}
}

// Weights stood in by ConstantOfShape nodes (the ONNX zoo's light models)
// are parameters too; integer shape vectors are constants, not parameters.
func TestConstantOfShapeWeights(t *testing.T) {
	st := count(t, "../testdata/models/zoo/light_squeezenet.onnx")
	// The file keeps 640 small bias values as initializers.
	if st.Params != 1235496 || st.Stored != 1235496 || st.FromNodes != st.Params-640 {
		t.Errorf("params %d (from nodes %d), want SqueezeNet 1.1's 1,235,496, all but 640 from ConstantOfShape nodes", st.Params, st.FromNodes)
	}
	if st.Constants == 0 {
		t.Errorf("the shape vectors of the ConstantOfShape nodes should count as constants")
	}
}

// BERT-base's 12 untrained encoder layers are copies of one layer, so the
// exporter stores one set of weights and aliases it through Identity nodes:
// the graph stores 30.9M values, and the headline, counting the aliases,
// is PyTorch's 108,891,650.
func TestAliasedWeights(t *testing.T) {
	st := count(t, "../testdata/models/bert_base.onnx")
	if st.Params != 108891650 || st.Stored != 30921218 || st.Stored+st.Aliases != st.Params {
		t.Errorf("params %d (stored %d + aliases %d), want 108,891,650 = 30,921,218 stored + aliases", st.Params, st.Stored, st.Aliases)
	}
}

package examples

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
)

var update = flag.Bool("update", false, "rewrite the checked-in example files")

// mlp is the model examples/train.py trains: 8 inputs, 16 hidden ReLU
// units, 2 classes (logits), batch symbolic. Its weights are a seeded random
// initialisation, stored so that every parameter count can read them.
func mlp() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	floats := func(n int) []float32 {
		f := make([]float32, n)
		for i := range f {
			f[i] = float32(rng.NormFloat64() * 0.3)
		}
		return f
	}
	const in, hidden, out = 8, 16, 2
	m := onnxbuild.Model{
		Producer: "greenai examples/mlp_test.go",
		Opsets:   map[string]int64{"": 17},
		Graph: onnxbuild.Graph{
			Name: "mlp",
			Nodes: []onnxbuild.Node{
				{Name: "fc1", OpType: "MatMul", Inputs: []string{"x", "fc1.weight"}, Outputs: []string{"h0"}},
				{Name: "fc1_bias", OpType: "Add", Inputs: []string{"h0", "fc1.bias"}, Outputs: []string{"h1"}},
				{Name: "relu", OpType: "Relu", Inputs: []string{"h1"}, Outputs: []string{"h"}},
				{Name: "fc2", OpType: "MatMul", Inputs: []string{"h", "fc2.weight"}, Outputs: []string{"z0"}},
				{Name: "fc2_bias", OpType: "Add", Inputs: []string{"z0", "fc2.bias"}, Outputs: []string{"logits"}},
			},
			Initializers: []onnxbuild.Tensor{
				{Name: "fc1.weight", DataType: 1, Dims: []int64{in, hidden}, Floats: floats(in * hidden)},
				{Name: "fc1.bias", DataType: 1, Dims: []int64{hidden}, Floats: make([]float32, hidden)},
				{Name: "fc2.weight", DataType: 1, Dims: []int64{hidden, out}, Floats: floats(hidden * out)},
				{Name: "fc2.bias", DataType: 1, Dims: []int64{out}, Floats: make([]float32, out)},
			},
			Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", int64(in)}}},
			Outputs: []onnxbuild.ValueInfo{{Name: "logits", DataType: 1, Dims: []any{"batch", int64(out)}}},
		},
	}
	return m.Marshal()
}

// TestMLPFile checks that examples/mlp.onnx is the model mlp builds
// (go test ./examples -update rewrites it).
func TestMLPFile(t *testing.T) {
	want := mlp()
	if *update {
		if err := os.WriteFile("mlp.onnx", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("mlp.onnx differs from the model mlp() builds (go test ./examples -update rewrites it)")
	}
}

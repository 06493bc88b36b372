package cost

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
)

const (
	resnet50 = "../testdata/models/resnet50.onnx"
	bert     = "../testdata/models/bert_base.onnx"
)

// writeModel serializes a test model into a temporary directory.
func writeModel(t *testing.T, m onnxbuild.Model) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(path, m.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func f32(name string, dims ...int64) onnxbuild.Tensor {
	return onnxbuild.Tensor{Name: name, DataType: 1, Dims: dims, Floats: make([]float32, product(dims))}
}

func product(dims []int64) int64 {
	p := int64(1)
	for _, d := range dims {
		p *= d
	}
	return p
}

// mlpModel is x[batch,8] → MatMul(W1[8,16]) → Add(b1[16]) → Relu →
// MatMul(W2[16,4]) → y. Per example, forward: 128 + 64 MACs, 16 ADD, 16 CMP
// = 416 FPO. Backward at batch b: dW2 and dh 64b MACs each, Relu' 16b,
// db1 16b − 16, dW1 128b MACs: 544b − 16 FPO (x needs no gradient).
// 208 parameters.
func mlpModel(t *testing.T) string {
	return writeModel(t, onnxbuild.Model{Opsets: map[string]int64{"": 17}, Graph: onnxbuild.Graph{
		Name:         "mlp",
		Inputs:       []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", 8}}},
		Outputs:      []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Initializers: []onnxbuild.Tensor{f32("l1.weight", 8, 16), f32("l1.bias", 16), f32("l2.weight", 16, 4)},
		Nodes: []onnxbuild.Node{
			{Name: "/l1/MatMul", OpType: "MatMul", Inputs: []string{"x", "l1.weight"}, Outputs: []string{"h0"}},
			{Name: "/l1/Add", OpType: "Add", Inputs: []string{"h0", "l1.bias"}, Outputs: []string{"h1"}},
			{Name: "/act/Relu", OpType: "Relu", Inputs: []string{"h1"}, Outputs: []string{"h2"}},
			{Name: "/l2/MatMul", OpType: "MatMul", Inputs: []string{"h2", "l2.weight"}, Outputs: []string{"y"}},
		},
	}})
}

// mlpStep is the FPO of one SGD step of mlpModel at batch b: forward 416b,
// backward 544b − 16, update 2 FPO × 208 parameters.
func mlpStep(b int64) int64 { return 416*b + 544*b - 16 + 2*208 }

// attnModel is a token model: ids[batch,sequence] → Gather(emb[10,4]) = X
// [b,S,4]; A = X·Xᵀ [b,S,S]; Y = A·X. Per sequence, forward 2·S²·4 MACs;
// backward 4·S²·4 MACs (both operands of both products), X read three
// times (2·S·4 accumulating ADDs), the embedding scatter-add (S·4 ADD).
// 40 parameters.
func attnModel(t *testing.T) string {
	return writeModel(t, onnxbuild.Model{Opsets: map[string]int64{"": 17}, Graph: onnxbuild.Graph{
		Name:         "attn",
		Inputs:       []onnxbuild.ValueInfo{{Name: "ids", DataType: 7, Dims: []any{"batch", "sequence"}}},
		Outputs:      []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Initializers: []onnxbuild.Tensor{f32("emb", 10, 4)},
		Nodes: []onnxbuild.Node{
			{Name: "/emb/Gather", OpType: "Gather", Inputs: []string{"emb", "ids"}, Outputs: []string{"x"}},
			{Name: "/T", OpType: "Transpose", Inputs: []string{"x"}, Outputs: []string{"xt"}, Attrs: []onnxbuild.Attr{{Name: "perm", Ints: []int64{0, 2, 1}}}},
			{Name: "/scores", OpType: "MatMul", Inputs: []string{"x", "xt"}, Outputs: []string{"a"}},
			{Name: "/mix", OpType: "MatMul", Inputs: []string{"a", "x"}, Outputs: []string{"y"}},
		},
	}})
}

// attnSeq is the training FPO of one sequence of attnModel, without the
// update: forward 4·S²·4, backward 8·S²·4 + 3·S·4.
func attnSeq(s int64) int64 { return 12*s*s*4 + 3*s*4 }

func mustCompute(t *testing.T, s *Spec) *PriceTag {
	t.Helper()
	pt, err := Compute(s)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func rat(n int64) *big.Rat { return big.NewRat(n, 1) }

// eq fails the test unless got = want exactly.
func eq(t *testing.T, what string, got, want *big.Rat) {
	t.Helper()
	if got == nil || got.Cmp(want) != 0 {
		t.Errorf("%s = %v, want %v", what, got, want.RatString())
	}
}

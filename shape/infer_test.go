package shape_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

func decode(t *testing.T, m *onnxbuild.Model) *onnx.Model {
	t.Helper()
	om, err := onnx.Decode(m.Marshal(), "")
	if err != nil {
		t.Fatal(err)
	}
	return om
}

func TestCyclicGraphIsAnError(t *testing.T) {
	m := decode(t, &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "b", DataType: 1}},
		Nodes: []onnxbuild.Node{
			{Name: "n1", OpType: "Add", Inputs: []string{"x", "b"}, Outputs: []string{"a"}},
			{Name: "n2", OpType: "Relu", Inputs: []string{"a"}, Outputs: []string{"b"}},
		},
	}})
	_, err := shape.Infer(m, shape.Options{})
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), "n1") {
		t.Fatalf("want a cycle error naming the nodes, got %v", err)
	}
}

func TestUndefinedInputIsAnError(t *testing.T) {
	m := decode(t, &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Nodes:   []onnxbuild.Node{{Name: "add", OpType: "Add", Inputs: []string{"x", "ghost"}, Outputs: []string{"y"}}},
	}})
	_, err := shape.Infer(m, shape.Options{})
	if err == nil || !strings.Contains(err.Error(), `"ghost"`) {
		t.Fatalf("want an error naming the missing input, got %v", err)
	}
}

// An operator without a rule is reported by name, domain and count, and its
// outputs stay unknown (or take the model's declared type, marked as such).
func TestUnknownOperatorIsReported(t *testing.T) {
	m := decode(t, &onnxbuild.Model{
		Opsets: map[string]int64{"": 17, "acme": 1},
		Graph: onnxbuild.Graph{
			Inputs:    []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", 4}}},
			Outputs:   []onnxbuild.ValueInfo{{Name: "z", DataType: 1}},
			ValueInfo: []onnxbuild.ValueInfo{{Name: "y2", DataType: 1, Dims: []any{"batch", 8}}},
			Nodes: []onnxbuild.Node{
				{Name: "f1", OpType: "Frobnicate", Domain: "acme", Inputs: []string{"x"}, Outputs: []string{"y1"}},
				{Name: "f2", OpType: "Frobnicate", Domain: "acme", Inputs: []string{"x"}, Outputs: []string{"y2"}},
				{Name: "r", OpType: "Relu", Inputs: []string{"y1"}, Outputs: []string{"z"}},
			},
		},
	})
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unsupported) != 1 || res.Unsupported[0] != (shape.Unsupported{OpType: "Frobnicate", Domain: "acme", Count: 2}) {
		t.Fatalf("unsupported = %+v", res.Unsupported)
	}
	if y1 := res.Graph.Values["y1"]; y1.Rank >= 0 || y1.Kind != onnx.KindUnknown {
		t.Errorf("y1 got a made-up type %s", shape.TypeString(y1))
	}
	y2 := res.Graph.Values["y2"]
	if shape.TypeString(y2) != "float32[batch, 8]" || y2.Source != "declared in the model" {
		t.Errorf("y2 = %s (source %q), want the declared type marked as declared", shape.TypeString(y2), y2.Source)
	}
}

func TestDimensionOverflowIsAnError(t *testing.T) {
	big := int64(1) << 40
	m := decode(t, &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:       []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{big, big}}},
		Outputs:      []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Initializers: []onnxbuild.Tensor{{Name: "shape", DataType: 7, Dims: []int64{1}, Int64s: []int64{-1}}},
		Nodes:        []onnxbuild.Node{{Name: "flat", OpType: "Reshape", Inputs: []string{"x", "shape"}, Outputs: []string{"y"}}},
	}})
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		if !strings.Contains(err.Error(), "overflow") {
			t.Fatalf("want an overflow error, got %v", err)
		}
		return
	}
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Err, "overflow") || res.Failures[0].Node != "flat" {
		t.Fatalf("want an overflow failure at node flat, got %+v", res.Failures)
	}
}

func TestInputOverridesAndDims(t *testing.T) {
	m := decode(t, &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", -1, 4}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Nodes:   []onnxbuild.Node{{Name: "r", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
	}})
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := shape.ShapeString(res.Graph.Outputs[0]); got != "[batch, x_dim1, 4]" {
		t.Errorf("symbolic: %s", got)
	}
	res, err = shape.Infer(m, shape.Options{Dims: map[string]int64{"batch": 8}})
	if err != nil {
		t.Fatal(err)
	}
	if got := shape.ShapeString(res.Graph.Outputs[0]); got != "[8, x_dim1, 4]" {
		t.Errorf("--dim batch=8: %s", got)
	}
	res, err = shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{"x": shape.Dims(2, 3, 4)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := shape.ShapeString(res.Graph.Outputs[0]); got != "[2, 3, 4]" {
		t.Errorf("--input: %s", got)
	}
	if _, err := shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{"x": shape.Dims(2, 3)}}); err == nil || !strings.Contains(err.Error(), "rank") {
		t.Errorf("rank mismatch: %v", err)
	}
}

// The ONNX model zoo's classic graphs (opsets 7–9, weights replaced by
// ConstantOfShape) infer completely to ImageNet logits.
func TestZooLightModels(t *testing.T) {
	want := map[string]string{
		"light_bvlc_alexnet": "[1, 1000]", "light_densenet121": "[1, 1000, 1, 1]", "light_inception_v1": "[1, 1000]",
		"light_inception_v2": "[1, 1000]", "light_resnet50": "[1, 1000]", "light_shufflenet": "[1, 1000]",
		"light_squeezenet": "[1, 1000, 1, 1]", "light_vgg19": "[1, 1000]", "light_zfnet512": "[1, 1000]",
	}
	for name, shp := range want {
		m, err := onnx.Open(filepath.Join("..", "testdata", "models", "zoo", name+".onnx"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := shape.Infer(m, shape.Options{})
		m.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Failures) > 0 || len(res.Unsupported) > 0 {
			t.Errorf("%s: failures %+v, unsupported %+v", name, res.Failures, res.Unsupported)
		}
		if got := shape.ShapeString(res.Graph.Outputs[0]); got != shp {
			t.Errorf("%s: output %s, want %s", name, got, shp)
		}
		// Every value is fully known.
		for _, n := range res.Graph.Nodes {
			for _, v := range n.Outputs {
				if v != nil && v.IsTensor() {
					if _, ok := v.Dims(); !ok {
						t.Errorf("%s: %s has shape %s", name, v.Name, shape.ShapeString(v))
					}
				}
			}
		}
	}
}

// A sparse initializer has its dense shape; parameters count its stored values.
func TestSparseInitializer(t *testing.T) {
	m := decode(t, &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2, 100}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Sparse: []onnxbuild.SparseTensor{{
			Values:  onnxbuild.Tensor{Name: "w", DataType: 1, Dims: []int64{3}, Floats: []float32{1, 2, 3}},
			Indices: onnxbuild.Tensor{Name: "w_idx", DataType: 7, Dims: []int64{3}, Int64s: []int64{0, 101, 999}},
			Dims:    []int64{100, 10},
		}},
		Nodes: []onnxbuild.Node{{Name: "mm", OpType: "MatMul", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
	}})
	if len(m.Graph.SparseInitializers) != 1 {
		t.Fatalf("sparse initializers: %d", len(m.Graph.SparseInitializers))
	}
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := shape.TypeString(res.Graph.Outputs[0]); got != "float32[2, 10]" {
		t.Errorf("output %s", got)
	}
	st := params.Count(res)
	if st.Params != 3 || st.Sparse != 3 {
		t.Errorf("params %d (sparse %d), want the 3 stored values", st.Params, st.Sparse)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/internal/plot/plottest"
)

const models = "../../testdata/models"

// goldenText compares got with testdata/golden/NAME (go test -update rewrites it).
func goldenText(t *testing.T, name, got string) {
	t.Helper()
	plottest.Golden(t, filepath.Join("testdata", "golden", name), []byte(got))
}

func TestInspectJSON(t *testing.T) {
	out, _, err := runCLI(t, "inspect", "--json", filepath.Join(models, "bert_base.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Inputs      []map[string]any `json:"inputs"`
		Outputs     []map[string]any `json:"outputs"`
		Params      int64            `json:"params"`
		Nodes       int              `json:"nodes"`
		OpTypes     map[string]int   `json:"op_types"`
		Unsupported []any            `json:"unsupported"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Outputs) != 1 || jsonString(got.Outputs[0]["shape"]) != `["batch",2]` || got.Outputs[0]["dtype"] != "float32" {
		t.Errorf("outputs = %v, want float32 [batch, 2]", got.Outputs)
	}
	if jsonString(got.Inputs[0]["shape"]) != `["batch","sequence"]` {
		t.Errorf("inputs = %v", got.Inputs)
	}
	if got.Nodes != 1473 || got.OpTypes["MatMul"] == 0 || len(got.Unsupported) != 0 || got.Params == 0 {
		t.Errorf("nodes %d, op_types %v, unsupported %v, params %d", got.Nodes, got.OpTypes, got.Unsupported, got.Params)
	}
	// --dim and --input fix the symbols.
	out, _, err = runCLI(t, "inspect", "--json", "--dim", "batch=4", "--input", "input=4x77", filepath.Join(models, "bert_base.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"shape": [
        4,
        2
      ]`) {
		t.Errorf("--dim/--input did not fix the output shape:\n%s", out)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestInspectText(t *testing.T) {
	out, _, err := runCLI(t, "inspect", filepath.Join(models, "resnet18.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	goldenText(t, "inspect_resnet18.txt", out)
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	trunc := filepath.Join(dir, "trunc.onnx")
	data, _ := os.ReadFile(filepath.Join(models, "resnet18.onnx"))
	os.WriteFile(trunc, data[:len(data)/2], 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"inspect", filepath.Join(dir, "missing.onnx")}, "no such file"},
		{[]string{"inspect", trunc}, "truncated"},
		{[]string{"inspect", "--input", "nope=1x2", filepath.Join(models, "resnet18.onnx")}, `no input "nope"`},
		{[]string{"inspect", "--dim", "batch=-3", filepath.Join(models, "resnet18.onnx")}, "non-negative"},
		{[]string{"inspect"}, "one model file"},
	}
	for _, c := range cases {
		_, _, err := runCLI(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want error containing %q, got %v", c.args, c.want, err)
		}
	}
}

func TestFPOText(t *testing.T) {
	out, _, err := runCLI(t, "fpo", "--dim", "batch=1", "--top", "5", filepath.Join(models, "resnet18.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	goldenText(t, "fpo_resnet18.txt", out)
	out, _, err = runCLI(t, "fpo", "--markdown", filepath.Join(models, "gpt2_small.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	goldenText(t, "fpo_gpt2_symbolic.md", out)
}

func TestFPOJSON(t *testing.T) {
	out, _, err := runCLI(t, "fpo", "--json", "--dim", "batch=1", filepath.Join(models, "resnet50.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Totals   map[string]any            `json:"totals"`
		ByOp     map[string]map[string]any `json:"by_op_type"`
		Nodes    []map[string]any          `json:"nodes"`
		Symbolic map[string]string         `json:"symbolic"`
		Unsupp   []any                     `json:"unsupported"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Totals["macs"].(float64) != 4089184256 {
		t.Errorf("macs = %v, want PyTorch's 4089184256", got.Totals["macs"])
	}
	for _, k := range []string{"fpo", "params", "param_bytes", "activation_bytes_peak"} {
		if _, ok := got.Totals[k]; !ok {
			t.Errorf("totals lacks %q", k)
		}
	}
	if c := got.ByOp["Conv"]; c == nil || c["count"].(float64) != 53 {
		t.Errorf("by_op_type Conv = %v", c)
	}
	if len(got.Nodes) != 169 || got.Nodes[0]["op_type"] == nil || got.Nodes[0]["outputs"] == nil {
		t.Errorf("nodes: %d, first %v", len(got.Nodes), got.Nodes[0])
	}
	if got.Symbolic["fpo"] == "" || !strings.Contains(got.Symbolic["fpo"], "batch") {
		t.Errorf("symbolic = %v", got.Symbolic)
	}
}

func TestFPOConventions(t *testing.T) {
	// ResNet-18 at batch 1: MACs are PyTorch's linear_macs; fvcore adds the
	// adaptive average pool's input (512·7·7); ptflops adds conv biases,
	// ReLU outputs, pooling inputs and the classifier's 1000 bias features.
	want := map[string]float64{"macs": 1814073344, "fvcore": 1814098432, "ptflops": 1819694056, "fpo": 3635322856}
	for conv, v := range want {
		out, _, err := runCLI(t, "fpo", "--json", "--dim", "batch=1", "--convention", conv, filepath.Join(models, "resnet18.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Totals map[string]any `json:"totals"`
		}
		json.Unmarshal([]byte(out), &got)
		if got.Totals["fpo"].(float64) != v {
			t.Errorf("--convention %s: totals.fpo = %v, want %v", conv, got.Totals["fpo"], v)
		}
	}
	if _, _, err := runCLI(t, "fpo", "--convention", "thop", filepath.Join(models, "resnet18.onnx")); err == nil || !strings.Contains(err.Error(), "fvcore") {
		t.Errorf("unknown convention: %v", err)
	}
}

func TestFPOPprof(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fpo.pb.gz")
	if _, _, err := runCLI(t, "fpo", "--dim", "batch=1", "--pprof", path, filepath.Join(models, "resnet18.onnx")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	scopes := map[string]bool{}
	for _, s := range p.Sample {
		total += s.Value[0]
		for _, l := range s.Location {
			scopes[l.Line[0].Function.Name] = true
		}
	}
	if total != 3635322856 {
		t.Errorf("profile FPO total %d, want 3635322856", total)
	}
	if !scopes["/layer1"] || !scopes["/layer1/layer1.0"] {
		t.Errorf("module scopes missing from the profile: %v", scopes)
	}
	if _, _, err := runCLI(t, "fpo", "--pprof", path, filepath.Join(models, "resnet18.onnx")); err == nil || !strings.Contains(err.Error(), "--dim") {
		t.Errorf("symbolic pprof: want an error asking for --dim, got %v", err)
	}
}

func TestFPOStrictAndCompare(t *testing.T) {
	dir := t.TempDir()
	m := &onnxbuild.Model{Opsets: map[string]int64{"": 17, "acme": 1}, Graph: onnxbuild.Graph{
		Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2, 3}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Nodes:   []onnxbuild.Node{{Name: "w", OpType: "Warp", Domain: "acme", Inputs: []string{"x"}, Outputs: []string{"y"}}},
	}}
	path := filepath.Join(dir, "custom.onnx")
	os.WriteFile(path, m.Marshal(), 0o644)
	out, _, err := runCLI(t, "fpo", path)
	if err != nil {
		t.Fatalf("without --strict an unknown op is reported, not fatal: %v", err)
	}
	if !strings.Contains(out, "Not counted") || !strings.Contains(out, "Warp") {
		t.Errorf("unknown op not reported:\n%s", out)
	}
	if _, _, err := runCLI(t, "fpo", "--strict", path); err == nil || !strings.Contains(err.Error(), "--strict") {
		t.Errorf("--strict: %v", err)
	}
	out, _, err = runCLI(t, "fpo", "--dim", "batch=1", filepath.Join(models, "resnet18.onnx"), filepath.Join(models, "resnet34.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "resnet18.onnx") || !strings.Contains(out, "resnet34.onnx") || !strings.Contains(out, "7.33G") {
		t.Errorf("comparison:\n%s", out)
	}
}

func TestInspectInputData(t *testing.T) {
	dir := t.TempDir()
	m := &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:  []onnxbuild.ValueInfo{{Name: "data", DataType: 1, Dims: []any{2, 3, 4}}, {Name: "shape", DataType: 7, Dims: []any{3}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Nodes:   []onnxbuild.Node{{Name: "r", OpType: "Reshape", Inputs: []string{"data", "shape"}, Outputs: []string{"y"}}},
	}}
	os.WriteFile(filepath.Join(dir, "model.onnx"), m.Marshal(), 0o644)
	ds := filepath.Join(dir, "test_data_set_0")
	os.MkdirAll(ds, 0o755)
	in0 := onnxbuild.Tensor{DataType: 1, Dims: []int64{2, 3, 4}, Raw: make([]byte, 96)}
	in1 := onnxbuild.Tensor{DataType: 7, Dims: []int64{3}, Int64s: []int64{2, -1, 2}}
	os.WriteFile(filepath.Join(ds, "input_0.pb"), in0.Marshal(), 0o644)
	os.WriteFile(filepath.Join(ds, "input_1.pb"), in1.Marshal(), 0o644)
	out, _, err := runCLI(t, "inspect", "--json", "--input-data", ds, filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"shape": [
        2,
        6,
        2
      ]`) {
		t.Errorf("--input-data: the Reshape target was not used:\n%s", out)
	}
	// Without the values, the target is unknown and the dims are symbols.
	out, _, err = runCLI(t, "inspect", filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "float32[r_reshape_") {
		t.Errorf("without data: %s", out)
	}
	if _, _, err := runCLI(t, "inspect", "--input-data", t.TempDir(), filepath.Join(dir, "model.onnx")); err == nil || !strings.Contains(err.Error(), "input_0.pb") {
		t.Errorf("empty data dir: %v", err)
	}
}

// A shape-deciding initializer whose external data file is missing: the
// model still opens, the dims it decides stay symbolic, and both commands
// say why instead of printing symbols silently.
func TestMissingWeightsFileIsReported(t *testing.T) {
	dir := t.TempDir()
	m := &onnxbuild.Model{Graph: onnxbuild.Graph{
		Inputs:       []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2, 3, 4}}},
		Outputs:      []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Initializers: []onnxbuild.Tensor{{Name: "target", DataType: 7, Dims: []int64{2}, External: map[string]string{"location": "w.bin"}}},
		Nodes:        []onnxbuild.Node{{Name: "r", OpType: "Reshape", Inputs: []string{"x", "target"}, Outputs: []string{"y"}}},
	}}
	path := filepath.Join(dir, "m.onnx")
	os.WriteFile(path, m.Marshal(), 0o644)
	for _, args := range [][]string{{"inspect", path}, {"fpo", path}, {"inspect", "--json", path}, {"fpo", "--json", path}} {
		out, _, err := runCLI(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out, `initializer \"target\"`) && !strings.Contains(out, `initializer "target"`) || !strings.Contains(out, "w.bin") || !strings.Contains(out, "not found") {
			t.Errorf("%v does not say the weights file is missing:\n%s", args, out)
		}
	}
}

package board

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func modelPath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("..", "testdata", "models", name+".onnx")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCountResNet18(t *testing.T) {
	c, err := Count(CountRequest{Model: modelPath(t, "resnet18"), Inputs: map[string]string{"*": "1x3x224x224"}})
	if err != nil {
		t.Fatal(err)
	}
	// torchvision's 1.81 GFLOPS for resnet18 are MACs (of Conv and Gemm).
	if c.MACs < 1.81e9 || c.MACs > 1.83e9 {
		t.Errorf("MACs = %v, want about 1.81e9", c.MACs)
	}
	if c.FPO < 2*c.MACs {
		t.Errorf("FPO %v < 2·MACs %v", c.FPO, 2*c.MACs)
	}
	// Within 0.1% of torch's numel sum (11,689,512); the params engine
	// decides the exact headline.
	if c.Params < 11677000 || c.Params > 11702000 {
		t.Errorf("params = %d, want about 11689512", c.Params)
	}
	if len(c.ByOp) == 0 || c.ByOp[0].Op != "Conv" {
		t.Errorf("by op = %+v, want Conv first", c.ByOp)
	}
}

func TestCountErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.onnx")
	os.WriteFile(junk, []byte("this is not a protobuf at all \xff\xff\xff"), 0o644)
	for _, tc := range []struct {
		name  string
		req   CountRequest
		field string
		want  string
	}{
		{"not onnx", CountRequest{Model: junk, Inputs: map[string]string{"*": "1x3x224x224"}}, "model", ""},
		{"wrong input name", CountRequest{Model: modelPath(t, "resnet18"), Inputs: map[string]string{"pixels": "1x3x224x224"}}, "model", "pixels"},
		{"bad dims", CountRequest{Model: modelPath(t, "resnet18"), Inputs: map[string]string{"*": "1xx3"}}, "board.inputs.*", ""},
		{"bad spec", CountRequest{Model: modelPath(t, "resnet18"), Inputs: map[string]string{"*": "1x3x224x224"}, Spec: []byte(`{"train": {"epochs": "many"}}`)}, "cost_spec", ""},
		{"unknown format", CountRequest{Model: junk, Format: "gguf"}, "model_file.format", "gguf"},
	} {
		_, err := Count(tc.req)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Msg, tc.want) {
			t.Errorf("%s: err = %v, want a FieldError on %s", tc.name, err, tc.field)
		}
	}
}

func TestCountPrice(t *testing.T) {
	spec := `{"inputs": {"input": "batchx3x224x224"}, "train": {"examples": 1281167, "epochs": 90, "batch_size": 256, "optimizer": "sgd"}, "search": {"trials": 4}, "hardware": {"accelerator": "a100-sxm4", "count": 8}}`
	c, err := InProcess{}.Count(context.Background(), CountRequest{Model: modelPath(t, "resnet18"), Inputs: map[string]string{"*": "1x3x224x224"}, Spec: []byte(spec)})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Price
	if p == nil || p.H != 4 || p.SearchFPO <= 4*90*1281167*c.FPO {
		t.Fatalf("price = %+v", p)
	}
	if p.EstimateKWh <= 0 || !strings.Contains(p.Text, "(uploaded model)") {
		t.Errorf("estimate %v, text %q", p.EstimateKWh, p.Text)
	}
}

func TestCountConfigJSON(t *testing.T) {
	cfg := filepath.Join("..", "hf", "testdata", "gpt2.json")
	c, err := Count(CountRequest{Model: cfg, Dims: map[string]int64{"batch": 1, "sequence": 128}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != "config" || !strings.Contains(c.Source, "gpt2") || c.FPO < 1e10 || c.Params < 100e6 || c.Params > 200e6 {
		t.Errorf("gpt2 config: format %s, source %q, %v FPO, %d params", c.Format, c.Source, c.FPO, c.Params)
	}
	// Without the sequence length the count stays symbolic: an error.
	if _, err := Count(CountRequest{Model: cfg, Dims: map[string]int64{"batch": 1}}); err == nil || !strings.Contains(err.Error(), "symbolic") {
		t.Errorf("unbound sequence: %v", err)
	}
	if _, err := Count(CountRequest{Model: cfg, Format: "onnx", Dims: map[string]int64{"batch": 1, "sequence": 128}}); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("format mismatch: %v", err)
	}
	idx := filepath.Join(t.TempDir(), "model.safetensors.index.json")
	os.WriteFile(idx, []byte(`{"metadata": {}, "weight_map": {"a": "../../../etc/passwd"}}`), 0o644)
	if _, err := Count(CountRequest{Model: idx, Dims: map[string]int64{"batch": 1}}); err == nil || !strings.Contains(err.Error(), "index") {
		t.Errorf("safetensors index: %v", err)
	}
}

func TestParseDims(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" when valid; else a part of the error
	}{
		{"1x3x224x224", ""},
		{"batch,3,224,224", ""},
		{"1xseq", ""},
		{"_n", ""},
		{"scalar", ""},
		{"1x99999999999999999999", "out of range"},
		{"1x3000000000", "out of range"},
		{"1x0", "out of range"},
		{"1x-5", "out of range"},
		{"1x3a", "neither"},
		{"1x", "neither"},
		{"", "empty"},
	} {
		_, err := ParseDims(tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ParseDims(%q): %v", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ParseDims(%q) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
}

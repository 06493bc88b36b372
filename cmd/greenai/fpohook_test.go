package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordFPO(t *testing.T) {
	info, err := recordFPO(context.Background(), filepath.Join(models, "resnet18.onnx"), "")
	if err != nil {
		t.Fatal(err)
	}
	if info.MACs != 1814073344 || info.PerExampleFPO != 3635322856 || !strings.Contains(info.Source, "forward") {
		t.Errorf("forward FPO record: %+v", info)
	}
	spec := filepath.Join(t.TempDir(), "spec.yaml")
	os.WriteFile(spec, []byte("train: {examples: 1000, epochs: 2, batch_size: 100}\n"), 0o644)
	info, err = recordFPO(context.Background(), filepath.Join(models, "resnet18.onnx"), spec)
	if err != nil {
		t.Fatal(err)
	}
	// One trial: 20 steps of 100 examples, each forward + backward + update.
	if info.TotalFPO <= 20*100*3635322856 || info.PerExampleFPO <= 2*3635322856 || !strings.Contains(info.Source, "trial") {
		t.Errorf("trial FPO record: %+v", info)
	}
	if _, err := recordFPO(context.Background(), filepath.Join(models, "gpt2_small.onnx"), ""); err == nil || !strings.Contains(err.Error(), "sequence") {
		t.Errorf("symbolic model without spec: %v", err)
	}
}

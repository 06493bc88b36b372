package main

import (
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// modelFlags are the input options shared by inspect, fpo and cost.
type modelFlags struct {
	inputs    multiFlag
	dims      multiFlag
	inputData string
	build     hf.BuildOptions // how a config becomes a graph (--phase sets the phase)
	phaseSet  bool
}

func (f *modelFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.inputs, "input", "fix an input's shape: `NAME=1x3x224x224` (dims may be symbols; repeatable)")
	fs.Var(&f.dims, "dim", "bind a symbolic dimension: `NAME=VALUE` (repeatable)")
	fs.StringVar(&f.inputData, "input-data", "", "read input_N.pb TensorProto files in `DIR` as the values of the graph inputs, in order")
	fs.Func("phase", "language models: train, prefill or decode", func(s string) error {
		p, err := hf.ParsePhase(s)
		f.build.Phase, f.phaseSet = p, true
		return err
	})
}

const modelFlagsUsage = `  --input NAME=DIMS   fix an input's shape, dims separated by x: 1x3x224x224,
                      batchx128 (a dim may be a symbol); repeatable
  --dim NAME=VALUE    bind a symbolic dimension such as batch or sequence;
                      repeatable
  --input-data DIR    read DIR/input_0.pb, input_1.pb, … (serialized
                      TensorProto, as in ONNX's test suite) as the values of
                      the graph inputs that are not initializers, in order
  --phase PHASE       for a config.json, model folder or GGUF file: train
                      (forward over batch×sequence tokens, logits at every
                      position; the default), prefill (a prompt: fills the
                      KV cache, logits of the last position) or decode (one
                      token per sequence with a KV cache of past tokens)
`

const modelInputsUsage = `MODEL is any of these, told apart by content, not by file name:
  - an ONNX file;
  - a Hugging Face config.json: the architecture is built as a graph;
  - a model folder: config.json plus model.safetensors, or sharded
    *.safetensors with model.safetensors.index.json; their headers (never
    the weights) give exact parameters and bytes by dtype and are checked
    against the config's graph;
  - a GGUF file: the architecture comes from its metadata, and its tensor
    table (quantization types with their bits per weight) is checked.
`

// options turns the flags into inference options for model m.
func (f *modelFlags) options(m *onnx.Model) (shape.Options, error) {
	opts := shape.Options{Inputs: map[string][]sym.Expr{}, Dims: map[string]int64{}, InputValues: map[string]*shape.Value{}}
	for _, s := range f.dims {
		name, val, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return opts, usageError("--dim %q: want NAME=VALUE", s)
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 {
			return opts, usageError("--dim %q: value must be a non-negative integer", s)
		}
		opts.Dims[name] = n
	}
	declared := map[string]bool{}
	for _, in := range m.Graph.Inputs {
		declared[in.Name] = true
	}
	for _, s := range f.inputs {
		name, dims, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return opts, usageError("--input %q: want NAME=DIMS such as input=1x3x224x224", s)
		}
		if !declared[name] {
			return opts, usageError("--input %q: the model has no input %q (inputs: %s)", s, name, inputNames(m))
		}
		shp, err := shape.ParseDims(dims)
		if err != nil {
			return opts, usageError("--input %q: %v", s, err)
		}
		opts.Inputs[name] = shp
	}
	if f.inputData != "" {
		vals, err := shape.ReadInputData(m, f.inputData, 1<<16)
		if err != nil {
			return opts, fmt.Errorf("--input-data: %w", err)
		}
		opts.InputValues = vals
	}
	return opts, nil
}

func inputNames(m *onnx.Model) string {
	var names []string
	for _, in := range m.Graph.Inputs {
		names = append(names, in.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// loadModel opens a model and infers its shapes.
func loadModel(path string, f *modelFlags) (*onnx.Model, *shape.Result, error) {
	mf, res, err := openModel(path, f)
	if err != nil {
		return nil, nil, err
	}
	return mf.Graph, res, nil
}

// openModel opens any model input (an ONNX file, a config.json, a model
// folder or a GGUF file, told apart by content) and infers its shapes. The
// result also carries the weights headers and their check against the
// config, when there are any.
func openModel(path string, f *modelFlags) (*modelfile.Model, *shape.Result, error) {
	mf, err := modelfile.Open(path, modelfile.Options{Build: f.build})
	if err != nil {
		return nil, nil, err
	}
	if f.phaseSet && mf.HF == nil {
		mf.Close()
		return nil, nil, usageError("--phase %s: %s is an ONNX graph; --phase applies to a config.json, a model folder or a GGUF file", f.build.Phase, path)
	}
	m := mf.Graph
	opts, err := f.options(m)
	if err != nil {
		mf.Close()
		return nil, nil, err
	}
	res, err := shape.Infer(m, opts)
	if err != nil {
		mf.Close()
		var ud *shape.UnknownDimError
		if errors.As(err, &ud) {
			return nil, nil, usageError("--dim %s=%d: %s has no symbol %q (its inputs' symbols: %s)", ud.Name, opts.Dims[ud.Name], path, ud.Name, orNoneList(ud.Symbols))
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return mf, res, nil
}

// addSource records what a config, folder or GGUF input was read from and
// its weights check in the document (nothing for an ONNX file).
func addSource(d *report.FPODoc, m *modelfile.Model) {
	if m == nil || m.Kind == modelfile.ONNX {
		return
	}
	d.Source, d.Weights, d.WeightsCheck = report.NewSource(m)
}

// orNoneList joins names, or says "none".
func orNoneList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

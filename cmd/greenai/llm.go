package main

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// dimBindings turns --dim name=value flags (already validated) into a map.
func dimBindings(dims []string) map[string]int64 {
	bind := map[string]int64{}
	for _, d := range dims {
		name, val, _ := strings.Cut(d, "=")
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			bind[name] = n
		}
	}
	return bind
}

// costLLM sets a training step's exact FPO (forward + backward at the
// spec's batch size) beside the rules of thumb, for a model given as a
// config.json, model folder or GGUF file; nil for an ONNX model.
func costLLM(s *cost.Spec, pt *cost.PriceTag) (*report.LLMDoc, error) {
	mf, err := modelfile.Open(s.ModelPath(), modelfile.Options{Build: hf.BuildOptions{Phase: hf.Train}})
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	if mf.HF == nil {
		return nil, nil
	}
	res, err := shape.Infer(mf.Graph, shape.Options{Dims: s.Dims})
	if err != nil {
		return nil, err
	}
	step := new(big.Rat).Add(pt.StepForward, pt.StepBackward)
	exact := sym.Expr{}
	if step.IsInt() && step.Num().IsInt64() {
		exact = sym.Const(step.Num().Int64())
	}
	bind := map[string]int64{hf.DimBatch: int64(s.Train.BatchSize)}
	for k, v := range s.Dims {
		bind[k] = v
	}
	label := fmt.Sprintf("a training step at batch %d, forward + backward (no optimizer)", s.Train.BatchSize)
	return report.NewLLM(mf.HF, hf.Summarize(mf.HF, res), exact, label, bind, true), nil
}

package main

import (
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

// llmCount is what a language model built from a config adds to a count:
// its summary (phase, parameters, KV cache) and the rules of thumb.
type llmCount struct {
	summary *hf.Summary
	rules   []hf.Approx
	exact   sym.Expr // the exact FPO the rules are set beside
	label   string   // what exact is: "forward pass", "training step"
}

// newLLMCount summarizes a counted config; training compares the rules
// with a training step's forward and backward FPO.
func newLLMCount(cfg *hf.Config, s *hf.Summary, exact sym.Expr, dims []string, training bool) *llmCount {
	bind := map[string]int64{}
	for _, d := range dims {
		name, val, _ := strings.Cut(d, "=")
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			bind[name] = n
		}
	}
	label := "forward pass"
	if training {
		label = "training step: forward + backward"
	}
	return &llmCount{summary: s, rules: hf.Subst(hf.RulesOfThumb(cfg, s, training), bind), exact: exact, label: label}
}

// offBy is how far an estimate is from the exact count, when both are numbers.
func offBy(approx, exact sym.Expr) string {
	a, ok1 := approx.IsConst()
	e, ok2 := exact.IsConst()
	if !ok1 || !ok2 || e == 0 {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", 100*(float64(a)-float64(e))/float64(e))
}

func (l *llmCount) writeText(w io.Writer) {
	s := l.summary
	fmt.Fprintf(w, "\nLanguage model (%s, phase %s)\n", s.ModelType, s.Phase)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if s.Params.Active != s.Params.Total {
		fmt.Fprintf(tw, "  Params total\t%s\t%d\n", units.Count(s.Params.Total), s.Params.Total)
		fmt.Fprintf(tw, "  Params active\t%s\t%d per token (top-k experts)\n", units.Count(s.Params.Active), s.Params.Active)
	}
	fmt.Fprintf(tw, "  Non-embedding params\t%s\t%d (the N of the rules below)\n", units.Count(s.NonEmbedding), s.NonEmbedding)
	if !s.KVCacheIn.Equal(sym.Expr{}) {
		fmt.Fprintf(tw, "  KV cache read\t%s\tbytes (past tokens)\n", short(s.KVCacheIn))
	}
	if !s.KVCacheOut.Equal(sym.Expr{}) {
		fmt.Fprintf(tw, "  KV cache after the step\t%s\tbytes\n", short(s.KVCacheOut))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nExact count vs rules of thumb (the rules are approximations)\n  counted: %s\n", l.label)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  exact (this graph)\t%s\t\n", short(l.exact))
	for _, a := range l.rules {
		fmt.Fprintf(tw, "  ≈ %s\t%s\t%s\n", a.Name, short(a.FPO), offBy(a.FPO, l.exact))
	}
	tw.Flush()
	for _, a := range l.rules {
		fmt.Fprintf(w, "  %s: %s (%s)\n", a.Name, a.Formula, a.Source)
		if a.Note != "" {
			fmt.Fprintf(w, "    %s\n", a.Note)
		}
	}
}

func (l *llmCount) json() map[string]any {
	s := l.summary
	out := map[string]any{
		"model_type": s.ModelType, "phase": s.Phase, "params": s.Params, "non_embedding_params": s.NonEmbedding,
		"tokens": num(s.Tokens), "kv_cache_read_bytes": num(s.KVCacheIn), "kv_cache_after_bytes": num(s.KVCacheOut),
		"exact_fpo": num(l.exact), "exact_is": l.label,
	}
	var rules []map[string]any
	for _, a := range l.rules {
		r := map[string]any{"name": a.Name, "source": a.Source, "formula": a.Formula, "fpo": num(a.FPO), "approximation": true}
		if a.Note != "" {
			r["note"] = a.Note
		}
		if d := offBy(a.FPO, l.exact); d != "" {
			r["off_by"] = d
		}
		rules = append(rules, r)
	}
	out["rules_of_thumb"] = rules
	return out
}

// costLLM sets a training step's exact FPO (forward + backward at the
// spec's batch size) beside the rules of thumb, for a model given as a
// config.json, model folder or GGUF file; nil for an ONNX model.
func costLLM(s *cost.Spec, pt *cost.PriceTag) (*llmCount, error) {
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
	var dims []string
	for k, v := range s.Dims {
		dims = append(dims, fmt.Sprintf("%s=%d", k, v))
	}
	dims = append(dims, fmt.Sprintf("%s=%d", hf.DimBatch, s.Train.BatchSize))
	l := newLLMCount(mf.HF, hf.Summarize(mf.HF, res), exact, dims, true)
	l.label = fmt.Sprintf("a training step at batch %d, forward + backward (no optimizer)", s.Train.BatchSize)
	return l, nil
}

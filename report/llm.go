package report

import (
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

// LLMDoc is what a language model built from a Hugging Face config (a
// config.json, model folder or GGUF file) adds to a count: its phase, its
// parameters (active and total for mixture-of-experts), the KV cache, and
// the exact count set beside the usual rules of thumb, which are
// approximations and labelled as such.
type LLMDoc struct {
	ModelType string         `json:"model_type"`
	Phase     string         `json:"phase"`
	Params    hf.ParamCounts `json:"params"`
	// NonEmbedding is the N of the rules of thumb.
	NonEmbedding int64 `json:"non_embedding_params"`
	Tokens       Count `json:"tokens"`
	KVCacheRead  Count `json:"kv_cache_read_bytes"`
	KVCacheAfter Count `json:"kv_cache_after_bytes"`
	// ExactFPO is the graph's count of what ExactIs names ("forward pass",
	// or a training step's forward and backward passes).
	ExactFPO Count     `json:"exact_fpo"`
	ExactIs  string    `json:"exact_is"`
	Rules    []RuleDoc `json:"rules_of_thumb"`
}

// RuleDoc is one rule of thumb evaluated for the model.
type RuleDoc struct {
	Name    string `json:"name"`
	Source  string `json:"source"`
	Formula string `json:"formula"`
	FPO     Count  `json:"fpo"`
	// Approximation is always true: a rule of thumb is an estimate.
	Approximation bool   `json:"approximation"`
	Note          string `json:"note,omitempty"`
	// OffBy is how far the rule is from the exact count ("+3.2%"), when
	// both are numbers.
	OffBy string `json:"off_by,omitempty"`
}

// NewLLM builds the language-model section of a count of a model built
// for cfg, summarized in s. exact is the count the rules are compared
// with and exactIs names it; bind holds the dims the user bound, which the
// rules are evaluated at; training selects the rules for a training step
// (forward + backward) rather than a forward pass.
func NewLLM(cfg *hf.Config, s *hf.Summary, exact sym.Expr, exactIs string, bind map[string]int64, training bool) *LLMDoc {
	d := &LLMDoc{ModelType: s.ModelType, Phase: s.Phase, Params: s.Params, NonEmbedding: s.NonEmbedding,
		Tokens: C(s.Tokens), KVCacheRead: C(s.KVCacheIn), KVCacheAfter: C(s.KVCacheOut),
		ExactFPO: C(exact), ExactIs: exactIs, Rules: []RuleDoc{}}
	for _, a := range hf.Subst(hf.RulesOfThumb(cfg, s, training), bind) {
		d.Rules = append(d.Rules, RuleDoc{Name: a.Name, Source: a.Source, Formula: a.Formula, FPO: C(a.FPO),
			Approximation: true, Note: a.Note, OffBy: offBy(a.FPO, exact)})
	}
	return d
}

// NewCostLLM is the language-model section of a price tag: a training
// step's exact FPO (forward + backward at the spec's batch size) beside the
// rules of thumb, for a model given as a config.json, model folder or GGUF
// file; nil for an ONNX model.
func NewCostLLM(s *cost.Spec, pt *cost.PriceTag) (*LLMDoc, error) {
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
	return NewLLM(mf.HF, hf.Summarize(mf.HF, res), exact, label, bind, true), nil
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

// Tables are the section as two tables: the model's parameters and KV
// cache, and the exact count beside the rules of thumb (their formulas and
// sources in its notes). Cells hold exact values for CSV.
func (d *LLMDoc) Tables() (params, rules *Table) {
	pt := &Table{Caption: fmt.Sprintf("Language model (%s, phase %s)", d.ModelType, d.Phase),
		Header: []string{"Quantity", "Value", "Exact"}, Align: []byte("lrl")}
	count := func(n int64) Cell { return Cell{Text: units.Count(n), Raw: fmt.Sprint(n)} }
	expr := func(c Count) Cell { return Cell{Text: units.Expr(c.Expr), Raw: units.Exact(c.Expr)} }
	if d.Params.Active != d.Params.Total {
		pt.AddRow(Text("Params total"), count(d.Params.Total), Text(fmt.Sprint(d.Params.Total)))
		pt.AddRow(Text("Params active"), count(d.Params.Active), Text(fmt.Sprintf("%d per token (top-k experts)", d.Params.Active)))
	}
	pt.AddRow(Text("Non-embedding params"), count(d.NonEmbedding), Text(fmt.Sprintf("%d (the N of the rules below)", d.NonEmbedding)))
	if !d.KVCacheRead.Equal(sym.Expr{}) {
		pt.AddRow(Text("KV cache read"), expr(d.KVCacheRead), Text("bytes (past tokens)"))
	}
	if !d.KVCacheAfter.Equal(sym.Expr{}) {
		pt.AddRow(Text("KV cache after the step"), expr(d.KVCacheAfter), Text("bytes"))
	}
	rt := &Table{Caption: "Exact count vs rules of thumb (the rules are approximations)",
		Header: []string{"Count", "FPO", "Off by"}, Align: []byte("lrr"), Notes: []string{"counted: " + d.ExactIs}}
	rt.AddRow(Text("exact (this graph)"), expr(d.ExactFPO), Text(""))
	for _, a := range d.Rules {
		rt.AddRow(Text("≈ "+a.Name), expr(a.FPO), Text(a.OffBy))
		n := fmt.Sprintf("%s: %s (%s)", a.Name, a.Formula, a.Source)
		if a.Note != "" {
			n += ". " + a.Note
		}
		rt.Notes = append(rt.Notes, n)
	}
	return pt, rt
}

// WriteText renders the section for a terminal of the given width (0: no
// limit).
func (d *LLMDoc) WriteText(w io.Writer, width int) error {
	var b strings.Builder
	pt, rt := d.Tables()
	for _, t := range []*Table{pt, rt} {
		t.Heading, t.HideHeader, t.Indent, t.Width, t.Align = true, true, "  ", width, nil
	}
	notes := rt.Notes
	rt.Notes = nil
	b.WriteString("\n")
	if err := pt.WriteText(&b); err != nil {
		return err
	}
	b.WriteString("\n")
	if err := rt.WriteText(&b); err != nil {
		return err
	}
	for _, n := range notes {
		b.WriteString(wrapIndent("  "+n, width, "    "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/units"
)

// CostVersion is the "version" of the price tag's JSON. It changes when a
// field changes meaning or goes away (docs/schema/cost.schema.json).
const CostVersion = "greenai.cost/1"

// CostDoc is the price tag of a result, Cost(R) ∝ E·D·H, as greenai cost
// prints it and greenai serve shows it. FPO values are exact rationals
// (integers except per-example averages), MACs beside them. Build it with
// NewCost; write it with Write (or encoding/json).
type CostDoc struct {
	Version string `json:"version"` // CostVersion
	Model   string `json:"model"`
	// Unit is what train_examples counts: examples, sequences or tokens.
	Unit           string `json:"unit"`
	SequenceLength int64  `json:"sequence_length,omitempty"` // tokens per sequence, for token models
	TrainTokens    int64  `json:"train_tokens,omitempty"`    // the training set in tokens, for token models
	Optimizer      string `json:"optimizer"`
	BatchSize      int64  `json:"batch_size"`

	// Parameters that train (tied weights once) and frozen ones.
	TrainableParams int64    `json:"trainable_params"`
	FrozenParams    int64    `json:"frozen_params"`
	FrozenNames     []string `json:"frozen_names,omitempty"`
	Tied            []string `json:"tied,omitempty"`
	// PossiblyTied are stored tensors that may duplicate others (their
	// weights could not be read to check), and TrainableParamsIfTied the
	// trainable parameters if they are.
	PossiblyTied          []string `json:"possibly_tied,omitempty"`
	TrainableParamsIfTied *int64   `json:"trainable_params_if_tied,omitempty"`

	// E: one forward pass per example, and a training step per example
	// (forward + backward + the optimizer update spread over the batch);
	// the _exact fields give E_train as a fraction.
	EInferFPO       *Rat    `json:"e_infer_fpo"`
	EInferMACs      *Rat    `json:"e_infer_macs"`
	ETrainFPO       *Rat    `json:"e_train_fpo"`
	ETrainFPOExact  string  `json:"e_train_fpo_exact"`
	ETrainMACs      *Rat    `json:"e_train_macs"`
	ETrainMACsExact string  `json:"e_train_macs_exact"`
	Ratio           float64 `json:"train_to_infer_ratio"`
	// One training step at the full batch.
	StepForwardFPO  *Rat `json:"step_forward_fpo"`
	StepBackwardFPO *Rat `json:"step_backward_fpo"`
	StepUpdateFPO   *Rat `json:"step_update_fpo"`

	// D: the training set, epochs, steps and examples of one full trial.
	TrainExamples    *Rat  `json:"train_examples"`
	Epochs           *Rat  `json:"epochs"`
	StepsPerEpoch    int64 `json:"steps_per_epoch"`
	StepsPerTrial    int64 `json:"steps_per_trial"`
	ExamplesPerTrial *Rat  `json:"examples_per_trial"`
	// H: hyperparameter trials.
	Trials int64 `json:"trials"`

	// Eval is the validation schedule; Deploy the deployment.
	Eval   CostEval   `json:"eval"`
	Deploy CostDeploy `json:"deploy"`

	TrainFPOPerTrial *Rat `json:"train_fpo_per_trial"`
	EvalFPOPerTrial  *Rat `json:"eval_fpo_per_trial"`
	TrialFPO         *Rat `json:"trial_fpo"`
	TrialMACs        *Rat `json:"trial_macs"`
	SearchFPO        *Rat `json:"search_fpo"`
	SearchMACs       *Rat `json:"search_macs"`
	// With trial_epochs: the search had every trial run to train.epochs,
	// and what early stopping saved against it.
	SearchFPOFull *Rat `json:"search_fpo_if_all_trials_completed,omitempty"`
	EarlyStopSave *Rat `json:"early_stopping_saved_fpo,omitempty"`
	// With frozen parameters: what freezing saved over the search and per step.
	FreezeSavedFPO     *Rat             `json:"freeze_saved_fpo,omitempty"`
	FreezeSavedPerStep *CostFreezeSaved `json:"freeze_saved_per_step,omitempty"`

	InferenceExamples *Rat `json:"inference_examples"`
	InferenceFPO      *Rat `json:"inference_fpo"`
	InferenceMACs     *Rat `json:"inference_macs"`
	TotalFPO          *Rat `json:"total_fpo"`
	TotalMACs         *Rat `json:"total_macs"`

	// Explanation says, line by line, why E_train/E_infer is not 3.
	Explanation []string `json:"explanation"`
	// Estimate is time and energy on named hardware: an estimate, never a
	// measurement.
	Estimate *CostEstimate `json:"estimate,omitempty"`
	Notes    []string      `json:"notes,omitempty"`
	// LanguageModel is set for a model built from a Hugging Face config:
	// the exact training step beside the rules of thumb.
	LanguageModel *LLMDoc `json:"language_model,omitempty"`
}

// CostEval is the validation schedule of a trial.
type CostEval struct {
	Examples    int64   `json:"examples"`
	EverySteps  int64   `json:"every_steps,omitempty"`
	EveryEpochs float64 `json:"every_epochs,omitempty"`
}

// CostDeploy is the deployment the inference cost is for.
type CostDeploy struct {
	QueriesPerDay    float64 `json:"queries_per_day"`
	Days             float64 `json:"days"`
	ExamplesPerQuery int64   `json:"examples_per_query"`
}

// CostFreezeSaved is what freezing saves in one step at the full batch.
type CostFreezeSaved struct {
	WeightGradients     *Rat `json:"weight_gradients_fpo"`
	ActivationGradients *Rat `json:"activation_gradients_fpo"`
	Accumulation        *Rat `json:"accumulation_fpo"`
	Update              *Rat `json:"update_fpo"`
}

// CostEstimate is time and energy on named hardware.
type CostEstimate struct {
	Device      string   `json:"device"`
	Count       int64    `json:"count"`
	Precision   string   `json:"precision"`
	Utilization float64  `json:"utilization"`
	SearchSec   float64  `json:"search_seconds"`
	InferSec    float64  `json:"inference_seconds"`
	SearchKWh   float64  `json:"search_kwh"`
	InferKWh    float64  `json:"inference_kwh"`
	Assumptions []string `json:"assumptions"`
	IsEstimate  bool     `json:"is_estimate"` // always true
}

// Rat is an exact rational count. Its JSON is an integer when whole (of
// any size), else the nearest float64; a Rat reads both back.
type Rat big.Rat

// R wraps r (nil stays nil).
func R(r *big.Rat) *Rat { return (*Rat)(r) }

// Big is r as a *big.Rat.
func (r *Rat) Big() *big.Rat { return (*big.Rat)(r) }

// Float64 is r's nearest float64 (0 for nil).
func (r *Rat) Float64() float64 {
	if r == nil {
		return 0
	}
	f, _ := r.Big().Float64()
	return f
}

// MarshalJSON writes an integer, or a float64 for a fraction.
func (r *Rat) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	if b := r.Big(); b.IsInt() {
		return []byte(b.Num().String()), nil
	}
	return json.Marshal(r.Float64())
}

// UnmarshalJSON reads a JSON number.
func (r *Rat) UnmarshalJSON(data []byte) error {
	if _, ok := r.Big().SetString(string(data)); !ok {
		return fmt.Errorf("%s is not a number", data)
	}
	return nil
}

// NewCost builds the price tag's document. The language-model section,
// when there is one, is set by the caller (LanguageModel).
func NewCost(pt *cost.PriceTag) *CostDoc {
	s := pt.Spec
	d := &CostDoc{Version: CostVersion, Model: s.Model, Unit: s.Train.Unit, SequenceLength: pt.SequenceLen,
		TrainTokens: pt.TrainTokens, Optimizer: s.Train.Optimizer, BatchSize: s.Train.BatchSize,
		EInferFPO: R(pt.EInfer), EInferMACs: R(pt.EInferMACs), ETrainFPO: R(pt.ETrain), ETrainFPOExact: pt.ETrain.RatString(),
		ETrainMACs: R(pt.ETrainMACs), ETrainMACsExact: pt.ETrainMACs.RatString(), Ratio: pt.Ratio,
		StepForwardFPO: R(pt.StepForward), StepBackwardFPO: R(pt.StepBackward), StepUpdateFPO: R(pt.StepUpdate),
		TrainExamples: R(pt.TrainExamples), Epochs: R(pt.Epochs), StepsPerEpoch: pt.StepsPerEpoch, StepsPerTrial: pt.Steps,
		ExamplesPerTrial: R(pt.D), Trials: pt.H,
		Eval:             CostEval{Examples: s.Eval.Examples, EverySteps: s.Eval.EverySteps, EveryEpochs: s.Eval.EveryEpochs},
		Deploy:           CostDeploy{QueriesPerDay: s.Deploy.QueriesPerDay, Days: s.Deploy.Days, ExamplesPerQuery: s.Deploy.ExamplesPerQuery},
		TrainFPOPerTrial: R(pt.TrainPerTrial), EvalFPOPerTrial: R(pt.EvalPerTrial), TrialFPO: R(pt.TrialFPO), TrialMACs: R(pt.TrialMACs),
		SearchFPO: R(pt.SearchFPO), SearchMACs: R(pt.SearchMACs),
		InferenceExamples: R(pt.InferenceExamples), InferenceFPO: R(pt.InferenceFPO), InferenceMACs: R(pt.InferenceMACs),
		TotalFPO: R(pt.TotalFPO), TotalMACs: R(pt.TotalMACs), Explanation: pt.Explanation, Notes: pt.Notes}
	if d.Explanation == nil {
		d.Explanation = []string{}
	}
	if tr := pt.Train; tr != nil {
		d.TrainableParams, d.FrozenParams, d.Tied = tr.TrainableParams, tr.FrozenParams, tr.Tied
		if len(tr.UncheckedTied) > 0 {
			n := tr.TrainableParams - tr.UncheckedTiedParams
			d.PossiblyTied, d.TrainableParamsIfTied = tr.UncheckedTied, &n
		}
		if pt.Freezing != nil {
			d.FrozenNames = tr.FrozenNames
		}
	}
	if pt.Saved != nil {
		d.SearchFPOFull, d.EarlyStopSave = R(pt.SearchFPOFull), R(pt.Saved)
	}
	if f := pt.Freezing; f != nil {
		d.FreezeSavedFPO = R(f.Search)
		d.FreezeSavedPerStep = &CostFreezeSaved{WeightGradients: R(f.StepWeightGrad), ActivationGradients: R(f.StepInputGrad),
			Accumulation: R(f.StepAccumulate), Update: R(f.StepUpdate)}
	}
	if e := pt.Estimate; e != nil {
		d.Estimate = &CostEstimate{Device: e.Device.Name, Count: e.Count, Precision: e.Precision, Utilization: e.Utilization,
			SearchSec: e.SearchSeconds, InferSec: e.InferSeconds, SearchKWh: e.SearchKWh, InferKWh: e.InferKWh,
			Assumptions: e.Assumptions, IsEstimate: true}
	}
	return d
}

// Write writes the price tag in format: text (fitted to width columns; 0
// for no limit), json, markdown, latex or csv (the table's rows, exact).
func (d *CostDoc) Write(w io.Writer, format string, width int) error {
	switch format {
	case "json":
		return writeJSON(w, d)
	case Plain, "":
		return d.writeText(w, width)
	case Markdown:
		t := d.Table()
		t.Notes = []string{"FPO counted analytically by greenai (every ADD and MUL; 1 MAC = 2 FPO; SI prefixes are decimal)."}
		if e := d.Estimate; e != nil {
			t.Notes = append(t.Notes, fmt.Sprintf("*Estimate* on %d× %s at %.0f%% utilization: search %s (%s), deployment %s (%s). %s",
				e.Count, e.Device, 100*e.Utilization, units.Duration(e.SearchSec), units.QuantityDigits(e.SearchKWh, "kWh", 3),
				units.Duration(e.InferSec), units.QuantityDigits(e.InferKWh, "kWh", 3), strings.Join(e.Assumptions, " ")))
		}
		return WriteTables(w, Markdown, append([]*Table{t}, d.llmTables()...)...)
	case LaTeX:
		t := d.Table()
		t.Caption = fmt.Sprintf("Price tag of %s: Cost(R) ∝ E·D·H (Schwartz et al., 2020). FPO counted analytically by greenai; 1 MAC = 2 FPO.", d.Model)
		t.Widths = []string{"", "0.45\\linewidth"}
		if e := d.Estimate; e != nil {
			t.Notes = []string{fmt.Sprintf("Estimate on %d× %s at %.0f%% utilization: search %s (%s), deployment %s (%s). %s",
				e.Count, e.Device, 100*e.Utilization, units.Duration(e.SearchSec), units.QuantityDigits(e.SearchKWh, "kWh", 3),
				units.Duration(e.InferSec), units.QuantityDigits(e.InferKWh, "kWh", 3), strings.Join(e.Assumptions, " "))}
		}
		return WriteTables(w, LaTeX, append([]*Table{t}, d.llmTables()...)...)
	case CSV:
		return d.Table().WriteCSV(w)
	}
	return fmt.Errorf("unknown price tag format %q (want text, json, markdown, latex or csv)", format)
}

// llmTables are the language-model section's tables, if there is one.
func (d *CostDoc) llmTables() []*Table {
	if d.LanguageModel == nil {
		return nil
	}
	p, r := d.LanguageModel.Tables()
	return []*Table{p, r}
}

// exampleUnit names what one example is.
func (d *CostDoc) exampleUnit() string {
	if d.SequenceLength > 0 {
		return fmt.Sprintf("sequence of %d tokens", d.SequenceLength)
	}
	return "example"
}

// Table is the price tag's table: one row per term (E, D, H, the totals),
// what it holds, its FPO and MACs; CSV cells hold the exact values.
func (d *CostDoc) Table() *Table {
	t := &Table{Header: []string{"Term", "What", "FPO", "MACs"}, Align: []byte("llrr")}
	rat := func(r *Rat) Cell {
		if r == nil {
			return Cell{}
		}
		return Cell{Text: units.SI(r.Float64()), Raw: ratExact(r.Big())}
	}
	row := func(term, what string, fpo, macs *Rat) { t.AddRow(Text(term), Text(what), rat(fpo), rat(macs)) }
	unit := d.exampleUnit()
	data := fmt.Sprintf("%s examples", ratString(d.TrainExamples.Big()))
	if d.SequenceLength > 0 {
		data = fmt.Sprintf("%d tokens = %s sequences of %d", d.TrainTokens, ratString(d.TrainExamples.Big()), d.SequenceLength)
	}
	row("E (inference)", "forward pass, per "+unit, d.EInferFPO, d.EInferMACs)
	row("E (training)", fmt.Sprintf("forward + backward + %s update, per %s (batch %d)", d.Optimizer, unit, d.BatchSize), d.ETrainFPO, d.ETrainMACs)
	row("", fmt.Sprintf("E_train / E_infer = %.3f (rule of thumb: 3)", d.Ratio), nil, nil)
	row("D", fmt.Sprintf("%s × %s epochs = %s %ss (%d steps)", data, plainFloat(d.Epochs.Float64()), ratString(d.ExamplesPerTrial.Big()),
		strings.SplitN(unit, " ", 2)[0], d.StepsPerTrial), nil, nil)
	row("H", fmt.Sprintf("%d hyperparameter trial(s)", d.Trials), nil, nil)
	row("Training per trial", "every step: forward + backward at its batch, one update", d.TrainFPOPerTrial, nil)
	row("Validation per trial", d.evalWhat(), d.EvalFPOPerTrial, nil)
	row("Trial", "training + validation", d.TrialFPO, d.TrialMACs)
	row("Search", "all trials (E·D·H)", d.SearchFPO, d.SearchMACs)
	if d.EarlyStopSave != nil {
		row("Early stopping saved", "against running every trial to completion ("+units.SI(d.SearchFPOFull.Float64())+")", d.EarlyStopSave, nil)
	}
	if d.FreezeSavedFPO != nil {
		row("Freezing saved", fmt.Sprintf("%d frozen parameters: their gradients and updates, over the search", d.FrozenParams), d.FreezeSavedFPO, nil)
	}
	deploy := "none"
	if d.InferenceExamples.Big().Sign() > 0 {
		deploy = fmt.Sprintf("%s examples (%s queries/day × %s days × %d)", units.SI(d.InferenceExamples.Float64()),
			plainFloat(d.Deploy.QueriesPerDay), plainFloat(d.Deploy.Days), d.Deploy.ExamplesPerQuery)
	}
	row("Deployment", deploy, d.InferenceFPO, d.InferenceMACs)
	row("Total", "search + deployment", d.TotalFPO, d.TotalMACs)
	return t
}

func (d *CostDoc) evalWhat() string {
	e := d.Eval
	if e.Examples == 0 {
		return "none"
	}
	if e.EverySteps > 0 {
		return fmt.Sprintf("%d examples every %d steps", e.Examples, e.EverySteps)
	}
	return fmt.Sprintf("%d examples every %g epoch(s)", e.Examples, e.EveryEpochs)
}

func (d *CostDoc) writeText(w io.Writer, width int) error {
	var b strings.Builder
	t := d.Table()
	t.Caption = fmt.Sprintf("Price tag of %s (FPO: every ADD and MUL; 1 MAC = 2 FPO; SI prefixes decimal)", d.Model)
	t.Width = width
	t.Header = []string{"term", "what", "FPO", "MACs"}
	if err := t.WriteText(&b); err != nil {
		return err
	}
	b.WriteString("\nWhy E_train/E_infer is not exactly 3:\n")
	for _, l := range d.Explanation {
		b.WriteString(wrapIndent("  - "+l, width, "    "))
	}
	if e := d.Estimate; e != nil {
		b.WriteString("\n" + wrapIndent(fmt.Sprintf("ESTIMATE on %d× %s (%s, %.0f%% utilization):", e.Count, e.Device, e.Precision, 100*e.Utilization), width, "  "))
		fmt.Fprintf(&b, "  search     %s, %s\n", units.Duration(e.SearchSec), units.QuantityDigits(e.SearchKWh, "kWh", 3))
		fmt.Fprintf(&b, "  deployment %s, %s\n", units.Duration(e.InferSec), units.QuantityDigits(e.InferKWh, "kWh", 3))
		for _, a := range e.Assumptions {
			b.WriteString(wrapIndent("  * "+a, width, "    "))
		}
	}
	for _, n := range d.Notes {
		b.WriteString("\n" + wrapIndent("Note: "+n, width, "  "))
	}
	if d.LanguageModel != nil {
		if err := d.LanguageModel.WriteText(&b, width); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ratString renders an exact rational: an integer, or a decimal with three places.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(3)
}

// ratExact renders an exact rational: an integer or a fraction "779327091903/32".
func ratExact(r *big.Rat) string { return r.RatString() }

// plainFloat prints a number without an exponent.
func plainFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// DevicesTable lists the accelerator table that cost estimates use: key,
// name, TDP and peak rate per precision.
func DevicesTable() *Table {
	t := &Table{Header: []string{"Key", "Device", "TDP", "Peak"}, Align: []byte("llrl")}
	for _, k := range cost.DeviceNames() {
		d := cost.Devices[k]
		ps := make([]string, 0, len(d.Peak))
		for p := range d.Peak {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		for i, p := range ps {
			ps[i] = p + " " + units.Quantity(d.Peak[p], "FLOP/s")
		}
		t.AddRow(Text(k), Text(d.Name), Cell{Text: strconv.FormatFloat(d.TDP, 'g', -1, 64) + " W", Raw: strconv.FormatFloat(d.TDP, 'g', -1, 64)}, Text(strings.Join(ps, ", ")))
	}
	return t
}

// WriteDevices writes the accelerator table for a terminal of the given
// width (0: no limit): key, device and TDP, the peak rates on lines below.
func WriteDevices(w io.Writer, width int) error {
	all := DevicesTable()
	t := &Table{Header: all.Header[:3], Align: all.Align[:3]}
	for _, r := range all.Rows {
		t.AddRow(r[:3]...)
		lines := r[3].Text
		if width > 0 {
			lines = strings.TrimRight(Wrap("    "+lines, width, "    "), "\n")
		} else {
			lines = "    " + lines
		}
		for _, l := range strings.Split(lines, "\n") {
			t.AddRow(Cell{Text: l, Span: true})
		}
	}
	return t.WriteText(w)
}

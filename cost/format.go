package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/greenai/greenai/units"
)

// si formats an exact rational with a decimal SI prefix.
func si(r *big.Rat) string {
	if r == nil {
		return "-"
	}
	f, _ := r.Float64()
	return units.SI(f)
}

// num renders a rational for JSON: an integer when whole, else a float.
func num(r *big.Rat) any {
	if r == nil {
		return nil
	}
	if r.IsInt() {
		if r.Num().IsInt64() {
			return r.Num().Int64()
		}
		return json.Number(r.Num().String())
	}
	f, _ := r.Float64()
	return f
}

// JSON returns the price tag as a JSON-ready map.
func (pt *PriceTag) JSON() map[string]any {
	s := pt.Spec
	out := map[string]any{
		"model":                s.Model,
		"e_train_fpo":          num(pt.ETrain),
		"e_train_fpo_exact":    pt.ETrain.RatString(),
		"e_train_macs_exact":   pt.ETrainMACs.RatString(),
		"e_train_macs":         num(pt.ETrainMACs),
		"e_infer_fpo":          num(pt.EInfer),
		"e_infer_macs":         num(pt.EInferMACs),
		"train_to_infer_ratio": pt.Ratio,
		"step_forward_fpo":     num(pt.StepForward),
		"step_backward_fpo":    num(pt.StepBackward),
		"step_update_fpo":      num(pt.StepUpdate),
		"train_examples":       num(pt.TrainExamples),
		"epochs":               num(pt.Epochs),
		"batch_size":           s.Train.BatchSize,
		"steps_per_trial":      pt.Steps,
		"steps_per_epoch":      pt.StepsPerEpoch,
		"examples_per_trial":   num(pt.D),
		"trials":               pt.H,
		"train_fpo_per_trial":  num(pt.TrainPerTrial),
		"eval_fpo_per_trial":   num(pt.EvalPerTrial),
		"trial_fpo":            num(pt.TrialFPO),
		"trial_macs":           num(pt.TrialMACs),
		"search_fpo":           num(pt.SearchFPO),
		"search_macs":          num(pt.SearchMACs),
		"inference_examples":   num(pt.InferenceExamples),
		"inference_fpo":        num(pt.InferenceFPO),
		"inference_macs":       num(pt.InferenceMACs),
		"total_fpo":            num(pt.TotalFPO),
		"total_macs":           num(pt.TotalMACs),
		"optimizer":            s.Train.Optimizer,
		"trainable_params":     pt.Train.TrainableParams,
		"frozen_params":        pt.Train.FrozenParams,
		"explanation":          pt.Explanation,
		"unit":                 s.Train.Unit,
	}
	if len(pt.Train.Tied) > 0 {
		out["tied"] = pt.Train.Tied
	}
	if len(pt.Train.UncheckedTied) > 0 {
		out["possibly_tied"] = pt.Train.UncheckedTied
		out["trainable_params_if_tied"] = pt.Train.TrainableParams - pt.Train.UncheckedTiedParams
	}
	if pt.Saved != nil {
		out["search_fpo_if_all_trials_completed"] = num(pt.SearchFPOFull)
		out["early_stopping_saved_fpo"] = num(pt.Saved)
	}
	if pt.SequenceLen > 0 {
		out["train_tokens"] = pt.TrainTokens
		out["sequence_length"] = pt.SequenceLen
	}
	if f := pt.Freezing; f != nil {
		out["frozen_names"] = pt.Train.FrozenNames
		out["freeze_saved_fpo"] = num(f.Search)
		out["freeze_saved_per_step"] = map[string]any{
			"weight_gradients_fpo": num(f.StepWeightGrad), "activation_gradients_fpo": num(f.StepInputGrad),
			"accumulation_fpo": num(f.StepAccumulate), "update_fpo": num(f.StepUpdate),
		}
	}
	if pt.Estimate != nil {
		e := pt.Estimate
		out["estimate"] = map[string]any{
			"device": e.Device.Name, "count": e.Count, "precision": e.Precision, "utilization": e.Utilization,
			"search_seconds": e.SearchSeconds, "inference_seconds": e.InferSeconds,
			"search_kwh": e.SearchKWh, "inference_kwh": e.InferKWh, "assumptions": e.Assumptions,
			"is_estimate": true,
		}
	}
	if len(pt.Notes) > 0 {
		out["notes"] = pt.Notes
	}
	return out
}

type row struct{ term, what, fpo, macs string }

// unit names what one example is.
func (pt *PriceTag) unit() string {
	if pt.SequenceLen > 0 {
		return fmt.Sprintf("sequence of %d tokens", pt.SequenceLen)
	}
	return "example"
}

func (pt *PriceTag) rows() []row {
	s := pt.Spec
	unit := pt.unit()
	data := fmt.Sprintf("%s examples", ratString(pt.TrainExamples))
	if pt.SequenceLen > 0 {
		data = fmt.Sprintf("%d tokens = %s sequences of %d", pt.TrainTokens, ratString(pt.TrainExamples), pt.SequenceLen)
	}
	rows := []row{
		{"E (inference)", "forward pass, per " + unit, si(pt.EInfer), si(pt.EInferMACs)},
		{"E (training)", fmt.Sprintf("forward + backward + %s update, per %s (batch %d)", s.Train.Optimizer, unit, s.Train.BatchSize), si(pt.ETrain), si(pt.ETrainMACs)},
		{"", fmt.Sprintf("E_train / E_infer = %.3f (rule of thumb: 3)", pt.Ratio), "", ""},
		{"D", fmt.Sprintf("%s × %s epochs = %s %ss (%d steps)", data, trimRat(pt.Epochs), ratString(pt.D), strings.SplitN(unit, " ", 2)[0], pt.Steps), "", ""},
		{"H", fmt.Sprintf("%d hyperparameter trial(s)", pt.H), "", ""},
		{"Training per trial", "every step: forward + backward at its batch, one update", si(pt.TrainPerTrial), ""},
		{"Validation per trial", evalWhat(s), si(pt.EvalPerTrial), ""},
		{"Trial", "training + validation", si(pt.TrialFPO), si(pt.TrialMACs)},
		{"Search", "all trials (E·D·H)", si(pt.SearchFPO), si(pt.SearchMACs)},
	}
	if pt.Saved != nil {
		rows = append(rows, row{"Early stopping saved", "against running every trial to completion (" + si(pt.SearchFPOFull) + ")", si(pt.Saved), ""})
	}
	if f := pt.Freezing; f != nil {
		rows = append(rows, row{"Freezing saved", fmt.Sprintf("%d frozen parameters: their gradients and updates, over the search", pt.Train.FrozenParams), si(f.Search), ""})
	}
	deploy := "none"
	if pt.InferenceExamples.Sign() > 0 {
		deploy = fmt.Sprintf("%s examples (%s queries/day × %s days × %d)", si(pt.InferenceExamples), plain(s.Deploy.QueriesPerDay), plain(s.Deploy.Days), s.Deploy.ExamplesPerQuery)
	}
	rows = append(rows,
		row{"Deployment", deploy, si(pt.InferenceFPO), si(pt.InferenceMACs)},
		row{"Total", "search + deployment", si(pt.TotalFPO), si(pt.TotalMACs)},
	)
	return rows
}

func evalWhat(s *Spec) string {
	if s.Eval.Examples == 0 {
		return "none"
	}
	if s.Eval.EverySteps > 0 {
		return fmt.Sprintf("%d examples every %d steps", s.Eval.Examples, s.Eval.EverySteps)
	}
	return fmt.Sprintf("%d examples every %g epoch(s)", s.Eval.Examples, s.Eval.EveryEpochs)
}

func trimRat(r *big.Rat) string {
	f, _ := r.Float64()
	return plain(f)
}

// plain prints a number without an exponent.
func plain(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// WriteText prints the price tag as a table for people.
func (pt *PriceTag) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Price tag of %s (FPO: every ADD and MUL; 1 MAC = 2 FPO; SI prefixes decimal)\n\n", pt.Spec.Model)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "term\twhat\tFPO\tMACs")
	for _, r := range pt.rows() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.term, r.what, r.fpo, r.macs)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nWhy E_train/E_infer is not exactly 3:")
	for _, l := range pt.Explanation {
		fmt.Fprintf(w, "  - %s\n", l)
	}
	if e := pt.Estimate; e != nil {
		fmt.Fprintf(w, "\nESTIMATE on %d× %s (%s, %.0f%% utilization):\n", e.Count, e.Device.Name, e.Precision, 100*e.Utilization)
		fmt.Fprintf(w, "  search     %s, %s\n", hours(e.SearchSeconds), units.QuantityDigits(e.SearchKWh, "kWh", 3))
		fmt.Fprintf(w, "  deployment %s, %s\n", hours(e.InferSeconds), units.QuantityDigits(e.InferKWh, "kWh", 3))
		for _, a := range e.Assumptions {
			fmt.Fprintf(w, "  * %s\n", a)
		}
	}
	for _, n := range pt.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

func hours(s float64) string { return units.Duration(s) }

// WriteMarkdown prints a table to paste into a paper or README.
func (pt *PriceTag) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "| Term | What | FPO | MACs |\n|---|---|---:|---:|\n")
	for _, r := range pt.rows() {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.term, r.what, r.fpo, r.macs)
	}
	fmt.Fprintf(w, "\nFPO counted analytically by greenai (every ADD and MUL; 1 MAC = 2 FPO; SI prefixes are decimal).\n")
	if e := pt.Estimate; e != nil {
		fmt.Fprintf(w, "\n*Estimate* on %d× %s at %.0f%% utilization: search %s (%s), deployment %s (%s). %s\n",
			e.Count, e.Device.Name, 100*e.Utilization, hours(e.SearchSeconds), units.QuantityDigits(e.SearchKWh, "kWh", 3), hours(e.InferSeconds), units.QuantityDigits(e.InferKWh, "kWh", 3), strings.Join(e.Assumptions, " "))
	}
}

// WriteLaTeX prints a booktabs table to paste into a paper.
func (pt *PriceTag) WriteLaTeX(w io.Writer) {
	esc := func(s string) string {
		r := strings.NewReplacer(`\`, `\textbackslash{}`, "&", `\&`, "%", `\%`, "_", `\_`, "#", `\#`, "×", `$\times$`, "·", `$\cdot$`, "/", "/")
		return r.Replace(s)
	}
	fmt.Fprintln(w, `\begin{table}[t]`)
	fmt.Fprintln(w, `\centering`)
	fmt.Fprintln(w, `\begin{tabular}{llrr}`)
	fmt.Fprintln(w, `\toprule`)
	fmt.Fprintln(w, `Term & What & FPO & MACs \\`)
	fmt.Fprintln(w, `\midrule`)
	for _, r := range pt.rows() {
		fmt.Fprintf(w, "%s & %s & %s & %s \\\\\n", esc(r.term), esc(r.what), esc(r.fpo), esc(r.macs))
	}
	fmt.Fprintln(w, `\bottomrule`)
	fmt.Fprintln(w, `\end{tabular}`)
	fmt.Fprintf(w, "\\caption{Price tag of %s: Cost(R) $\\propto$ E$\\cdot$D$\\cdot$H (Schwartz et al., 2020). FPO counted analytically by greenai; 1 MAC = 2 FPO.}\n", esc(pt.Spec.Model))
	fmt.Fprintln(w, `\end{table}`)
}

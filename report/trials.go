package report

import (
	"fmt"
	"strings"
)

// Trial is one hyperparameter-search trial: which model (or approach) it
// belongs to, its validation score, what it cost, and its configuration.
// It is the input of every budget view; files are one source of trials, and
// other sources (a runs store) only need to produce this struct.
type Trial struct {
	Model  string
	Score  float64
	Costs  map[string]float64 // cost columns: fpo, seconds, kwh, …
	Params map[string]string  // every other non-empty column
	// Source and Line locate the trial in its input, for messages; both
	// may be empty for trials that do not come from a file.
	Source string
	Line   int
}

// Where returns "file:line" for a trial read from a file, else "".
func (t Trial) Where() string {
	if t.Source == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", t.Source, t.Line)
}

// TrialSource produces trials. FileTrials reads a CSV/JSONL file; adapters
// for other stores implement the same interface.
type TrialSource interface {
	Trials() ([]Trial, error)
}

// CostUnits maps the cost columns greenai recognises to their units.
// Besides these, any column named cost_<unit> (for example cost_usd) is a
// cost whose unit is the suffix, and TrialOptions.CostColumns can declare
// more.
var CostUnits = map[string]string{
	"fpo":       "FPO",
	"macs":      "MAC",
	"seconds":   "s",
	"hours":     "h",
	"gpu_hours": "GPU h",
	"kwh":       "kWh",
	"joules":    "J",
	"co2_kg":    "kg CO2e",
	// Read by the efficiency card: the FPO of one example, and the PUE
	// of the facility (a factor, no unit).
	ColTrainFPOPerExample:     "FPO",
	ColInferenceFPOPerExample: "FPO",
	ColPUE:                    "",
}

// CostUnit returns the unit of a cost column ("" if unknown).
func CostUnit(col string) string {
	if u, ok := CostUnits[col]; ok {
		return u
	}
	if u, ok := strings.CutPrefix(col, "cost_"); ok {
		return u
	}
	return ""
}

func isCost(col string, extra []string) bool {
	if _, ok := CostUnits[col]; ok || strings.HasPrefix(col, "cost_") {
		return true
	}
	for _, e := range extra {
		if e == col {
			return true
		}
	}
	return false
}

// TrialOptions selects the columns of a trials file.
type TrialOptions struct {
	ModelColumn string   // default "model"
	ScoreColumn string   // default "score"
	CostColumns []string // more numeric cost columns, besides the known ones
}

func (o TrialOptions) withDefaults() TrialOptions {
	if o.ModelColumn == "" {
		o.ModelColumn = "model"
	}
	if o.ScoreColumn == "" {
		o.ScoreColumn = "score"
	}
	o.ModelColumn = strings.ToLower(o.ModelColumn)
	o.ScoreColumn = strings.ToLower(o.ScoreColumn)
	for i, c := range o.CostColumns {
		o.CostColumns[i] = strings.ToLower(c)
	}
	return o
}

// TrialsFromInput converts rows to trials. The model and score columns are
// required; cost columns must hold non-negative numbers where not empty.
func TrialsFromInput(t *Input, opts TrialOptions) ([]Trial, error) {
	opts = opts.withDefaults()
	if err := t.Require(opts.ModelColumn, opts.ScoreColumn); err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("%s: no trials (only a header)", t.Source)
	}
	out := make([]Trial, 0, len(t.Rows))
	for _, r := range t.Rows {
		tr := Trial{Source: r.Source, Line: r.Line, Costs: map[string]float64{}, Params: map[string]string{}}
		tr.Model = r.Fields[opts.ModelColumn]
		if tr.Model == "" {
			return nil, r.Errorf("%s is empty", opts.ModelColumn)
		}
		var err error
		if tr.Score, err = r.MustNumber(opts.ScoreColumn); err != nil {
			return nil, err
		}
		for col, v := range r.Fields {
			if col == opts.ModelColumn || col == opts.ScoreColumn || v == "" {
				continue
			}
			if !isCost(col, opts.CostColumns) {
				tr.Params[col] = v
				continue
			}
			c, _, err := r.Number(col)
			if err != nil {
				return nil, err
			}
			if c < 0 {
				return nil, r.Errorf("%s %s is negative", col, v)
			}
			tr.Costs[col] = c
		}
		out = append(out, tr)
	}
	return out, nil
}

// FileTrials reads trials from a CSV, TSV or JSONL file.
type FileTrials struct {
	Path    string
	Options TrialOptions
}

// Trials implements TrialSource.
func (f FileTrials) Trials() ([]Trial, error) {
	t, err := ReadRunsFile(f.Path)
	if err != nil {
		return nil, err
	}
	return TrialsFromInput(t, f.Options)
}

// FilterModel returns the trials of model; an empty model keeps them all.
func FilterModel(trials []Trial, model string) []Trial {
	if model == "" {
		return trials
	}
	var out []Trial
	for _, t := range trials {
		if t.Model == model {
			out = append(out, t)
		}
	}
	return out
}

// ModelTrials are the trials of one model, in input order.
type ModelTrials struct {
	Model  string
	Trials []Trial
}

// GroupByModel groups trials by model, models in order of first
// appearance.
func GroupByModel(trials []Trial) []ModelTrials {
	var out []ModelTrials
	index := map[string]int{}
	for _, t := range trials {
		i, ok := index[t.Model]
		if !ok {
			i = len(out)
			index[t.Model] = i
			out = append(out, ModelTrials{Model: t.Model})
		}
		out[i].Trials = append(out[i].Trials, t)
	}
	return out
}

// Best returns the trial with the highest score (the first one on ties).
func Best(trials []Trial) Trial {
	var best Trial
	for i, t := range trials {
		if i == 0 || t.Score > best.Score {
			best = t
		}
	}
	return best
}

// MeanCost returns the mean of cost column col over trials. It fails,
// naming the trial, if a trial lacks the cost.
func MeanCost(trials []Trial, col string) (float64, error) {
	sum, err := TotalCost(trials, col)
	if err != nil {
		return 0, err
	}
	return sum / float64(len(trials)), nil
}

// TotalCost returns the sum of cost column col over trials. It fails,
// naming the trial, if a trial lacks the cost.
func TotalCost(trials []Trial, col string) (float64, error) {
	var sum float64
	for _, t := range trials {
		c, ok := t.Costs[col]
		if !ok {
			where := t.Where()
			if where == "" {
				where = "model " + t.Model
			}
			return 0, fmt.Errorf("%s: trial has no %s cost", where, col)
		}
		sum += c
	}
	return sum, nil
}

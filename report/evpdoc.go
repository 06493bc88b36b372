package report

import (
	"fmt"
	"io"

	"github.com/greenai/greenai/evp"
)

// EVPVersion is the "version" of the expected-validation-performance
// document's JSON. It changes when a field changes meaning or goes away
// (docs/schema/evp.schema.json).
const EVPVersion = "greenai.evp/1"

// EVPDoc is the expected validation performance of each model against the
// tuning budget (Dodge et al. 2019), as greenai evp --json writes it: every
// budget n from 1 to the largest, both estimators, and where the curves
// cross. Build it with NewEVP; the tables come from EVPReport.
type EVPDoc struct {
	Version string `json:"version"` // EVPVersion
	// Score names the score; LowerIsBetter makes the curves the expected
	// minimum.
	Score         string `json:"score"`
	LowerIsBetter bool   `json:"lower_is_better"`
	// Cost, when set, is the column the budget axis is in (budget = n ×
	// the model's mean cost per trial), in CostUnit.
	Cost     string                  `json:"cost,omitempty"`
	CostUnit string                  `json:"cost_unit,omitempty"`
	Models   map[string]*EVPModelDoc `json:"models"`
	Notes    []string                `json:"notes,omitempty"`

	order []string // the models in the report's order, for the tables
}

// EVPModelDoc is one model's curves.
type EVPModelDoc struct {
	Trials             int                         `json:"trials"`
	MeanScore          float64                     `json:"mean_score"`
	Best               EVPBestDoc                  `json:"best"`
	Cost               string                      `json:"cost,omitempty"`
	CostUnit           string                      `json:"cost_unit,omitempty"`
	MeanCost           *float64                    `json:"mean_cost,omitempty"`
	WithReplacement    []EVPPointDoc               `json:"with_replacement"`
	WithoutReplacement []EVPPointDoc               `json:"without_replacement"`
	Crossings          map[string][]EVPCrossingDoc `json:"crossings"` // per estimator
}

// EVPPointDoc is the expected best score of n trials and its standard
// deviation; Budget is n on the cost axis, when there is one.
type EVPPointDoc struct {
	N      int      `json:"n"`
	Mean   float64  `json:"mean"`
	SD     float64  `json:"sd"`
	Budget *float64 `json:"budget,omitempty"`
}

// EVPCrossingDoc is a budget where this model's curve crosses another's.
type EVPCrossingDoc struct {
	Other      string  `json:"other"`
	Budget     float64 `json:"budget"`
	Mean       float64 `json:"mean"`
	AheadBelow string  `json:"ahead_below"`
	AheadAbove string  `json:"ahead_above"`
}

// EVPBestDoc is a model's best trial.
type EVPBestDoc struct {
	Score  float64           `json:"score"`
	Params map[string]string `json:"params"`
	Where  string            `json:"where,omitempty"`
	Run    string            `json:"run,omitempty"` // the run's id, for trials from the runs store
}

// NewEVP builds the document of rep. runOf, when not nil, gives the id of
// the run a trial came from (trials from the runs store).
func NewEVP(rep *EVPReport, runOf func(Trial) string) (*EVPDoc, error) {
	seen := map[string]bool{}
	for _, m := range rep.Models {
		if seen[m.Model] {
			return nil, fmt.Errorf("model %q appears twice", m.Model)
		}
		seen[m.Model] = true
	}
	return buildEVP(rep, runOf), nil
}

// buildEVP is NewEVP for a report whose models are known to be distinct
// (a model given twice keeps its last entry).
func buildEVP(rep *EVPReport, runOf func(Trial) string) *EVPDoc {
	d := &EVPDoc{Version: EVPVersion, Score: rep.Score, LowerIsBetter: rep.LowerIsBetter, Cost: rep.Cost, CostUnit: rep.CostUnit,
		Models: map[string]*EVPModelDoc{}}
	for _, m := range rep.Models {
		jm := &EVPModelDoc{Trials: m.Trials, MeanScore: m.MeanScore,
			Best:      EVPBestDoc{Score: m.Best.Score, Params: m.Best.Params, Where: m.Best.Where()},
			Crossings: map[string][]EVPCrossingDoc{}}
		if jm.Best.Params == nil {
			jm.Best.Params = map[string]string{}
		}
		if runOf != nil {
			jm.Best.Run = runOf(m.Best)
		}
		if rep.Cost != "" {
			mc := m.MeanCost
			jm.Cost, jm.CostUnit, jm.MeanCost = rep.Cost, rep.CostUnit, &mc
		}
		points := func(pts []evp.Point) []EVPPointDoc {
			js := make([]EVPPointDoc, len(pts))
			for i, p := range pts {
				js[i] = EVPPointDoc{N: p.N, Mean: p.Mean, SD: p.SD}
				if rep.Cost != "" {
					b := m.Budget(p.N)
					js[i].Budget = &b
				}
			}
			return js
		}
		jm.WithReplacement = points(m.Curves[evp.WithReplacement])
		jm.WithoutReplacement = points(m.Curves[evp.WithoutReplacement])
		for _, e := range evp.Estimators {
			list := []EVPCrossingDoc{}
			for _, c := range rep.Crossings[e] {
				other := ""
				switch m.Model {
				case c.A:
					other = c.B
				case c.B:
					other = c.A
				default:
					continue
				}
				list = append(list, EVPCrossingDoc{Other: other, Budget: c.X, Mean: c.Y, AheadBelow: c.Before, AheadAbove: c.After})
			}
			jm.Crossings[e.String()] = list
		}
		d.Models[m.Model] = jm
		d.order = append(d.order, m.Model)
	}
	return d
}

// WriteJSON writes the document as indented JSON.
func (d *EVPDoc) WriteJSON(w io.Writer) error { return writeJSON(w, d) }

package report

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/internal/plot"
)

// EVPOptions configures expected-validation-performance curves.
type EVPOptions struct {
	// Cost is the cost column for the budget axis: budget = n × the
	// model's mean cost per trial. Empty means the axis is the number of
	// trials.
	Cost string
	// MaxN is the largest budget in trials. Zero means each model's own
	// number of trials N. Without replacement budgets stop at N whatever
	// MaxN says; with replacement they may go beyond.
	MaxN int
	// Score names the score for labels (default "score").
	Score string
	// LowerIsBetter is for losses, error rates and perplexities: the
	// curves are then of the expected minimum (the best of n is the
	// lowest score), computed by negating the scores.
	LowerIsBetter bool
}

// ModelEVP is the expected-performance result for one model.
type ModelEVP struct {
	Model     string
	Trials    int
	MeanScore float64
	Best      Trial
	// MeanCost is the mean cost per trial in the Cost column (1 when the
	// budget axis is trials).
	MeanCost float64
	// Curves holds the points for each estimator, indexed by
	// evp.Estimator.
	Curves [2][]evp.Point
}

// Budget returns the budget on the report's axis for n trials.
func (m ModelEVP) Budget(n int) float64 { return float64(n) * m.MeanCost }

// EVPReport holds the curves of all models and where they cross.
type EVPReport struct {
	Score         string
	LowerIsBetter bool
	Cost          string // "" for a trial axis
	CostUnit      string
	Models        []ModelEVP
	// Crossings per estimator, on the budget axis.
	Crossings [2][]evp.Crossing
}

// validationScore names a validation score for a caption: "validation
// score", "validation accuracy", or the metric alone when its name already
// says validation ("val_acc", "validation_loss").
func validationScore(score string) string {
	if l := strings.ToLower(score); strings.HasPrefix(l, "val") || strings.HasPrefix(l, "eval") || strings.HasPrefix(l, "dev") {
		return score
	}
	return "validation " + score
}

// ComputeEVP computes both estimators for each model in trials.
func ComputeEVP(trials []Trial, opts EVPOptions) (*EVPReport, error) {
	if len(trials) == 0 {
		return nil, fmt.Errorf("no trials to compute the expected validation performance from")
	}
	if opts.MaxN < 0 {
		return nil, fmt.Errorf("maximum budget %d is negative", opts.MaxN)
	}
	rep := &EVPReport{Score: opts.Score, LowerIsBetter: opts.LowerIsBetter, Cost: opts.Cost, CostUnit: CostUnit(opts.Cost)}
	sign := 1.0
	if opts.LowerIsBetter {
		sign = -1
	}
	if rep.Score == "" {
		rep.Score = "score"
	}
	for _, g := range GroupByModel(trials) {
		scores := make([]float64, len(g.Trials))
		for i, t := range g.Trials {
			scores[i] = sign * t.Score
		}
		s, err := evp.NewScores(scores)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", g.Model, err)
		}
		m := ModelEVP{Model: g.Model, Trials: s.Len(), MeanScore: sign * s.Mean(), Best: bestTrial(g.Trials, opts.LowerIsBetter), MeanCost: 1}
		if opts.Cost != "" {
			if m.MeanCost, err = MeanCost(g.Trials, opts.Cost); err != nil {
				return nil, err
			}
			if m.MeanCost <= 0 {
				return nil, fmt.Errorf("model %s: mean %s per trial is 0, so the budget axis is degenerate", g.Model, opts.Cost)
			}
		}
		for _, e := range evp.Estimators {
			top := s.Len()
			if opts.MaxN > 0 {
				top = min(opts.MaxN, s.MaxBudget(e))
			}
			if m.Curves[e], err = s.Curve(e, evp.Range(1, top)); err != nil {
				return nil, fmt.Errorf("model %s: %w", g.Model, err)
			}
			for i := range m.Curves[e] {
				m.Curves[e][i].Mean *= sign
			}
		}
		rep.Models = append(rep.Models, m)
	}
	for _, e := range evp.Estimators {
		series := make([]evp.Series, len(rep.Models))
		for i, m := range rep.Models {
			series[i] = evp.OnBudget(m.Model, m.Curves[e], m.MeanCost)
		}
		// On negated scores "ahead" means lower, i.e. better.
		for i := range series {
			for j := range series[i].Y {
				series[i].Y[j] *= sign
			}
		}
		rep.Crossings[e] = evp.AllCrossings(series)
		for i := range rep.Crossings[e] {
			rep.Crossings[e][i].Y *= sign
		}
	}
	return rep, nil
}

func bestTrial(trials []Trial, lowerIsBetter bool) Trial {
	if !lowerIsBetter {
		return Best(trials)
	}
	best := trials[0]
	for _, t := range trials[1:] {
		if t.Score < best.Score {
			best = t
		}
	}
	return best
}

// extreme is "max" or "min", the word for the best of n.
func (r *EVPReport) extreme() string {
	if r.LowerIsBetter {
		return "min"
	}
	return "max"
}

// budgetAxis describes the report's x axis.
func (r *EVPReport) budgetAxis() plot.Axis {
	if r.Cost == "" {
		return plot.Axis{Label: "Hyperparameter trials"}
	}
	return plot.Axis{Label: "Budget: trials × mean " + r.Cost + " per trial", Unit: r.CostUnit}
}

func (r *EVPReport) budgetHeader() string {
	a := r.budgetAxis()
	if a.Unit == "" {
		return "budget (" + r.Cost + ")"
	}
	return "budget (" + a.Unit + ")"
}

// Table returns E[max] ± sd for both estimators at the given budgets in
// trials (nil: 1, 2, 3, 5, 10, 20, … up to each model's N): the EVP
// document's table.
func (r *EVPReport) Table(budgets []int) *Table { return r.doc().Table(budgets) }

// doc is the report's document (without run ids).
func (r *EVPReport) doc() *EVPDoc { return buildEVP(r, nil) }

func pointAt(pts []evp.Point, n int) (evp.Point, bool) {
	if n >= 1 && n <= len(pts) && pts[n-1].N == n {
		return pts[n-1], true
	}
	return evp.Point{}, false
}

// CrossingTable lists the budgets at which curves swap order: the EVP
// document's table.
func (r *EVPReport) CrossingTable(e evp.Estimator) *Table { return r.doc().CrossingTable(e) }

func humanEstimator(e evp.Estimator) string {
	if e == evp.WithReplacement {
		return "with replacement"
	}
	return "without replacement"
}

// Figure draws every model's curve for estimator e with a ±1 sd band and
// marks the crossings.
func (r *EVPReport) Figure(e evp.Estimator, x, y plot.Scale) *plot.Figure {
	ax := r.budgetAxis()
	ax.Scale = x
	p := plot.NewPanel(fmt.Sprintf("Expected validation performance (%s)", humanEstimator(e)),
		ax, plot.Axis{Label: "Expected " + r.extreme() + " " + r.Score + " (±1 sd)", Scale: y})
	for _, m := range r.Models {
		pts := m.Curves[e]
		xs, ys, sd := make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts))
		for i, pt := range pts {
			xs[i], ys[i], sd[i] = m.Budget(pt.N), pt.Mean, pt.SD
		}
		p.Line(fmt.Sprintf("%s (N=%d)", m.Model, m.Trials), xs, ys, sd)
	}
	if cs := r.Crossings[e]; len(cs) > 0 {
		xs, ys := make([]float64, len(cs)), make([]float64, len(cs))
		for i, c := range cs {
			xs[i], ys[i] = c.X, c.Y
		}
		p.Markers("curves cross", xs, ys)
	}
	return &plot.Figure{Panels: []*plot.Panel{p}}
}

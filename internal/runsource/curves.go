package runsource

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

// CurveAxes are the x axes a training curve from runs can have.
var CurveAxes = []string{"fpo", "seconds", "kwh"}

// CurveOptions select training curves from runs.
type CurveOptions struct {
	Y string // the metric, e.g. "val_acc" (required)
	// X is the cumulative cost: fpo (default), seconds or kwh. A run
	// records one total of each, so the cost up to a metric record is
	// prorated: see Set.Curves.
	X string
	// GroupBy names the model in curve names, as in TrialOptions.
	GroupBy string
}

// CurveSet is the training curves of runs, one per run.
type CurveSet struct {
	Curves []report.TrainingCurve
	// Runs[i] is the run of Curves[i].
	Runs []*tracker.Record
	// Proration says, for table notes, how x was obtained, with the
	// number of points and runs each way.
	Proration []string
	// Notes say, for standard error, which runs were left out because
	// they recorded no value of the metric.
	Notes []string
}

// Curves makes one curve per run from the metric records that have Y.
// Each record becomes a point; its x is the run's cost up to that record,
// as greenai run recorded it at the record's step (Record.Steps), else
// prorated:
//   - seconds: the time from the run's start to the record's timestamp
//     (a "timestamp" or "time" field, Unix seconds or RFC 3339), else
//     step ÷ total steps × the run's wall time;
//   - fpo: step ÷ total steps × the run's FPO total, else (records without
//     a step) elapsed ÷ wall time × the FPO total;
//   - kwh: the run's energy prorated by time, elapsed ÷ wall time × the
//     energy, else step ÷ total steps × the energy.
//
// Total steps is the run's total_steps parameter when it is at least the
// largest recorded step, else the largest step the run recorded.
func (s *Set) Curves(o CurveOptions) (*CurveSet, error) {
	y, x := strings.ToLower(strings.TrimSpace(o.Y)), strings.ToLower(strings.TrimSpace(o.X))
	if y == "" {
		return nil, fmt.Errorf("no metric given for the training curve")
	}
	if x == "" {
		x = "fpo"
	}
	if !slices.Contains(CurveAxes, x) {
		return nil, fmt.Errorf("x axis %q: curves from runs have %s", x, strings.Join(CurveAxes, ", "))
	}
	cs := &CurveSet{}
	var tally prorationTally
	notes, err := collect(s, y, o.GroupBy,
		func(r *tracker.Record, in *report.Input) ([]report.TrainingCurve, error) {
			c, err := runCurve(r, in, x, y, &tally)
			if err != nil || len(c.X) == 0 {
				return nil, err
			}
			return []report.TrainingCurve{c}, nil
		},
		func(r *tracker.Record, c []report.TrainingCurve, model string, _ map[string]string) {
			c[0].Name, c[0].Group = model, model
			cs.Curves, cs.Runs = append(cs.Curves, c[0]), append(cs.Runs, r)
		})
	if err != nil {
		return nil, err
	}
	nameCurves(cs)
	cs.Proration = tally.notes(x)
	cs.Notes = notes
	return cs, nil
}

// nameCurves names each curve "model trial", or "model run-id" where trial
// names are missing or not unique.
func nameCurves(cs *CurveSet) {
	names := make([]string, len(cs.Curves))
	seen := map[string]bool{}
	unique := true
	for i, r := range cs.Runs {
		names[i] = cs.Curves[i].Name + " " + cmp.Or(r.Trial, r.ID)
		unique = unique && !seen[names[i]]
		seen[names[i]] = true
	}
	for i, r := range cs.Runs {
		if !unique {
			names[i] = cs.Curves[i].Name + " " + r.ID
		}
		cs.Curves[i].Name = names[i]
	}
}

// prorationTally counts points and runs by how their x was obtained.
type prorationTally struct {
	order  []string
	points map[string]int
	runs   map[string]map[string]bool
}

func (t *prorationTally) add(method, run string) {
	if t.points == nil {
		t.points, t.runs = map[string]int{}, map[string]map[string]bool{}
	}
	if t.points[method] == 0 {
		t.order = append(t.order, method)
		t.runs[method] = map[string]bool{}
	}
	t.points[method]++
	t.runs[method][run] = true
}

func (t *prorationTally) notes(x string) []string {
	var out []string
	for _, m := range t.order {
		out = append(out, fmt.Sprintf("x (cumulative %s) = %s: %s in %s.", x, m, plural(t.points[m], "point"), plural(len(t.runs[m]), "run")))
	}
	return out
}

// runCurve returns the points of one run (Name unset).
func runCurve(r *tracker.Record, in *report.Input, x, y string, tally *prorationTally) (report.TrainingCurve, error) {
	var c report.TrainingCurve
	var rows []report.Row
	for _, row := range in.Rows {
		if _, ok, err := row.Number(y); err != nil {
			return c, err
		} else if ok {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return c, nil
	}
	total, what, err := runTotal(r, x)
	if err != nil {
		return c, err
	}
	steps, stepsWhy, err := totalSteps(r, in)
	if err != nil {
		return c, err
	}
	recorded := map[float64]tracker.Step{}
	for _, st := range r.Steps {
		recorded[st.Step] = st
	}
	type point struct{ x, y float64 }
	pts := make([]point, 0, len(rows))
	for _, row := range rows {
		v, _, _ := row.Number(y)
		elapsed, hasTime, err := elapsedAt(r, row)
		if err != nil {
			return c, err
		}
		step, hasStep, err := row.Number("step")
		if err != nil {
			return c, err
		}
		byTime := hasTime && (x != "fpo" || !hasStep)
		var xv float64
		var method string
		rs, isRec := recorded[step]
		isRec = isRec && hasStep && (x != "fpo" || rs.FPO != nil)
		switch {
		case isRec:
			switch x {
			case "kwh":
				xv = rs.Joules / 3.6e6
			case "fpo":
				xv = *rs.FPO
			default:
				xv = rs.Seconds
			}
			method = "recorded by greenai run at the step (" + r.StepsHow + ")"
		case byTime && x == "seconds":
			xv, method = elapsed, "the time from the run's start to the record's timestamp"
		case byTime:
			if r.WallSeconds <= 0 {
				return c, fmt.Errorf("run %s has no wall time, so its %s cannot be prorated by time", r.ID, x)
			}
			xv, method = min(elapsed/r.WallSeconds, 1)*total, "elapsed ÷ wall time × "+what
		case hasStep:
			if steps <= 0 {
				return c, fmt.Errorf("run %s recorded no step above 0, so steps cannot prorate its %s", r.ID, x)
			}
			if step < 0 {
				return c, row.Errorf("step %v is negative", step)
			}
			xv, method = step/steps*total, fmt.Sprintf("step ÷ total steps × %s (total steps: %s)", what, stepsWhy)
		default:
			return c, row.Errorf("%s has neither a step nor a timestamp, so the %s up to it cannot be prorated", y, x)
		}
		tally.add(method, r.ID)
		pts = append(pts, point{xv, v})
	}
	slices.SortStableFunc(pts, func(a, b point) int { return cmp.Compare(a.x, b.x) })
	for _, p := range pts {
		c.X, c.Y = append(c.X, p.x), append(c.Y, p.y)
	}
	return c, nil
}

// runTotal is the run's whole cost on axis x, and its name for notes.
func runTotal(r *tracker.Record, x string) (float64, string, error) {
	switch x {
	case "fpo":
		if r.FPO == nil {
			return 0, "", fmt.Errorf("run %s has no FPO (it was run without --model and --spec); draw against --x seconds or --x kwh", r.ID)
		}
		return r.FPO.TotalFPO, "the run's FPO", nil
	case "kwh":
		if len(r.Energy) == 0 {
			return 0, "", fmt.Errorf("run %s recorded no energy; draw against --x seconds", r.ID)
		}
		return tracker.TotalJoules(r.Energy) / 3.6e6, "the run's energy", nil
	}
	return r.WallSeconds, "the run's wall time", nil
}

// totalSteps is the run's total_steps parameter when it is at least every
// recorded step, else the largest recorded step.
func totalSteps(r *tracker.Record, in *report.Input) (float64, string, error) {
	largest := 0.0
	for _, row := range in.Rows {
		s, ok, err := row.Number("step")
		if err != nil {
			return 0, "", err
		}
		if ok {
			largest = max(largest, s)
		}
	}
	if p, err := strconv.ParseFloat(r.Params["total_steps"], 64); err == nil && p >= largest && p > 0 && !math.IsInf(p, 0) {
		return p, "the run's total_steps parameter", nil
	}
	return largest, "the largest step the run recorded", nil
}

// elapsedAt returns the seconds from the run's start to the record's
// "timestamp" (or "time") field: Unix seconds or RFC 3339.
func elapsedAt(r *tracker.Record, row report.Row) (float64, bool, error) {
	col := "timestamp"
	if !row.Has(col) {
		if col = "time"; !row.Has(col) {
			return 0, false, nil
		}
	}
	v := strings.TrimSpace(row.Fields[col])
	var at time.Time
	if secs, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(secs, 0) && !math.IsNaN(secs) {
		whole, frac := math.Modf(secs)
		at = time.Unix(int64(whole), int64(frac*1e9))
	} else if at, err = time.Parse(time.RFC3339Nano, v); err != nil {
		return 0, false, row.Errorf("%s %q is neither Unix seconds nor RFC 3339", col, v)
	}
	elapsed := at.Sub(r.Start).Seconds()
	slack := max(1, 0.01*r.WallSeconds)
	if elapsed < -slack || (r.WallSeconds > 0 && elapsed > r.WallSeconds+slack) {
		return 0, false, row.Errorf("%s %s is not within the run (started %s, ran %.0f s); timestamps are Unix seconds or RFC 3339",
			col, v, r.Start.UTC().Format(time.RFC3339), r.WallSeconds)
	}
	return max(elapsed, 0), true, nil
}

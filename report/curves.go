package report

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/greenai/greenai/internal/plot"
)

// CurveOptions selects the columns of per-step training records such as
// {"step":100,"val_acc":0.71,"fpo":1.2e15}.
type CurveOptions struct {
	// X is the cost column for the x axis (default "fpo"), cumulative
	// unless Increments is set.
	X string
	// Y is the metric column (required), e.g. "val_acc".
	Y string
	// Group is the column naming the run. Default: "run" if the input has
	// it, else "model", else one curve per file named after the file.
	Group string
	// Increments says that each record's X is the cost since the previous
	// record of the same run (an empty X then counts as 0); the curve
	// uses the running sum.
	Increments bool
}

// TrainingCurve is one run's metric against cumulative cost. Group is the
// model or experiment the run belongs to (empty: its own), by which
// CurvesFigure groups many runs.
type TrainingCurve struct {
	Name  string
	Group string
	X, Y  []float64
}

// CurvesFromInputs builds one curve per run. Records without a Y value
// (for example training-loss records between evaluations) add their cost
// but no point. Within a run, records are ordered by the "step" column when
// the input has one, else kept in file order.
func CurvesFromInputs(inputs []*Input, opts CurveOptions) ([]TrainingCurve, error) {
	if opts.X == "" {
		opts.X = "fpo"
	}
	opts.X, opts.Y = strings.ToLower(opts.X), strings.ToLower(opts.Y)
	if opts.Y == "" {
		return nil, fmt.Errorf("no metric column given for the training curve")
	}
	var out []TrainingCurve
	index := map[string]int{}
	for _, in := range inputs {
		if err := in.Require(opts.X, opts.Y); err != nil {
			return nil, err
		}
		group := strings.ToLower(opts.Group)
		if group == "" {
			for _, g := range []string{"run", "model"} {
				if in.HasColumn(g) {
					group = g
					break
				}
			}
		} else if err := in.Require(group); err != nil {
			return nil, err
		}
		rows := slices.Clone(in.Rows)
		if in.HasColumn("step") {
			steps := make(map[int]float64, len(rows))
			for _, r := range rows {
				s, ok, err := r.Number("step")
				if err != nil {
					return nil, err
				}
				if !ok {
					s = math.Inf(1)
				}
				steps[r.Line] = s
			}
			slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(steps[a.Line], steps[b.Line]) })
		}
		type state struct {
			x     float64
			where string
		}
		last := map[string]*state{}
		for _, r := range rows {
			name := strings.TrimSuffix(filepath.Base(in.Source), filepath.Ext(in.Source))
			if group != "" {
				if name = r.Fields[group]; name == "" {
					return nil, r.Errorf("%s is empty", group)
				}
			}
			st := last[name]
			if st == nil {
				st = &state{}
				last[name] = st
			}
			x, hasX, err := r.Number(opts.X)
			if err != nil {
				return nil, err
			}
			y, hasY, err := r.Number(opts.Y)
			if err != nil {
				return nil, err
			}
			if x < 0 {
				return nil, r.Errorf("%s %v is negative", opts.X, x)
			}
			if opts.Increments {
				x += st.x
			} else if hasX {
				if st.where != "" && x < st.x {
					return nil, r.Errorf("%s decreases from %v (%s) to %v; if each record holds the cost since the previous one, use increments", opts.X, st.x, st.where, x)
				}
			} else if hasY {
				return nil, r.Errorf("%s has no %s value (cumulative cost needed for each point)", opts.Y, opts.X)
			}
			if hasX || opts.Increments {
				st.x, st.where = x, r.Where()
			}
			if !hasY {
				continue
			}
			i, ok := index[name]
			if !ok {
				i = len(out)
				index[name] = i
				out = append(out, TrainingCurve{Name: name})
				// Runs named by a run column are grouped by their model.
				if group == "run" {
					out[i].Group = r.Fields["model"]
				}
			}
			out[i].X = append(out[i].X, x)
			out[i].Y = append(out[i].Y, y)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no record has both %s and %s", opts.X, opts.Y)
	}
	return out, nil
}

// MaxCurves is the most training curves CurvesFigure draws one by one;
// beyond it, runs are drawn grouped.
const MaxCurves = 8

// CurvesFigure draws the curves on one panel. Up to MaxCurves curves, or
// when no two share a group, each run is a line. With more, the runs of
// each group (model or experiment) become one line, their mean, in a band
// from their minimum to their maximum: at each x where at least one run of
// the group has a point, each run's value is interpolated linearly between
// its points (a run counts only within its own x range). The legend says
// how many runs each line stands for, and the legend goes outside the axes
// when it is large.
func CurvesFigure(curves []TrainingCurve, x, y plot.Axis) *plot.Figure {
	title := fmt.Sprintf("%s against cumulative %s", y.Label, strings.ToLower(x.Label))
	groups := groupCurves(curves)
	if len(curves) <= MaxCurves || len(groups) == len(curves) {
		p := plot.NewPanel(title, x, y)
		for _, c := range curves {
			p.Line(c.Name, c.X, c.Y, nil)
		}
		return &plot.Figure{Panels: []*plot.Panel{p}}
	}
	p := plot.NewPanel(title, x, y)
	for _, g := range groups {
		if len(g.curves) == 1 {
			c := g.curves[0]
			p.Line(g.name+" (1 run)", c.X, c.Y, nil)
			continue
		}
		xs, mean, lo, hi := meanBand(g.curves)
		p.Band(fmt.Sprintf("%s (mean, min–max of %d runs)", g.name, len(g.curves)), xs, mean, lo, hi)
	}
	return &plot.Figure{Panels: []*plot.Panel{p}}
}

type curveGroup struct {
	name   string
	curves []TrainingCurve
}

// groupCurves groups curves by Group (a curve without one is its own
// group, under its name), in order of first appearance.
func groupCurves(curves []TrainingCurve) []curveGroup {
	var out []curveGroup
	index := map[string]int{}
	for _, c := range curves {
		key := c.Group
		if key == "" {
			key = c.Name
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, curveGroup{name: key})
		}
		out[i].curves = append(out[i].curves, c)
	}
	return out
}

// meanBand evaluates curves at every x where one of them has a point: the
// mean, minimum and maximum over the curves whose x range covers it
// (linear interpolation within each curve).
func meanBand(curves []TrainingCurve) (xs, mean, lo, hi []float64) {
	var all []float64
	for _, c := range curves {
		all = append(all, c.X...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	for _, x := range all {
		var sum float64
		n := 0
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, c := range curves {
			v, ok := interpolate(c.X, c.Y, x)
			if !ok {
				continue
			}
			sum += v
			n++
			mn, mx = math.Min(mn, v), math.Max(mx, v)
		}
		if n == 0 {
			continue
		}
		xs, mean, lo, hi = append(xs, x), append(mean, sum/float64(n)), append(lo, mn), append(hi, mx)
	}
	return xs, mean, lo, hi
}

// interpolate returns the curve's value at x, linear between its points,
// and false outside its x range. Equal xs (several evaluations at one
// cost) take the last value.
func interpolate(xs, ys []float64, x float64) (float64, bool) {
	n := len(xs)
	if n == 0 || x < xs[0] || x > xs[n-1] {
		return 0, false
	}
	i := sort.SearchFloat64s(xs, x) // first xs[i] >= x
	for i+1 < n && xs[i+1] == x {
		i++
	}
	if xs[i] == x || i == 0 {
		return ys[i], true
	}
	f := (x - xs[i-1]) / (xs[i] - xs[i-1])
	return ys[i-1] + f*(ys[i]-ys[i-1]), true
}

// CurvesTable summarises each curve: its points, total cost, final and best
// metric, and the cost at which the best was first reached.
func CurvesTable(curves []TrainingCurve, x, y string) *Table {
	unit := CostUnit(x)
	xh := func(s string) string {
		if unit == "" {
			return s + " " + x
		}
		return fmt.Sprintf("%s %s (%s)", s, x, unit)
	}
	t := &Table{
		Caption: fmt.Sprintf("Training curves: %s against cumulative %s", y, x),
		Label:   "tab:curves",
		Header:  []string{"run", "points", xh("total"), "final " + y, "best " + y, xh("at best")},
		Align:   []byte("lrrrrr"),
	}
	for _, c := range curves {
		best := 0
		for i, v := range c.Y {
			if v > c.Y[best] {
				best = i
			}
		}
		n := len(c.X)
		t.AddRow(Text(c.Name), Int(n), SI(c.X[n-1]), Num(c.Y[n-1]), Num(c.Y[best]), SI(c.X[best]))
	}
	return t
}

// SizeOptions selects the columns of a performance-against-data-size
// table.
type SizeOptions struct {
	Size  string // training-set size column (default "train_size")
	Score string // default "score"
	Model string // default "model"; absent means one series
}

// SizePoint is the mean and standard deviation of the score over the runs
// at one training-set size.
type SizePoint struct {
	Size     float64
	Runs     int
	Mean, SD float64
}

// SizeCurve is one model's score against training-set size.
type SizeCurve struct {
	Model  string
	Points []SizePoint
}

// SizeCurves groups rows by model and size (repeated runs, e.g. seeds, are
// averaged; the SD is the population standard deviation over them).
func SizeCurves(in *Input, opts SizeOptions) ([]SizeCurve, error) {
	if opts.Size == "" {
		opts.Size = "train_size"
	}
	if opts.Score == "" {
		opts.Score = "score"
	}
	if opts.Model == "" {
		opts.Model = "model"
	}
	if err := in.Require(opts.Size, opts.Score); err != nil {
		return nil, err
	}
	var out []SizeCurve
	samples := map[string]map[float64][]float64{}
	for _, r := range in.Rows {
		model := r.Fields[opts.Model]
		if model == "" {
			model = opts.Score
		}
		size, err := r.MustNumber(opts.Size)
		if err != nil {
			return nil, err
		}
		if size <= 0 {
			return nil, r.Errorf("%s %v must be positive", opts.Size, size)
		}
		score, err := r.MustNumber(opts.Score)
		if err != nil {
			return nil, err
		}
		if samples[model] == nil {
			samples[model] = map[float64][]float64{}
			out = append(out, SizeCurve{Model: model})
		}
		samples[model][size] = append(samples[model][size], score)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", in.Source)
	}
	for i := range out {
		m := samples[out[i].Model]
		for _, size := range slices.Sorted(maps.Keys(m)) {
			mean, sd := meanSD(m[size])
			out[i].Points = append(out[i].Points, SizePoint{Size: size, Runs: len(m[size]), Mean: mean, SD: sd})
		}
	}
	return out, nil
}

func meanSD(xs []float64) (float64, float64) {
	var s float64
	for _, x := range xs {
		s += x
	}
	mean := s / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)))
}

// SizeFigure draws score against training-set size with a ±1 sd band over
// repeated runs.
func SizeFigure(curves []SizeCurve, size, score string) *plot.Figure {
	p := plot.NewPanel(fmt.Sprintf("%s against training-set size", score),
		plot.Axis{Label: "Training examples (" + size + ")"}, plot.Axis{Label: score + " (mean ±1 sd over runs)"})
	for _, c := range curves {
		xs, ys, sd := make([]float64, len(c.Points)), make([]float64, len(c.Points)), make([]float64, len(c.Points))
		for i, pt := range c.Points {
			xs[i], ys[i], sd[i] = pt.Size, pt.Mean, pt.SD
		}
		p.Line(c.Model, xs, ys, sd)
	}
	return &plot.Figure{Panels: []*plot.Panel{p}}
}

// SizeTable lists the mean and SD of the score at each size.
func SizeTable(curves []SizeCurve, size, score string) *Table {
	t := &Table{
		Caption: fmt.Sprintf("%s against training-set size", score),
		Label:   "tab:datasize",
		Header:  []string{"model", size, "runs", "mean " + score, "sd"},
		Align:   []byte("lrrrr"),
	}
	for _, c := range curves {
		for _, p := range c.Points {
			t.AddRow(Text(c.Model), SI(p.Size), Int(p.Runs), Num(p.Mean), Num(p.SD))
		}
	}
	return t
}

// ColumnAxis is an axis labelled with a column name and, for a known cost
// column, its unit.
func ColumnAxis(col string) plot.Axis {
	return plot.Axis{Label: col, Unit: CostUnit(col)}
}

package report

import (
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/greenai/greenai/internal/plot"
)

// Front returns the indices of the Pareto-optimal points when lower x (a
// cost) and higher y (a score) are better: the points that no other point
// matches or beats on both with a strict improvement on one. The indices
// are sorted by x ascending, so they trace the front from cheap to
// expensive. Identical optimal points are all kept; points with a NaN
// coordinate are ignored.
func Front(xs, ys []float64) []int {
	idx := make([]int, 0, len(xs))
	for i := range xs {
		if i < len(ys) && !math.IsNaN(xs[i]) && !math.IsNaN(ys[i]) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := cmp.Compare(xs[a], xs[b]); c != 0 {
			return c
		}
		return cmp.Compare(ys[b], ys[a])
	})
	var front []int
	best := math.Inf(-1)
	for _, i := range idx {
		if ys[i] > best {
			front = append(front, i)
			best = ys[i]
			continue
		}
		// The same point as the last front point is not dominated by it.
		if n := len(front); n > 0 && ys[i] == best && xs[i] == xs[front[n-1]] {
			front = append(front, i)
		}
	}
	return front
}

// Point is one labelled point of a cost/score view.
type Point struct {
	Label string // written next to the point (may be empty)
	Group string // series in the legend
	X, Y  float64
}

// ScatterView is a score-against-cost view with the Pareto front marked.
type ScatterView struct {
	Title  string
	X, Y   plot.Axis
	Points []Point
	// Labels writes each point's label next to it.
	Labels bool
	// Connect joins the points of these groups with a line, in x order
	// (for sweeps such as ResNet depths).
	Connect map[string]bool
	// LabelHeader and GroupHeader name the table's first two columns
	// (default "label" and "group").
	LabelHeader, GroupHeader string
}

// Front returns the indices of the view's Pareto-optimal points.
func (v *ScatterView) Front() []int {
	xs, ys := make([]float64, len(v.Points)), make([]float64, len(v.Points))
	for i, p := range v.Points {
		xs[i], ys[i] = p.X, p.Y
	}
	return Front(xs, ys)
}

// groups returns the group names in order of first appearance.
func (v *ScatterView) groups() []string {
	var out []string
	for _, p := range v.Points {
		if !slices.Contains(out, p.Group) {
			out = append(out, p.Group)
		}
	}
	return out
}

// Panel draws the points, one series per group, and the front.
func (v *ScatterView) Panel() *plot.Panel {
	p := plot.NewPanel(v.Title, v.X, v.Y)
	for _, g := range v.groups() {
		var pts []Point
		for _, pt := range v.Points {
			if pt.Group == g {
				pts = append(pts, pt)
			}
		}
		if v.Connect[g] {
			slices.SortStableFunc(pts, func(a, b Point) int { return cmp.Compare(a.X, b.X) })
		}
		xs, ys, labels := make([]float64, len(pts)), make([]float64, len(pts)), make([]string, len(pts))
		for i, pt := range pts {
			xs[i], ys[i], labels[i] = pt.X, pt.Y, pt.Label
		}
		if !v.Labels {
			labels = nil
		}
		if v.Connect[g] {
			p.ConnectedPoints(g, xs, ys, labels)
		} else {
			p.Points(g, xs, ys, labels)
		}
	}
	front := v.Front()
	fx, fy := make([]float64, len(front)), make([]float64, len(front))
	for i, k := range front {
		fx[i], fy[i] = v.Points[k].X, v.Points[k].Y
	}
	if len(front) > 0 {
		p.Front(fx, fy)
	}
	return p
}

// Table lists the points with their coordinates and whether each is on the
// front, front points first (cheapest first), then the others by x.
func (v *ScatterView) Table() *Table {
	t := &Table{
		Caption: v.Title + " (Pareto front: no other point is both cheaper and better)",
		Header:  []string{or(v.LabelHeader, "label"), or(v.GroupHeader, "group"), axisHeader(v.X), axisHeader(v.Y), "pareto"},
		Align:   []byte("llrrc"),
	}
	front := v.Front()
	on := map[int]bool{}
	for _, i := range front {
		on[i] = true
	}
	rest := make([]int, 0, len(v.Points))
	for i := range v.Points {
		if !on[i] {
			rest = append(rest, i)
		}
	}
	slices.SortStableFunc(rest, func(a, b int) int { return cmp.Compare(v.Points[a].X, v.Points[b].X) })
	for _, i := range append(front, rest...) {
		p := v.Points[i]
		mark := ""
		if on[i] {
			mark = "yes"
		}
		t.AddRow(Text(p.Label), Text(p.Group), SI(p.X), Num(p.Y), Text(mark))
	}
	return t
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func axisHeader(a plot.Axis) string {
	if a.Unit == "" {
		return a.Label
	}
	return fmt.Sprintf("%s (%s)", a.Label, a.Unit)
}

// TrialsView plots each trial's score against its cost in column cost, one
// series per model, with the front over all trials. Each point's label is
// where the trial is (file:line, or its model for trials not from a file);
// the figure shows the labels only when label is true.
func TrialsView(trials []Trial, cost, score string, label bool) (*ScatterView, error) {
	v := &ScatterView{
		Title:       fmt.Sprintf("Validation %s against %s per trial", score, cost),
		X:           plot.Axis{Label: cost, Unit: CostUnit(cost)},
		Y:           plot.Axis{Label: score},
		Labels:      label,
		LabelHeader: "trial",
		GroupHeader: "model",
	}
	for _, t := range trials {
		c, ok := t.Costs[cost]
		if !ok {
			_, err := TotalCost([]Trial{t}, cost)
			return nil, err
		}
		name := t.Model
		if t.Source != "" {
			name = fmt.Sprintf("%s:%d", filepath.Base(t.Source), t.Line)
		}
		v.Points = append(v.Points, Point{Label: name, Group: t.Model, X: c, Y: t.Score})
	}
	if len(v.Points) == 0 {
		return nil, fmt.Errorf("no trials to plot")
	}
	return v, nil
}

package evp

import (
	"math"
	"sort"
)

// Series is one expected-performance curve on a budget axis: X is the
// budget (trials, or trials × mean cost per trial), strictly increasing; Y is
// the expected best score at that budget.
type Series struct {
	Name string
	X, Y []float64
}

// Crossing is a budget at which two curves swap order.
type Crossing struct {
	A, B string  // the two curves, in the order given to Crossings
	X    float64 // the budget where they meet
	Y    float64 // the expected score there
	// Before and After name the curve that is ahead just below and just
	// above X.
	Before string `json:"before"`
	After  string `json:"after"`
}

// Crossings returns the budgets at which a and b swap order, within the
// budget range both curves cover. Curves are linearly interpolated between
// their points. Where the curves coincide over an interval and then
// separate in the opposite order, the crossing is reported at the start of
// that interval; touching without swapping is not a crossing. A series
// whose X and Y differ in length has no crossings.
func Crossings(a, b Series) []Crossing {
	if len(a.X) == 0 || len(b.X) == 0 || len(a.X) != len(a.Y) || len(b.X) != len(b.Y) {
		return nil
	}
	lo := math.Max(a.X[0], b.X[0])
	hi := math.Min(a.X[len(a.X)-1], b.X[len(b.X)-1])
	if lo > hi {
		return nil
	}
	xs := make([]float64, 0, len(a.X)+len(b.X))
	for _, s := range []Series{a, b} {
		for _, x := range s.X {
			if x >= lo && x <= hi {
				xs = append(xs, x)
			}
		}
	}
	sort.Float64s(xs)
	xs = dedup(xs)

	var out []Crossing
	prevSign := 0
	var prevX, prevD float64
	zeroStart := math.NaN() // first x of the current run of equal values
	for _, x := range xs {
		d := interp(a, x) - interp(b, x)
		sg := sign(d)
		if sg == 0 {
			if math.IsNaN(zeroStart) {
				zeroStart = x
			}
			continue
		}
		if prevSign != 0 && sg != prevSign {
			cx := zeroStart
			if math.IsNaN(cx) {
				// Linear interpolation of the difference between the two
				// neighbouring points.
				cx = prevX + (x-prevX)*prevD/(prevD-d)
			}
			c := Crossing{A: a.Name, B: b.Name, X: cx, Y: interp(a, cx)}
			if prevSign > 0 {
				c.Before, c.After = a.Name, b.Name
			} else {
				c.Before, c.After = b.Name, a.Name
			}
			out = append(out, c)
		}
		prevSign, prevX, prevD = sg, x, d
		zeroStart = math.NaN()
	}
	return out
}

// AllCrossings returns the crossings of every pair of curves, pairs in input
// order.
func AllCrossings(curves []Series) []Crossing {
	var out []Crossing
	for i := range curves {
		for j := i + 1; j < len(curves); j++ {
			out = append(out, Crossings(curves[i], curves[j])...)
		}
	}
	return out
}

// interp evaluates s at x by linear interpolation; x must lie within s.X.
func interp(s Series, x float64) float64 {
	i := sort.SearchFloat64s(s.X, x)
	if i < len(s.X) && s.X[i] == x {
		return s.Y[i]
	}
	if i == 0 {
		return s.Y[0]
	}
	if i == len(s.X) {
		return s.Y[len(s.Y)-1]
	}
	x0, x1 := s.X[i-1], s.X[i]
	t := (x - x0) / (x1 - x0)
	return s.Y[i-1] + t*(s.Y[i]-s.Y[i-1])
}

func sign(d float64) int {
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

func dedup(xs []float64) []float64 {
	out := xs[:0]
	for _, x := range xs {
		if len(out) == 0 || x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// OnBudget places curve points on a cost axis: X = n × costPerTrial. With
// costPerTrial = 1 the axis is the number of trials.
func OnBudget(name string, pts []Point, costPerTrial float64) Series {
	s := Series{Name: name, X: make([]float64, len(pts)), Y: make([]float64, len(pts))}
	for i, p := range pts {
		s.X[i] = float64(p.N) * costPerTrial
		s.Y[i] = p.Mean
	}
	return s
}

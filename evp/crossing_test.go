package evp

import (
	"math"
	"testing"
)

func TestCrossings(t *testing.T) {
	tests := []struct {
		name string
		a, b Series
		want []Crossing
	}{
		{
			name: "simple swap",
			a:    Series{Name: "a", X: []float64{1, 2, 3}, Y: []float64{0.5, 0.6, 0.7}},
			b:    Series{Name: "b", X: []float64{1, 2, 3}, Y: []float64{0.6, 0.62, 0.64}},
			// d = -0.1, -0.02, +0.06: crosses between 2 and 3 at 2.25.
			want: []Crossing{{A: "a", B: "b", X: 2.25, Y: 0.625, Before: "b", After: "a"}},
		},
		{
			name: "no crossing",
			a:    Series{Name: "a", X: []float64{1, 2}, Y: []float64{1, 2}},
			b:    Series{Name: "b", X: []float64{1, 2}, Y: []float64{0, 1}},
		},
		{
			name: "touch is not a crossing",
			a:    Series{Name: "a", X: []float64{1, 2, 3}, Y: []float64{1, 1, 1}},
			b:    Series{Name: "b", X: []float64{1, 2, 3}, Y: []float64{0, 1, 0}},
		},
		{
			name: "equal interval then swap",
			a:    Series{Name: "a", X: []float64{1, 2, 3, 4}, Y: []float64{1, 2, 3, 3}},
			b:    Series{Name: "b", X: []float64{1, 2, 3, 4}, Y: []float64{0, 2, 3, 4}},
			want: []Crossing{{A: "a", B: "b", X: 2, Y: 2, Before: "a", After: "b"}},
		},
		{
			name: "different budget grids",
			// a: cheap trials, b: expensive; on a cost axis b's points are
			// sparser. a = 0.5 + 0.01x, b = 0.2x − 0.1 on [1,3].
			a:    Series{Name: "cheap", X: []float64{0.5, 1, 1.5, 2, 2.5, 3}, Y: []float64{0.505, 0.51, 0.515, 0.52, 0.525, 0.53}},
			b:    Series{Name: "costly", X: []float64{1, 3}, Y: []float64{0.1, 0.5}},
			want: nil, // b stays below a on [1,3]
		},
		{
			name: "disjoint ranges",
			a:    Series{Name: "a", X: []float64{1, 2}, Y: []float64{0, 1}},
			b:    Series{Name: "b", X: []float64{3, 4}, Y: []float64{1, 0}},
		},
		{
			name: "two crossings",
			a:    Series{Name: "a", X: []float64{1, 2, 3}, Y: []float64{0, 2, 0}},
			b:    Series{Name: "b", X: []float64{1, 2, 3}, Y: []float64{1, 1, 1}},
			want: []Crossing{
				{A: "a", B: "b", X: 1.5, Y: 1, Before: "b", After: "a"},
				{A: "a", B: "b", X: 2.5, Y: 1, Before: "a", After: "b"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Crossings(tc.a, tc.b)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.A != w.A || g.B != w.B || g.Before != w.Before || g.After != w.After ||
					math.Abs(g.X-w.X) > 1e-12 || math.Abs(g.Y-w.Y) > 1e-12 {
					t.Errorf("crossing %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestAllCrossingsOnCostAxis(t *testing.T) {
	// A model with a high ceiling but expensive trials against a cheap model
	// with a lower ceiling: on a trial axis the strong model leads from the
	// start, on a cost axis the cheap one leads at small budgets.
	strong, _ := Curve([]float64{0.2, 0.4, 0.6, 0.8, 0.95}, WithoutReplacement, 5)
	cheap, _ := Curve([]float64{0.70, 0.72, 0.74, 0.76, 0.78}, WithoutReplacement, 5)
	trials := AllCrossings([]Series{OnBudget("strong", strong, 1), OnBudget("cheap", cheap, 1)})
	if len(trials) != 1 || trials[0].Before != "cheap" || trials[0].After != "strong" {
		t.Fatalf("trial axis: %+v", trials)
	}
	cost := AllCrossings([]Series{OnBudget("strong", strong, 10), OnBudget("cheap", cheap, 1)})
	// cheap spans cost 1..5, strong 10..50: no overlap, no crossing.
	if len(cost) != 0 {
		t.Fatalf("cost axis: %+v", cost)
	}
	cost = AllCrossings([]Series{OnBudget("strong", strong, 1.2), OnBudget("cheap", cheap, 1)})
	if len(cost) != 1 || cost[0].X <= trials[0].X {
		t.Fatalf("with costlier trials the crossing should move right of %v: %+v", trials[0].X, cost)
	}
}

package evp

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteWithout enumerates every n-subset of scores and returns the mean and
// standard deviation of its maximum.
func bruteWithout(scores []float64, n int) (mean, sd float64) {
	var maxima []float64
	var rec func(start int, chosen []float64)
	rec = func(start int, chosen []float64) {
		if len(chosen) == n {
			maxima = append(maxima, slices.Max(chosen))
			return
		}
		for i := start; i < len(scores); i++ {
			rec(i+1, append(chosen, scores[i]))
		}
	}
	rec(0, nil)
	return meanSD(maxima)
}

// bruteWith enumerates every sequence of n draws (N^n of them).
func bruteWith(scores []float64, n int) (mean, sd float64) {
	var maxima []float64
	idx := make([]int, n)
	for {
		m := math.Inf(-1)
		for _, i := range idx {
			m = math.Max(m, scores[i])
		}
		maxima = append(maxima, m)
		k := 0
		for k < n {
			idx[k]++
			if idx[k] < len(scores) {
				break
			}
			idx[k] = 0
			k++
		}
		if k == n {
			break
		}
	}
	return meanSD(maxima)
}

func meanSD(xs []float64) (float64, float64) {
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)))
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

var bruteCases = []struct {
	name   string
	scores []float64
}{
	{"single", []float64{0.7}},
	{"two", []float64{0.2, 0.9}},
	{"distinct", []float64{0.61, 0.55, 0.72, 0.70, 0.40, 0.66}},
	{"ties", []float64{0.5, 0.7, 0.5, 0.7, 0.7, 0.1, 0.5}},
	{"all equal", []float64{0.3, 0.3, 0.3, 0.3}},
	{"negative", []float64{-3, -1, -2, -1, -5}},
	{"unsorted ties at top", []float64{0.9, 0.2, 0.9, 0.4, 0.9, 0.9}},
}

func TestAgainstBruteForce(t *testing.T) {
	for _, e := range Estimators {
		brute, maxN := bruteWithout, func(N int) int { return N }
		if e == WithReplacement {
			brute, maxN = bruteWith, func(int) int { return 5 }
		}
		for _, tc := range bruteCases {
			t.Run(e.String()+"/"+tc.name, func(t *testing.T) {
				s, err := NewScores(tc.scores)
				if err != nil {
					t.Fatal(err)
				}
				for n := 1; n <= maxN(len(tc.scores)); n++ {
					got, err := s.Expected(e, n)
					if err != nil {
						t.Fatal(err)
					}
					wm, wsd := brute(tc.scores, n)
					if !near(got.Mean, wm, 1e-12) || !near(got.SD, wsd, 1e-9) {
						t.Errorf("n=%d: got mean %.15g sd %.15g, brute force %.15g %.15g", n, got.Mean, got.SD, wm, wsd)
					}
				}
			})
		}
	}
}

// TestAgainstSimulation checks a larger sample, where enumeration is out of
// reach, against Monte Carlo draws.
func TestAgainstSimulation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	scores := make([]float64, 40)
	for i := range scores {
		scores[i] = math.Round(r.NormFloat64()*50) / 100 // rounding makes ties
	}
	s, err := NewScores(scores)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 100000
	for _, n := range []int{3, 10, 25} {
		for _, e := range Estimators {
			var sum float64
			for range draws {
				var m float64
				if e == WithReplacement {
					m = math.Inf(-1)
					for range n {
						m = math.Max(m, scores[r.IntN(len(scores))])
					}
				} else {
					perm := r.Perm(len(scores))[:n]
					m = math.Inf(-1)
					for _, i := range perm {
						m = math.Max(m, scores[i])
					}
				}
				sum += m
			}
			got, err := s.Expected(e, n)
			if err != nil {
				t.Fatal(err)
			}
			// Monte Carlo standard error is sd/sqrt(draws); allow 5 of them.
			tol := 5*got.SD/math.Sqrt(draws) + 1e-12
			if sim := sum / draws; math.Abs(sim-got.Mean) > tol {
				t.Errorf("%v n=%d: got %.6f, simulation %.6f (tol %.2g)", e, n, got.Mean, sim, tol)
			}
		}
	}
}

func TestBoundaryIdentities(t *testing.T) {
	tests := [][]float64{
		{0.2, 0.9},
		{0.61, 0.55, 0.72, 0.70, 0.40, 0.66},
		{0.5, 0.7, 0.5, 0.7, 0.7, 0.1, 0.5},
		{1e9, -1e9, 3, 3, 3},
	}
	for _, scores := range tests {
		s, err := NewScores(scores)
		if err != nil {
			t.Fatal(err)
		}
		mean, sd := meanSD(scores)
		// Rounding is relative to the largest magnitude, not to the mean.
		scale := math.Max(math.Abs(slices.Min(scores)), math.Abs(slices.Max(scores)))
		one, _ := s.Expected(WithReplacement, 1)
		if math.Abs(one.Mean-mean) > 1e-14*scale || !near(one.SD, sd, 1e-9) {
			t.Errorf("%v: with replacement n=1 gives %v, want mean %v sd %v", scores, one, mean, sd)
		}
		one, _ = s.Expected(WithoutReplacement, 1)
		if math.Abs(one.Mean-mean) > 1e-14*scale {
			t.Errorf("%v: without replacement n=1 gives %v, want mean %v", scores, one, mean)
		}
		all, _ := s.Expected(WithoutReplacement, len(scores))
		if all.Mean != slices.Max(scores) || all.SD != 0 {
			t.Errorf("%v: without replacement n=N gives %+v, want max %v and sd 0 exactly", scores, all, slices.Max(scores))
		}
	}
}

func TestMonotoneInN(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{1, 2, 7, 100, 1000} {
		scores := make([]float64, size)
		for i := range scores {
			scores[i] = r.Float64()
			if i%3 == 0 && i > 0 {
				scores[i] = scores[i-1] // ties
			}
		}
		s, err := NewScores(scores)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range Estimators {
			maxN := size
			if e == WithReplacement {
				maxN = 3 * size
			}
			pts, err := s.Curve(e, Range(1, maxN))
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(pts); i++ {
				if pts[i].Mean < pts[i-1].Mean-1e-12 {
					t.Fatalf("%v N=%d: E[max] decreases from n=%d (%.15g) to n=%d (%.15g)", e, size, pts[i-1].N, pts[i-1].Mean, pts[i].N, pts[i].Mean)
				}
				if pts[i].Mean > s.Max()+1e-12 {
					t.Fatalf("%v N=%d n=%d: E[max]=%v exceeds the best score %v", e, size, pts[i].N, pts[i].Mean, s.Max())
				}
			}
		}
	}
}

func TestLargeN(t *testing.T) {
	const N = 50000
	r := rand.New(rand.NewPCG(5, 6))
	scores := make([]float64, N)
	for i := range scores {
		scores[i] = 0.5 + 0.1*r.NormFloat64()
	}
	s, err := NewScores(scores)
	if err != nil {
		t.Fatal(err)
	}
	ns := []int{1, 2, 10, 100, 1000, 10000, 25000, N - 1, N}
	for _, e := range Estimators {
		pts, err := s.Curve(e, ns)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pts {
			if math.IsNaN(p.Mean) || math.IsInf(p.Mean, 0) || math.IsNaN(p.SD) || p.SD < 0 {
				t.Fatalf("%v n=%d: not finite: %+v", e, p.N, p)
			}
			if p.Mean < s.Mean()-1e-9 || p.Mean > s.Max()+1e-12 {
				t.Fatalf("%v n=%d: %v outside [mean %v, max %v]", e, p.N, p.Mean, s.Mean(), s.Max())
			}
			if i > 0 && p.Mean < pts[i-1].Mean {
				t.Fatalf("%v: not monotone at n=%d", e, p.N)
			}
		}
		if !near(pts[0].Mean, s.Mean(), 1e-12) {
			t.Errorf("%v n=1: %v, want the mean %v", e, pts[0].Mean, s.Mean())
		}
	}
	last, _ := s.Expected(WithoutReplacement, N)
	if last.Mean != s.Max() || last.SD != 0 {
		t.Errorf("n=N: %+v, want max %v sd 0", last, s.Max())
	}
	// One below N: the max is missed only when the single left-out trial is
	// the best one, so E = max − (max − second)/N.
	sorted := slices.Sorted(slices.Values(scores))
	want := sorted[N-1] - (sorted[N-1]-sorted[N-2])/N
	got, _ := s.Expected(WithoutReplacement, N-1)
	if !near(got.Mean, want, 1e-13) {
		t.Errorf("n=N-1: %.17g, want %.17g", got.Mean, want)
	}
}

func TestErrors(t *testing.T) {
	if _, err := NewScores(nil); !errors.Is(err, ErrNoScores) {
		t.Errorf("empty: %v", err)
	}
	if _, err := NewScores([]float64{1, math.NaN()}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := NewScores([]float64{math.Inf(1)}); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Inf: %v", err)
	}
	s, _ := NewScores([]float64{1, 2, 3})
	for _, tc := range []struct {
		e Estimator
		n int
	}{{WithReplacement, 0}, {WithoutReplacement, 4}, {WithoutReplacement, -1}, {Estimator(9), 1}} {
		if _, err := s.Expected(tc.e, tc.n); err == nil {
			t.Errorf("%v n=%d: want error", tc.e, tc.n)
		}
	}
	if p, err := s.Expected(WithReplacement, 1000); err != nil || p.Mean > 3 || p.Mean < 2.99 {
		t.Errorf("with replacement beyond N: %+v %v", p, err)
	}
}

func TestSingleTrialIsDegenerate(t *testing.T) {
	for _, e := range Estimators {
		pts, err := Curve([]float64{0.42}, e, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 1 || pts[0] != (Point{N: 1, Mean: 0.42, SD: 0}) {
			t.Errorf("%v: %+v", e, pts)
		}
	}
}

func TestParseEstimator(t *testing.T) {
	for in, want := range map[string]Estimator{
		"with": WithReplacement, "with_replacement": WithReplacement, "with-replacement": WithReplacement,
		"without": WithoutReplacement, "without_replacement": WithoutReplacement,
	} {
		got, err := ParseEstimator(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
		if back, _ := ParseEstimator(got.String()); back != got {
			t.Errorf("round trip of %v", got)
		}
	}
	if _, err := ParseEstimator("both"); err == nil {
		t.Error("want error")
	}
}

func TestBudgets(t *testing.T) {
	tests := []struct {
		max  int
		want []int
	}{
		{0, nil},
		{1, []int{1}},
		{4, []int{1, 2, 3, 4}},
		{10, []int{1, 2, 3, 5, 10}},
		{64, []int{1, 2, 3, 5, 10, 20, 30, 50, 64}},
		{200, []int{1, 2, 3, 5, 10, 20, 30, 50, 100, 200}},
	}
	for _, tc := range tests {
		if got := Budgets(tc.max); !slices.Equal(got, tc.want) {
			t.Errorf("Budgets(%d) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

func BenchmarkFullCurve50k(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	scores := make([]float64, 50000)
	for i := range scores {
		scores[i] = r.Float64()
	}
	s, _ := NewScores(scores)
	for b.Loop() {
		for _, e := range Estimators {
			if _, err := s.Curve(e, Range(1, len(scores))); err != nil {
				b.Fatal(err)
			}
		}
	}
}

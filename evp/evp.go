// Package evp estimates expected maximum validation performance as a function of the hyperparameter-search budget (Dodge et al. 2019, "Show Your Work").
//
// Given N observed trial scores sorted v(1) ≤ … ≤ v(N), the expected best
// score among n trials is
//
//	E[max] = Σ_i v(i)·(F_n(i) − F_n(i−1)),
//
// where F_n(i) is the probability that the best of n trials is at most v(i).
// Two estimators are provided: sampling with replacement, F_n(i) = (i/N)^n,
// as in the original paper, and sampling without replacement,
// F_n(i) = C(i,n)/C(N,n), which is unbiased for n ≤ N.
//
// All probabilities are computed from ratios in log space, so N in the
// hundreds of thousands neither overflows nor loses the small differences
// between neighbouring order statistics. Tied scores are grouped: the
// probability that the maximum equals a tied value is the CDF difference
// across the whole tie group, so ties give exactly the same result as any
// ordering of equal scores would.
package evp

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Estimator selects how n trials are drawn from the N observed ones.
type Estimator int

const (
	// WithReplacement draws n trials independently from the empirical
	// distribution: F_n(i) = (i/N)^n. Any n ≥ 1 is allowed.
	WithReplacement Estimator = iota
	// WithoutReplacement draws n distinct trials: F_n(i) = C(i,n)/C(N,n).
	// It is unbiased and requires n ≤ N.
	WithoutReplacement
)

// Estimators lists both estimators in their canonical order.
var Estimators = []Estimator{WithReplacement, WithoutReplacement}

// String returns the estimator's JSON key: "with_replacement" or
// "without_replacement".
func (e Estimator) String() string {
	switch e {
	case WithReplacement:
		return "with_replacement"
	case WithoutReplacement:
		return "without_replacement"
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// ParseEstimator accepts "with", "without", "with_replacement",
// "without_replacement" (and the same with dashes).
func ParseEstimator(s string) (Estimator, error) {
	switch s {
	case "with", "with_replacement", "with-replacement":
		return WithReplacement, nil
	case "without", "without_replacement", "without-replacement":
		return WithoutReplacement, nil
	}
	return 0, fmt.Errorf("unknown estimator %q (want with or without)", s)
}

// Point is the expected maximum and its standard deviation at a budget of N
// trials.
type Point struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// Errors returned for unusable input.
var (
	ErrNoScores  = errors.New("no scores")
	ErrNotFinite = errors.New("a score is NaN or infinite")
)

// Scores holds validated, sorted trial scores grouped into tie groups. It is
// the reusable, precomputed form for evaluating many budgets.
type Scores struct {
	n      int       // number of observed trials N
	values []float64 // distinct scores, ascending
	cum    []int     // cum[k]: number of scores ≤ values[k]
}

// NewScores validates and sorts scores. It does not modify its argument.
func NewScores(scores []float64) (*Scores, error) {
	if len(scores) == 0 {
		return nil, ErrNoScores
	}
	s := append([]float64(nil), scores...)
	for i, v := range s {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w (score %d is %v)", ErrNotFinite, i+1, v)
		}
	}
	sort.Float64s(s)
	out := &Scores{n: len(s)}
	for i, v := range s {
		if i > 0 && v == s[i-1] {
			out.cum[len(out.cum)-1]++
			continue
		}
		out.values = append(out.values, v)
		out.cum = append(out.cum, i+1)
	}
	return out, nil
}

// Len is the number of observed trials N.
func (s *Scores) Len() int { return s.n }

// Max is the best observed score.
func (s *Scores) Max() float64 { return s.values[len(s.values)-1] }

// Mean is the average observed score.
func (s *Scores) Mean() float64 {
	var sum float64
	prev := 0
	for k, v := range s.values {
		sum += v * float64(s.cum[k]-prev)
		prev = s.cum[k]
	}
	return sum / float64(s.n)
}

// MaxBudget is the largest n the estimator accepts for these scores: N
// without replacement, unlimited (math.MaxInt) with replacement.
func (s *Scores) MaxBudget(e Estimator) int {
	if e == WithoutReplacement {
		return s.n
	}
	return math.MaxInt
}

// Expected returns the expected best score among n trials and the standard
// deviation of that best score.
func (s *Scores) Expected(e Estimator, n int) (Point, error) {
	p := make([]float64, 0, len(s.values))
	return s.expected(e, n, p)
}

// expected does the work of Expected, reusing buf for the probabilities.
func (s *Scores) expected(e Estimator, n int, buf []float64) (Point, error) {
	if n < 1 {
		return Point{}, fmt.Errorf("budget n=%d must be at least 1", n)
	}
	switch e {
	case WithReplacement:
	case WithoutReplacement:
		if n > s.n {
			return Point{}, fmt.Errorf("budget n=%d exceeds the %d observed trials (without replacement needs n ≤ N)", n, s.n)
		}
	default:
		return Point{}, fmt.Errorf("unknown estimator %d", int(e))
	}
	probs := s.probabilities(e, n, buf[:0])
	// probs[j] belongs to values[K-1-j] (descending order).
	K := len(s.values)
	var mean float64
	for j, q := range probs {
		mean += q * s.values[K-1-j]
	}
	var variance float64
	for j, q := range probs {
		d := s.values[K-1-j] - mean
		variance += q * d * d
	}
	return Point{N: n, Mean: mean, SD: math.Sqrt(variance)}, nil
}

// negligible is the remaining probability mass below which lower scores are
// skipped. Dropping mass q changes the mean by at most q·(max−min) and the
// standard deviation by at most √q·(max−min), both far below float64
// resolution at 1e-30; it keeps a full curve over tens of thousands of
// trials fast, since F_n falls geometrically below the top scores.
const negligible = 1e-30

// probabilities appends P(max = values[k]) for k = K-1, K-2, … (best score
// first) and stops once the remaining mass F (the probability that the
// maximum lies below the scores visited so far) is negligible.
//
// With replacement, tie group k with c_k scores at or below it and m_k
// members has F(c_k − m_k) = F(c_k)·e^{L_k} with L_k = n·log1p(−m_k/c_k), so
// P_k = F(c_k)·(1 − e^{L_k}) = −F(c_k)·expm1(L_k) without cancellation.
//
// Without replacement, F(i−1) = F(i)·(i−n)/i, so the maximum sits at index i
// with probability F(i) − F(i−1) = F(i)·n/i; a tie group sums these positive
// terms. F(n−1) = 0 exactly, so nothing below index n is visited.
func (s *Scores) probabilities(e Estimator, n int, buf []float64) []float64 {
	F := 1.0 // F at the top of the current group
	nf := float64(n)
	for k := len(s.values) - 1; k >= 0 && F > negligible; k-- {
		c := s.cum[k]
		lower := 0
		if k > 0 {
			lower = s.cum[k-1]
		}
		if e == WithReplacement {
			em1 := math.Expm1(nf * math.Log1p(-float64(c-lower)/float64(c)))
			buf = append(buf, -F*em1)
			F *= 1 + em1
			continue
		}
		var p float64
		for i := c; i > lower && F > 0; i-- {
			p += F * nf / float64(i)
			F *= float64(i-n) / float64(i)
		}
		buf = append(buf, p)
	}
	return buf
}

// Curve evaluates the estimator at every budget in ns. Budgets must be valid
// for the estimator (see MaxBudget).
func (s *Scores) Curve(e Estimator, ns []int) ([]Point, error) {
	out := make([]Point, 0, len(ns))
	buf := make([]float64, 0, len(s.values))
	for _, n := range ns {
		p, err := s.expected(e, n, buf)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Expected is a convenience wrapper: the expected best of n trials drawn
// from scores with estimator e.
func Expected(scores []float64, e Estimator, n int) (Point, error) {
	s, err := NewScores(scores)
	if err != nil {
		return Point{}, err
	}
	return s.Expected(e, n)
}

// Curve is a convenience wrapper: the expected best score for n = 1 … maxN.
func Curve(scores []float64, e Estimator, maxN int) ([]Point, error) {
	s, err := NewScores(scores)
	if err != nil {
		return nil, err
	}
	return s.Curve(e, Range(1, maxN))
}

// Range returns the budgets lo, lo+1, …, hi (empty if hi < lo).
func Range(lo, hi int) []int {
	if hi < lo {
		return nil
	}
	out := make([]int, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		out = append(out, n)
	}
	return out
}

// Budgets returns a compact list of budgets up to maxN for tables: 1, 2, 3,
// 5, 10, 20, 30, 50, 100, … and maxN itself.
func Budgets(maxN int) []int {
	var out []int
	for dec := 1; dec <= maxN && dec > 0; dec *= 10 {
		for _, m := range []int{1, 2, 3, 5} {
			if v := m * dec; v <= maxN && (len(out) == 0 || v > out[len(out)-1]) {
				out = append(out, v)
			}
		}
		if dec > math.MaxInt/10 {
			break
		}
	}
	if maxN >= 1 && (len(out) == 0 || out[len(out)-1] != maxN) {
		out = append(out, maxN)
	}
	return out
}

package plot

import (
	"math"

	gplot "gonum.org/v1/plot"

	"github.com/greenai/greenai/units"
)

// siTicks marks an axis with SI-prefixed labels. On a log axis it puts
// labelled ticks at powers of ten, adding 2 and 5 times them, and then
// every integer multiple, until there are at least four labels (so a range
// of two or three decades is not left with two labels), keeping labels at
// least a twelfth of the axis apart; unlabelled minor ticks mark the other
// multiples. A range too narrow for two labels gets linear ticks.
type siTicks struct {
	log    bool
	escape func(string) string
}

// logMantissas are the labelled multiples of each power of ten, from the
// sparsest set to the densest.
var logMantissas = [][]int{{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}

// Ticks implements gonum's plot.Ticker.
func (t siTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !t.log || lo <= 0 || hi <= 0 {
		return t.linear(lo, hi)
	}
	d0 := int(math.Floor(math.Log10(lo)))
	d1 := int(math.Ceil(math.Log10(hi)))
	decades := d1 - d0
	span := math.Log10(hi / lo)
	var ticks []gplot.Tick
	for _, set := range logMantissas {
		labelled := map[int]bool{}
		for _, m := range set {
			labelled[m] = true
		}
		// Keep at most about eight labelled decades.
		every := 1 + decades/8
		ticks = ticks[:0]
		last := math.Inf(-1)
		for d := d0; d <= d1; d++ {
			base := math.Pow(10, float64(d))
			for m := 1; m <= 9; m++ {
				v := float64(m) * base
				if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
					continue
				}
				tk := gplot.Tick{Value: v}
				if labelled[m] && (m != 1 || (d-d0)%every == 0) && math.Log10(v)-last >= span/12 {
					tk.Label = t.escape(units.SIDigits(v, 3))
					last = math.Log10(v)
				}
				ticks = append(ticks, tk)
			}
		}
		if countLabels(ticks) >= 4 {
			break
		}
	}
	if countLabels(ticks) < 2 {
		// Less than a decade: linear ticks read better.
		return siTicks{escape: t.escape}.Ticks(lo, hi)
	}
	return ticks
}

// linear puts four to eight labelled ticks at multiples of 1, 2 or 5 times
// a power of ten, with unlabelled minor ticks between them: the widest
// such step that still gives four labels.
func (t siTicks) linear(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []gplot.Tick{{Value: lo, Label: t.escape(units.SIDigits(lo, 6))}}
	}
	raw := (hi - lo) / 5
	base := math.Pow(10, math.Floor(math.Log10(raw)))
	steps := []struct {
		f float64
		n int
	}{{0.5, 5}, {1, 5}, {2, 4}, {5, 5}, {10, 5}}
	k := len(steps) - 1
	for i, m := range steps[1:] {
		if m.f*base >= raw*0.75 {
			k = i + 1
			break
		}
	}
	ticks := t.linearStep(lo, hi, steps[k].f*base, steps[k].n)
	for ; countLabels(ticks) < 4 && k > 0; k-- {
		ticks = t.linearStep(lo, hi, steps[k-1].f*base, steps[k-1].n)
	}
	return ticks
}

// linearStep labels multiples of step, with minors unlabelled ticks per
// step.
func (t siTicks) linearStep(lo, hi, step float64, minors int) []gplot.Tick {
	var ticks []gplot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	minor := step / float64(minors)
	for k := math.Ceil(lo/minor - 1e-9); k <= hi/minor+1e-9; k++ {
		v := k * minor
		tk := gplot.Tick{Value: v}
		if i := math.Round((v - first) / step); math.Abs((v-first)/step-i) < 1e-6 {
			// Snap to the exact multiple so that labels print cleanly.
			v = first + i*step
			if math.Abs(v) < step*1e-9 {
				v = 0
			}
			tk.Value = v
			tk.Label = t.escape(units.SIDigits(v, 6))
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// log10Ticks marks an axis whose coordinates are log10 of the data: the
// ticks are those of siTicks on the data range, placed at their logarithms.
type log10Ticks struct {
	escape func(string) string
}

// Ticks implements gonum's plot.Ticker.
func (t log10Ticks) Ticks(lo, hi float64) []gplot.Tick {
	ticks := siTicks{log: true, escape: t.escape}.Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}

func countLabels(ticks []gplot.Tick) int {
	n := 0
	for _, t := range ticks {
		if t.Label != "" {
			n++
		}
	}
	return n
}

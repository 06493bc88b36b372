// Package trackerio moves run records to and from the experiment trackers researchers already use: TensorBoard event files and MLflow (REST API, and its mlruns folder).
package trackerio

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/greenai/greenai/internal/tfevents"
	"github.com/greenai/greenai/tracker"
)

// Tags greenai writes beside the run's own metrics.
const (
	TagEnergyKWh    = "greenai/energy_kwh"
	TagEnergyJoules = "greenai/energy_joules"
	TagCarbonG      = "greenai/carbon_g"
	TagSeconds      = "greenai/seconds"
	TagFPO          = "greenai/fpo"
)

// StepScalars is what one step of a run becomes in a tracker: the run's
// numeric metrics at that step and greenai's cost figures up to it.
type StepScalars struct {
	Step     int64
	WallTime float64 // Unix seconds
	Values   map[string]float64
}

// Scalars turns a record into per-step scalars: every numeric field of its
// metric lines that have a "step" (step and timestamp themselves aside),
// the energy (kWh and J), carbon (g), time and FPO greenai recorded at
// each step, and at the last step the run's totals. skipped counts metric
// lines without a step, which a tracker cannot place.
func Scalars(r *tracker.Record) (out []StepScalars, skipped int) {
	at := map[int64]*StepScalars{}
	get := func(step int64, wall float64) *StepScalars {
		s := at[step]
		if s == nil {
			s = &StepScalars{Step: step, WallTime: wall, Values: map[string]float64{}}
			at[step] = s
		}
		return s
	}
	start := float64(r.Start.UnixNano()) / 1e9
	stepTime := map[float64]float64{}
	for _, st := range r.Steps {
		stepTime[st.Step] = start + st.Seconds
	}
	var last int64
	for _, raw := range r.Metrics {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			skipped++
			continue
		}
		stf, ok := num(m["step"])
		if !ok || stf < 0 || stf != math.Trunc(stf) {
			skipped++
			continue
		}
		step := int64(stf)
		wall, ok := num(m["timestamp"])
		if !ok {
			wall, ok = stepTime[stf]
			if !ok {
				wall = start
			}
		}
		s := get(step, wall)
		for k, v := range m {
			if k == "step" || k == "timestamp" {
				continue
			}
			if f, ok := num(v); ok {
				s.Values[k] = f
			}
		}
		last = max(last, step)
	}
	for _, st := range r.Steps {
		if st.Step != math.Trunc(st.Step) {
			continue
		}
		s := get(int64(st.Step), start+st.Seconds)
		s.Values[TagEnergyJoules] = st.Joules
		s.Values[TagEnergyKWh] = st.Joules / 3.6e6
		s.Values[TagCarbonG] = r.Carbon.Grams(st.Joules)
		s.Values[TagSeconds] = st.Seconds
		if st.FPO != nil {
			s.Values[TagFPO] = *st.FPO
		}
		last = max(last, int64(st.Step))
	}
	// The totals, at the last step (or 0): what the run cost in all.
	end := start + r.WallSeconds
	s := get(last, end)
	s.WallTime = max(s.WallTime, end)
	s.Values[TagEnergyJoules] = r.EnergyJoules
	s.Values[TagEnergyKWh] = r.EnergyJoules / 3.6e6
	s.Values[TagCarbonG] = r.CarbonG
	s.Values[TagSeconds] = r.WallSeconds
	if r.FPO != nil {
		s.Values[TagFPO] = r.FPO.TotalFPO
	}
	for _, s := range at {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b StepScalars) int { return int(min(max(a.Step-b.Step, -1), 1)) })
	return out, skipped
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	case bool:
		return 0, false
	}
	return 0, false
}

// WriteTensorBoard writes one event file per run under dir/<run id>/, the
// layout TensorBoard shows as one run each (tensorboard --logdir dir). It
// returns the files written and, per run, how many metric lines had no
// step.
func WriteTensorBoard(dir string, recs []*tracker.Record) (files []string, skipped map[string]int, err error) {
	skipped = map[string]int{}
	for _, r := range recs {
		sub := filepath.Join(dir, safeName(r.ID))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return files, skipped, fmt.Errorf("tensorboard export: %w", err)
		}
		start := float64(r.Start.UnixNano()) / 1e9
		name := filepath.Join(sub, fmt.Sprintf("events.out.tfevents.%d.%s.greenai", r.Start.Unix(), safeName(r.Host)))
		f, err := os.Create(name)
		if err != nil {
			return files, skipped, fmt.Errorf("tensorboard export: %w", err)
		}
		w := tfevents.NewWriter(f, start)
		steps, n := Scalars(r)
		if n > 0 {
			skipped[r.ID] = n
		}
		for _, s := range steps {
			tags := make([]string, 0, len(s.Values))
			for k := range s.Values {
				tags = append(tags, k)
			}
			slices.Sort(tags)
			_ = w.WriteScalars(s.Step, s.WallTime, tags, s.Values)
		}
		err = w.Err()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return files, skipped, fmt.Errorf("tensorboard export %s: %w", name, err)
		}
		files = append(files, name)
	}
	return files, skipped, nil
}

// safeName keeps a run id or host usable as one path element.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

package tracker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"time"
)

// Step is the cost of a run up to one step the command reported
// ({"step": N, …} in $GREENAI_METRICS), and since the step before.
type Step struct {
	Step    float64 `json:"step"`
	Seconds float64 `json:"seconds"` // from the run's start
	Joules  float64 `json:"joules"`  // the run's energy up to the step
	// DSeconds and DJoules are since the previous recorded step (or the
	// run's start).
	DSeconds float64 `json:"d_seconds"`
	DJoules  float64 `json:"d_joules"`
	// FPO up to the step and since the previous one, when the run has an
	// FPO figure (see Record.StepsFPO for how it was split).
	FPO  *float64 `json:"fpo,omitempty"`
	DFPO *float64 `json:"d_fpo,omitempty"`
}

// energyPoint is the run's cumulative energy at one sample.
type energyPoint struct {
	t float64 // seconds from the start
	j float64
	// raw is the energy up to t before billing shared counters by the
	// interval's CPU-time share: the fallback shape of the series when no
	// interval's share caught any energy (see scaleSeries).
	raw float64
}

// stepScanner follows $GREENAI_METRICS as the command appends to it and
// notes when each step line appeared.
type stepScanner struct {
	path    string
	off     int64
	partial []byte
	seen    []pendingStep
}

type pendingStep struct {
	step     float64
	at       float64 // seconds from the start: the line's timestamp, else when it was first seen
	examples float64 // cumulative examples, when the line says
	hasEx    bool
}

// scan reads the lines appended since the last call; lines without a
// timestamp are stamped with now (seconds from the start).
func (sc *stepScanner) scan(now float64, start time.Time) {
	if sc.path == "" {
		return
	}
	f, err := os.Open(sc.path)
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Seek(sc.off, io.SeekStart); err != nil {
		return
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil || len(b) == 0 {
		return
	}
	sc.off += int64(len(b))
	b = append(sc.partial, b...)
	last := bytes.LastIndexByte(b, '\n')
	if last < 0 {
		sc.partial = b
		return
	}
	sc.partial = append([]byte(nil), b[last+1:]...)
	for _, line := range bytes.Split(b[:last], []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(bytes.TrimSpace(line), &m) != nil {
			continue
		}
		st, ok := number(m["step"])
		if !ok || st < 0 {
			continue
		}
		p := pendingStep{step: st, at: now}
		if ts, ok := number(m["timestamp"]); ok {
			whole, frac := math.Modf(ts)
			if at := time.Unix(int64(whole), int64(frac*1e9)).Sub(start).Seconds(); at >= 0 && at <= now+1 {
				p.at = min(at, now)
			}
		}
		p.examples, p.hasEx = number(m["examples"])
		sc.seen = append(sc.seen, p)
	}
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// energyAt interpolates the cumulative energy at t between samples.
func energyAt(pts []energyPoint, t float64) float64 {
	if len(pts) == 0 {
		return 0
	}
	i := sort.Search(len(pts), func(i int) bool { return pts[i].t >= t })
	switch {
	case i == 0:
		return pts[0].j
	case i == len(pts):
		return pts[len(pts)-1].j
	}
	a, b := pts[i-1], pts[i]
	if b.t == a.t {
		return b.j
	}
	j := a.j + (b.j-a.j)*(t-a.t)/(b.t-a.t)
	return min(max(j, min(a.j, b.j)), max(a.j, b.j))
}

// buildSteps turns the step lines into Steps: one per distinct step (the
// first line of it), in step order. FPO is split by examples when every
// step line says how many examples the run has seen ("examples": the
// FPO per example × examples), else prorated by step ÷ total steps.
func buildSteps(seen []pendingStep, pts []energyPoint, fpo *FPOInfo, totalSteps float64) ([]Step, string) {
	firsts := map[float64]pendingStep{}
	var order []float64
	allEx := true
	for _, p := range seen {
		if _, dup := firsts[p.step]; dup {
			continue
		}
		firsts[p.step] = p
		order = append(order, p.step)
		allEx = allEx && p.hasEx
	}
	sort.Float64s(order)
	largest := 0.0
	if len(order) > 0 {
		largest = order[len(order)-1]
	}
	if totalSteps < largest {
		totalSteps = largest
	}
	how := ""
	if fpo != nil {
		switch {
		case allEx && fpo.PerExampleFPO > 0:
			how = "FPO per example × the examples the step line reports"
		case totalSteps > 0:
			how = fmt.Sprintf("the run's FPO × step ÷ %g total steps (prorated: the step lines say no \"examples\")", totalSteps)
		}
	}
	out := make([]Step, 0, len(order))
	var prev Step
	var prevFPO float64
	for _, st := range order {
		p := firsts[st]
		s := Step{Step: st, Seconds: p.at, Joules: energyAt(pts, p.at)}
		s.DSeconds, s.DJoules = s.Seconds-prev.Seconds, s.Joules-prev.Joules
		if how != "" {
			var f float64
			if allEx && fpo.PerExampleFPO > 0 {
				f = fpo.PerExampleFPO * p.examples
			} else {
				f = fpo.TotalFPO * st / totalSteps
			}
			d := f - prevFPO
			s.FPO, s.DFPO = &f, &d
			prevFPO = f
		}
		out = append(out, s)
		prev = s
	}
	return out, how
}

func (sc *stepScanner) largest() float64 {
	m := 0.0
	for _, p := range sc.seen {
		m = max(m, p.step)
	}
	return m
}

// seriesState builds the run's cumulative energy over its samples so that
// it never goes down: each interval adds its own increments, a RAPL
// figure billed by the interval's own CPU-time share (the run's record
// bills the whole run by its overall share, which can move either way as
// the run goes on).
type seriesState struct {
	cpu, busy float64
	prev      map[string]float64 // raw figure (whole host for RAPL) at the last sample
	total     float64
	raw       float64 // total before billing by CPU-time share
}

// point adds a sample at t seconds and returns its point of the series.
func (ss *seriesState) point(t float64, es []Energy, cpu float64, hostBusy func() (float64, error)) energyPoint {
	j := ss.add(es, cpu, hostBusy)
	return energyPoint{t: t, j: j, raw: ss.raw}
}

func (ss *seriesState) add(es []Energy, cpu float64, hostBusy func() (float64, error)) float64 {
	share := 1.0
	if busy, err := hostBusy(); err == nil {
		if d := busy - ss.busy; d > 0 {
			share = min(max(cpu-ss.cpu, 0)/d, 1)
		}
		ss.busy = busy
	}
	ss.cpu = max(ss.cpu, cpu)
	for _, e := range es {
		k := offsetKey(e)
		raw, billed := e.Joules, false
		if e.Share > 0 && e.HostJoules > 0 && e.Scope == "process" {
			raw, billed = e.HostJoules, true
		}
		d := max(raw-ss.prev[k], 0)
		ss.prev[k] = max(ss.prev[k], raw)
		ss.raw += d
		if billed {
			d *= share
		}
		ss.total += d
	}
	return ss.total
}

// scaleSeries scales the cumulative series so that it ends at total. When
// billing by each interval's CPU-time share caught nothing (on a busy
// host, the command's CPU-time counters, in clock ticks, may not move in
// the intervals where a shared counter did) but the run has energy, the
// series takes the shape of the unbilled energy instead, else of the wall
// time, so that the energy up to a step is never a made-up zero.
func scaleSeries(pts []energyPoint, total float64) {
	if len(pts) == 0 {
		return
	}
	end := pts[len(pts)-1].j
	if end <= 0 && total > 0 {
		switch last := pts[len(pts)-1]; {
		case last.raw > 0:
			for i := range pts {
				pts[i].j = pts[i].raw
			}
		case last.t > 0:
			for i := range pts {
				pts[i].j = pts[i].t
			}
		}
		end = pts[len(pts)-1].j
	}
	if end <= 0 {
		return
	}
	f := total / end
	for i := range pts {
		pts[i].j *= f
	}
}

package tracker

import (
	"context"
	"fmt"
	"time"

	"github.com/greenai/greenai/internal/meter"
)

// IdleBaseline is the power the machine drew before the run, with nothing
// of the run going on: what it would have drawn anyway. It is reported
// beside the run's energy and never subtracted from it.
type IdleBaseline struct {
	Seconds float64        `json:"seconds"` // how long it was measured
	Watts   float64        `json:"watts"`   // all measured components
	Parts   []BaselinePart `json:"parts"`
	// JoulesOverRun is Watts × the run's wall time: the energy the
	// machine would have drawn idle over the run.
	JoulesOverRun float64 `json:"joules_over_run"`
	Method        string  `json:"method"`
}

// BaselinePart is the idle power of one component and device.
type BaselinePart struct {
	Component  string           `json:"component"`
	Device     string           `json:"device,omitempty"`
	Watts      float64          `json:"watts"`
	Provenance meter.Provenance `json:"provenance"`
}

func offsetKey(e Energy) string { return e.Component + "\x00" + e.Device }

// measureBaseline samples the meters for cfg.IdleBaseline before the
// command starts. The meters' figures at its end are taken off the run's.
func (s *state) measureBaseline(ctx context.Context) error {
	d := s.cfg.IdleBaseline
	if len(s.cfg.Meters) == 0 {
		s.note("idle baseline not measured: no energy meter is readable on this machine (see the other notes)")
		return nil
	}
	t0 := s.cfg.Now()
	s.sampleMeters(t0)
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	end := time.NewTimer(d)
	defer end.Stop()
wait:
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("tracker: interrupted during the idle baseline: %w", ctx.Err())
		case sig := <-s.cfg.Signals:
			if interrupting[sig] {
				return fmt.Errorf("tracker: %s during the idle baseline; the command was not started", signalName(sig))
			}
		case now := <-tick.C:
			s.sampleMeters(now)
		case <-end.C:
			break wait
		}
	}
	t1 := s.cfg.Now()
	s.sampleMeters(t1)
	secs := t1.Sub(t0).Seconds()
	b := &IdleBaseline{Seconds: secs, Parts: []BaselinePart{},
		Method: fmt.Sprintf("the meters read for %.3g s before the command started, nothing of the run going on (other work on the machine included); whole host and devices; not subtracted from the run", secs)}
	s.offset = map[string]float64{}
	for _, m := range s.cfg.Meters {
		for _, e := range m.Energy() {
			s.offset[offsetKey(e)] = e.Joules
			w := e.Joules / secs
			b.Watts += w
			b.Parts = append(b.Parts, BaselinePart{Component: e.Component, Device: e.Device, Watts: w, Provenance: e.Provenance})
		}
	}
	s.rec.IdleBaseline = b
	// The run starts now.
	s.start = t1
	s.rec.Start = t1.UTC()
	return nil
}

// takeOffset removes the idle baseline's energy from a meter figure. A
// per-device share, computed by the meter over baseline and run, is
// re-expressed over the run alone (the baseline had no run process, so
// none of it was attributed).
func (s *state) takeOffset(e *Energy) {
	off := s.offset[offsetKey(*e)]
	if off == 0 {
		return
	}
	attributed := e.Joules * e.Share
	e.Joules = max(e.Joules-off, 0)
	if e.HostJoules > 0 {
		e.HostJoules = e.Joules
	}
	if e.Share > 0 && e.Joules > 0 {
		e.Share = min(attributed/e.Joules, 1)
	}
}

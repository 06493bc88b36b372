package tracker

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/meter"
)

// fixedMeter reports fixed whole-host figures.
type fixedMeter struct {
	name string
	es   []Energy
}

func (f *fixedMeter) Name() string               { return f.name }
func (f *fixedMeter) Sample(time.Time) error     { return nil }
func (f *fixedMeter) Energy() []Energy           { return append([]Energy(nil), f.es...) }
func (f *fixedMeter) MaxInterval() time.Duration { return 0 }
func (f *fixedMeter) Close() error               { return nil }

// On a shared node the run is billed exactly its CPU-time share of the
// host's counters, and the whole figure stays beside it.
func TestRunSharedNodeAttributionExact(t *testing.T) {
	cfg := baseConfig(nil, "true")
	cfg.Meters = []meter.EnergyMeter{&fixedMeter{name: "rapl", es: []Energy{
		{Component: "cpu", Device: "package-0", Joules: 800, Provenance: MeasuredCounter, Scope: meter.ScopeHost, Method: "fake"},
		{Component: "dram", Device: "package-0/dram", Joules: 120, Provenance: MeasuredCounter, Scope: meter.ScopeHost, Method: "fake"},
	}}}
	// The run's tree used 3 + 1 CPU seconds while the host was busy 16.
	cfg.NewProc = func(int) meter.ProcMeter {
		return &meter.FakeProc{S: meter.ProcSample{UserSeconds: 3, SystemSeconds: 1, RSSBytes: 1 << 20, Procs: 1}}
	}
	calls := 0
	cfg.HostBusy = func() (float64, error) {
		calls++
		if calls == 1 {
			return 100, nil
		}
		return 116, nil
	}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{"cpu": {200, 800}, "dram": {30, 120}}
	for _, e := range r.Energy {
		w, ok := want[e.Component]
		if !ok {
			continue
		}
		if e.Joules != w[0] || e.HostJoules != w[1] || e.Share != 0.25 || !strings.Contains(e.Method, "billed 25.0%") {
			t.Errorf("%s: %v J of %v J whole, share %v (%s); want %v of %v, 0.25", e.Component, e.Joules, e.HostJoules, e.Share, e.Method, w[0], w[1])
		}
	}
	if r.WholeJoules != 920 || r.AttributedJoules != 230 || r.EnergyJoules != 230 {
		t.Errorf("whole %v attributed %v energy %v, want 920, 230, 230", r.WholeJoules, r.AttributedJoules, r.EnergyJoules)
	}
}

// The idle baseline is measured before the command, reported separately,
// and not subtracted: the run's figures start where it ends.
func TestRunIdleBaseline(t *testing.T) {
	cfg := baseConfig(nil, "sleep", "0.2")
	fake := &meter.FakeEnergy{MeterName: "rapl", Component: "cpu", Device: "package-0", Watts: 50, Provenance: MeasuredCounter, Scope: meter.ScopeDevice}
	cfg.Meters = []meter.EnergyMeter{fake}
	cfg.IdleBaseline = 150 * time.Millisecond
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := r.IdleBaseline
	if b == nil || b.Seconds < 0.15 || math.Abs(b.Watts-50) > 1e-6 || len(b.Parts) != 1 || !strings.Contains(b.Method, "not subtracted") {
		t.Fatalf("baseline %+v", b)
	}
	if math.Abs(b.JoulesOverRun-50*r.WallSeconds) > 1e-6 {
		t.Errorf("baseline over the run %v, want 50 W × %v s", b.JoulesOverRun, r.WallSeconds)
	}
	var cpu float64
	for _, e := range r.Energy {
		if e.Component == "cpu" {
			cpu = e.Joules
		}
	}
	// The run's own figure covers the run (≈ 50 W × wall), not the
	// baseline before it, and nothing was subtracted from it.
	if cpu < 50*r.WallSeconds-1e-6 || cpu > 50*(r.WallSeconds+0.1) {
		t.Errorf("cpu %v J over a %v s run at 50 W", cpu, r.WallSeconds)
	}
}

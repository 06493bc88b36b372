package tracker

import (
	"context"
	"math"
	"testing"

	"github.com/greenai/greenai/internal/meter"
)

// Step lines the command writes get the energy, FPO and time up to each
// step and since the one before.
func TestRunStepEnergy(t *testing.T) {
	cfg := baseConfig(nil, "sh", "-c", `for i in 1 2 3; do echo "{\"step\": $i, \"examples\": $((i*32)), \"loss\": 0.$i}" >> "$GREENAI_METRICS"; sleep 0.1; done`)
	cfg.Meters = []meter.EnergyMeter{
		&meter.FakeEnergy{MeterName: "a", Component: "cpu", Device: "package-0", Watts: 100, Provenance: MeasuredCounter, Scope: meter.ScopeDevice},
		&meter.FakeEnergy{MeterName: "b", Component: "dram", Device: "dram-0", Watts: 10, Provenance: MeasuredCounter, Scope: meter.ScopeDevice},
	}
	cfg.KnownFPO = &FPOInfo{TotalFPO: 1e12, PerExampleFPO: 1e9}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 3 {
		t.Fatalf("steps %+v", r.Steps)
	}
	prev := Step{}
	for i, s := range r.Steps {
		if s.Step != float64(i+1) || s.Seconds <= prev.Seconds || s.Seconds > r.WallSeconds {
			t.Errorf("step %d: %+v", i, s)
		}
		// The fake meters draw 110 W from the start: the energy up to a
		// step is exactly 110 W × its time, and since the last step
		// 110 W × the time between.
		if math.Abs(s.Joules-110*s.Seconds) > 1e-9 || math.Abs(s.DJoules-110*s.DSeconds) > 1e-9 || math.Abs(s.DJoules-(s.Joules-prev.Joules)) > 1e-12 {
			t.Errorf("step %v: %v J at %v s (+%v J in %v s), want 110 W", s.Step, s.Joules, s.Seconds, s.DJoules, s.DSeconds)
		}
		if s.FPO == nil || *s.FPO != 1e9*32*float64(i+1) || *s.DFPO != 1e9*32 {
			t.Errorf("step %v FPO %v (+%v), want %v", s.Step, s.FPO, s.DFPO, 1e9*32*float64(i+1))
		}
		prev = s
	}
	if r.StepsHow == "" {
		t.Error("no method for the step figures")
	}
}

func TestBuildStepsProratesWithoutExamples(t *testing.T) {
	pts := []energyPoint{{t: 0, j: 0}, {t: 10, j: 100}}
	seen := []pendingStep{{step: 50, at: 5}, {step: 50, at: 6}, {step: 100, at: 10}}
	steps, how := buildSteps(seen, pts, &FPOInfo{TotalFPO: 1000}, 0)
	if len(steps) != 2 || steps[0].Joules != 50 || *steps[0].FPO != 500 || *steps[1].DFPO != 500 || how == "" {
		t.Errorf("%+v %q", steps, how)
	}
}

// TestScaleSeriesFallback: when billing by each interval's CPU-time share
// caught no energy (a busy host: the command's CPU ticks did not move in
// the intervals where the shared counter did) but the run has energy, the
// series follows the unbilled energy, else the wall time; never zero.
func TestScaleSeriesFallback(t *testing.T) {
	pts := []energyPoint{{t: 0}, {t: 1, raw: 30}, {t: 2, raw: 30}, {t: 4, raw: 90}}
	scaleSeries(pts, 9)
	if got := []float64{pts[0].j, pts[1].j, pts[2].j, pts[3].j}; got[0] != 0 || got[1] != 3 || got[2] != 3 || got[3] != 9 {
		t.Errorf("by raw energy: %v, want [0 3 3 9]", got)
	}
	pts = []energyPoint{{t: 0}, {t: 1}, {t: 4}}
	scaleSeries(pts, 8)
	if pts[1].j != 2 || pts[2].j != 8 {
		t.Errorf("by wall time: %+v, want 2 and 8 J", pts)
	}
	pts = []energyPoint{{t: 0}, {t: 1, j: 1, raw: 5}, {t: 2, j: 4, raw: 6}}
	scaleSeries(pts, 8)
	if pts[1].j != 2 || pts[2].j != 8 {
		t.Errorf("billed series: %+v, want it scaled to 2 and 8 J", pts)
	}
}

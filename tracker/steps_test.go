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
	pts := []energyPoint{{0, 0}, {10, 100}}
	seen := []pendingStep{{step: 50, at: 5}, {step: 50, at: 6}, {step: 100, at: 10}}
	steps, how := buildSteps(seen, pts, &FPOInfo{TotalFPO: 1000}, 0)
	if len(steps) != 2 || steps[0].Joules != 50 || *steps[0].FPO != 500 || *steps[1].DFPO != 500 || how == "" {
		t.Errorf("%+v %q", steps, how)
	}
}

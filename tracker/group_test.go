package tracker

import (
	"math"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
)

func TestDetectGroup(t *testing.T) {
	tests := []struct {
		env         map[string]string
		group, rank string
	}{
		{nil, "", ""},
		{map[string]string{"SLURM_JOB_ID": "123", "SLURM_PROCID": "3"}, "slurm:123", "3"},
		{map[string]string{"SLURM_JOB_ID": "123", "SLURM_STEP_ID": "0", "RANK": "5", "SLURM_PROCID": "3"}, "slurm:123.0", "5"},
		{map[string]string{"TORCHELASTIC_RUN_ID": "abc", "RANK": "1"}, "torchelastic:abc", "1"},
		{map[string]string{"PBS_JOBID": "9.server"}, "pbs:9.server", ""},
		{map[string]string{"LSB_JOBID": "77", "OMPI_COMM_WORLD_RANK": "2"}, "lsf:77", "2"},
	}
	for _, tc := range tests {
		g, r := DetectGroup(func(k string) string { return tc.env[k] })
		if g != tc.group || r != tc.rank {
			t.Errorf("%v: got %q %q, want %q %q", tc.env, g, r, tc.group, tc.rank)
		}
	}
}

func rec(host string, start time.Time, wall float64, es ...Energy) *Record {
	return &Record{Host: host, Start: start, WallSeconds: wall, Complete: true, CPUSeconds: 1,
		Carbon: carbon.Setting{PUE: 1, GramsPerKWh: 360}, Energy: es}
}

func TestSumGroup(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cpu := func(j float64) Energy {
		return Energy{Component: "cpu", Device: "package-0", Joules: j, Provenance: MeasuredCounter, Scope: meter.ScopeProcess, HostJoules: 1000, Share: j / 1000}
	}
	gpu := func(uuid string, j float64) Energy {
		return Energy{Component: "gpu", Device: uuid, Joules: j, Provenance: MeasuredCounter, Scope: meter.ScopeDevice}
	}
	tests := []struct {
		name   string
		recs   []*Record
		total  float64
		byComp map[string]float64
		dedup  int
	}{
		{
			// Two ranks on one host: each billed its CPU share of the
			// same package counter, so their figures add up to at most the
			// host's 1000 J; both saw GPU-A, counted once (the larger).
			name: "two ranks one host",
			recs: []*Record{
				rec("n1", t0, 10, cpu(600), gpu("GPU-A", 5000), gpu("GPU-B", 100)),
				rec("n1", t0.Add(time.Second), 9, cpu(350), gpu("GPU-A", 4900)),
			},
			total:  600 + 350 + 5000 + 100,
			byComp: map[string]float64{"cpu": 950, "gpu": 5100},
			dedup:  1,
		},
		{
			// The same GPU UUID string on two hosts is two devices.
			name: "two hosts",
			recs: []*Record{
				rec("n1", t0, 10, cpu(600), gpu("GPU-A", 5000)),
				rec("n2", t0, 12, cpu(700), gpu("GPU-A", 5100)),
			},
			total:  600 + 700 + 5000 + 5100,
			byComp: map[string]float64{"cpu": 1300, "gpu": 10100},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := SumGroup("g", tc.recs)
			if g.EnergyJoules != tc.total || len(g.Deduplicated) != tc.dedup || g.Runs != len(tc.recs) {
				t.Errorf("total %v dedup %v runs %d, want %v %d", g.EnergyJoules, g.Deduplicated, g.Runs, tc.total, tc.dedup)
			}
			for c, j := range tc.byComp {
				if g.ByComponent[c] != j {
					t.Errorf("%s: %v, want %v", c, g.ByComponent[c], j)
				}
			}
			if want := tc.total / 3.6e6 * 360; math.Abs(g.CarbonG-want) > 1e-9 {
				t.Errorf("carbon %v, want %v", g.CarbonG, want)
			}
		})
	}
	if g := SumGroup("g", []*Record{rec("n1", t0, 10), rec("n1", t0.Add(5*time.Second), 10)}); g.WallSeconds != 15 || g.Hosts != 1 {
		t.Errorf("wall %v hosts %d", g.WallSeconds, g.Hosts)
	}
}

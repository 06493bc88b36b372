package tracker

import (
	"context"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/meter"
)

func TestDetectJob(t *testing.T) {
	env := map[string]string{"SLURM_JOB_ID": "7", "SLURM_PROCID": "5", "SLURM_NODEID": "1", "SLURM_LOCALID": "1",
		"SLURMD_NODENAME": "gpu12", "SLURM_NTASKS_PER_NODE": "4"}
	j := DetectJob(func(k string) string { return env[k] })
	if j == nil || j.ID != "slurm:7" || j.Launcher != "slurm" || j.Rank != "5" || j.Node != "gpu12#1" || j.LocalRank != 1 || j.LocalSize != 4 {
		t.Errorf("slurm: %+v", j)
	}
	env = map[string]string{"TORCHELASTIC_RUN_ID": "r1", "RANK": "6", "LOCAL_RANK": "2", "GROUP_RANK": "1", "LOCAL_WORLD_SIZE": "4", "GREENAI_NODE": "n9"}
	j = DetectJob(func(k string) string { return env[k] })
	if j == nil || j.ID != "torchelastic:r1" || j.Launcher != "torchrun" || j.Node != "n9" || j.LocalRank != 2 || j.LocalSize != 4 {
		t.Errorf("torchrun: %+v", j)
	}
	env = map[string]string{"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "2", "OMPI_MCA_ess_base_jobid": "99"}
	j = DetectJob(func(k string) string { return env[k] })
	if j == nil || j.ID != "mpi:99" || j.Rank != "3" || j.Node != meter.Hostname() || j.LocalRank != 1 || j.LocalSize != 2 {
		t.Errorf("mpi: %+v", j)
	}
	if j := DetectJob(func(string) string { return "" }); j != nil {
		t.Errorf("no launcher: %+v", j)
	}
}

func TestOwnedGPUs(t *testing.T) {
	four := []string{"A", "B", "C", "D"}
	tests := []struct {
		vis         []string
		local, size int
		want        []string
	}{
		{four, -1, 0, four},                  // local rank unknown: all it sees
		{[]string{"B"}, 3, 4, []string{"B"}}, // Slurm --gpus-per-task: its own one
		{four, 2, 4, []string{"C"}},          // torchrun: device = local rank
		{four, 1, 2, []string{"C", "D"}},     // two GPUs per rank
		{four, 5, 8, nil},                    // more ranks than GPUs
	}
	for _, tc := range tests {
		got, _ := OwnedGPUs(tc.vis, tc.local, tc.size)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("OwnedGPUs(%v, %d, %d) = %v, want %v", tc.vis, tc.local, tc.size, got, tc.want)
		}
	}
}

// memCoord is a Coordinator in memory, with the store's first-wins rule.
type memCoord struct {
	mu     sync.Mutex
	claims map[string][2]string
	recs   []*Record
}

func (c *memCoord) Claim(_ context.Context, job, node, what, run, rank string, _ time.Time) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := job + "|" + node + "|" + what
	if h, ok := c.claims[k]; ok {
		return h[0], h[1], nil
	}
	c.claims[k] = [2]string{run, rank}
	return run, rank, nil
}

func (c *memCoord) NodeRuns(context.Context, string, string) ([]*Record, error) { return c.recs, nil }

// Two ranks on one node that both see four GPUs: each measures only the
// GPU of its local rank; the second rank does not read the node's RAPL
// and adds no CPU estimate beside it.
func TestJobRanksSplitDevices(t *testing.T) {
	co := &memCoord{claims: map[string][2]string{}}
	lib := &meter.FakeGPULib{}
	for i, u := range []string{"GPU-a", "GPU-b", "GPU-c", "GPU-d"} {
		lib.Devs = append(lib.Devs, &meter.FakeGPUDevice{Idx: i, Model: "Test GPU", ID: u, EnergyMJ: 1000})
	}
	run := func(local int) *Record {
		g, err := meter.NewGPU(lib, "", false)
		if err != nil {
			t.Fatal(err)
		}
		rapl := &meter.FakeEnergy{MeterName: "rapl", Component: "cpu", Device: "package-0", Watts: 100, Provenance: MeasuredCounter, Scope: meter.ScopeHost}
		cfg := baseConfig(nil, "true")
		cfg.Meters = []meter.EnergyMeter{rapl, g}
		cfg.Job = &Job{ID: "slurm:1", Node: "n0", Rank: string(rune('0' + local)), LocalRank: local, LocalSize: 4}
		cfg.Coord, cfg.JobWait = co, -1
		r, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r0, r1 := run(0), run(1)
	if !r0.Job.NodeLeader || r1.Job.NodeLeader {
		t.Fatalf("leaders: rank0 %v rank1 %v", r0.Job.NodeLeader, r1.Job.NodeLeader)
	}
	if !reflect.DeepEqual(r0.Job.GPUs, []string{"GPU-a"}) || !reflect.DeepEqual(r1.Job.GPUs, []string{"GPU-b"}) {
		t.Errorf("GPUs: rank0 %v rank1 %v", r0.Job.GPUs, r1.Job.GPUs)
	}
	for _, e := range r1.Energy {
		if e.Component == "cpu" {
			t.Errorf("rank 1 has a cpu figure beside the leader's counter: %+v", e)
		}
	}
	var nodeScope bool
	for _, e := range r0.Energy {
		nodeScope = nodeScope || (e.Component == "cpu" && e.Scope == meter.ScopeNode)
	}
	if !nodeScope {
		t.Errorf("leader's cpu figure is not whole-node: %+v", r0.Energy)
	}
}

func TestSumGroupNodes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	node := func(j float64) Energy {
		return Energy{Component: "cpu", Device: "package-0", Joules: j, Provenance: MeasuredCounter, Scope: meter.ScopeNode}
	}
	mk := func(n, rank string, leader bool, cpu float64, es ...Energy) *Record {
		r := rec("h", t0, 10, es...)
		r.Rank, r.CPUSeconds = rank, cpu
		r.Job = &Job{ID: "j", Node: n, Rank: rank, NodeLeader: leader}
		if leader {
			r.Job.NodeBusySeconds = 40
		}
		return r
	}
	gpu := Energy{Component: "gpu", Device: "GPU-x", Joules: 400, HostJoules: 400, Share: 0.25, Provenance: MeasuredCounter, Scope: meter.ScopeDevice}
	tot := SumGroup("j", []*Record{
		mk("n0", "0", true, 10, node(1000)), mk("n0", "1", false, 10, gpu),
		mk("n1", "2", true, 30, node(500)), mk("n1", "3", false, 30),
	})
	if tot.EnergyJoules != 1900 || len(tot.Nodes) != 2 || len(tot.GPUs) != 1 {
		t.Fatalf("%+v", tot)
	}
	if g := tot.GPUs[0]; g.Node != "n0" || g.Rank != "1" || g.Joules != 400 || g.Attributed != 100 {
		t.Errorf("GPU %+v", g)
	}
	// n0: 20 of 40 busy CPU seconds -> half; n1: 60 of 40 -> capped at 1.
	if tot.Nodes[0].Share != 0.5 || tot.Nodes[0].Attributed != 500 || tot.Nodes[1].Share != 1 || tot.AttributedJoules != 1100 {
		t.Errorf("attribution: %+v", tot.Nodes)
	}
}

// A node leader waiting for its node's other ranks stops on SIGTERM and
// says so, rather than holding the job up.
func TestLeaderWaitStopsOnSignal(t *testing.T) {
	other := &Record{ID: "other", Rank: "1", Job: &Job{ID: "j", Node: "n0"}} // never completes
	co := &memCoord{claims: map[string][2]string{}, recs: []*Record{other}}
	sigs := make(chan os.Signal, 1)
	cfg := baseConfig(nil, "true")
	cfg.Meters = []meter.EnergyMeter{&meter.FakeEnergy{MeterName: "rapl", Component: "cpu", Device: "package-0", Watts: 1, Provenance: MeasuredCounter, Scope: meter.ScopeHost}}
	cfg.Job = &Job{ID: "j", Node: "n0", Rank: "0", LocalRank: 0}
	cfg.Coord, cfg.Signals = co, sigs
	go func() { time.Sleep(200 * time.Millisecond); sigs <- syscall.SIGTERM }()
	start := time.Now()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second || !strings.Contains(strings.Join(r.Notes, "\n"), "stopped waiting for ranks 1: greenai got SIGTERM") {
		t.Errorf("notes %q after %v", r.Notes, time.Since(start))
	}
}

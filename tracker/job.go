package tracker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/internal/meter"
)

// Job says which distributed job, node and rank a run is one process of.
type Job struct {
	ID        string `json:"id"`       // the group id, e.g. slurm:4242
	Launcher  string `json:"launcher"` // slurm, torchrun, mpi, pbs, lsf, or "flag"
	Rank      string `json:"rank,omitempty"`
	Node      string `json:"node"`                 // the node key: name, and index when the launcher gives one
	NodeIndex string `json:"node_index,omitempty"` // SLURM_NODEID, GROUP_RANK
	LocalRank int    `json:"local_rank"`           // -1 when unknown
	LocalSize int    `json:"local_size,omitempty"` // ranks per node, 0 when unknown

	// Filled in by the run.
	NodeLeader bool `json:"node_leader"` // this run measured the node's RAPL counters
	// LeaderRun and LeaderRank name the run that measures the node's
	// RAPL counters (this one when NodeLeader).
	LeaderRun  string `json:"leader_run,omitempty"`
	LeaderRank string `json:"leader_rank,omitempty"`
	// NodeBusySeconds is the busy CPU time of the whole node (proc/stat)
	// over the leader's measurement window; NodeSeconds is that window.
	NodeBusySeconds float64 `json:"node_busy_seconds,omitempty"`
	NodeSeconds     float64 `json:"node_seconds,omitempty"`
	// GPUs lists the devices this run measured for the job (UUIDs).
	GPUs []string `json:"gpus"`
}

// DetectJob describes the distributed job of a process from its
// environment (see DetectGroup for the job id and rank), with its node and
// local rank: Slurm SLURMD_NODENAME, SLURM_NODEID, SLURM_LOCALID,
// SLURM_NTASKS_PER_NODE; torchrun GROUP_RANK, LOCAL_RANK, LOCAL_WORLD_SIZE;
// Open MPI OMPI_COMM_WORLD_LOCAL_RANK and _LOCAL_SIZE. GREENAI_NODE names
// the node explicitly. It returns nil when the process is no job's.
func DetectJob(getenv func(string) string) *Job {
	id, rank := DetectGroup(getenv)
	if id == "" {
		return nil
	}
	j := &Job{ID: id, Rank: rank, LocalRank: -1, GPUs: []string{}}
	j.Launcher, _, _ = strings.Cut(id, ":")
	if j.Launcher == "torchelastic" {
		j.Launcher = "torchrun"
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return ""
	}
	name := first("GREENAI_NODE", "SLURMD_NODENAME")
	if name == "" {
		name = meter.Hostname()
	}
	j.NodeIndex = first("SLURM_NODEID", "GROUP_RANK")
	j.Node = name
	if j.NodeIndex != "" && getenv("GREENAI_NODE") == "" {
		j.Node = name + "#" + j.NodeIndex
	}
	if v := first("LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			j.LocalRank = n
		}
	}
	if v := first("LOCAL_WORLD_SIZE", "SLURM_NTASKS_PER_NODE", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			j.LocalSize = n
		}
	}
	return j
}

// Coordinator is what the ranks of a job share: a store where one run per
// node claims the node's counters, one run per GPU claims the GPU, and the
// node leader sees when its node's other ranks are done. *store.Store
// implements it (a unique row per job, node and counter).
type Coordinator interface {
	// Claim makes run (rank) the holder of what ("rapl", or "gpu:UUID") on
	// node of job unless a live run holds it already, and returns the
	// holder. A holder whose run finished before start is stale (a job id
	// reused) and is replaced.
	Claim(ctx context.Context, job, node, what, run, rank string, start time.Time) (holderRun, holderRank string, err error)
	// NodeRuns returns the records of the job's runs on node.
	NodeRuns(ctx context.Context, job, node string) ([]*Record, error)
}

// claimTimeout bounds one coordination call: a rank that cannot reach the
// store goes on measuring alone rather than wait.
const claimTimeout = 15 * time.Second

// OwnedGPUs says which of the GPUs a rank may see (in CUDA order) it
// measures: under the torchrun/Slurm convention that local rank L uses
// device L of those it sees, rank L measures device L (or its block of
// n/localSize devices when each rank drives several); a rank that sees
// one device, or whose local rank is unknown, measures all it sees. The
// store's claims then drop devices another rank on the node measures.
func OwnedGPUs(visible []string, localRank, localSize int) ([]string, string) {
	if len(visible) <= 1 || localRank < 0 {
		return visible, ""
	}
	per := 1
	if localSize > 0 && len(visible) >= 2*localSize {
		per = len(visible) / localSize
	}
	lo := localRank * per
	if lo >= len(visible) {
		return nil, fmt.Sprintf("local rank %d sees %d GPUs and owns none of them (device = local rank)", localRank, len(visible))
	}
	hi := min(lo+per, len(visible))
	return visible[lo:hi], fmt.Sprintf("local rank %d owns GPU(s) %d..%d of the %d it sees (device = local rank)", localRank, lo, hi-1, len(visible))
}

// gpuChooser is a meter whose devices can be narrowed (meter.GPU).
type gpuChooser interface {
	DeviceUUIDs() []string
	Keep(uuids []string) int
}

// joinJob claims the node's RAPL counters and the rank's GPUs. Meters the
// run must not read (another rank measures them) are closed and removed.
func (s *state) joinJob(ctx context.Context) {
	j := s.rec.Job
	co := s.cfg.Coord
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
	defer cancel()
	var kept []meter.EnergyMeter
	for _, m := range s.cfg.Meters {
		switch mm := m.(type) {
		case gpuChooser:
			owned, why := OwnedGPUs(mm.DeviceUUIDs(), j.LocalRank, j.LocalSize)
			if why != "" {
				s.note(why)
			}
			var mine []string
			for _, u := range owned {
				run, rank, err := co.Claim(ctx, j.ID, j.Node, "gpu:"+u, s.rec.ID, j.Rank, s.start)
				switch {
				case err != nil:
					s.note(fmt.Sprintf("GPU %s measured by this rank without coordination: %v", u, err))
					mine = append(mine, u)
				case run == s.rec.ID:
					mine = append(mine, u)
				default:
					s.note(fmt.Sprintf("GPU %s is measured by rank %s (run %s), not here", u, rank, run))
				}
			}
			if mm.Keep(mine) == 0 {
				_ = m.Close()
				continue
			}
			j.GPUs = append(j.GPUs, mine...)
		default:
			if m.Name() != "rapl" {
				break
			}
			run, rank, err := co.Claim(ctx, j.ID, j.Node, "rapl", s.rec.ID, j.Rank, s.start)
			if err != nil {
				s.note(fmt.Sprintf("node RAPL counters read by this rank without coordination (billed by its CPU-time share): %v", err))
				break
			}
			j.LeaderRun, j.LeaderRank = run, rank
			if run == s.rec.ID {
				j.NodeLeader = true
				s.note(fmt.Sprintf("node leader: this rank measures the whole node %s's RAPL counters for job %s", j.Node, j.ID))
				break
			}
			for _, e := range m.Energy() {
				s.covered[e.Component] = true
			}
			s.note(fmt.Sprintf("cpu/dram of node %s are measured once for the job by rank %s (run %s), the node leader", j.Node, rank, run))
			_ = m.Close()
			continue
		}
		kept = append(kept, m)
	}
	s.cfg.Meters = kept
}

// waitForNode keeps the node leader measuring after its own command ended
// until every other run of its node has finished (or JobWait passed), so
// the node's counters cover the whole job on the node.
func (s *state) waitForNode(ctx context.Context) {
	j := s.rec.Job
	if j == nil || !j.NodeLeader || s.cfg.JobWait < 0 {
		return
	}
	deadline := s.cfg.Now().Add(s.cfg.JobWait)
	poll := min(s.cfg.Interval, 500*time.Millisecond)
	for {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
		recs, err := s.cfg.Coord.NodeRuns(cctx, j.ID, j.Node)
		cancel()
		if err != nil {
			s.note("stopped waiting for the node's other ranks: " + err.Error())
			return
		}
		var open []string
		others := 0
		for _, r := range recs {
			if r.ID == s.rec.ID {
				continue
			}
			others++
			if !r.Complete {
				open = append(open, r.Rank)
			}
		}
		missing := 0
		if j.LocalSize > 0 {
			missing = j.LocalSize - 1 - others
		}
		if len(open) == 0 && missing <= 0 {
			return
		}
		if !s.cfg.Now().Before(deadline) {
			s.note(fmt.Sprintf("node leader stopped waiting after %s for ranks %s (%d not started): the node's energy after that is not counted",
				s.cfg.JobWait, strings.Join(open, ", "), max(missing, 0)))
			return
		}
		select {
		case <-time.After(poll):
		case sig := <-s.cfg.Signals:
			if interrupting[sig] {
				s.note(fmt.Sprintf("node leader stopped waiting for ranks %s: greenai got %s; the node's energy after that is not counted",
					strings.Join(open, ", "), signalName(sig)))
				return
			}
		}
		s.sampleMeters(s.cfg.Now())
	}
}

func (s *state) note(n string) { s.rec.Notes = append(s.rec.Notes, n) }

package tracker

import (
	"fmt"
	"sort"

	"github.com/greenai/greenai/internal/meter"
)

// DetectGroup finds the distributed job a process belongs to from its
// environment: SLURM (SLURM_JOB_ID, and SLURM_STEP_ID when set), torchrun
// (TORCHELASTIC_RUN_ID), PBS (PBS_JOBID), LSF (LSB_JOBID) or MPI
// (OMPI_MCA_ess_base_jobid, PMIX_NAMESPACE); and its rank
// (RANK, SLURM_PROCID, OMPI_COMM_WORLD_RANK, PMI_RANK). It returns "" when
// none applies.
func DetectGroup(getenv func(string) string) (group, rank string) {
	switch {
	case getenv("SLURM_JOB_ID") != "":
		group = "slurm:" + getenv("SLURM_JOB_ID")
		if st := getenv("SLURM_STEP_ID"); st != "" {
			group += "." + st
		}
	case getenv("TORCHELASTIC_RUN_ID") != "":
		group = "torchelastic:" + getenv("TORCHELASTIC_RUN_ID")
	case getenv("PBS_JOBID") != "":
		group = "pbs:" + getenv("PBS_JOBID")
	case getenv("LSB_JOBID") != "":
		group = "lsf:" + getenv("LSB_JOBID")
	case getenv("OMPI_MCA_ess_base_jobid") != "":
		group = "mpi:" + getenv("OMPI_MCA_ess_base_jobid") // Open MPI 4 mpirun
	case getenv("PMIX_NAMESPACE") != "":
		group = "mpi:" + getenv("PMIX_NAMESPACE") // Open MPI 5, PMIx launchers
	}
	for _, k := range []string{"RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK"} {
		if v := getenv(k); v != "" {
			return group, v
		}
	}
	return group, ""
}

// GroupTotal is the cost of a distributed job summed over its records.
type GroupTotal struct {
	Group       string  `json:"group"`
	Runs        int     `json:"runs"`
	Hosts       int     `json:"hosts"`
	Incomplete  int     `json:"incomplete"`
	WallSeconds float64 `json:"wall_seconds"` // first start to last end
	CPUSeconds  float64 `json:"cpu_seconds"`
	// EnergyJoules is the job's energy: whole nodes' counters (each
	// counted once), its GPUs (each once) and its ranks' own figures.
	EnergyJoules float64            `json:"energy_joules"`
	ByComponent  map[string]float64 `json:"by_component"`
	CarbonG      float64            `json:"carbon_g"`
	// AttributedJoules is the job's share of that energy where nodes or
	// GPUs were shared with other work; AttributedHow says how.
	AttributedJoules float64     `json:"attributed_joules"`
	AttributedHow    string      `json:"attributed_how"`
	Nodes            []NodeTotal `json:"nodes"`
	GPUs             []GPUTotal  `json:"gpus"`
	// Deduplicated lists device figures counted once although several
	// runs of the group measured them.
	Deduplicated []string `json:"deduplicated"`
}

// NodeTotal is one node of a job: its CPU/DRAM counters (measured once by
// the node leader) and the figures of the ranks on it, GPUs aside.
type NodeTotal struct {
	Node        string             `json:"node"`
	Host        string             `json:"host"`
	Ranks       int                `json:"ranks"`
	Leader      string             `json:"leader_rank,omitempty"` // rank that measured the node's counters
	CPUSeconds  float64            `json:"cpu_seconds"`           // of the job's ranks on the node
	BusySeconds float64            `json:"node_busy_seconds"`     // of the whole node over the leader's window
	Share       float64            `json:"share"`                 // CPUSeconds / BusySeconds, at most 1
	Joules      float64            `json:"joules"`                // whole node (counters) + ranks' own figures
	Attributed  float64            `json:"attributed_joules"`
	ByComponent map[string]float64 `json:"by_component"`
}

// GPUTotal is one GPU of a job, measured once.
type GPUTotal struct {
	Node       string           `json:"node"`
	Device     string           `json:"device"`
	Rank       string           `json:"rank"`
	Joules     float64          `json:"joules"`
	Attributed float64          `json:"attributed_joules"`
	Provenance meter.Provenance `json:"provenance"`
	Method     string           `json:"method"`
}

// NodeKey is the node a run ran on: the job's node key, else the host.
func NodeKey(r *Record) string {
	if r.Job != nil && r.Job.Node != "" {
		return r.Job.Node
	}
	return r.Host
}

// SumGroup adds up the records of one distributed job without counting a
// node or a device twice. The rule (docs/measure.md, "Distributed runs"):
//
//   - Figures with scope "process" belong to one run and add up: model
//     estimates from the run's own CPU time and memory, and RAPL counters
//     a rank read alone, billed by its share of the host's busy CPU time.
//   - Figures with scope "node" (a node's RAPL counters, read once for
//     the job by its node leader), "device" (a GPU's own counter) and
//     "host" (a whole host counter billed without a share) count once per
//     node and device: when several runs measured the same one, the
//     largest reading (the longest window) is kept.
//
// The attributed energy bills each node's counters by the CPU time of the
// job's ranks on it over the node's busy CPU time, and each GPU by its
// recorded per-process share where the driver gave one.
func SumGroup(group string, recs []*Record) GroupTotal {
	t := GroupTotal{Group: group, ByComponent: map[string]float64{}, Deduplicated: []string{}, Nodes: []NodeTotal{}, GPUs: []GPUTotal{}}
	type key struct{ node, comp, dev string }
	type best struct {
		e     Energy
		grams float64
		n     int
		rank  string
	}
	shared := map[key]*best{}
	hosts := map[string]bool{}
	nodes := map[string]*NodeTotal{}
	node := func(r *Record) *NodeTotal {
		k := NodeKey(r)
		n := nodes[k]
		if n == nil {
			n = &NodeTotal{Node: k, Host: r.Host, ByComponent: map[string]float64{}}
			nodes[k] = n
		}
		return n
	}
	var first, last float64
	for i, r := range recs {
		t.Runs++
		hosts[r.Host] = true
		if !r.Complete {
			t.Incomplete++
		}
		t.CPUSeconds += r.CPUSeconds
		n := node(r)
		n.Ranks++
		n.CPUSeconds += r.CPUSeconds
		if r.Job != nil && r.Job.NodeLeader {
			n.Leader = r.Rank
			n.BusySeconds = max(n.BusySeconds, r.Job.NodeBusySeconds)
		}
		s := float64(r.Start.UnixNano()) / 1e9
		e := s + r.WallSeconds
		if i == 0 || s < first {
			first = s
		}
		last = max(last, e)
		for _, en := range r.Energy {
			g := r.Carbon.Grams(en.Joules)
			if en.Scope == meter.ScopeProcess || en.Scope == "" {
				t.ByComponent[en.Component] += en.Joules
				t.EnergyJoules += en.Joules
				t.AttributedJoules += en.Joules
				t.CarbonG += g
				n.ByComponent[en.Component] += en.Joules
				n.Joules += en.Joules
				n.Attributed += en.Joules
				continue
			}
			k := key{n.Node, en.Component, en.Device}
			b := shared[k]
			if b == nil {
				b = &best{e: en, grams: g, rank: r.Rank}
				shared[k] = b
			} else if en.Joules > b.e.Joules {
				b.e, b.grams, b.rank = en, g, r.Rank
			}
			b.n++
		}
	}
	keys := make([]key, 0, len(shared))
	for k := range shared {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.node+"\x00"+a.comp+"\x00"+a.dev < b.node+"\x00"+b.comp+"\x00"+b.dev
	})
	for _, n := range nodes {
		switch {
		case n.BusySeconds > 0:
			n.Share = min(n.CPUSeconds/n.BusySeconds, 1)
		default:
			n.Share = 1
		}
	}
	gpuShared := false
	for _, k := range keys {
		b := shared[k]
		n := nodes[k.node]
		t.ByComponent[k.comp] += b.e.Joules
		t.EnergyJoules += b.e.Joules
		t.CarbonG += b.grams
		if b.n > 1 {
			t.Deduplicated = append(t.Deduplicated, fmt.Sprintf("%s %s %s measured by %d runs, counted once", k.node, k.comp, k.dev, b.n))
		}
		if b.e.Scope == meter.ScopeDevice {
			att := b.e.Joules
			if b.e.Share > 0 {
				att, gpuShared = b.e.Joules*b.e.Share, true
			}
			t.AttributedJoules += att
			t.GPUs = append(t.GPUs, GPUTotal{Node: k.node, Device: k.dev, Rank: b.rank, Joules: b.e.Joules, Attributed: att,
				Provenance: b.e.Provenance, Method: b.e.Method})
			continue
		}
		att := b.e.Joules * n.Share
		t.AttributedJoules += att
		n.ByComponent[k.comp] += b.e.Joules
		n.Joules += b.e.Joules
		n.Attributed += att
	}
	for _, k := range sortedKeys(nodes) {
		t.Nodes = append(t.Nodes, *nodes[k])
	}
	t.AttributedHow = "node counters × the job's CPU time on the node ÷ the node's busy CPU time (proc/stat); per-run figures as recorded"
	if gpuShared {
		t.AttributedHow += "; GPUs × their recorded per-process share"
	} else {
		t.AttributedHow += "; GPUs whole"
	}
	t.Hosts = len(hosts)
	if t.Runs > 0 {
		t.WallSeconds = last - first
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

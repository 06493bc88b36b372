package tracker

import (
	"fmt"
	"sort"

	"github.com/greenai/greenai/internal/meter"
)

// DetectGroup finds the distributed job a process belongs to from its
// environment: SLURM (SLURM_JOB_ID, and SLURM_STEP_ID when set), torchrun
// (TORCHELASTIC_RUN_ID), PBS (PBS_JOBID) or LSF (LSB_JOBID); and its rank
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
	Group        string             `json:"group"`
	Runs         int                `json:"runs"`
	Hosts        int                `json:"hosts"`
	Incomplete   int                `json:"incomplete"`
	WallSeconds  float64            `json:"wall_seconds"` // first start to last end
	CPUSeconds   float64            `json:"cpu_seconds"`
	EnergyJoules float64            `json:"energy_joules"`
	ByComponent  map[string]float64 `json:"by_component"`
	CarbonG      float64            `json:"carbon_g"`
	// Deduplicated lists device figures counted once although several
	// runs of the group measured them.
	Deduplicated []string `json:"deduplicated"`
}

// SumGroup adds up the records of one distributed job without counting a
// shared device twice. The rule (docs/measure.md, "Distributed runs"):
//
//   - Figures with scope "process" belong to one run and add up: model
//     estimates from the run's own CPU time and memory, and RAPL counters,
//     which every run bills only by its share of the host's busy CPU time,
//     so ranks sharing a host never bill it twice together.
//   - Figures with scope "device" (a GPU's own counter) or "host" (a whole
//     host counter billed without a share) count once per host and device:
//     when several runs on one host measured the same GPU, the largest
//     reading (the longest window) is kept.
func SumGroup(group string, recs []*Record) GroupTotal {
	t := GroupTotal{Group: group, ByComponent: map[string]float64{}, Deduplicated: []string{}}
	type key struct{ host, comp, dev string }
	type best struct {
		e     Energy
		grams float64
		n     int
	}
	shared := map[key]*best{}
	hosts := map[string]bool{}
	var first, last float64
	for i, r := range recs {
		t.Runs++
		hosts[r.Host] = true
		if !r.Complete {
			t.Incomplete++
		}
		t.CPUSeconds += r.CPUSeconds
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
				t.CarbonG += g
				continue
			}
			k := key{r.Host, en.Component, en.Device}
			b := shared[k]
			if b == nil {
				b = &best{e: en, grams: g}
				shared[k] = b
			} else if en.Joules > b.e.Joules {
				b.e, b.grams = en, g
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
		return a.host+"\x00"+a.comp+"\x00"+a.dev < b.host+"\x00"+b.comp+"\x00"+b.dev
	})
	for _, k := range keys {
		b := shared[k]
		t.ByComponent[k.comp] += b.e.Joules
		t.EnergyJoules += b.e.Joules
		t.CarbonG += b.grams
		if b.n > 1 {
			t.Deduplicated = append(t.Deduplicated, fmt.Sprintf("%s %s %s measured by %d runs, counted once", k.host, k.comp, k.dev, b.n))
		}
	}
	t.Hosts = len(hosts)
	if t.Runs > 0 {
		t.WallSeconds = last - first
	}
	return t
}

package meter

import (
	"fmt"
	"sort"
	"strings"
)

// RAMWattsPerGB is the RAM power model: 0.3725 W per GB (10^9 bytes) of
// memory in use, from Lannelongue, Grealey & Inouye, "Green Algorithms:
// Quantifying the Carbon Footprint of Computation", Advanced Science 2021.
// The run is billed for its own resident memory over time, so the figure
// is a model estimate of the run's share, not a measurement.
const RAMWattsPerGB = 0.3725

// RAMEstimate bills gbSeconds (the run's resident memory integrated over
// time, in GB·s) with the RAM power model.
func RAMEstimate(gbSeconds float64) Energy {
	return Energy{
		Component:  "ram",
		Joules:     RAMWattsPerGB * gbSeconds,
		Provenance: ModelEstimate,
		Method:     fmt.Sprintf("RAM power model: %.4g W per GB of resident memory × %.4g GB·s (Green Algorithms, 2021)", RAMWattsPerGB, gbSeconds),
		Scope:      ScopeProcess,
	}
}

// DefaultCPUWattsPerThread is the fallback power of one logical CPU for
// processors missing from the TDP table.
const DefaultCPUWattsPerThread = 10.0

// cpuTDP maps a lower-case substring of /proc/cpuinfo "model name" to the
// processor's thermal design power (base TDP) in watts per socket, from the
// vendors' product pages (Intel ARK, AMD product specifications).
var cpuTDP = map[string]float64{
	"xeon platinum 8480": 350,
	"xeon platinum 8468": 350,
	"xeon platinum 8380": 270,
	"xeon platinum 8358": 250,
	"xeon platinum 8280": 205,
	"xeon platinum 8180": 205,
	"xeon gold 6342":     230,
	"xeon gold 6338":     205,
	"xeon gold 6248":     150,
	"xeon gold 6148":     150,
	"xeon gold 6230":     125,
	"xeon gold 6130":     125,
	"xeon gold 5218":     125,
	"xeon silver 4214":   85,
	"xeon silver 4210":   85,
	"e5-2698 v4":         135,
	"e5-2690 v4":         135,
	"e5-2680 v4":         120,
	"e5-2650 v4":         105,
	"epyc 9654":          360,
	"epyc 9554":          360,
	"epyc 7763":          280,
	"epyc 7742":          225,
	"epyc 7713":          225,
	"epyc 7543":          225,
	"epyc 7502":          180,
	"epyc 7402":          180,
	"epyc 7452":          155,
	"epyc 7302":          155,
	"threadripper 3990x": 280,
	"threadripper 1950x": 180,
	"ryzen 9 7950x":      170,
	"ryzen 9 5950x":      105,
	"ryzen 7 5800x":      105,
	"i9-13900k":          125,
	"i9-12900k":          125,
	"i7-12700k":          125,
	"i7-1165g7":          28,
	"i7-8550u":           15,
	"i5-8250u":           15,
}

// gpuTDP maps a lower-case substring of the NVML device name to the board
// power (TDP) in watts, from NVIDIA's data sheets.
var gpuTDP = map[string]float64{
	"h200":           700,
	"h100 pcie":      350,
	"h100 nvl":       400,
	"h100":           700,
	"a100-pcie":      250,
	"a100 80gb pcie": 300,
	"a100":           400,
	"v100-pcie":      250,
	"v100s":          250,
	"v100":           300,
	"l40s":           350,
	"l40":            300,
	"a40":            300,
	"a30":            165,
	"a10":            150,
	"a2":             60,
	"l4":             72,
	"t4":             70,
	"p100":           250,
	"p40":            250,
	"p4":             75,
	"k80":            300,
	"rtx 6000 ada":   300,
	"rtx a6000":      300,
	"rtx 4090":       450,
	"rtx 3090":       350,
	"rtx 3080":       320,
	"rtx 2080 ti":    250,
	"gtx 1080 ti":    250,
	"titan rtx":      280,
	"titan v":        250,
}

// DefaultGPUWatts is the fallback board power of GPUs missing from the table.
const DefaultGPUWatts = 250.0

// lookupTDP returns the table entry with the longest key contained in
// model (lower-cased, without (R) and (TM) marks), so "A100-PCIE-40GB" matches "a100-pcie" rather than "a100".
func lookupTDP(table map[string]float64, model string) (float64, string, bool) {
	m := strings.ToLower(model)
	m = strings.NewReplacer("(r)", " ", "(tm)", " ", "®", " ", "™", " ").Replace(m)
	m = strings.Join(strings.Fields(m), " ")
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		if containsWord(m, k) {
			return table[k], k, true
		}
	}
	return 0, "", false
}

// containsWord reports whether k occurs in s not followed by a letter or
// digit, so "a10" does not match "a100" and "l4" does not match "l40s".
func containsWord(s, k string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], k)
		if j < 0 {
			return false
		}
		end := i + j + len(k)
		if end == len(s) || !isAlnum(s[end]) {
			if i+j == 0 || !isAlnum(s[i+j-1]) {
				return true
			}
		}
		i += j + 1
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// CPUEstimate is the fallback CPU energy when no counter is readable: each
// second of CPU time the run used is billed the TDP of one logical CPU,
// TDP × sockets / logical CPUs. A run that keeps every logical CPU busy is
// billed the full TDP.
func CPUEstimate(h Hardware, cpuSeconds float64) Energy {
	perThread := DefaultCPUWattsPerThread
	how := fmt.Sprintf("%q not in the TDP table: %.3g W per logical CPU assumed", h.CPUModel, DefaultCPUWattsPerThread)
	if tdp, key, ok := lookupTDP(cpuTDP, h.CPUModel); ok && h.LogicalCPUs > 0 {
		sockets := max(h.Sockets, 1)
		perThread = tdp * float64(sockets) / float64(h.LogicalCPUs)
		how = fmt.Sprintf("TDP table %q %g W × %d socket(s) / %d logical CPUs", key, tdp, sockets, h.LogicalCPUs)
	}
	return Energy{
		Component:  "cpu",
		Joules:     perThread * cpuSeconds,
		Provenance: ModelEstimate,
		Method:     fmt.Sprintf("fallback estimate, no CPU energy counter readable: %s × %.4g CPU-seconds of the run", how, cpuSeconds),
		Scope:      ScopeProcess,
	}
}

// GPUTDP returns the board power of a GPU model and where it came from.
func GPUTDP(model string) (float64, string) {
	if tdp, key, ok := lookupTDP(gpuTDP, model); ok {
		return tdp, fmt.Sprintf("TDP table %q %g W", key, tdp)
	}
	return DefaultGPUWatts, fmt.Sprintf("%q not in the TDP table: %g W assumed", model, DefaultGPUWatts)
}

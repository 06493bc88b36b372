package cost

import (
	"fmt"
	"sort"
	"strings"
)

// Device is an accelerator or CPU with its vendor-published peak
// throughput (dense, without structured sparsity) by precision, in FLOP/s,
// and its thermal design power in watts. Peak FLOP/s count a fused
// multiply-add as 2 FLOPs, like FPO. Sources: vendor datasheets.
type Device struct {
	Name   string
	Kind   string             // "gpu" or "cpu"
	Peak   map[string]float64 // precision → FLOP/s
	TDP    float64            // watts
	Source string
}

// Devices is the built-in table. Precisions: fp64, fp32, tf32, fp16, bf16,
// fp8, int8 (tensor-core rates where the device has them).
var Devices = map[string]Device{
	"v100-sxm2": {"NVIDIA V100 SXM2 (32 GB)", "gpu", map[string]float64{"fp64": 7.8e12, "fp32": 15.7e12, "fp16": 125e12}, 300, "NVIDIA V100 datasheet"},
	"v100-pcie": {"NVIDIA V100 PCIe", "gpu", map[string]float64{"fp64": 7e12, "fp32": 14e12, "fp16": 112e12}, 250, "NVIDIA V100 datasheet"},
	"t4":        {"NVIDIA T4", "gpu", map[string]float64{"fp32": 8.1e12, "fp16": 65e12, "int8": 130e12}, 70, "NVIDIA T4 datasheet"},
	"a100-sxm4": {"NVIDIA A100 SXM4 (40/80 GB)", "gpu", map[string]float64{"fp64": 9.7e12, "fp32": 19.5e12, "tf32": 156e12, "fp16": 312e12, "bf16": 312e12, "int8": 624e12}, 400, "NVIDIA A100 datasheet"},
	"a100-pcie": {"NVIDIA A100 PCIe (80 GB)", "gpu", map[string]float64{"fp64": 9.7e12, "fp32": 19.5e12, "tf32": 156e12, "fp16": 312e12, "bf16": 312e12, "int8": 624e12}, 300, "NVIDIA A100 datasheet"},
	"a10":       {"NVIDIA A10", "gpu", map[string]float64{"fp32": 31.2e12, "tf32": 62.5e12, "fp16": 125e12, "bf16": 125e12, "int8": 250e12}, 150, "NVIDIA A10 datasheet"},
	"l4":        {"NVIDIA L4", "gpu", map[string]float64{"fp32": 30.3e12, "tf32": 60e12, "fp16": 121e12, "bf16": 121e12, "fp8": 242e12}, 72, "NVIDIA L4 datasheet"},
	"h100-sxm5": {"NVIDIA H100 SXM5", "gpu", map[string]float64{"fp64": 34e12, "fp32": 67e12, "tf32": 494.7e12, "fp16": 989.4e12, "bf16": 989.4e12, "fp8": 1978.9e12, "int8": 1978.9e12}, 700, "NVIDIA H100 datasheet"},
	"h100-pcie": {"NVIDIA H100 PCIe", "gpu", map[string]float64{"fp64": 26e12, "fp32": 51e12, "tf32": 378e12, "fp16": 756e12, "bf16": 756e12, "fp8": 1513e12}, 350, "NVIDIA H100 datasheet"},
	"h200":      {"NVIDIA H200 SXM", "gpu", map[string]float64{"fp64": 34e12, "fp32": 67e12, "tf32": 494.7e12, "fp16": 989.4e12, "bf16": 989.4e12, "fp8": 1978.9e12}, 700, "NVIDIA H200 datasheet"},
	"rtx-3090":  {"NVIDIA GeForce RTX 3090", "gpu", map[string]float64{"fp32": 35.6e12, "fp16": 71e12}, 350, "NVIDIA Ampere GA102 whitepaper"},
	"rtx-4090":  {"NVIDIA GeForce RTX 4090", "gpu", map[string]float64{"fp32": 82.6e12, "fp16": 165.2e12, "bf16": 165.2e12, "fp8": 330.3e12}, 450, "NVIDIA Ada Lovelace whitepaper"},
	"mi250x":    {"AMD Instinct MI250X", "gpu", map[string]float64{"fp64": 47.9e12, "fp32": 47.9e12, "fp16": 383e12, "bf16": 383e12}, 560, "AMD MI250X datasheet"},
	// CPUs: cores × base clock × FLOP/cycle/core (FMA units × vector lanes × 2).
	"xeon-8380": {"Intel Xeon Platinum 8380 (40 cores, 2.3 GHz, 2×AVX-512 FMA)", "cpu", map[string]float64{"fp64": 40 * 2.3e9 * 32, "fp32": 40 * 2.3e9 * 64}, 270, "Intel ARK; 2 AVX-512 FMA units per core"},
	"epyc-7763": {"AMD EPYC 7763 (64 cores, 2.45 GHz, 2×256-bit FMA)", "cpu", map[string]float64{"fp64": 64 * 2.45e9 * 16, "fp32": 64 * 2.45e9 * 32}, 280, "AMD EPYC 7763 product page; Zen 3 2×256-bit FMA per core"},
}

// LookupDevice finds a device by its key (case-insensitive).
func LookupDevice(name string) (Device, error) {
	d, ok := Devices[strings.ToLower(name)]
	if !ok {
		return Device{}, fmt.Errorf("unknown accelerator %q (known: %s)", name, strings.Join(DeviceNames(), ", "))
	}
	return d, nil
}

// DeviceNames lists the table's keys.
func DeviceNames() []string {
	var out []string
	for k := range Devices {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package meter

import (
	"math"
	"os"
	"strings"
	"testing"
)

func TestLookupTDP(t *testing.T) {
	tests := []struct {
		model string
		want  float64
	}{
		{"NVIDIA A100-SXM4-40GB", 400},
		{"NVIDIA A100-PCIE-40GB", 250},
		{"NVIDIA A100 80GB PCIe", 300},
		{"NVIDIA H100 80GB HBM3", 700},
		{"NVIDIA H100 PCIe", 350},
		{"Tesla V100-SXM2-16GB", 300},
		{"Tesla V100S-PCIE-32GB", 250},
		{"Tesla T4", 70},
		{"NVIDIA L4", 72},
		{"NVIDIA L40S", 350},
		{"NVIDIA A10", 150},
		{"NVIDIA A10G", DefaultGPUWatts},
		{"NVIDIA GeForce RTX 4090", 450},
		{"Some Future GPU", DefaultGPUWatts},
	}
	for _, tc := range tests {
		if got, _ := GPUTDP(tc.model); got != tc.want {
			t.Errorf("GPUTDP(%q) = %v, want %v", tc.model, got, tc.want)
		}
	}
}

func TestCPUEstimate(t *testing.T) {
	tests := []struct {
		hw      Hardware
		cpuSec  float64
		want    float64
		mention string
	}{
		{Hardware{CPUModel: "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", Sockets: 2, LogicalCPUs: 80}, 10, 150 * 2.0 / 80 * 10, "xeon gold 6148"},
		{Hardware{CPUModel: "AMD EPYC 7742 64-Core Processor", Sockets: 1, LogicalCPUs: 128}, 128, 225, "epyc 7742"},
		{Hardware{CPUModel: "AMD EPYC", LogicalCPUs: 2}, 3, 3 * DefaultCPUWattsPerThread, "not in the TDP table"},
	}
	for _, tc := range tests {
		e := CPUEstimate(tc.hw, tc.cpuSec)
		if math.Abs(e.Joules-tc.want) > 1e-9 || e.Provenance != ModelEstimate || e.Component != "cpu" {
			t.Errorf("%s: %+v, want %v J", tc.hw.CPUModel, e, tc.want)
		}
		if !strings.Contains(e.Method, tc.mention) || !strings.Contains(e.Method, "fallback estimate") {
			t.Errorf("method %q lacks %q", e.Method, tc.mention)
		}
	}
}

func TestRAMEstimate(t *testing.T) {
	e := RAMEstimate(100) // 100 GB·s
	if math.Abs(e.Joules-37.25) > 1e-9 || e.Provenance != ModelEstimate || e.Component != "ram" {
		t.Errorf("%+v", e)
	}
}

func TestReadHardware(t *testing.T) {
	root := loadTree(t, "two-socket-server")
	writeFile(t, root, "proc/meminfo", "MemTotal:       16384 kB\nMemFree: 1 kB")
	writeFile(t, root, "proc/driver/nvidia/gpus/0000:3b:00.0/information", "Model: \t\t NVIDIA A100-SXM4-40GB\nIRQ: 1")
	h := ReadHardware(os.DirFS(root))
	if h.CPUModel != "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz" || h.LogicalCPUs != 8 || h.Sockets != 2 ||
		h.RAMBytes != 16384*1024 || len(h.GPUs) != 1 || h.GPUs[0] != "NVIDIA A100-SXM4-40GB" {
		t.Errorf("%+v", h)
	}
	if e := ReadHardware(os.DirFS(t.TempDir())); e.LogicalCPUs != 1 || e.GPUs == nil {
		t.Errorf("empty host: %+v", e)
	}
}

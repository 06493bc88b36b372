package meter

import (
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// Hardware describes the host a run used.
type Hardware struct {
	CPUModel    string   `json:"cpu_model"`
	CPUVendor   string   `json:"cpu_vendor,omitempty"`
	Sockets     int      `json:"sockets,omitempty"`
	LogicalCPUs int      `json:"logical_cpus"`
	RAMBytes    uint64   `json:"ram_bytes"`
	GPUs        []string `json:"gpus"`
	Kernel      string   `json:"kernel,omitempty"`
}

// ReadHardware describes the host from proc/cpuinfo, proc/meminfo and the
// NVIDIA driver's proc/driver/nvidia/gpus under fsys (rooted at "/").
// Missing files leave fields empty.
func ReadHardware(fsys fs.FS) Hardware {
	var h Hardware
	if b, err := fs.ReadFile(fsys, "proc/cpuinfo"); err == nil {
		sockets := map[string]bool{}
		for _, block := range strings.Split(string(b), "\n\n") {
			if strings.TrimSpace(block) == "" {
				continue
			}
			h.LogicalCPUs++
			if h.CPUModel == "" {
				h.CPUModel = cpuinfoField(block, "model name")
				h.CPUVendor = cpuinfoField(block, "vendor_id")
			}
			if id := cpuinfoField(block, "physical id"); id != "" {
				sockets[id] = true
			}
		}
		h.Sockets = len(sockets)
	}
	if h.LogicalCPUs == 0 {
		h.LogicalCPUs = 1
	}
	if b, err := fs.ReadFile(fsys, "proc/meminfo"); err == nil {
		if f := strings.Fields(cpuinfoField(string(b), "MemTotal")); len(f) > 0 {
			kb, _ := strconv.ParseUint(f[0], 10, 64)
			h.RAMBytes = kb * 1024
		}
	}
	h.Kernel, _ = readString(fsys, "proc/sys/kernel/osrelease")
	h.GPUs = procNvidiaGPUs(fsys)
	if h.GPUs == nil {
		h.GPUs = []string{}
	}
	return h
}

// procNvidiaGPUs lists GPU models from the NVIDIA kernel driver, which works
// without the NVML library.
func procNvidiaGPUs(fsys fs.FS) []string {
	const dir = "proc/driver/nvidia/gpus"
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name(), "information"))
		if err != nil {
			continue
		}
		if m := cpuinfoField(string(b), "Model"); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// Hostname returns the host name, or "unknown".
func Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

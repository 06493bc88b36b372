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
	CPUModel    string `json:"cpu_model"`
	CPUVendor   string `json:"cpu_vendor,omitempty"`
	Sockets     int    `json:"sockets,omitempty"`
	LogicalCPUs int    `json:"logical_cpus"`
	RAMBytes    uint64 `json:"ram_bytes"` // the memory the run may use: the cgroup limit when confined, else the host's
	// HostRAMBytes is the host's memory when a cgroup limit is lower;
	// RAMSource says where RAMBytes came from.
	HostRAMBytes uint64   `json:"host_ram_bytes,omitempty"`
	RAMSource    string   `json:"ram_source,omitempty"`
	GPUs         []string `json:"gpus"`
	Kernel       string   `json:"kernel,omitempty"`
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
			h.RAMSource = "/proc/meminfo MemTotal"
		}
	}
	if limit, src, ok := CgroupMemoryLimit(fsys); ok && (h.RAMBytes == 0 || limit < h.RAMBytes) {
		h.HostRAMBytes, h.RAMBytes, h.RAMSource = h.RAMBytes, limit, src
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

// CgroupMemoryLimit returns the memory limit of the cgroup greenai runs in
// (its children inherit it) from proc/self/cgroup and sys/fs/cgroup under
// fsys: cgroup v2 memory.max, else v1 memory.limit_in_bytes; the lowest
// limit on the path from the cgroup to the root counts. ok is false when
// there is no limit ("max", or v1's page-rounded 2^63).
func CgroupMemoryLimit(fsys fs.FS) (limit uint64, source string, ok bool) {
	b, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return 0, "", false
	}
	for _, line := range strings.Split(string(b), "\n") {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var base, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			base, file = "sys/fs/cgroup", "memory.max"
		case hasController(parts[1], "memory"):
			base, file = "sys/fs/cgroup/memory", "memory.limit_in_bytes"
		default:
			continue
		}
		for p := path.Clean("/" + parts[2]); ; p = path.Dir(p) {
			f := path.Join(base, p, file)
			if v, err := readString(fsys, f); err == nil && v != "max" {
				if n, err := strconv.ParseUint(v, 10, 64); err == nil && n < 1<<62 && (!ok || n < limit) {
					limit, source, ok = n, "cgroup limit /"+f, true
				}
			}
			if p == "/" {
				break
			}
		}
		if ok {
			return limit, source, true
		}
	}
	return 0, "", false
}

func hasController(list, c string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == c {
			return true
		}
	}
	return false
}

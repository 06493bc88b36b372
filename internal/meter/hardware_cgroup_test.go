package meter

import (
	"testing"
	"testing/fstest"
)

func TestCgroupMemoryLimit(t *testing.T) {
	meminfo := &fstest.MapFile{Data: []byte("MemTotal:       1056964608 kB\n")} // ~1 TB host
	tests := []struct {
		name  string
		files fstest.MapFS
		want  uint64
		src   string
	}{
		{"v2 job limit", fstest.MapFS{
			"proc/self/cgroup": {Data: []byte("0::/slurm/job_7/step_0\n")},
			"sys/fs/cgroup/slurm/job_7/step_0/memory.max": {Data: []byte("max\n")},
			"sys/fs/cgroup/slurm/job_7/memory.max":        {Data: []byte("17179869184\n")},
		}, 17179869184, "cgroup limit /sys/fs/cgroup/slurm/job_7/memory.max"},
		{"v1", fstest.MapFS{
			"proc/self/cgroup": {Data: []byte("12:cpu,cpuacct:/x\n11:memory:/docker/abc\n")},
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": {Data: []byte("8589934592\n")},
			"sys/fs/cgroup/memory/memory.limit_in_bytes":            {Data: []byte("9223372036854771712\n")},
		}, 8589934592, "cgroup limit /sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"},
		{"unlimited", fstest.MapFS{
			"proc/self/cgroup":                    {Data: []byte("0::/user.slice\n")},
			"sys/fs/cgroup/user.slice/memory.max": {Data: []byte("max\n")},
		}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.files["proc/meminfo"] = meminfo
			h := ReadHardware(tc.files)
			if tc.want == 0 {
				if h.RAMBytes != 1056964608*1024 || h.HostRAMBytes != 0 || h.RAMSource != "/proc/meminfo MemTotal" {
					t.Errorf("unconfined: %+v", h)
				}
				return
			}
			if h.RAMBytes != tc.want || h.HostRAMBytes != 1056964608*1024 || h.RAMSource != tc.src {
				t.Errorf("got RAM %d (host %d, %q), want %d from %q", h.RAMBytes, h.HostRAMBytes, h.RAMSource, tc.want, tc.src)
			}
		})
	}
}

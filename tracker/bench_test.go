package tracker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/meter"
)

// fakePowercap writes a one-socket RAPL tree (package and dram) under dir.
func fakePowercap(tb testing.TB, dir string) {
	for zone, files := range map[string]map[string]string{
		"intel-rapl:0":   {"name": "package-0", "energy_uj": "1000", "max_energy_range_uj": "262143328850"},
		"intel-rapl:0:0": {"name": "dram", "energy_uj": "500", "max_energy_range_uj": "65712999613"},
	} {
		d := filepath.Join(dir, meter.PowercapDir, zone)
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		for n, c := range files {
			if err := os.WriteFile(filepath.Join(d, n), []byte(c+"\n"), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSamplingTick measures the CPU time greenai spends on one
// sampling tick of a live child: process tree from /proc, a RAPL tree, a
// GPU meter, host CPU time, energy composition and progress. At the
// default rate of one tick per second the overhead in % of one core is
// reported as %core@1Hz, and must stay under 1.
func BenchmarkSamplingTick(b *testing.B) {
	root := b.TempDir()
	fakePowercap(b, root)
	rapl, err := meter.OpenRAPL(os.DirFS(root))
	if err != nil {
		b.Fatal(err)
	}
	gpu, err := meter.NewGPU(&meter.FakeGPULib{Devs: []*meter.FakeGPUDevice{{Model: "NVIDIA A100-SXM4-40GB", ID: "GPU-x", EnergyMJ: 1}}}, "", false)
	if err != nil {
		b.Fatal(err)
	}
	child := exec.Command("sleep", "600")
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()

	cfg := baseConfig(nil, "sleep", "600")
	cfg.Meters = []meter.EnergyMeter{rapl, gpu}
	cfg.Interval = time.Second
	cfg.HostBusy = func() (float64, error) { return meter.HostBusySeconds(meter.HostFS) }
	cfg.OnProgress = func(Progress) {}
	cfg.Now = time.Now
	s := &state{cfg: cfg, start: time.Now()}
	s.rec = s.newRecord()
	s.busy0, _ = cfg.HostBusy()
	s.busyOK = true
	s.proc = meter.NewProcTree(meter.HostFS, child.Process.Pid)
	s.lastT = s.start
	s.lastSave = s.start
	ctx := context.Background()

	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s.tick(ctx, time.Now())
	}
	perTick := cpuTime() - c0
	b.StopTimer()
	pct := float64(perTick) / float64(b.N) / float64(time.Second) * 100
	b.ReportMetric(float64(perTick)/float64(b.N), "cpu-ns/tick")
	b.ReportMetric(pct, "%core@1Hz")
	if b.N >= 100 && pct >= 1 {
		b.Errorf("sampling costs %.3f%% of a core at 1 Hz, want < 1%%", pct)
	}
}

package meter

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func fakeGPUs() *FakeGPULib {
	return &FakeGPULib{Devs: []*FakeGPUDevice{
		{Idx: 0, Model: "NVIDIA A100-SXM4-40GB", ID: "GPU-aaaa-0000", EnergyMJ: 1_000_000},
		{Idx: 1, Model: "Tesla P100-PCIE-16GB", ID: "GPU-bbbb-1111", EnergyErr: ErrGPUNotSupported, PowerMW: 100_000},
		{Idx: 2, Model: "Tesla K80", ID: "GPU-cccc-2222", EnergyErr: ErrGPUNotSupported, PowerErr: ErrGPUNotSupported, Util: 50},
		{Idx: 3, Model: "Old", ID: "GPU-dddd-3333", EnergyErr: ErrGPUNotSupported, PowerErr: ErrGPUNotSupported, UtilErr: ErrGPUNotSupported},
	}}
}

func TestGPUMeterModes(t *testing.T) {
	lib := fakeGPUs()
	g, err := NewGPU(lib, "", false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(0, 0)
	if err := g.Sample(t0); err != nil {
		t.Fatal(err)
	}
	lib.Devs[0].EnergyMJ += 2500 // 2.5 J
	lib.Devs[1].PowerMW = 200_000
	lib.Devs[2].Util = 100
	if err := g.Sample(t0.Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		j float64
		p Provenance
	}{
		"GPU-aaaa-0000": {2.5, MeasuredCounter},
		"GPU-bbbb-1111": {(100 + 200) / 2.0 * 2, IntegratedPower},
		"GPU-cccc-2222": {300 * (0.5 + 1) / 2 * 2, ModelEstimate}, // K80 TDP 300 W
	}
	es := g.Energy()
	if len(es) != len(want) {
		t.Fatalf("got %d figures, want %d: %+v", len(es), len(want), es)
	}
	for _, e := range es {
		w := want[e.Device]
		if e.Joules != w.j || e.Provenance != w.p || e.Component != "gpu" || e.Scope != ScopeDevice {
			t.Errorf("%s: %v J %s %s, want %v J %s", e.Device, e.Joules, e.Provenance, e.Scope, w.j, w.p)
		}
	}
	if n := strings.Join(g.Notes(), "\n"); !strings.Contains(n, "GPU 3 (Old)") {
		t.Errorf("notes lack the unmeasurable GPU: %s", n)
	}
	if err := g.Close(); err != nil || !lib.Closed {
		t.Error("Close did not close the library")
	}
}

func TestVisibleGPUs(t *testing.T) {
	all, _ := fakeGPUs().Devices()
	tests := []struct {
		visible string
		set     bool
		want    []int
		note    string
	}{
		{"", false, []int{0, 1, 2, 3}, ""},
		{"", true, nil, ""},
		{"1", true, []int{1}, ""},
		{"2,0", true, []int{2, 0}, ""},
		{"GPU-bbbb", true, []int{1}, ""},
		{"0,7,1", true, []int{0}, "names no device"},
		{"-1", true, nil, "names no device"},
		{"MIG-1234,3", true, []int{3}, "MIG"},
		{"0,0", true, []int{0}, ""},
	}
	for _, tc := range tests {
		got, notes := VisibleGPUs(all, tc.visible, tc.set)
		var idx []int
		for _, d := range got {
			idx = append(idx, d.Index())
		}
		if len(idx) != len(tc.want) {
			t.Errorf("%q: got %v, want %v", tc.visible, idx, tc.want)
			continue
		}
		for i := range idx {
			if idx[i] != tc.want[i] {
				t.Errorf("%q: got %v, want %v", tc.visible, idx, tc.want)
			}
		}
		if tc.note != "" && !strings.Contains(strings.Join(notes, " "), tc.note) {
			t.Errorf("%q: notes %v lack %q", tc.visible, notes, tc.note)
		}
	}
}

func TestDiscover(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	noGPU := func() (GPULib, error) { return nil, errors.New("nvml: no NVIDIA driver library") }
	withGPU := func() (GPULib, error) { return fakeGPUs(), nil }
	tests := []struct {
		name      string
		tree      string
		open      func() (GPULib, error)
		env       map[string]string
		meters    []string
		notes     []string
		gpuModels int
	}{
		{"bare VM", "", noGPU, nil, nil, []string{"CPU/DRAM energy not measured", "no GPU measured: nvml"}, 0},
		{"server with GPUs", "two-socket-server", withGPU, nil, []string{"rapl", "nvml"}, []string{"GPU 3 (Old)"}, 3},
		{"GPUs hidden", "two-socket-server", withGPU, map[string]string{"CUDA_VISIBLE_DEVICES": ""}, []string{"rapl"}, []string{"CUDA_VISIBLE_DEVICES is empty"}, 0},
		{"one GPU", "laptop-psys", withGPU, map[string]string{"CUDA_VISIBLE_DEVICES": "0"}, []string{"rapl", "nvml"}, []string{"psys", "CUDA_VISIBLE_DEVICES=0"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.tree != "" {
				root = loadTree(t, tc.tree)
			}
			f := Discover(os.DirFS(root), tc.open, env(tc.env))
			var names []string
			for _, m := range f.Meters {
				names = append(names, m.Name())
			}
			if strings.Join(names, ",") != strings.Join(tc.meters, ",") {
				t.Errorf("meters %v, want %v", names, tc.meters)
			}
			notes := strings.Join(f.Notes, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
			if len(f.GPUModels) != tc.gpuModels {
				t.Errorf("GPU models %v, want %d", f.GPUModels, tc.gpuModels)
			}
		})
	}
}

// TestNVMLReal reads the real GPUs where NVML loads (skipped elsewhere).
func TestNVMLReal(t *testing.T) {
	lib, err := OpenNVML()
	if err != nil {
		t.Skipf("no NVML here: %v", err)
	}
	devs, err := lib.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		e, eerr := d.TotalEnergy()
		p, perr := d.Power()
		u, uerr := d.Utilization()
		t.Logf("GPU %d %s %s: energy %d mJ (%v), power %d mW (%v), utilisation %d%% (%v)", d.Index(), d.Name(), d.UUID(), e, eerr, p, perr, u, uerr)
		if d.Name() == "" || !strings.HasPrefix(d.UUID(), "GPU-") {
			t.Errorf("GPU %d: name %q uuid %q", d.Index(), d.Name(), d.UUID())
		}
	}
	g, err := NewGPU(lib, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	now := time.Now()
	if err := g.Sample(now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := g.Sample(now.Add(500 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for _, e := range g.Energy() {
		t.Logf("%s %s: %.3f J %s (%s)", e.Component, e.Device, e.Joules, e.Provenance, e.Method)
		if e.Joules < 0 || e.Provenance == "" {
			t.Errorf("%+v", e)
		}
	}
}

// A GPU shared with another job: the run is billed its per-process share,
// by SM utilisation where the driver samples it, else by memory.
func TestGPUAttribution(t *testing.T) {
	util := &FakeGPUDevice{Idx: 0, Model: "A100", ID: "GPU-u", EnergyMJ: 0}
	mem := &FakeGPUDevice{Idx: 1, Model: "T4", ID: "GPU-m", PowerMW: 60_000, EnergyErr: ErrGPUNotSupported, ProcUtilErr: ErrGPUNotSupported}
	none := &FakeGPUDevice{Idx: 2, Model: "V100", ID: "GPU-n", EnergyMJ: 0, ProcUtilErr: ErrGPUNotSupported, ProcMemErr: ErrGPUNotSupported}
	lib := &FakeGPULib{Devs: []*FakeGPUDevice{util, mem, none}}
	g, err := NewGPU(lib, "", false)
	if err != nil {
		t.Fatal(err)
	}
	g.SetPIDs([]int{100, 101})
	t0 := time.Unix(0, 0)
	if err := g.Sample(t0); err != nil {
		t.Fatal(err)
	}
	// Interval 1: 1000 J; the run's processes 100 and 101 ran 30+10 of 80
	// SM-percent (half); memory: 2 of 8 GB (a quarter).
	util.EnergyMJ, none.EnergyMJ = 1_000_000, 1_000_000
	util.ProcUtil = []GPUProcUtil{{PID: 100, TimeStamp: 1, SMUtil: 30}, {PID: 101, TimeStamp: 2, SMUtil: 10}, {PID: 7, TimeStamp: 2, SMUtil: 40}}
	mem.ProcMem = []GPUProcMem{{PID: 100, UsedBytes: 2e9}, {PID: 9, UsedBytes: 6e9}}
	if err := g.Sample(t0.Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	// Interval 2: 3000 J more; only the other job's process ran.
	util.EnergyMJ, none.EnergyMJ = 4_000_000, 4_000_000
	util.ProcUtil = append(util.ProcUtil, GPUProcUtil{PID: 7, TimeStamp: 3, SMUtil: 90})
	if err := g.Sample(t0.Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ whole, share float64 }{
		"GPU-u": {4000, 500.0 / 4000}, // 1000 × 0.5 + 3000 × 0
		"GPU-m": {60 * 20, 0.25},      // 60 W × 20 s, a quarter of the memory throughout
		"GPU-n": {4000, 0},            // no per-process figures: whole, and said so
	}
	for _, e := range g.Energy() {
		w := want[e.Device]
		if math.Abs(e.Joules-w.whole) > 1e-9 || math.Abs(e.Share-w.share) > 1e-12 {
			t.Errorf("%s: %v J share %v, want %v J share %v (%s)", e.Device, e.Joules, e.Share, w.whole, w.share, e.Method)
		}
		if e.Device == "GPU-n" && !strings.Contains(e.Method, "whole device billed") {
			t.Errorf("GPU-n method does not say it is billed whole: %s", e.Method)
		}
		if e.Device == "GPU-u" && !strings.Contains(e.Method, "SM utilisation") || e.Device == "GPU-m" && !strings.Contains(e.Method, "memory share") {
			t.Errorf("%s: method does not name the attribution: %s", e.Device, e.Method)
		}
	}
}

// A GPU without an energy counter is integrated from sampled power and
// says so; even a run shorter than one interval gets a non-zero figure.
func TestGPUPowerOnlyNeverZero(t *testing.T) {
	d := &FakeGPUDevice{Idx: 0, Model: "T4", ID: "GPU-p", PowerMW: 35_000, EnergyErr: ErrGPUNotSupported}
	g, err := NewGPU(&FakeGPULib{Devs: []*FakeGPUDevice{d}}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(0, 0)
	_ = g.Sample(t0)
	_ = g.Sample(t0.Add(200 * time.Millisecond))
	e := g.Energy()[0]
	if e.Provenance != IntegratedPower || math.Abs(e.Joules-7) > 1e-9 {
		t.Errorf("%+v: want 7 J integrated-power", e)
	}
	if !strings.Contains(strings.Join(g.Notes(), "\n"), "no energy counter, power is sampled and integrated") {
		t.Errorf("notes do not say power is integrated: %q", g.Notes())
	}
}

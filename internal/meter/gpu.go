package meter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrGPUNotSupported is returned by a GPUDevice query the device does not
// support (NVML_ERROR_NOT_SUPPORTED).
var ErrGPUNotSupported = errors.New("not supported by this GPU")

// GPUDevice is one GPU as the driver library sees it.
type GPUDevice interface {
	Index() int
	Name() string
	UUID() string
	// TotalEnergy is the energy counter in millijoules since the driver
	// was loaded (Volta and newer).
	TotalEnergy() (uint64, error)
	// Power is the current board power in milliwatts.
	Power() (uint32, error)
	// Utilization is the percentage of time a kernel ran over the last
	// sample period.
	Utilization() (uint32, error)
}

// GPUProcUtil is one per-process utilisation sample of a GPU
// (nvmlProcessUtilizationSample_t).
type GPUProcUtil struct {
	PID       int
	TimeStamp uint64 // µs, the driver's clock
	SMUtil    uint32 // percent
}

// GPUProcMem is the device memory one process uses (nvmlProcessInfo_t).
type GPUProcMem struct {
	PID       int
	UsedBytes uint64
}

// GPUProcesses is what a GPUDevice offers when the driver reports figures
// per process: per-process SM utilisation samples
// (nvmlDeviceGetProcessUtilization, since a timestamp) and per-process
// memory (nvmlDeviceGetComputeRunningProcesses). Either may return
// ErrGPUNotSupported.
type GPUProcesses interface {
	ProcessUtilization(since uint64) ([]GPUProcUtil, error)
	ComputeProcesses() ([]GPUProcMem, error)
}

// GPULib is a GPU driver library (NVML, or a fake in tests).
type GPULib interface {
	Devices() ([]GPUDevice, error)
	Close() error
}

type gpuMode int

const (
	gpuCounter  gpuMode = iota // NVML total energy counter
	gpuPower                   // integrate sampled power
	gpuTDPxUtil                // TDP table × sampled utilisation
)

type gpuState struct {
	dev     GPUDevice
	mode    gpuMode
	tdp     float64
	tdpHow  string
	started bool
	last    uint64    // counter mode: last mJ
	lastW   float64   // power/util mode: last watts
	lastT   time.Time // time of the last sample
	joules  float64
	mj      uint64
	// Per-process attribution: the run's part of each interval's energy,
	// by the share the driver reported at the interval's end.
	prevWhole  float64 // whole-device joules at the last sample
	attributed float64
	shared     bool   // some interval had a per-process share
	shareHow   string // the method of the last share
	lastUtilTS uint64 // newest utilisation sample seen
}

// GPU meters the energy of the GPUs a run may use, one figure per device:
// the total-energy counter where the GPU has one (Volta and newer),
// otherwise sampled power integrated over time, otherwise (no power
// reading at all) the TDP table × sampled utilisation.
type GPU struct {
	lib   GPULib
	devs  []*gpuState
	notes []string
	pids  map[int]bool // the run's process tree; nil: no attribution
}

// SetPIDs tells the meter which processes are the run's, so that each
// device's energy can be attributed by the run's per-process share.
func (g *GPU) SetPIDs(pids []int) {
	g.pids = make(map[int]bool, len(pids))
	for _, p := range pids {
		g.pids[p] = true
	}
}

// share is the run's fraction of device d now: by SM utilisation of the
// run's processes over all processes' since the last sample, else by their
// share of the device memory that processes use.
func (g *GPU) share(d *gpuState) (float64, string, bool) {
	pp, ok := d.dev.(GPUProcesses)
	if !ok || g.pids == nil {
		return 0, "", false
	}
	if us, err := pp.ProcessUtilization(d.lastUtilTS); err == nil {
		var mine, all float64
		for _, u := range us {
			d.lastUtilTS = max(d.lastUtilTS, u.TimeStamp)
			all += float64(u.SMUtil)
			if g.pids[u.PID] {
				mine += float64(u.SMUtil)
			}
		}
		if all > 0 {
			return mine / all, "NVML per-process SM utilisation", true
		}
	}
	if ms, err := pp.ComputeProcesses(); err == nil {
		var mine, all float64
		for _, m := range ms {
			all += float64(m.UsedBytes)
			if g.pids[m.PID] {
				mine += float64(m.UsedBytes)
			}
		}
		if all > 0 {
			return mine / all, "NVML per-process memory share", true
		}
		if len(ms) == 0 {
			return 0, "NVML: no process on the device", true
		}
	}
	return 0, "", false
}

func (g *GPU) attribute(d *gpuState, whole float64) {
	dE := whole - d.prevWhole
	d.prevWhole = whole
	sh, how, ok := g.share(d)
	if !ok {
		return
	}
	d.shared, d.shareHow = true, how
	d.attributed += dE * sh
}

// NewGPU meters the devices of lib that CUDA_VISIBLE_DEVICES allows
// (visible is its value, set whether it is set at all).
func NewGPU(lib GPULib, visible string, set bool) (*GPU, error) {
	all, err := lib.Devices()
	if err != nil {
		return nil, fmt.Errorf("gpu: list devices: %w", err)
	}
	g := &GPU{lib: lib}
	devs, notes := VisibleGPUs(all, visible, set)
	g.notes = append(g.notes, notes...)
	for _, d := range devs {
		st := &gpuState{dev: d}
		if _, err := d.TotalEnergy(); err == nil {
			st.mode = gpuCounter
		} else if _, err := d.Power(); err == nil {
			st.mode = gpuPower
			g.notef("GPU %d (%s): no energy counter, power is sampled and integrated", d.Index(), d.Name())
		} else if _, err := d.Utilization(); err == nil {
			st.mode = gpuTDPxUtil
			st.tdp, st.tdpHow = GPUTDP(d.Name())
			g.notef("GPU %d (%s): no energy or power reading, estimated from TDP × utilisation", d.Index(), d.Name())
		} else {
			g.notef("GPU %d (%s): reports neither energy, power nor utilisation; not measured", d.Index(), d.Name())
			continue
		}
		g.devs = append(g.devs, st)
	}
	if len(g.devs) == 0 {
		return nil, fmt.Errorf("gpu: no usable GPU among %d device(s) (%s)", len(all), strings.Join(g.notes, "; "))
	}
	return g, nil
}

// VisibleGPUs applies CUDA_VISIBLE_DEVICES to the devices: unset means all,
// empty means none; entries are indices or (prefixes of) UUIDs, and CUDA
// stops at the first entry that names no device.
func VisibleGPUs(all []GPUDevice, visible string, set bool) ([]GPUDevice, []string) {
	if !set {
		return all, nil
	}
	var out []GPUDevice
	var notes []string
	used := map[string]bool{}
	for _, e := range strings.Split(visible, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			break
		}
		var found GPUDevice
		if n, err := strconv.Atoi(e); err == nil {
			for _, d := range all {
				if d.Index() == n {
					found = d
				}
			}
		} else if strings.HasPrefix(e, "GPU-") {
			for _, d := range all {
				if strings.HasPrefix(d.UUID(), e) {
					found = d
					break
				}
			}
		} else if strings.HasPrefix(e, "MIG-") {
			notes = append(notes, fmt.Sprintf("CUDA_VISIBLE_DEVICES entry %s is a MIG instance: its energy cannot be separated from the parent GPU, not measured", e))
			continue
		}
		if found == nil {
			notes = append(notes, fmt.Sprintf("CUDA_VISIBLE_DEVICES entry %q names no device: CUDA ignores it and the entries after it", e))
			break
		}
		if !used[found.UUID()] {
			used[found.UUID()] = true
			out = append(out, found)
		}
	}
	return out, notes
}

// Name implements EnergyMeter.
func (g *GPU) Name() string { return "nvml" }

// Notes lists what the meter could not do.
func (g *GPU) Notes() []string { return g.notes }

// Models lists the measured GPU models.
func (g *GPU) Models() []string {
	var s []string
	for _, d := range g.devs {
		s = append(s, d.dev.Name())
	}
	return s
}

// MaxInterval implements EnergyMeter.
func (g *GPU) MaxInterval() time.Duration { return 0 }

// Close implements EnergyMeter.
func (g *GPU) Close() error { return g.lib.Close() }

// Sample implements EnergyMeter. Power and utilisation are integrated with
// the trapezoid rule between samples.
func (g *GPU) Sample(now time.Time) error {
	var first error
	fail := func(d *gpuState, err error) {
		if first == nil {
			first = fmt.Errorf("gpu %d: %w", d.dev.Index(), err)
		}
	}
	for _, d := range g.devs {
		switch d.mode {
		case gpuCounter:
			v, err := d.dev.TotalEnergy()
			if err != nil {
				fail(d, err)
				continue
			}
			if d.started && v >= d.last {
				d.mj += v - d.last
			}
			d.last = v
			if d.started {
				g.attribute(d, float64(d.mj)/1000)
			}
		default:
			var w float64
			if d.mode == gpuPower {
				mw, err := d.dev.Power()
				if err != nil {
					fail(d, err)
					continue
				}
				w = float64(mw) / 1000
			} else {
				u, err := d.dev.Utilization()
				if err != nil {
					fail(d, err)
					continue
				}
				w = d.tdp * float64(min(u, 100)) / 100
			}
			if d.started {
				d.joules += (d.lastW + w) / 2 * now.Sub(d.lastT).Seconds()
				g.attribute(d, d.joules)
			}
			d.lastW = w
			d.lastT = now
		}
		d.started = true
	}
	return first
}

// Energy implements EnergyMeter.
func (g *GPU) Energy() []Energy {
	out := make([]Energy, 0, len(g.devs))
	for _, d := range g.devs {
		e := Energy{Component: "gpu", Device: d.dev.UUID(), Scope: ScopeDevice}
		label := fmt.Sprintf("GPU %d %s", d.dev.Index(), d.dev.Name())
		switch d.mode {
		case gpuCounter:
			e.Joules = float64(d.mj) / 1000
			e.Provenance = MeasuredCounter
			e.Method = "NVML total energy counter, " + label
		case gpuPower:
			e.Joules = d.joules
			e.Provenance = IntegratedPower
			e.Method = "NVML power samples integrated (trapezoid), " + label
		default:
			e.Joules = d.joules
			e.Provenance = ModelEstimate
			e.Method = "fallback estimate, no GPU power reading: " + d.tdpHow + " × sampled utilisation, " + label
		}
		switch {
		case d.shared && e.Joules > 0:
			e.HostJoules = e.Joules
			e.Share = d.attributed / e.Joules
			e.Method += fmt.Sprintf("; run's share %.1f%% by %s (whole device in joules)", e.Share*100, d.shareHow)
		case g.pids != nil:
			e.Method += "; whole device billed: the driver gives no per-process utilisation or memory"
		}
		out = append(out, e)
	}
	return out
}

func (g *GPU) notef(format string, args ...any) {
	g.notes = append(g.notes, fmt.Sprintf(format, args...))
}

// DeviceUUIDs lists the metered devices' UUIDs in CUDA_VISIBLE_DEVICES
// order.
func (g *GPU) DeviceUUIDs() []string {
	out := make([]string, len(g.devs))
	for i, d := range g.devs {
		out[i] = d.dev.UUID()
	}
	return out
}

// Keep narrows the meter to the devices with the given UUIDs (those a rank
// of a distributed job owns) and returns how many remain.
func (g *GPU) Keep(uuids []string) int {
	keep := map[string]bool{}
	for _, u := range uuids {
		keep[u] = true
	}
	var out []*gpuState
	for _, d := range g.devs {
		if keep[d.dev.UUID()] {
			out = append(out, d)
		}
	}
	g.devs = out
	return len(out)
}

package meter

import (
	"sync"
	"time"
)

// FakeEnergy is an EnergyMeter for tests: one device drawing a constant
// power from its first sample on.
type FakeEnergy struct {
	MeterName  string
	Component  string
	Device     string
	Watts      float64
	Provenance Provenance
	Scope      Scope
	Interval   time.Duration

	mu          sync.Mutex
	first, last time.Time
	started     bool
	Samples     int
	SampleErr   error
	closed      bool
}

// Name implements EnergyMeter.
func (f *FakeEnergy) Name() string { return f.MeterName }

// Sample implements EnergyMeter.
func (f *FakeEnergy) Sample(now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Samples++
	if !f.started {
		f.first, f.started = now, true
	}
	f.last = now
	return f.SampleErr
}

// Energy implements EnergyMeter.
func (f *FakeEnergy) Energy() []Energy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []Energy{{
		Component:  f.Component,
		Device:     f.Device,
		Joules:     f.Watts * f.last.Sub(f.first).Seconds(),
		Provenance: f.Provenance,
		Method:     "fake meter",
		Scope:      f.Scope,
	}}
}

// MaxInterval implements EnergyMeter.
func (f *FakeEnergy) MaxInterval() time.Duration { return f.Interval }

// Close implements EnergyMeter.
func (f *FakeEnergy) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

// Closed reports whether Close was called.
func (f *FakeEnergy) Closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// FakeProc is a ProcMeter for tests returning a fixed sample.
type FakeProc struct {
	S   ProcSample
	Err error
}

// Sample implements ProcMeter.
func (f *FakeProc) Sample() (ProcSample, error) { return f.S, f.Err }

// FakeGPUDevice is a GPUDevice for tests; set its fields between samples.
type FakeGPUDevice struct {
	Idx                 int
	Model, ID           string
	EnergyMJ            uint64
	PowerMW             uint32
	Util                uint32
	EnergyErr, PowerErr error
	UtilErr             error
	// Per-process figures (GPUProcesses); nil slices with nil errors mean
	// no process is on the device.
	ProcUtil    []GPUProcUtil
	ProcMem     []GPUProcMem
	ProcUtilErr error
	ProcMemErr  error
}

// ProcessUtilization implements GPUProcesses: the samples newer than since.
func (d *FakeGPUDevice) ProcessUtilization(since uint64) ([]GPUProcUtil, error) {
	if d.ProcUtilErr != nil {
		return nil, d.ProcUtilErr
	}
	var out []GPUProcUtil
	for _, u := range d.ProcUtil {
		if u.TimeStamp > since {
			out = append(out, u)
		}
	}
	return out, nil
}

// ComputeProcesses implements GPUProcesses.
func (d *FakeGPUDevice) ComputeProcesses() ([]GPUProcMem, error) { return d.ProcMem, d.ProcMemErr }

// Index implements GPUDevice.
func (d *FakeGPUDevice) Index() int { return d.Idx }

// Name implements GPUDevice.
func (d *FakeGPUDevice) Name() string { return d.Model }

// UUID implements GPUDevice.
func (d *FakeGPUDevice) UUID() string { return d.ID }

// TotalEnergy implements GPUDevice.
func (d *FakeGPUDevice) TotalEnergy() (uint64, error) { return d.EnergyMJ, d.EnergyErr }

// Power implements GPUDevice.
func (d *FakeGPUDevice) Power() (uint32, error) { return d.PowerMW, d.PowerErr }

// Utilization implements GPUDevice.
func (d *FakeGPUDevice) Utilization() (uint32, error) { return d.Util, d.UtilErr }

// FakeGPULib is a GPULib for tests.
type FakeGPULib struct {
	Devs   []*FakeGPUDevice
	Err    error
	Closed bool
}

// Devices implements GPULib.
func (l *FakeGPULib) Devices() ([]GPUDevice, error) {
	if l.Err != nil {
		return nil, l.Err
	}
	out := make([]GPUDevice, len(l.Devs))
	for i, d := range l.Devs {
		out[i] = d
	}
	return out, nil
}

// Close implements GPULib.
func (l *FakeGPULib) Close() error { l.Closed = true; return nil }

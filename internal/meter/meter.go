// Package meter reads the resource meters of a run: process-tree CPU time and memory, RAPL and NVML energy counters, and the model estimates used only where no counter is readable.
package meter

import (
	"time"
)

// Provenance says where an energy figure comes from.
type Provenance string

const (
	// MeasuredCounter is the difference of a hardware energy counter
	// (RAPL energy_uj, NVML total energy).
	MeasuredCounter Provenance = "measured-counter"
	// IntegratedPower is sampled instantaneous power integrated over time
	// (NVML power on GPUs without an energy counter).
	IntegratedPower Provenance = "integrated-power"
	// ModelEstimate comes from a model (RAM power model, TDP table ×
	// utilisation), not from a meter.
	ModelEstimate Provenance = "model-estimate"
)

// Scope says what an energy figure covers, which decides how figures of
// several runs add up (see docs/measure.md, "distributed runs").
type Scope string

const (
	// ScopeProcess figures belong to the run alone (attributed shares, model
	// estimates from the run's own CPU time and memory): they add up.
	ScopeProcess Scope = "process"
	// ScopeDevice figures are whole-device counters (one GPU): runs on one
	// host that measured the same device count it once.
	ScopeDevice Scope = "device"
)

// Energy is one energy figure of one component and device.
type Energy struct {
	Component  string     `json:"component"`        // cpu, dram, gpu, ram
	Device     string     `json:"device,omitempty"` // package-0, GPU UUID, …
	Joules     float64    `json:"joules"`
	Provenance Provenance `json:"provenance"`
	Method     string     `json:"method"` // how it was obtained, for people
	Scope      Scope      `json:"scope"`
	// HostJoules is the raw host-wide counter difference before the run's
	// share was taken (RAPL only; 0 otherwise).
	HostJoules float64 `json:"host_joules,omitempty"`
	// Share is the fraction of HostJoules billed to the run (RAPL only).
	Share float64 `json:"share,omitempty"`
}

// EnergyMeter is an energy source sampled during a run.
type EnergyMeter interface {
	// Name identifies the meter in notes ("rapl", "nvml").
	Name() string
	// Sample reads the meter at time now; the first call sets the baseline.
	Sample(now time.Time) error
	// Energy reports the energy since the first sample, one entry per device.
	Energy() []Energy
	// MaxInterval is the longest gap between samples that keeps the figures
	// exact (for RAPL: no counter wrap can be missed); 0 means no limit.
	MaxInterval() time.Duration
	// Close releases the meter.
	Close() error
}

// Power returns the mean power in watts of joules spent over d.
func Power(joules float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return joules / d.Seconds()
}

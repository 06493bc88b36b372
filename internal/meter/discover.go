package meter

import (
	"fmt"
	"io/fs"
)

// Found is what Discover found on a host.
type Found struct {
	Meters []EnergyMeter
	// Notes explain, for people, every meter that is missing or partial
	// and what to do about it.
	Notes     []string
	GPUModels []string
}

// Discover opens every energy meter the host allows: RAPL under fsys and
// the GPUs of openGPU (OpenNVML in production) limited by
// CUDA_VISIBLE_DEVICES as getenv returns it. What cannot be measured is
// said in Notes, never silently replaced.
func Discover(fsys fs.FS, openGPU func() (GPULib, error), getenv func(string) (string, bool)) Found {
	var f Found
	// OpenRAPL's errors already say why (no zones, or root-only counters
	// and how to open them).
	if r, err := OpenRAPL(fsys); err != nil {
		f.Notes = append(f.Notes, "CPU/DRAM energy not measured: "+err.Error())
	} else {
		f.Meters = append(f.Meters, r)
		f.Notes = append(f.Notes, r.Notes()...)
	}

	visible, set := getenv("CUDA_VISIBLE_DEVICES")
	if set && visible == "" {
		f.Notes = append(f.Notes, "no GPU measured: CUDA_VISIBLE_DEVICES is empty, the run may use no GPU")
		return f
	}
	lib, err := openGPU()
	if err != nil {
		f.Notes = append(f.Notes, "no GPU measured: "+err.Error())
		return f
	}
	g, err := NewGPU(lib, visible, set)
	if err != nil {
		_ = lib.Close()
		f.Notes = append(f.Notes, "no GPU measured: "+err.Error())
		return f
	}
	f.Meters = append(f.Meters, g)
	f.Notes = append(f.Notes, g.Notes()...)
	f.GPUModels = g.Models()
	if set {
		f.Notes = append(f.Notes, fmt.Sprintf("GPUs limited to CUDA_VISIBLE_DEVICES=%s", visible))
	}
	return f
}

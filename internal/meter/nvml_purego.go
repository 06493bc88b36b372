//go:build linux && (amd64 || arm64) && !nonvml

package meter

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// nvmlLibrary is the NVIDIA Management Library soname, installed with the
// driver. It is loaded at run time without cgo.
const nvmlLibrary = "libnvidia-ml.so.1"

const (
	nvmlSuccess      = 0
	nvmlNotSupported = 3
	nvmlBufferSize   = 96
)

type nvmlUtilization struct{ GPU, Memory uint32 }

const (
	nvmlErrorNotFound         = 6
	nvmlErrorInsufficientSize = 7
)

// nvmlProcessUtilizationSample is nvmlProcessUtilizationSample_t (nvml.h):
// pid, timeStamp (µs), smUtil, memUtil, encUtil, decUtil; Go inserts the
// same padding after pid as C.
type nvmlProcessUtilizationSample struct {
	PID                               uint32
	TimeStamp                         uint64
	SMUtil, MemUtil, EncUtil, DecUtil uint32
}

// nvmlProcessInfo is nvmlProcessInfo_t, the v2 layout that
// nvmlDeviceGetComputeRunningProcesses_v3 fills: pid, usedGpuMemory,
// gpuInstanceId, computeInstanceId.
type nvmlProcessInfo struct {
	PID                              uint32
	UsedGPUMemory                    uint64
	GPUInstanceID, ComputeInstanceID uint32
}

type nvmlLib struct {
	handle          uintptr
	init            func() int32
	shutdown        func() int32
	errorString     func(int32) string
	deviceCount     func(*uint32) int32
	handleByIndex   func(uint32, *uintptr) int32
	deviceName      func(uintptr, *byte, uint32) int32
	deviceUUID      func(uintptr, *byte, uint32) int32
	totalEnergy     func(uintptr, *uint64) int32
	powerUsage      func(uintptr, *uint32) int32
	utilizationRate func(uintptr, *nvmlUtilization) int32
	// Optional: per-process figures (nil when the driver lacks them).
	processUtil  func(uintptr, unsafe.Pointer, *uint32, uint64) int32
	computeProcs func(uintptr, *uint32, unsafe.Pointer) int32
	closeOnce    sync.Once
}

// OpenNVML loads libnvidia-ml.so.1 and initialises it. It fails, without
// cgo and without a crash, on machines with no NVIDIA driver.
func OpenNVML() (GPULib, error) {
	h, err := purego.Dlopen(nvmlLibrary, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		why := strings.TrimSpace(err.Error())
		if why == "" {
			why = nvmlLibrary + " not found"
		}
		return nil, fmt.Errorf("nvml: no NVIDIA driver library: %s", why)
	}
	l := &nvmlLib{handle: h}
	syms := []struct {
		fptr any
		name string
	}{
		{&l.init, "nvmlInit_v2"},
		{&l.shutdown, "nvmlShutdown"},
		{&l.errorString, "nvmlErrorString"},
		{&l.deviceCount, "nvmlDeviceGetCount_v2"},
		{&l.handleByIndex, "nvmlDeviceGetHandleByIndex_v2"},
		{&l.deviceName, "nvmlDeviceGetName"},
		{&l.deviceUUID, "nvmlDeviceGetUUID"},
		{&l.totalEnergy, "nvmlDeviceGetTotalEnergyConsumption"},
		{&l.powerUsage, "nvmlDeviceGetPowerUsage"},
		{&l.utilizationRate, "nvmlDeviceGetUtilizationRates"},
	}
	for _, s := range syms {
		p, err := purego.Dlsym(h, s.name)
		if err != nil || p == 0 {
			_ = purego.Dlclose(h)
			return nil, fmt.Errorf("nvml: %s lacks %s (driver too old?)", nvmlLibrary, s.name)
		}
		purego.RegisterFunc(s.fptr, p)
	}
	for _, s := range []struct {
		fptr any
		name string
	}{
		{&l.processUtil, "nvmlDeviceGetProcessUtilization"},
		{&l.computeProcs, "nvmlDeviceGetComputeRunningProcesses_v3"},
	} {
		if p, err := purego.Dlsym(h, s.name); err == nil && p != 0 {
			purego.RegisterFunc(s.fptr, p)
		}
	}
	if rc := l.init(); rc != nvmlSuccess {
		err := fmt.Errorf("nvml: init: %s", l.errorString(rc))
		_ = purego.Dlclose(h)
		return nil, err
	}
	return l, nil
}

func (l *nvmlLib) check(what string, rc int32) error {
	switch rc {
	case nvmlSuccess:
		return nil
	case nvmlNotSupported:
		return fmt.Errorf("nvml: %s: %w", what, ErrGPUNotSupported)
	}
	return fmt.Errorf("nvml: %s: %s", what, l.errorString(rc))
}

func (l *nvmlLib) Devices() ([]GPUDevice, error) {
	var n uint32
	if err := l.check("device count", l.deviceCount(&n)); err != nil {
		return nil, err
	}
	var out []GPUDevice
	for i := uint32(0); i < n; i++ {
		var h uintptr
		if err := l.check("device handle", l.handleByIndex(i, &h)); err != nil {
			return nil, err
		}
		d := &nvmlDevice{lib: l, h: h, index: int(i)}
		d.name = l.str(h, l.deviceName)
		d.uuid = l.str(h, l.deviceUUID)
		out = append(out, d)
	}
	return out, nil
}

func (l *nvmlLib) str(h uintptr, f func(uintptr, *byte, uint32) int32) string {
	buf := make([]byte, nvmlBufferSize)
	if f(h, &buf[0], uint32(len(buf))) != nvmlSuccess {
		return "unknown"
	}
	for i, c := range buf {
		if c == 0 {
			return string(buf[:i])
		}
	}
	return string(buf)
}

func (l *nvmlLib) Close() error {
	l.closeOnce.Do(func() { l.shutdown() })
	return nil
}

type nvmlDevice struct {
	lib        *nvmlLib
	h          uintptr
	index      int
	name, uuid string
}

func (d *nvmlDevice) Index() int   { return d.index }
func (d *nvmlDevice) Name() string { return d.name }
func (d *nvmlDevice) UUID() string { return d.uuid }

func (d *nvmlDevice) TotalEnergy() (uint64, error) {
	var v uint64
	err := d.lib.check("total energy", d.lib.totalEnergy(d.h, &v))
	return v, err
}

func (d *nvmlDevice) Power() (uint32, error) {
	var v uint32
	err := d.lib.check("power", d.lib.powerUsage(d.h, &v))
	return v, err
}

func (d *nvmlDevice) Utilization() (uint32, error) {
	var u nvmlUtilization
	err := d.lib.check("utilization", d.lib.utilizationRate(d.h, &u))
	return u.GPU, err
}

// ProcessUtilization implements GPUProcesses.
func (d *nvmlDevice) ProcessUtilization(since uint64) ([]GPUProcUtil, error) {
	l := d.lib
	if l.processUtil == nil {
		return nil, fmt.Errorf("nvml: process utilization: %w", ErrGPUNotSupported)
	}
	var n uint32
	rc := l.processUtil(d.h, nil, &n, since)
	switch rc {
	case nvmlErrorNotFound:
		return nil, nil // no sample since then
	case nvmlSuccess, nvmlErrorInsufficientSize:
	default:
		return nil, l.check("process utilization", rc)
	}
	if n == 0 {
		return nil, nil
	}
	buf := make([]nvmlProcessUtilizationSample, n)
	rc = l.processUtil(d.h, unsafe.Pointer(&buf[0]), &n, since)
	if rc == nvmlErrorNotFound {
		return nil, nil
	}
	if err := l.check("process utilization", rc); err != nil {
		return nil, err
	}
	out := make([]GPUProcUtil, 0, n)
	for _, s := range buf[:min(int(n), len(buf))] {
		out = append(out, GPUProcUtil{PID: int(s.PID), TimeStamp: s.TimeStamp, SMUtil: s.SMUtil})
	}
	return out, nil
}

// ComputeProcesses implements GPUProcesses.
func (d *nvmlDevice) ComputeProcesses() ([]GPUProcMem, error) {
	l := d.lib
	if l.computeProcs == nil {
		return nil, fmt.Errorf("nvml: compute processes: %w", ErrGPUNotSupported)
	}
	for attempt := 0; attempt < 3; attempt++ {
		var n uint32
		rc := l.computeProcs(d.h, &n, nil)
		if rc == nvmlSuccess {
			return nil, nil // no process
		}
		if rc != nvmlErrorInsufficientSize {
			return nil, l.check("compute processes", rc)
		}
		n += 4 // room for processes that start meanwhile
		buf := make([]nvmlProcessInfo, n)
		rc = l.computeProcs(d.h, &n, unsafe.Pointer(&buf[0]))
		if rc == nvmlErrorInsufficientSize {
			continue
		}
		if err := l.check("compute processes", rc); err != nil {
			return nil, err
		}
		out := make([]GPUProcMem, 0, n)
		for _, p := range buf[:min(int(n), len(buf))] {
			// usedGpuMemory is NVML_VALUE_NOT_AVAILABLE (2^64-1) without
			// the right to see it.
			if p.UsedGPUMemory == ^uint64(0) {
				return nil, fmt.Errorf("nvml: compute processes: used memory not available to this user: %w", ErrGPUNotSupported)
			}
			out = append(out, GPUProcMem{PID: int(p.PID), UsedBytes: p.UsedGPUMemory})
		}
		return out, nil
	}
	return nil, fmt.Errorf("nvml: compute processes: the process list kept growing")
}

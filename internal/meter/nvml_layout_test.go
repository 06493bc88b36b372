//go:build linux && (amd64 || arm64) && !nonvml

package meter

import (
	"testing"
	"unsafe"
)

// The structs handed to NVML have nvml.h's layouts:
// nvmlProcessInfo_t (= _v2_t) {uint pid; ull usedGpuMemory; uint
// gpuInstanceId; uint computeInstanceId} and
// nvmlProcessUtilizationSample_t {uint pid; ull timeStamp; uint smUtil,
// memUtil, encUtil, decUtil}, with C's padding after pid.
func TestNVMLStructLayouts(t *testing.T) {
	var p nvmlProcessInfo
	if unsafe.Sizeof(p) != 24 || unsafe.Offsetof(p.UsedGPUMemory) != 8 || unsafe.Offsetof(p.GPUInstanceID) != 16 || unsafe.Offsetof(p.ComputeInstanceID) != 20 {
		t.Errorf("nvmlProcessInfo: size %d, offsets %d %d %d", unsafe.Sizeof(p), unsafe.Offsetof(p.UsedGPUMemory), unsafe.Offsetof(p.GPUInstanceID), unsafe.Offsetof(p.ComputeInstanceID))
	}
	var u nvmlProcessUtilizationSample
	if unsafe.Sizeof(u) != 32 || unsafe.Offsetof(u.TimeStamp) != 8 || unsafe.Offsetof(u.SMUtil) != 16 || unsafe.Offsetof(u.DecUtil) != 28 {
		t.Errorf("nvmlProcessUtilizationSample: size %d, offsets %d %d %d", unsafe.Sizeof(u), unsafe.Offsetof(u.TimeStamp), unsafe.Offsetof(u.SMUtil), unsafe.Offsetof(u.DecUtil))
	}
}

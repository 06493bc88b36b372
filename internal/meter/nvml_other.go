//go:build !(linux && (amd64 || arm64)) || nonvml

package meter

import "errors"

// OpenNVML reports that this build cannot load NVML (another platform, or
// the nonvml build tag).
func OpenNVML() (GPULib, error) {
	return nil, errors.New("nvml: this build of greenai does not load NVML (platform or nonvml build tag)")
}

//go:build unix

package onnx

import (
	"os"
	"syscall"
)

func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	if int64(int(size)) != size {
		return readWhole(f, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Some filesystems cannot be mapped; fall back to reading.
		return readWhole(f, size)
	}
	return data, syscall.Munmap, nil
}

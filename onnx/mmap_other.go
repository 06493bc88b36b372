//go:build !unix

package onnx

import "os"

func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	return readWhole(f, size)
}

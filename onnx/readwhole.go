package onnx

import (
	"fmt"
	"io"
	"os"
)

func readWhole(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	if size > 1<<40 {
		return nil, nil, fmt.Errorf("file of %d bytes is too large", size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, nil, err
	}
	return buf, nil, nil
}

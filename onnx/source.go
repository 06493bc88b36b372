package onnx

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// source is the serialized model: a read-only memory map of the file (or an
// in-memory buffer). Pages holding weights are never touched unless a
// tensor's value is read, so opening a multi-gigabyte model costs little
// resident memory.
type source struct {
	mu     sync.RWMutex
	data   []byte
	unmap  func([]byte) error
	closed bool
	name   string
}

// span is a byte range of the source.
type span struct{ off, n int64 }

var errClosed = errors.New("model is closed")

func openSource(path string) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	size := st.Size()
	if size == 0 {
		return &source{name: path}, nil
	}
	data, unmap, err := mapFile(f, size)
	if err != nil {
		return nil, err
	}
	return &source{data: data, unmap: unmap, name: path}, nil
}

// read calls fn with the bytes of sp while the mapping is guaranteed alive.
func (s *source) read(sp span, fn func([]byte) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	if sp.off < 0 || sp.n < 0 || sp.off+sp.n > int64(len(s.data)) {
		return fmt.Errorf("byte range %d+%d outside the %d-byte model", sp.off, sp.n, len(s.data))
	}
	return fn(s.data[sp.off : sp.off+sp.n])
}

func (s *source) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.unmap != nil {
		err = s.unmap(s.data)
	}
	s.data = nil
	return err
}

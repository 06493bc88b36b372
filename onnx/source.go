package onnx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// source is the serialized model: an open file read with pread, or an
// in-memory buffer. Decoding reads only field headers and small payloads
// through a small window; the bytes of weights are skipped and never
// enter memory unless a tensor's value is asked for. Unlike a memory map,
// this keeps even the kernel's page-cache pages of the weights out of the
// process's resident set.
type source struct {
	mu     sync.Mutex
	file   *os.File // nil for in-memory sources
	data   []byte   // in-memory sources
	size   int64
	win    []byte // read window over the file
	winOff int64
	closed bool
	name   string
}

// span is a byte range of the source.
type span struct{ off, n int64 }

var errClosed = errors.New("model is closed")

// windowSize is how much is read around field headers at a time.
const windowSize = 64 << 10

func openSource(path string) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	return &source{file: f, size: st.Size(), name: path}, nil
}

func memSource(data []byte, name string) *source {
	return &source{data: data, size: int64(len(data)), name: name}
}

// peek returns at least min(n, size−off) bytes starting at off, valid until
// the next call. It is used for headers (tags, lengths) and small payloads.
func (s *source) peek(off int64, n int) ([]byte, error) {
	if off < 0 || off > s.size {
		return nil, fmt.Errorf("offset %d outside the %d-byte model", off, s.size)
	}
	if s.file == nil {
		end := off + int64(n)
		if end > s.size {
			end = s.size
		}
		return s.data[off:end], nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	want := int64(n)
	if off+want > s.size {
		want = s.size - off
	}
	if off >= s.winOff && off+want <= s.winOff+int64(len(s.win)) {
		return s.win[off-s.winOff : off-s.winOff+want], nil
	}
	size := int64(windowSize)
	if want > size {
		size = want
	}
	if off+size > s.size {
		size = s.size - off
	}
	if int64(cap(s.win)) < size {
		s.win = make([]byte, size)
	}
	s.win = s.win[:size]
	if _, err := s.file.ReadAt(s.win, off); err != nil && err != io.EOF {
		s.win = s.win[:0]
		return nil, err
	}
	s.winOff = off
	return s.win[:want], nil
}

// read calls fn with the bytes of sp (for files, a fresh copy read from disk).
func (s *source) read(sp span, fn func([]byte) error) error {
	if sp.off < 0 || sp.n < 0 || sp.off+sp.n > s.size {
		return fmt.Errorf("byte range %d+%d outside the %d-byte model", sp.off, sp.n, s.size)
	}
	if s.file == nil {
		return fn(s.data[sp.off : sp.off+sp.n])
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errClosed
	}
	buf := make([]byte, sp.n)
	if _, err := s.file.ReadAt(buf, sp.off); err != nil && !(err == io.EOF && sp.n == 0) {
		return err
	}
	return fn(buf)
}

// bytes returns a copy of sp.
func (s *source) bytes(sp span) ([]byte, error) {
	var out []byte
	err := s.read(sp, func(b []byte) error {
		if s.file == nil {
			out = append([]byte(nil), b...)
		} else {
			out = b
		}
		return nil
	})
	return out, err
}

func (s *source) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.file == nil {
		s.closed = true
		return nil
	}
	s.closed = true
	s.win = nil
	return s.file.Close()
}

package onnx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Float64sAt returns the values at the given flat (row-major) indices of a
// float, integer or bool tensor, as Float64s would give them, reading only
// those elements when the values are stored as raw_data or external data
// (a few small reads, not the whole tensor). Values in the typed fields are
// decoded in full first. Sub-byte element types are decoded in full too.
func (t *Tensor) Float64sAt(idx []int64) ([]float64, error) {
	n, err := t.NumElements()
	if err != nil {
		return nil, tensorErr(t, err)
	}
	for _, i := range idx {
		if i < 0 || i >= n {
			return nil, tensorErr(t, fmt.Errorf("element %d outside %d elements", i, n))
		}
	}
	bitsPer := t.DataType.Bits()
	if t.External == nil && t.raw == nil || bitsPer == 0 || bitsPer%8 != 0 {
		all, err := t.Float64s()
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(idx))
		for k, i := range idx {
			out[k] = all[i]
		}
		return out, nil
	}
	size := int64(bitsPer / 8)
	var readAt func(p []byte, off int64) error
	if t.External != nil {
		if t.External.Length >= 0 && t.External.Length != n*size {
			return nil, tensorErr(t, fmt.Errorf("external data length %d, dims %v of %s need %d", t.External.Length, t.Dims, t.DataType, n*size))
		}
		// The same folder checks as for reading the whole tensor.
		path := filepath.Join(t.dir, filepath.FromSlash(t.External.Location))
		if real, err := filepath.EvalSymlinks(path); err == nil {
			if base, berr := filepath.EvalSymlinks(t.dir); berr == nil {
				if rel, rerr := filepath.Rel(base, real); rerr != nil || !filepath.IsLocal(rel) {
					return nil, tensorErr(t, fmt.Errorf("external data %q resolves outside the model's folder", t.External.Location))
				}
			}
		}
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, tensorErr(t, fmt.Errorf("external data file %q not found (looked in %s)", t.External.Location, t.dir))
			}
			return nil, tensorErr(t, fmt.Errorf("external data: %w", err))
		}
		defer f.Close()
		readAt = func(p []byte, off int64) error {
			if _, err := f.ReadAt(p, t.External.Offset+off); err != nil {
				if err == io.EOF {
					return fmt.Errorf("external data %q: offset %d is past the end of the file", t.External.Location, t.External.Offset+off)
				}
				return fmt.Errorf("external data %q: %w", t.External.Location, err)
			}
			return nil
		}
	} else {
		if t.raw.n != n*size {
			return nil, tensorErr(t, fmt.Errorf("raw_data has %d bytes, dims %v of %s need %d", t.raw.n, t.Dims, t.DataType, n*size))
		}
		readAt = func(p []byte, off int64) error {
			return t.src.read(span{t.raw.off + off, int64(len(p))}, func(b []byte) error { copy(p, b); return nil })
		}
	}
	out := make([]float64, len(idx))
	buf := make([]byte, size)
	for k, i := range idx {
		if err := readAt(buf, i*size); err != nil {
			return nil, tensorErr(t, err)
		}
		var v []float64
		var err error
		if t.DataType.IsFloat() {
			v, err = decodeFloats(buf, t.DataType, 1)
		} else {
			var iv []int64
			iv, err = decodeInts(buf, t.DataType, 1)
			if err == nil {
				if t.DataType == Uint64 {
					v = []float64{float64(uint64(iv[0]))}
				} else {
					v = []float64{float64(iv[0])}
				}
			}
		}
		if err != nil {
			return nil, tensorErr(t, err)
		}
		out[k] = v[0]
	}
	return out, nil
}

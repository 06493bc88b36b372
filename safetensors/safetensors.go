// Package safetensors reads the headers of .safetensors files and sharded model folders (tensor names, dtypes, shapes, offsets) without reading weight bytes.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"sort"

	"github.com/greenai/greenai/internal/fileerr"
	"github.com/greenai/greenai/onnx"
)

// MaxHeaderSize is the largest JSON header accepted (the reference
// implementation's limit, 100 MB; real headers are a few hundred kB).
const MaxHeaderSize = 100_000_000

// Kinds of error. Every error this package returns is an *Error whose Kind
// is one of these, so callers can test with errors.Is.
var (
	ErrHeaderLength = errors.New("header length out of range")
	ErrHeaderJSON   = errors.New("malformed JSON header")
	ErrDType        = errors.New("unknown dtype")
	ErrShape        = errors.New("bad shape")
	ErrOffsets      = errors.New("bad data offsets")
	ErrOverlap      = errors.New("overlapping tensors")
	ErrSize         = errors.New("data size does not match dtype × shape")
	ErrPastEnd      = errors.New("tensor data past the end of the file")
	ErrGap          = errors.New("data section not covered by tensors")
	ErrIndex        = errors.New("bad index")
	ErrMissingShard = errors.New("missing shard")
	ErrRead         = errors.New("cannot read")
)

// Error is a named error about one file and, where it applies, one tensor.
type Error struct {
	File   string // the file (or "<memory>")
	Tensor string // the tensor, "" when the error is about the file
	Kind   error  // one of the Err* values
	Detail string
}

func (e *Error) Error() string {
	return fileerr.Format(e.File, -1, "", e.Tensor, e.Kind, e.Detail)
}

// Unwrap lets errors.Is match the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

func errf(file, tensor string, kind error, format string, args ...any) *Error {
	return &Error{File: file, Tensor: tensor, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// dtypeBits is the storage width of each safetensors dtype in bits.
var dtypeBits = map[string]int{
	"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"I64": 64, "U64": 64, "F64": 64, "C64": 64,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}

// DTypeBits is the width in bits of one element of a safetensors dtype
// ("F32", "BF16", "F8_E4M3", …); ok is false for an unknown dtype.
func DTypeBits(dtype string) (bits int, ok bool) {
	b, ok := dtypeBits[dtype]
	return b, ok
}

// ONNXType is the ONNX element type of a safetensors dtype (Undefined when
// ONNX has none, e.g. F6).
func ONNXType(dtype string) onnx.DataType {
	switch dtype {
	case "BOOL":
		return onnx.Bool
	case "U8":
		return onnx.Uint8
	case "I8":
		return onnx.Int8
	case "F8_E5M2":
		return onnx.Float8E5M2
	case "F8_E4M3":
		return onnx.Float8E4M3FN
	case "F8_E8M0":
		return onnx.Float8E8M0
	case "I16":
		return onnx.Int16
	case "U16":
		return onnx.Uint16
	case "F16":
		return onnx.Float16
	case "BF16":
		return onnx.BFloat16
	case "I32":
		return onnx.Int32
	case "U32":
		return onnx.Uint32
	case "F32":
		return onnx.Float
	case "I64":
		return onnx.Int64
	case "U64":
		return onnx.Uint64
	case "F64":
		return onnx.Double
	case "C64":
		return onnx.Complex64
	case "F4":
		return onnx.Float4E2M1
	}
	return onnx.Undefined
}

// Tensor is one entry of a header. Begin and End are the data_offsets,
// relative to the start of the data section (just after the header).
type Tensor struct {
	Name     string
	DType    string
	Shape    []int64 // PyTorch order
	Begin    int64
	End      int64
	Elements int64  // product of Shape
	File     string // the file holding the tensor (a shard's path in a folder)
}

// Bytes is the tensor's size in the file.
func (t *Tensor) Bytes() int64 { return t.End - t.Begin }

// File is one .safetensors file's header.
type File struct {
	Path      string
	Size      int64 // bytes on disk
	HeaderLen int64 // the JSON header's length (the first 8 bytes)
	Metadata  map[string]string
	Tensors   []Tensor // in data order
}

// DataStart is the file offset of the data section.
func (f *File) DataStart() int64 { return 8 + f.HeaderLen }

// ReadFile reads the header of the .safetensors file at path. It reads the
// first 8 bytes and the JSON header, never the weights; the file's size is
// used to check that every tensor's data lies inside it.
func ReadFile(path string) (*File, error) {
	fh, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return Read(fh, size, path)
}

// openFile opens a regular file and gives its size; errors are ErrRead.
func openFile(path string) (*os.File, int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, &Error{File: path, Kind: ErrRead, Detail: err.Error()}
	}
	st, err := fh.Stat()
	if err == nil && st.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		fh.Close()
		return nil, 0, &Error{File: path, Kind: ErrRead, Detail: err.Error()}
	}
	return fh, st.Size(), nil
}

// Read reads a header from r, a file of size bytes named name (for errors).
func Read(r io.ReaderAt, size int64, name string) (*File, error) {
	var lenBuf [8]byte
	if size < 8 {
		return nil, errf(name, "", ErrHeaderLength, "the file has %d bytes, fewer than the 8-byte header length", size)
	}
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, &Error{File: name, Kind: ErrRead, Detail: err.Error()}
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if err := checkHeaderLen(name, n, size); err != nil {
		return nil, err
	}
	hdr := make([]byte, n)
	if _, err := r.ReadAt(hdr, 8); err != nil && !(err == io.EOF && int64(len(hdr)) == size-8) {
		return nil, &Error{File: name, Kind: ErrRead, Detail: err.Error()}
	}
	return parse(name, hdr, size)
}

func checkHeaderLen(name string, n uint64, size int64) error {
	switch {
	case n > MaxHeaderSize:
		return errf(name, "", ErrHeaderLength, "the header claims %d bytes, more than the %d-byte limit", n, MaxHeaderSize)
	case n > uint64(size-8):
		return errf(name, "", ErrHeaderLength, "the header claims %d bytes but the file has only %d after the length", n, size-8)
	case n < 2:
		return errf(name, "", ErrHeaderLength, "the header claims %d bytes, too few for a JSON object", n)
	}
	return nil
}

// Parse reads a whole .safetensors file held in memory, header and the data
// (the data is only measured). It is Read for in-memory input.
func Parse(data []byte, name string) (*File, error) {
	return Read(bytes.NewReader(data), int64(len(data)), name)
}

// ParseHeader checks a JSON header as if it were followed by dataLen bytes
// of data (use it when only the header is at hand, e.g. from an HTTP range
// request).
func ParseHeader(header []byte, dataLen int64, name string) (*File, error) {
	if dataLen < 0 || int64(len(header)) > math.MaxInt64-8-dataLen {
		return nil, errf(name, "", ErrHeaderLength, "data length %d out of range", dataLen)
	}
	size := 8 + int64(len(header)) + dataLen
	if err := checkHeaderLen(name, uint64(len(header)), size); err != nil {
		return nil, err
	}
	return parse(name, header, size)
}

type rawEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

func parse(name string, hdr []byte, size int64) (*File, error) {
	f := &File{Path: name, Size: size, HeaderLen: int64(len(hdr))}
	// The reference implementation pads the header with spaces; a header
	// must be one JSON object and nothing else.
	trimmed := bytes.TrimRight(hdr, " \x00")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errf(name, "", ErrHeaderJSON, "the header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, errf(name, "", ErrHeaderJSON, "%v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errf(name, "", ErrHeaderJSON, "%v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errf(name, "", ErrHeaderJSON, "object key expected, got %v", tok)
		}
		if seen[key] {
			return nil, errf(name, key, ErrHeaderJSON, "the name appears twice")
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errf(name, key, ErrHeaderJSON, "%v", err)
		}
		if key == "__metadata__" {
			md := map[string]string{}
			if err := json.Unmarshal(raw, &md); err != nil {
				return nil, errf(name, "", ErrHeaderJSON, "__metadata__ must map strings to strings: %v", err)
			}
			f.Metadata = md
			continue
		}
		t, err := entry(name, key, raw)
		if err != nil {
			return nil, err
		}
		f.Tensors = append(f.Tensors, t)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errf(name, "", ErrHeaderJSON, "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errf(name, "", ErrHeaderJSON, "trailing data after the header object")
	}
	if err := checkLayout(f); err != nil {
		return nil, err
	}
	return f, nil
}

func entry(file, name string, raw json.RawMessage) (Tensor, error) {
	var e rawEntry
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		return Tensor{}, errf(file, name, ErrHeaderJSON, "%v", err)
	}
	switch {
	case e.DType == nil:
		return Tensor{}, errf(file, name, ErrHeaderJSON, "no dtype")
	case e.Shape == nil:
		return Tensor{}, errf(file, name, ErrHeaderJSON, "no shape")
	case e.DataOffsets == nil:
		return Tensor{}, errf(file, name, ErrHeaderJSON, "no data_offsets")
	}
	t := Tensor{Name: name, DType: *e.DType, Shape: *e.Shape, File: file}
	if t.Shape == nil {
		t.Shape = []int64{}
	}
	bitsPer, ok := dtypeBits[t.DType]
	if !ok {
		return t, errf(file, name, ErrDType, "%q", t.DType)
	}
	n, err := onnx.NumElements(t.Shape)
	if err != nil {
		return t, errf(file, name, ErrShape, "%v", err)
	}
	t.Elements = n
	off := *e.DataOffsets
	if len(off) != 2 {
		return t, errf(file, name, ErrOffsets, "data_offsets has %d numbers, want [begin, end]", len(off))
	}
	t.Begin, t.End = off[0], off[1]
	if t.Begin < 0 || t.End < t.Begin {
		return t, errf(file, name, ErrOffsets, "[%d, %d]", t.Begin, t.End)
	}
	hi, lo := bits.Mul64(uint64(n), uint64(bitsPer))
	if hi != 0 || lo > math.MaxInt64 {
		return t, errf(file, name, ErrShape, "shape %v: the byte size overflows", t.Shape)
	}
	if lo%8 != 0 {
		return t, errf(file, name, ErrSize, "%d elements of %s are not a whole number of bytes", n, t.DType)
	}
	if want := int64(lo / 8); t.End-t.Begin != want {
		return t, errf(file, name, ErrSize, "data_offsets [%d, %d] hold %d bytes, %s %v needs %d", t.Begin, t.End, t.End-t.Begin, t.DType, t.Shape, want)
	}
	return t, nil
}

// checkLayout checks that the tensors tile the data section exactly, as the
// reference implementation requires: sorted by offset, each begins where
// the previous ends, and the last ends at the end of the file.
func checkLayout(f *File) error {
	sort.SliceStable(f.Tensors, func(i, j int) bool {
		a, b := &f.Tensors[i], &f.Tensors[j]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return a.End < b.End
	})
	dataLen := f.Size - f.DataStart()
	var at int64
	prev := ""
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.End > dataLen {
			return errf(f.Path, t.Name, ErrPastEnd, "data_offsets [%d, %d] but the data section has %d bytes (file %d bytes)", t.Begin, t.End, dataLen, f.Size)
		}
		if t.Begin < at {
			return errf(f.Path, t.Name, ErrOverlap, "[%d, %d] overlaps %q, which ends at %d", t.Begin, t.End, prev, at)
		}
		if t.Begin > at {
			return errf(f.Path, t.Name, ErrGap, "bytes [%d, %d) of the data section belong to no tensor", at, t.Begin)
		}
		at = t.End
		if t.End > t.Begin || prev == "" {
			prev = t.Name
		}
	}
	if at != dataLen {
		return errf(f.Path, "", ErrGap, "the tensors end at %d but the data section has %d bytes", at, dataLen)
	}
	return nil
}

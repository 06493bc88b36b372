package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/greenai/greenai/internal/onnxproto"
)

// Tensor is a decoded TensorProto. Its values stay in the model file (or the
// external data file) until Int64s, Float64s or Strings is called.
type Tensor struct {
	Name     string
	DataType DataType
	Dims     []int64
	External *External // non-nil when the data lives in another file

	raw    *span   // raw_data
	typed  []field // float_data, int32_data, string_data, int64_data, double_data, uint64_data occurrences (payload offsets only)
	src    *source
	dir    string
	inline bool // data_location DEFAULT with some data present
}

// External is the external_data description of a tensor.
type External struct {
	Location string
	Offset   int64
	Length   int64 // -1 when not given
	Checksum string
}

// NumElements is the product of the dims, or an error on overflow or a negative dim.
func (t *Tensor) NumElements() (int64, error) {
	return NumElements(t.Dims)
}

// NumElements is the product of dims with overflow and sign checks.
func NumElements(dims []int64) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in %v", d, dims)
		}
		hi, lo := bits.Mul64(uint64(n), uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("dimensions %v: element count overflows int64", dims)
		}
		n = int64(lo)
	}
	return n, nil
}

// ByteSize is the nominal storage size of the tensor's values (sub-byte
// types packed), or an error if the dims overflow.
func (t *Tensor) ByteSize() (int64, error) {
	n, err := t.NumElements()
	if err != nil {
		return 0, err
	}
	b := int64(t.DataType.Bits())
	if b == 0 {
		return 0, nil
	}
	hi, lo := bits.Mul64(uint64(n), uint64(b))
	if hi != 0 || lo > math.MaxInt64-7 {
		return 0, fmt.Errorf("dimensions %v: byte size overflows int64", t.Dims)
	}
	return (int64(lo) + 7) / 8, nil
}

// HasData reports whether the tensor carries values (inline or external).
func (t *Tensor) HasData() bool { return t.External != nil || t.inline }

func (d *decoder) tensor(f field) (*Tensor, error) {
	t := &Tensor{src: d.src, dir: d.dir}
	var ext []KV
	var location int64
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.TensorDims:
			t.Dims, err = d.ints(t.Dims, h)
		case pb.TensorDataType:
			var dt int64
			dt, err = varint(h)
			t.DataType = DataType(int32(dt))
		case pb.TensorName:
			t.Name, err = d.text(h)
		case pb.TensorRawData:
			if err = wantBytes(h); err == nil {
				t.raw = &span{h.off, h.n}
			}
		case pb.TensorFloatData, pb.TensorInt32Data, pb.TensorStringData, pb.TensorInt64Data, pb.TensorDoubleData, pb.TensorUint64Data:
			t.typed = append(t.typed, h) // offset and length only
		case pb.TensorExternalData:
			var e KV
			if e, err = d.kv(h); err == nil {
				ext = append(ext, e)
			}
		case pb.TensorDataLocation:
			location, err = varint(h)
		}
		return err
	})
	if err != nil {
		return nil, tensorErr(t, err)
	}
	if location == pb.TensorLocationExternal {
		e, err := parseExternal(ext)
		if err != nil {
			return nil, tensorErr(t, err)
		}
		t.External = e
	} else {
		t.inline = t.raw != nil || len(t.typed) > 0
	}
	return t, nil
}

func tensorErr(t *Tensor, err error) error {
	if err == nil {
		return nil
	}
	if t.Name != "" {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return err
}

func parseExternal(kvs []KV) (*External, error) {
	e := &External{Length: -1}
	for _, kv := range kvs {
		switch kv.Key {
		case "location":
			e.Location = kv.Value
		case "offset", "length":
			v, err := strconv.ParseInt(kv.Value, 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("external data %s %q is not a non-negative integer", kv.Key, kv.Value)
			}
			if kv.Key == "offset" {
				e.Offset = v
			} else {
				e.Length = v
			}
		case "checksum":
			e.Checksum = kv.Value
		}
	}
	if e.Location == "" {
		return nil, errors.New("external data without a location")
	}
	if err := checkLocation(e.Location); err != nil {
		return nil, err
	}
	return e, nil
}

// checkLocation rejects external data paths that could reach outside the
// model's folder.
func checkLocation(loc string) error {
	if filepath.IsAbs(loc) || strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`) || filepath.VolumeName(loc) != "" {
		return fmt.Errorf("external data location %q is absolute; it must be relative to the model's folder", loc)
	}
	if !filepath.IsLocal(filepath.FromSlash(loc)) {
		return fmt.Errorf("external data location %q escapes the model's folder", loc)
	}
	return nil
}

// Bytes returns the raw little-endian value bytes of a tensor stored as
// raw_data or external data, copied out of the file.
func (t *Tensor) rawBytes(max int64) ([]byte, error) {
	size, err := t.ByteSize()
	if err != nil {
		return nil, tensorErr(t, err)
	}
	if size > max {
		return nil, tensorErr(t, fmt.Errorf("%d bytes exceed the %d-byte limit for reading values", size, max))
	}
	if t.External != nil {
		return t.readExternal(size)
	}
	if t.raw == nil {
		return nil, nil
	}
	if t.raw.n != size {
		return nil, tensorErr(t, fmt.Errorf("raw_data has %d bytes, dims %v of %s need %d", t.raw.n, t.Dims, t.DataType, size))
	}
	out := make([]byte, size)
	err = t.src.read(*t.raw, func(b []byte) error { copy(out, b); return nil })
	return out, tensorErr(t, err)
}

func (t *Tensor) readExternal(size int64) ([]byte, error) {
	e := t.External
	if e.Length >= 0 && e.Length != size {
		return nil, tensorErr(t, fmt.Errorf("external data length %d, dims %v of %s need %d", e.Length, t.Dims, t.DataType, size))
	}
	path := filepath.Join(t.dir, filepath.FromSlash(e.Location))
	// Resolve symlinks so a link inside the folder cannot point outside it.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		base, berr := filepath.EvalSymlinks(t.dir)
		if berr == nil {
			if rel, rerr := filepath.Rel(base, real); rerr != nil || !filepath.IsLocal(rel) {
				return nil, tensorErr(t, fmt.Errorf("external data %q resolves outside the model's folder", e.Location))
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, tensorErr(t, fmt.Errorf("external data file %q not found (looked in %s)", e.Location, t.dir))
		}
		return nil, tensorErr(t, fmt.Errorf("external data: %w", err))
	}
	defer f.Close()
	out := make([]byte, size)
	if _, err := f.ReadAt(out, e.Offset); err != nil {
		if err == io.EOF {
			return nil, tensorErr(t, fmt.Errorf("external data %q: offset %d + %d bytes is past the end of the file", e.Location, e.Offset, size))
		}
		return nil, tensorErr(t, fmt.Errorf("external data %q: %w", e.Location, err))
	}
	return out, nil
}

// MaxValueBytes bounds how many bytes a single value read may return.
const MaxValueBytes = 1 << 30

// valueBytes checks that the values may be read and, when they are stored
// as raw or external data, reads their bytes (raw is nil when the values
// sit in the typed fields).
func (t *Tensor) valueBytes() (n int64, raw []byte, err error) {
	n, err = t.NumElements()
	if err != nil {
		return 0, nil, tensorErr(t, err)
	}
	if n*8 > MaxValueBytes {
		return 0, nil, tensorErr(t, fmt.Errorf("%d elements are too many to read as values", n))
	}
	if t.External != nil || t.raw != nil {
		raw, err = t.rawBytes(MaxValueBytes)
		if err != nil {
			return 0, nil, err
		}
		if raw == nil {
			raw = []byte{}
		}
	}
	return n, raw, nil
}

// Int64s returns the values of an integer or bool tensor.
func (t *Tensor) Int64s() ([]int64, error) {
	if !t.DataType.IsInteger() && t.DataType != Bool {
		return nil, tensorErr(t, fmt.Errorf("values of %s tensor are not integers", t.DataType))
	}
	n, raw, err := t.valueBytes()
	if err != nil {
		return nil, err
	}
	if raw != nil {
		return decodeInts(raw, t.DataType, n)
	}
	out := make([]int64, 0, n)
	err = t.eachTyped(func(f field, b []byte) error {
		switch f.num {
		case pb.TensorInt32Data, pb.TensorInt64Data, pb.TensorUint64Data:
		default:
			return fmt.Errorf("%s tensor stores values in field %d", t.DataType, f.num)
		}
		var vals []int64
		var err error
		if f.typ == protowire.BytesType {
			vals, err = packedInts(nil, b, f.num)
		} else {
			vals = []int64{int64(f.x)}
		}
		if err != nil {
			return err
		}
		for _, v := range vals {
			switch t.DataType {
			case Int32:
				v = int64(int32(v))
			case Int4, Uint4, Int2, Uint2:
				return fmt.Errorf("packed %s values in int32_data are not supported", t.DataType)
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, tensorErr(t, err)
	}
	if int64(len(out)) != n {
		return nil, tensorErr(t, fmt.Errorf("has %d values, dims %v need %d", len(out), t.Dims, n))
	}
	return out, nil
}

func (t *Tensor) eachTyped(fn func(f field, payload []byte) error) error {
	for _, f := range t.typed {
		var err error
		if f.typ == protowire.BytesType {
			err = t.src.read(span{f.off, f.n}, func(b []byte) error { return fn(f, b) })
		} else {
			err = fn(f, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func decodeInts(raw []byte, dt DataType, n int64) ([]int64, error) {
	out := make([]int64, n)
	le := binary.LittleEndian
	for i := range out {
		switch dt {
		case Int8:
			out[i] = int64(int8(raw[i]))
		case Uint8, Bool:
			out[i] = int64(raw[i])
		case Int16:
			out[i] = int64(int16(le.Uint16(raw[2*i:])))
		case Uint16:
			out[i] = int64(le.Uint16(raw[2*i:]))
		case Int32:
			out[i] = int64(int32(le.Uint32(raw[4*i:])))
		case Uint32:
			out[i] = int64(le.Uint32(raw[4*i:]))
		case Int64, Uint64:
			out[i] = int64(le.Uint64(raw[8*i:]))
		case Int4, Uint4:
			v := raw[i/2] >> (4 * (i % 2)) & 0xF
			if dt == Int4 && v >= 8 {
				out[i] = int64(v) - 16
			} else {
				out[i] = int64(v)
			}
		case Int2, Uint2:
			v := raw[i/4] >> (2 * (i % 4)) & 0x3
			if dt == Int2 && v >= 2 {
				out[i] = int64(v) - 4
			} else {
				out[i] = int64(v)
			}
		default:
			return nil, fmt.Errorf("cannot decode %s as integers", dt)
		}
	}
	return out, nil
}

// Float64s returns the values of a tensor as float64 (integers converted;
// complex tensors are not supported).
func (t *Tensor) Float64s() ([]float64, error) {
	if t.DataType.IsInteger() || t.DataType == Bool {
		iv, err := t.Int64s()
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(iv))
		for i, v := range iv {
			if t.DataType == Uint64 {
				out[i] = float64(uint64(v))
			} else {
				out[i] = float64(v)
			}
		}
		return out, nil
	}
	if !t.DataType.IsFloat() || t.DataType == Complex64 || t.DataType == Complex128 {
		return nil, tensorErr(t, fmt.Errorf("values of %s tensor are not real numbers", t.DataType))
	}
	n, raw, err := t.valueBytes()
	if err != nil {
		return nil, err
	}
	if raw != nil {
		return decodeFloats(raw, t.DataType, n)
	}
	out := make([]float64, 0, n)
	err = t.eachTyped(func(f field, b []byte) error {
		switch {
		case f.num == pb.TensorFloatData && t.DataType == Float:
			var fs []float32
			var err error
			if f.typ == protowire.BytesType {
				fs, err = packedFloats(nil, b, f.num)
			} else {
				fs = []float32{math.Float32frombits(uint32(f.x))}
			}
			if err != nil {
				return err
			}
			for _, v := range fs {
				out = append(out, float64(v))
			}
		case f.num == pb.TensorDoubleData && t.DataType == Double:
			if f.typ == protowire.BytesType {
				if len(b)%8 != 0 {
					return fmt.Errorf("packed doubles of %d bytes", len(b))
				}
				for i := 0; i < len(b); i += 8 {
					out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
				}
			} else if f.typ == protowire.Fixed64Type {
				out = append(out, math.Float64frombits(f.x))
			}
		case f.num == pb.TensorInt32Data: // 16- and 8-bit floats stored bitwise in int32_data
			var vals []int64
			var err error
			if f.typ == protowire.BytesType {
				vals, err = packedInts(nil, b, f.num)
			} else {
				vals = []int64{int64(f.x)}
			}
			if err != nil {
				return err
			}
			for _, v := range vals {
				out = append(out, smallFloat(uint32(v), t.DataType))
			}
		default:
			return fmt.Errorf("%s tensor stores values in field %d", t.DataType, f.num)
		}
		return nil
	})
	if err != nil {
		return nil, tensorErr(t, err)
	}
	if int64(len(out)) != n {
		return nil, tensorErr(t, fmt.Errorf("has %d values, dims %v need %d", len(out), t.Dims, n))
	}
	return out, nil
}

func decodeFloats(raw []byte, dt DataType, n int64) ([]float64, error) {
	out := make([]float64, n)
	le := binary.LittleEndian
	for i := range out {
		switch dt {
		case Float:
			out[i] = float64(math.Float32frombits(le.Uint32(raw[4*i:])))
		case Double:
			out[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		case Float16, BFloat16:
			out[i] = smallFloat(uint32(le.Uint16(raw[2*i:])), dt)
		case Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0:
			out[i] = smallFloat(uint32(raw[i]), dt)
		case Float4E2M1:
			out[i] = smallFloat(uint32(raw[i/2]>>(4*(i%2))&0xF), dt)
		default:
			return nil, fmt.Errorf("cannot decode %s as floats", dt)
		}
	}
	return out, nil
}

// smallFloat converts the bit pattern of a narrow float type to float64.
func smallFloat(b uint32, dt DataType) float64 {
	switch dt {
	case Float16:
		return decodeMini(b, 5, 10, 15, true, false)
	case BFloat16:
		return float64(math.Float32frombits(b << 16))
	case Float8E4M3FN:
		if b&0x7F == 0x7F {
			return math.NaN()
		}
		return decodeMini(b, 4, 3, 7, false, false)
	case Float8E4M3FNUZ:
		if b == 0x80 {
			return math.NaN()
		}
		return decodeMini(b, 4, 3, 8, false, true)
	case Float8E5M2:
		return decodeMini(b, 5, 2, 15, true, false)
	case Float8E5M2FNUZ:
		if b == 0x80 {
			return math.NaN()
		}
		return decodeMini(b, 5, 2, 16, false, true)
	case Float8E8M0:
		if b == 0xFF {
			return math.NaN()
		}
		return math.Ldexp(1, int(b)-127)
	case Float4E2M1:
		return decodeMini(b, 2, 1, 1, false, false)
	}
	return math.NaN()
}

// decodeMini decodes a sign/exponent/mantissa float of the given widths.
// ieee selects IEEE-style all-ones exponents for Inf/NaN.
func decodeMini(b uint32, ebits, mbits uint, bias int, ieee, _ bool) float64 {
	sign := 1.0
	if b>>(ebits+mbits)&1 == 1 {
		sign = -1
	}
	e := int(b >> mbits & (1<<ebits - 1))
	m := float64(b & (1<<mbits - 1))
	if ieee && e == 1<<ebits-1 {
		if m == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	if e == 0 {
		return sign * math.Ldexp(m, 1-bias-int(mbits))
	}
	return sign * math.Ldexp(1+m/float64(uint(1)<<mbits), e-bias)
}

// Strings returns the values of a string tensor.
func (t *Tensor) Strings() ([]string, error) {
	if t.DataType != String {
		return nil, tensorErr(t, fmt.Errorf("%s tensor is not a string tensor", t.DataType))
	}
	var out []string
	err := t.eachTyped(func(f field, b []byte) error {
		if f.num != pb.TensorStringData || f.typ != protowire.BytesType {
			return fmt.Errorf("string tensor stores values in field %d", f.num)
		}
		out = append(out, string(b))
		return nil
	})
	if err != nil {
		return nil, tensorErr(t, err)
	}
	n, err := t.NumElements()
	if err != nil {
		return nil, tensorErr(t, err)
	}
	if int64(len(out)) != n {
		return nil, tensorErr(t, fmt.Errorf("has %d strings, dims %v need %d", len(out), t.Dims, n))
	}
	return out, nil
}

// ReadTensorFile reads a serialized TensorProto (as in ONNX's test suite's
// input_N.pb files). Its values are kept in memory.
func ReadTensorFile(path string) (*Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := DecodeTensor(data)
	if err != nil {
		return nil, fmt.Errorf("reading tensor %s: %w", path, err)
	}
	return t, nil
}

// DecodeTensor decodes a serialized TensorProto held in memory.
func DecodeTensor(data []byte) (*Tensor, error) {
	d := &decoder{src: memSource(data, "<tensor>")}
	return d.tensor(field{typ: protowire.BytesType, n: int64(len(data))})
}

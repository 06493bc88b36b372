// Package tfevents writes and reads TensorBoard event files: TFRecord framing around tensorboard.Event protobufs, with scalars as Summary values.
//
// There is no maintained Go library for this (TensorFlow's Go bindings
// need cgo and libtensorflow and were deprecated), so the two formats are
// encoded here with protowire, from the field numbers of TensorBoard's own
// tensorboard/compat/proto/event.proto, summary.proto, tensor.proto and
// types.proto, and the framing of tensorboard/summary/writer/record_writer.py:
//
//	uint64 length (little-endian)
//	uint32 masked CRC32C of the length bytes
//	byte   data[length]
//	uint32 masked CRC32C of data
//
// with mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
package tfevents

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers (tensorboard/compat/proto/*.proto).
const (
	eventWallTime    = 1 // double
	eventStep        = 2 // int64
	eventFileVersion = 3 // string
	eventSummary     = 5 // Summary

	summaryValue = 1 // repeated Summary.Value

	valueTag         = 1 // string
	valueSimpleValue = 2 // float
	valueTensor      = 8 // TensorProto
	valueMetadata    = 9 // SummaryMetadata

	tensorDtype   = 1 // DataType
	tensorShape   = 2 // TensorShapeProto
	tensorContent = 4 // bytes, little-endian
	tensorFloat   = 5 // packed float
	tensorDouble  = 6 // packed double
	tensorInt     = 7 // packed int32
	tensorInt64   = 10
	tensorHalf    = 13 // packed int32 holding float16 bits

	dtFloat  = 1
	dtDouble = 2
	dtInt32  = 3
	dtInt64  = 9
	dtHalf   = 19
)

// scalarMetadata is SummaryMetadata{plugin_data: {plugin_name: "scalars"},
// data_class: DATA_CLASS_SCALAR} (summary.proto fields 1, 1.1 and 4; the
// plugin's content, ScalarPluginData version 0, is empty).
var scalarMetadata = func() []byte {
	var pd []byte
	pd = protowire.AppendTag(pd, 1, protowire.BytesType)
	pd = protowire.AppendString(pd, "scalars")
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.BytesType)
	m = protowire.AppendBytes(m, pd)
	m = protowire.AppendTag(m, 4, protowire.VarintType)
	m = protowire.AppendVarint(m, 1)
	return m
}()

// FileVersion is what the first event of a file says, as TensorFlow and
// TensorBoard write it.
const FileVersion = "brain.Event:2"

// MaxRecord bounds one record's length: larger ones are refused as
// corrupt rather than allocated.
const MaxRecord = 256 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC is TFRecord's masked CRC32C of b.
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// Scalar is one scalar value of a tag at a step.
type Scalar struct {
	Tag      string
	Step     int64
	WallTime float64 // Unix seconds
	Value    float64
}

// Writer writes an event file.
type Writer struct {
	w   io.Writer
	err error
}

// NewWriter starts an event file on w with its file-version event.
func NewWriter(w io.Writer, wallTime float64) *Writer {
	ew := &Writer{w: w}
	var ev []byte
	ev = protowire.AppendTag(ev, eventWallTime, protowire.Fixed64Type)
	ev = protowire.AppendFixed64(ev, math.Float64bits(wallTime))
	ev = protowire.AppendTag(ev, eventFileVersion, protowire.BytesType)
	ev = protowire.AppendString(ev, FileVersion)
	ew.record(ev)
	return ew
}

// WriteScalars writes one event at a step holding the scalars of vals
// (tag → value), each as TF2's tf.summary.scalar writes it: a scalar
// tensor with the "scalars" plugin's metadata, here of dtype DT_DOUBLE so
// that the value is kept exactly (TensorBoard's scalar dashboard reads
// any numeric dtype). Tags are written in the order given.
func (ew *Writer) WriteScalars(step int64, wallTime float64, tags []string, vals map[string]float64) error {
	var sum []byte
	for _, tag := range tags {
		var v []byte
		v = protowire.AppendTag(v, valueTag, protowire.BytesType)
		v = protowire.AppendString(v, tag)
		v = protowire.AppendTag(v, valueMetadata, protowire.BytesType)
		v = protowire.AppendBytes(v, scalarMetadata)
		var t []byte
		t = protowire.AppendTag(t, tensorDtype, protowire.VarintType)
		t = protowire.AppendVarint(t, dtDouble)
		t = protowire.AppendTag(t, tensorShape, protowire.BytesType)
		t = protowire.AppendBytes(t, nil) // no dims: a scalar
		var d []byte
		d = protowire.AppendFixed64(d, math.Float64bits(vals[tag]))
		t = protowire.AppendTag(t, tensorDouble, protowire.BytesType)
		t = protowire.AppendBytes(t, d)
		v = protowire.AppendTag(v, valueTensor, protowire.BytesType)
		v = protowire.AppendBytes(v, t)
		sum = protowire.AppendTag(sum, summaryValue, protowire.BytesType)
		sum = protowire.AppendBytes(sum, v)
	}
	var ev []byte
	ev = protowire.AppendTag(ev, eventWallTime, protowire.Fixed64Type)
	ev = protowire.AppendFixed64(ev, math.Float64bits(wallTime))
	ev = protowire.AppendTag(ev, eventStep, protowire.VarintType)
	ev = protowire.AppendVarint(ev, uint64(step))
	ev = protowire.AppendTag(ev, eventSummary, protowire.BytesType)
	ev = protowire.AppendBytes(ev, sum)
	ew.record(ev)
	return ew.err
}

// Err is the first write error.
func (ew *Writer) Err() error { return ew.err }

func (ew *Writer) record(data []byte) {
	if ew.err != nil {
		return
	}
	var hdr [12]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(hdr[8:], MaskedCRC(hdr[:8]))
	var foot [4]byte
	binary.LittleEndian.PutUint32(foot[:], MaskedCRC(data))
	for _, b := range [][]byte{hdr[:], data, foot[:]} {
		if _, err := ew.w.Write(b); err != nil {
			ew.err = fmt.Errorf("tfevents: write: %w", err)
			return
		}
	}
}

// File is what an event file holds that greenai reads.
type File struct {
	Version string
	Scalars []Scalar
	// Skipped counts summary values that are not scalars (images,
	// histograms, text, non-scalar tensors).
	Skipped int
}

// Read reads an event file: every record's CRCs are checked and every
// scalar summary value, written as simple_value (TF1, tensorboardX,
// PyTorch's SummaryWriter) or as a scalar tensor (TF2 tf.summary), is
// returned.
func Read(r io.Reader) (*File, error) {
	br := bufio.NewReader(r)
	f := &File{}
	var off int64
	for n := 0; ; n++ {
		var hdr [12]byte
		k, err := io.ReadFull(br, hdr[:])
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tfevents: record %d at offset %d: truncated header (%d of 12 bytes)", n, off, k)
		}
		if got, want := binary.LittleEndian.Uint32(hdr[8:]), MaskedCRC(hdr[:8]); got != want {
			return nil, fmt.Errorf("tfevents: record %d at offset %d: length CRC %08x, want %08x: not a TFRecord file, or corrupt", n, off, got, want)
		}
		size := binary.LittleEndian.Uint64(hdr[:8])
		if size > MaxRecord {
			return nil, fmt.Errorf("tfevents: record %d at offset %d: length %d exceeds %d", n, off, size, MaxRecord)
		}
		data := make([]byte, size+4)
		if k, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("tfevents: record %d at offset %d: truncated (%d of %d bytes)", n, off, k, size+4)
		}
		body := data[:size]
		if got, want := binary.LittleEndian.Uint32(data[size:]), MaskedCRC(body); got != want {
			return nil, fmt.Errorf("tfevents: record %d at offset %d: data CRC %08x, want %08x: corrupt", n, off, got, want)
		}
		if err := f.event(body); err != nil {
			return nil, fmt.Errorf("tfevents: record %d at offset %d: %w", n, off, err)
		}
		off += int64(size) + 16
	}
}

// fields walks the fields of one message.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad field tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) event(b []byte) error {
	var wall float64
	var step int64
	var sums [][]byte
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == eventWallTime && typ == protowire.Fixed64Type:
			wall = math.Float64frombits(x)
		case num == eventStep && typ == protowire.VarintType:
			step = int64(x)
		case num == eventFileVersion && typ == protowire.BytesType:
			f.Version = string(v)
		case num == eventSummary && typ == protowire.BytesType:
			sums = append(sums, v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	for _, s := range sums {
		err := fields(s, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			if num != summaryValue || typ != protowire.BytesType {
				return nil
			}
			sc, ok, err := value(v)
			if err != nil {
				return err
			}
			if !ok {
				f.Skipped++
				return nil
			}
			sc.Step, sc.WallTime = step, wall
			f.Scalars = append(f.Scalars, sc)
			return nil
		})
		if err != nil {
			return fmt.Errorf("summary at step %d: %w", step, err)
		}
	}
	return nil
}

func value(b []byte) (Scalar, bool, error) {
	var sc Scalar
	ok := false
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == valueTag && typ == protowire.BytesType:
			sc.Tag = string(v)
		case num == valueSimpleValue && typ == protowire.Fixed32Type:
			sc.Value, ok = float64(math.Float32frombits(uint32(x))), true
		case num == valueTensor && typ == protowire.BytesType:
			val, isScalar, err := tensorScalar(v)
			if err != nil {
				return fmt.Errorf("tensor: %w", err)
			}
			if isScalar {
				sc.Value, ok = val, true
			}
		}
		return nil
	})
	return sc, ok, err
}

// tensorScalar reads a one-element numeric tensor.
func tensorScalar(b []byte) (float64, bool, error) {
	var dtype uint64
	var vals []float64
	var content []byte
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case tensorDtype:
			dtype = x
		case tensorContent:
			content = v
		case tensorFloat, tensorDouble, tensorInt, tensorInt64, tensorHalf:
			vals = append(vals, packed(num, typ, v, x)...)
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if len(vals) == 0 && len(content) > 0 {
		switch {
		case dtype == dtFloat && len(content) == 4:
			vals = []float64{float64(math.Float32frombits(binary.LittleEndian.Uint32(content)))}
		case dtype == dtDouble && len(content) == 8:
			vals = []float64{math.Float64frombits(binary.LittleEndian.Uint64(content))}
		case dtype == dtInt32 && len(content) == 4:
			vals = []float64{float64(int32(binary.LittleEndian.Uint32(content)))}
		case dtype == dtInt64 && len(content) == 8:
			vals = []float64{float64(int64(binary.LittleEndian.Uint64(content)))}
		case dtype == dtHalf && len(content) == 2:
			vals = []float64{half(uint16(binary.LittleEndian.Uint16(content)))}
		}
	}
	if dtype == dtHalf {
		for i := range vals {
			vals[i] = half(uint16(vals[i]))
		}
	}
	if len(vals) != 1 {
		return 0, false, nil
	}
	return vals[0], true, nil
}

// packed decodes a repeated numeric field, packed or not.
func packed(num protowire.Number, typ protowire.Type, v []byte, x uint64) []float64 {
	one := func(x uint64) float64 {
		switch num {
		case tensorFloat:
			return float64(math.Float32frombits(uint32(x)))
		case tensorDouble:
			return math.Float64frombits(x)
		case tensorInt, tensorHalf:
			return float64(int32(x))
		}
		return float64(int64(x))
	}
	if typ != protowire.BytesType {
		return []float64{one(x)}
	}
	var out []float64
	for len(v) > 0 {
		var y uint64
		var n int
		switch num {
		case tensorFloat:
			var z uint32
			z, n = protowire.ConsumeFixed32(v)
			y = uint64(z)
		case tensorDouble:
			y, n = protowire.ConsumeFixed64(v)
		default:
			y, n = protowire.ConsumeVarint(v)
		}
		if n < 0 {
			return out
		}
		v = v[n:]
		out = append(out, one(y))
	}
	return out
}

// half converts IEEE 754 binary16 bits.
func half(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac / 1024 * math.Pow(2, -14)
	case 31:
		if frac == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}

// ErrNotEventFile is returned by Sniff for data that is not TFRecord.
var ErrNotEventFile = errors.New("not a TensorBoard event file (TFRecord length CRC does not match)")

// Sniff reports whether the first 12 bytes of a file are a TFRecord header.
func Sniff(head []byte) bool {
	return len(head) >= 12 && binary.LittleEndian.Uint32(head[8:12]) == MaskedCRC(head[:8])
}

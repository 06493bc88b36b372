package tfevents

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// The masked CRC of TFRecord, checked against values computed with
// TensorBoard's own tensorboard/compat/tensorflow_stub/pywrap_tensorflow.py
// masked_crc32c: CRC32C("") = 0 → mask 0xa282ead8; CRC32C("123456789") =
// 0xe3069283 (the standard check value) → mask.
func TestMaskedCRC(t *testing.T) {
	if got := MaskedCRC(nil); got != 0xa282ead8 {
		t.Errorf("empty: %08x", got)
	}
	c := uint32(0xe3069283)
	want := ((c >> 15) | (c << 17)) + 0xa282ead8
	if got := MaskedCRC([]byte("123456789")); got != want {
		t.Errorf("check value: %08x, want %08x", got, want)
	}
}

func TestWriteReadBack(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 1.7e9)
	tags := []string{"loss", "greenai/energy_kwh", "greenai/carbon_g"}
	want := []Scalar{}
	for step := int64(0); step < 5; step++ {
		vals := map[string]float64{"loss": 1 / float64(step+1), "greenai/energy_kwh": 1.234567890123e-3 * float64(step), "greenai/carbon_g": math.Pi * float64(step)}
		if err := w.WriteScalars(step*100, 1.7e9+float64(step), tags, vals); err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			want = append(want, Scalar{Tag: tag, Step: step * 100, WallTime: 1.7e9 + float64(step), Value: vals[tag]})
		}
	}
	if !Sniff(buf.Bytes()) {
		t.Error("Sniff does not recognise the file")
	}
	f, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != FileVersion || f.Skipped != 0 || len(f.Scalars) != len(want) {
		t.Fatalf("version %q, skipped %d, %d scalars, want %d", f.Version, f.Skipped, len(f.Scalars), len(want))
	}
	for i := range want {
		if f.Scalars[i] != want[i] {
			t.Errorf("scalar %d: %+v, want %+v (exact)", i, f.Scalars[i], want[i])
		}
	}
}

// Files as TF1/tensorboardX (simple_value) and TF2 (float tensor,
// tensor_content) write them read too.
func TestReadOtherWriters(t *testing.T) {
	val := func(tag string, body []byte) []byte {
		var v []byte
		v = protowire.AppendTag(v, valueTag, protowire.BytesType)
		v = protowire.AppendString(v, tag)
		return append(v, body...)
	}
	var simple []byte
	simple = protowire.AppendTag(simple, valueSimpleValue, protowire.Fixed32Type)
	simple = protowire.AppendFixed32(simple, math.Float32bits(0.5))
	var tc []byte
	tc = protowire.AppendTag(tc, tensorDtype, protowire.VarintType)
	tc = protowire.AppendVarint(tc, dtFloat)
	var c [4]byte
	binary.LittleEndian.PutUint32(c[:], math.Float32bits(0.25))
	tc = protowire.AppendTag(tc, tensorContent, protowire.BytesType)
	tc = protowire.AppendBytes(tc, c[:])
	var tens []byte
	tens = protowire.AppendTag(tens, valueTensor, protowire.BytesType)
	tens = protowire.AppendBytes(tens, tc)
	var sum []byte
	for _, v := range [][]byte{val("a", simple), val("b", tens), val("img", nil)} {
		sum = protowire.AppendTag(sum, summaryValue, protowire.BytesType)
		sum = protowire.AppendBytes(sum, v)
	}
	var ev []byte
	ev = protowire.AppendTag(ev, eventStep, protowire.VarintType)
	ev = protowire.AppendVarint(ev, 7)
	ev = protowire.AppendTag(ev, eventSummary, protowire.BytesType)
	ev = protowire.AppendBytes(ev, sum)
	var buf bytes.Buffer
	w := &Writer{w: &buf}
	w.record(ev)
	f, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Scalars) != 2 || f.Scalars[0] != (Scalar{Tag: "a", Step: 7, Value: 0.5}) || f.Scalars[1] != (Scalar{Tag: "b", Step: 7, Value: 0.25}) || f.Skipped != 1 {
		t.Errorf("%+v skipped %d", f.Scalars, f.Skipped)
	}
}

func TestReadErrors(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 1)
	_ = w.WriteScalars(1, 1, []string{"x"}, map[string]float64{"x": 1})
	good := buf.Bytes()
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)-6] ^= 0xff
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"text":      {[]byte("hello, this is not a record file\n"), "not a TFRecord file"},
		"truncated": {good[:len(good)-3], "truncated"},
		"corrupt":   {corrupt, "data CRC"},
		"header":    {good[:5], "truncated header"},
	} {
		_, err := Read(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 1)
	_ = w.WriteScalars(3, 2, []string{"a", "b"}, map[string]float64{"a": 1, "b": 2})
	f.Add(buf.Bytes())
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Read(bytes.NewReader(b))
	})
}

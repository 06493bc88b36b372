package onnx_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
)

func f32bytes(vals ...float32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func sampleModel() *onnxbuild.Model {
	return &onnxbuild.Model{
		IRVersion: 8,
		Producer:  "test",
		Opsets:    map[string]int64{"": 17, "com.microsoft": 1},
		Graph: onnxbuild.Graph{
			Name: "g",
			Nodes: []onnxbuild.Node{
				{Name: "conv", OpType: "Conv", Inputs: []string{"x", "w"}, Outputs: []string{"y"},
					Attrs: []onnxbuild.Attr{{Name: "pads", Ints: []int64{1, 1, 1, 1}}, {Name: "group", Int: onnxbuild.I(1)}, {Name: "alpha", Float: onnxbuild.F(0.5)}, {Name: "mode", String: onnxbuild.S("constant")}}},
			},
			Initializers: []onnxbuild.Tensor{
				{Name: "w", DataType: 1, Dims: []int64{2, 1, 1, 1}, Raw: f32bytes(1.5, -2)},
				{Name: "shape", DataType: 7, Dims: []int64{2}, Int64s: []int64{-1, 4}},
				{Name: "ext", DataType: 1, Dims: []int64{3}, External: map[string]string{"location": "weights.bin", "offset": "4", "length": "12"}},
			},
			Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", 1, 8, -1}}},
			Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		},
	}
}

func TestDecodeFields(t *testing.T) {
	m, err := onnx.Decode(sampleModel().Marshal(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if m.IRVersion != 8 || m.ProducerName != "test" || m.Opset("") != 17 || m.Opset("ai.onnx") != 17 || m.Opset("com.microsoft") != 1 {
		t.Fatalf("header: %+v", m)
	}
	g := m.Graph
	if g.Name != "g" || len(g.Nodes) != 1 || len(g.Initializers) != 3 {
		t.Fatalf("graph: %+v", g)
	}
	n := g.Nodes[0]
	if n.OpType != "Conv" || n.Name != "conv" || len(n.Inputs) != 2 || n.Outputs[0] != "y" {
		t.Fatalf("node: %+v", n)
	}
	if a := n.Attr("pads"); a == nil || a.Type != onnx.AttrInts || len(a.Ints) != 4 {
		t.Fatalf("pads: %+v", a)
	}
	if a := n.Attr("alpha"); a == nil || a.F != 0.5 {
		t.Fatalf("alpha: %+v", a)
	}
	if a := n.Attr("mode"); a == nil || a.S != "constant" {
		t.Fatalf("mode: %+v", a)
	}
	in := g.Inputs[0]
	if in.Type == nil || in.Type.Kind != onnx.KindTensor || in.Type.Elem != onnx.Float || len(in.Type.Shape.Dims) != 4 {
		t.Fatalf("input type: %+v", in.Type)
	}
	d := in.Type.Shape.Dims
	if d[0].Param != "batch" || !d[1].HasValue || d[1].Value != 1 || d[3].HasValue || d[3].Param != "" {
		t.Fatalf("dims: %+v", d)
	}
	w := g.Initializers[0]
	vals, err := w.Float64s()
	if err != nil || len(vals) != 2 || vals[0] != 1.5 || vals[1] != -2 {
		t.Fatalf("w values %v %v", vals, err)
	}
	sh, err := g.Initializers[1].Int64s()
	if err != nil || len(sh) != 2 || sh[0] != -1 || sh[1] != 4 {
		t.Fatalf("shape values %v %v", sh, err)
	}
	if g.Initializers[2].External == nil || g.Initializers[2].External.Offset != 4 {
		t.Fatalf("external: %+v", g.Initializers[2].External)
	}
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(path, sampleModel().Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Open(path)
	if err != nil {
		t.Fatalf("a missing weights file must not stop opening: %v", err)
	}
	defer m.Close()
	ext := m.Graph.Initializers[2]
	_, err = ext.Float64s()
	if err == nil || !strings.Contains(err.Error(), `"weights.bin" not found`) || !strings.Contains(err.Error(), `"ext"`) {
		t.Fatalf("missing file: want a clear error naming the file and tensor, got %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), append([]byte{0, 0, 0, 0}, f32bytes(1, 2, 3)...), 0o644); err != nil {
		t.Fatal(err)
	}
	vals, err := ext.Float64s()
	if err != nil || len(vals) != 3 || vals[2] != 3 {
		t.Fatalf("external values %v %v", vals, err)
	}
	// A file too short for the offset and length.
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), []byte{0, 0, 0, 0, 1}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ext.Float64s(); err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Fatalf("short external file: %v", err)
	}
}

func TestExternalPathsThatEscape(t *testing.T) {
	for _, loc := range []string{"../secret.bin", "/etc/passwd", "a/../../b.bin", `\\server\share`} {
		mb := sampleModel()
		mb.Graph.Initializers[2].External = map[string]string{"location": loc}
		_, err := onnx.Decode(mb.Marshal(), t.TempDir())
		if err == nil || !(strings.Contains(err.Error(), "escapes") || strings.Contains(err.Error(), "absolute")) {
			t.Errorf("location %q: want a rejection, got %v", loc, err)
		}
	}
	// A symlink inside the folder that points outside it.
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "w.bin")
	os.WriteFile(outside, f32bytes(1, 2, 3, 4), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "weights.bin")); err != nil {
		t.Skip("symlinks not supported")
	}
	m, err := onnx.Decode(sampleModel().Marshal(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Graph.Initializers[2].Float64s(); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("symlink escape: %v", err)
	}
}

func TestTruncatedFiles(t *testing.T) {
	data := sampleModel().Marshal()
	for n := 0; n < len(data); n++ {
		m, err := onnx.Decode(data[:n], "")
		if err == nil && m.Graph != nil && len(m.Graph.Nodes) == 1 && len(m.Graph.Initializers) == 3 && len(m.Graph.Outputs) == 1 && m.Opset("com.microsoft") == 1 && m.Opset("") == 17 {
			t.Fatalf("prefix of %d/%d bytes decoded as the whole model", n, len(data))
		}
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatalf("empty error at %d", n)
		}
	}
	_, err := onnx.Decode(data[:len(data)/2], "")
	if err == nil || !strings.Contains(err.Error(), "truncated") && !strings.Contains(err.Error(), "no graph") {
		t.Fatalf("half a model: want a truncation error, got %v", err)
	}
	if _, err := onnx.Decode([]byte("not a model at all, just text"), ""); err == nil {
		t.Fatal("text accepted as a model")
	}
}

func TestOverflowingDims(t *testing.T) {
	mb := sampleModel()
	mb.Graph.Initializers[0] = onnxbuild.Tensor{Name: "huge", DataType: 1, Dims: []int64{1 << 40, 1 << 40}}
	m, err := onnx.Decode(mb.Marshal(), "")
	if err != nil {
		t.Fatal(err)
	}
	tn := m.Graph.Initializers[0]
	if _, err := tn.NumElements(); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Fatalf("want overflow error, got %v", err)
	}
	if _, err := tn.Float64s(); err == nil {
		t.Fatal("values of an overflowing tensor")
	}
	mb.Graph.Initializers[0] = onnxbuild.Tensor{Name: "neg", DataType: 1, Dims: []int64{-3}}
	m, _ = onnx.Decode(mb.Marshal(), "")
	if _, err := m.Graph.Initializers[0].NumElements(); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("negative dim: %v", err)
	}
}

func TestRawDataSizeMismatch(t *testing.T) {
	mb := sampleModel()
	mb.Graph.Initializers[0].Raw = f32bytes(1) // dims say 2 elements
	m, err := onnx.Decode(mb.Marshal(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Graph.Initializers[0].Float64s(); err == nil || !strings.Contains(err.Error(), "raw_data has 4 bytes") {
		t.Fatalf("want size mismatch error, got %v", err)
	}
}

func TestClosedModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	os.WriteFile(path, sampleModel().Marshal(), 0o644)
	m, err := onnx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := m.Graph.Initializers[0].Float64s(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("read after close: %v", err)
	}
}

func TestNestedDepthLimit(t *testing.T) {
	g := onnxbuild.Graph{Name: "leaf"}
	for i := 0; i < 100; i++ {
		inner := g
		g = onnxbuild.Graph{Name: "level", Nodes: []onnxbuild.Node{{OpType: "If", Attrs: []onnxbuild.Attr{{Name: "then_branch", Graph: &inner}}}}}
	}
	mb := &onnxbuild.Model{Graph: g}
	_, err := onnx.Decode(mb.Marshal(), "")
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("want depth error, got %v", err)
	}
}

func TestSmallFloatTypes(t *testing.T) {
	cases := []struct {
		dt   int32
		raw  []byte
		want []float64
	}{
		{10, []byte{0x00, 0x3c, 0x00, 0xc0}, []float64{1, -2}}, // float16
		{16, []byte{0x80, 0x3f, 0x40, 0x40}, []float64{1, 3}},  // bfloat16
		{17, []byte{0x38, 0x40}, []float64{1, 2}},              // e4m3fn
		{19, []byte{0x3c, 0x40}, []float64{1, 2}},              // e5m2
		{22, []byte{0x87}, []float64{7, -8}},                   // int4 → via Float64s
		{2, []byte{255, 1}, []float64{255, 1}},                 // uint8
		{3, []byte{255, 1}, []float64{-1, 1}},                  // int8
		{9, []byte{1, 0}, []float64{1, 0}},                     // bool
		{11, append(make([]byte, 7), 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f), []float64{math.Float64frombits(0x3f00000000000000), 1}},
	}
	for _, c := range cases {
		mb := sampleModel()
		mb.Graph.Initializers[0] = onnxbuild.Tensor{Name: "t", DataType: c.dt, Dims: []int64{int64(len(c.want))}, Raw: c.raw}
		m, err := onnx.Decode(mb.Marshal(), "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Graph.Initializers[0].Float64s()
		if err != nil {
			t.Errorf("dtype %d: %v", c.dt, err)
			continue
		}
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Errorf("dtype %d: got %v want %v", c.dt, got, c.want)
				break
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(sampleModel().Marshal())
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnx.Decode(data, "")
		if err != nil {
			return
		}
		for _, tn := range m.Graph.Initializers {
			if n, err := tn.NumElements(); err == nil && n < 1<<16 {
				tn.Float64s()
				tn.Int64s()
				tn.Strings()
			}
		}
	})
}

func FuzzDecodeTensor(f *testing.F) {
	tn := onnxbuild.Tensor{Name: "w", DataType: 1, Dims: []int64{2}, Raw: f32bytes(1, 2)}
	f.Add(tn.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := onnx.DecodeTensor(data)
		if err != nil {
			return
		}
		if n, err := v.NumElements(); err == nil && n < 1<<16 {
			v.Float64s()
			v.Int64s()
		}
	})
}

func FuzzDecodeValue(f *testing.F) {
	tn := onnxbuild.Tensor{Name: "w", DataType: 7, Dims: []int64{2}, Int64s: []int64{1, 2}}
	f.Add(tn.Marshal(), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		v, err := onnx.DecodeValue(data, onnx.TypeKind(kind%7))
		if err != nil || v == nil || v.Tensor == nil {
			return
		}
		if n, err := v.Tensor.NumElements(); err == nil && n < 1<<16 {
			v.Tensor.Int64s()
		}
	})
}

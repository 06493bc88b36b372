package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops" // every operator's rule
	"github.com/greenai/greenai/sym"
)

// weightLayers is the depth of the MLP of BenchmarkInspect: the depth of
// `genmodel -weights 500`, whose 1024-wide layers make 500 MB.
const weightLayers = 119

// BenchmarkInspect times what `greenai inspect` does (open, infer every
// shape, count parameters) on one graph of 119 MatMuls whose embedded
// weights total 0, 50 and 500 MB. Only the width of the layers changes, so
// ns/op should not grow with the weight bytes; MB/s is file bytes per second.
func BenchmarkInspect(b *testing.B) {
	for _, mb := range []int{0, 50, 500} {
		b.Run(fmt.Sprintf("weights=%dMB", mb), func(b *testing.B) {
			path := writeModel(b, "weights.onnx", onnxbuild.Weights(weightLayers, mb))
			measure(b, path, inspect)
		})
	}
}

// BenchmarkInspectNodes times inspect on chains of 100, 1,000 and 10,000
// Conv/Relu/Add nodes: ns/node should stay flat.
func BenchmarkInspectNodes(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			path := writeModel(b, "chain.onnx", onnxbuild.Chain(n))
			measure(b, path, inspect)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
		})
	}
}

// BenchmarkFPOGPT2Embedded times what `greenai fpo` does (open, infer,
// count) on GPT-2 small with its 650 MB of weights embedded as zeros: with
// symbolic batch and sequence, and with the input fixed to 1×128 as in the
// Python comparison of compare.sh.
func BenchmarkFPOGPT2Embedded(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "models", "gpt2_small.onnx"))
	if err != nil {
		b.Fatal(err)
	}
	data, err := onnxbuild.EmbedExternal(src)
	if err != nil {
		b.Fatalf("embedding gpt2_small weights: %v", err)
	}
	path := writeModel(b, "gpt2_embedded.onnx", data)
	for _, c := range []struct {
		name   string
		inputs map[string][]sym.Expr
	}{
		{"symbolic", nil},
		{"input=1x128", map[string][]sym.Expr{"input": {sym.Const(1), sym.Const(128)}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var macs int64
			measure(b, path, func(path string) (any, error) {
				rep, err := count(path, c.inputs)
				if err == nil {
					macs, _ = rep.MACs.IsConst()
				}
				return rep, err
			})
			if macs > 0 {
				b.ReportMetric(float64(macs)/1e9, "GMACs")
			}
		})
	}
}

// TestEmbedExternal checks the stand-in of the GPT-2 benchmark: external
// initializers become zero raw_data of their size, the others are kept.
func TestEmbedExternal(t *testing.T) {
	src := (&onnxbuild.Model{Graph: onnxbuild.Graph{Name: "g",
		Inputs:  []onnxbuild.ValueInfo{{Name: "x", DataType: 1, Dims: []any{2, 2}}},
		Outputs: []onnxbuild.ValueInfo{{Name: "y", DataType: 1}},
		Initializers: []onnxbuild.Tensor{
			{Name: "w", DataType: 1, Dims: []int64{2, 3}, External: map[string]string{"location": "w.bin", "offset": "0", "length": "24"}},
			{Name: "s", DataType: 7, Dims: []int64{2}, Int64s: []int64{4, 5}},
		},
		Nodes: []onnxbuild.Node{{OpType: "MatMul", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
	}}).Marshal()
	data, err := onnxbuild.EmbedExternal(src)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Decode(data, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, s := m.Graph.Initializers[0], m.Graph.Initializers[1]
	if w.External != nil || !w.HasData() {
		t.Fatalf("w: external %v, has data %v; want embedded data", w.External, w.HasData())
	}
	if vals, err := w.Float64s(); err != nil || len(vals) != 6 || vals[0] != 0 || vals[5] != 0 {
		t.Errorf("w = %v, %v; want 6 zeros", vals, err)
	}
	if vals, err := s.Int64s(); err != nil || len(vals) != 2 || vals[0] != 4 || vals[1] != 5 {
		t.Errorf("s = %v, %v; want [4 5] kept", vals, err)
	}
}

// TestWeightsSameGraph checks that BenchmarkInspect varies bytes only.
func TestWeightsSameGraph(t *testing.T) {
	for _, mb := range []int{0, 2} {
		m, err := onnx.Decode(onnxbuild.Weights(7, mb), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Graph.Nodes) != 7 || len(m.Graph.Initializers) != 7 {
			t.Errorf("Weights(7, %d): %d nodes, %d initializers; want 7 and 7", mb, len(m.Graph.Nodes), len(m.Graph.Initializers))
		}
		res, err := shape.Infer(m, shape.Options{})
		if err != nil || len(res.Failures) > 0 {
			t.Fatalf("Weights(7, %d): inference: %v %v", mb, err, res)
		}
		got := params.Count(res).TotalBytes
		if want := int64(mb) * 1e6; got > want+7*4 || got < want*9/10 { // at least one element a layer
			t.Errorf("Weights(7, %d): %d bytes of weights, want about %d", mb, got, want)
		}
	}
}

// inspect opens a model, infers its shapes and counts its parameters.
func inspect(path string) (any, error) {
	m, err := onnx.Open(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(res.Failures) > 0 {
		return nil, fmt.Errorf("%s: inference failed at %s: %s", path, res.Failures[0].Node, res.Failures[0].Err)
	}
	ps := params.Count(res)
	return []any{res, ps}, nil
}

// count opens a model, infers its shapes and counts its FPO.
func count(path string, inputs map[string][]sym.Expr) (*fpo.Report, error) {
	m, err := onnx.Open(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{Inputs: inputs})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// writeModel writes a generated model into the benchmark's temporary folder.
func writeModel(b *testing.B, name string, data []byte) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// measure runs op on the model at path b.N times and reports, beside the
// time and the allocations per op:
//
//   - MB/s: bytes of the model file per second;
//   - file-MB: the size of the file;
//   - peak-RSS-MB: the process's peak resident set (VmHWM), reset after the
//     model was generated and the heap returned to the system, so it covers
//     the process's baseline and the loop only (omitted where the peak
//     cannot be reset); the baseline grows a few MB after the generation of
//     large models (runtime metadata), so
//   - RSS-growth-MB: the peak minus the resident set at the reset: what the
//     loop itself added;
//   - retained-MB: heap kept alive by one model's results after a GC.
func measure(b *testing.B, path string, op func(string) (any, error)) {
	b.Helper()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	reset := resetPeakRSS()
	base, _ := peakRSS()
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := op(path); err != nil {
			b.Fatal(err)
		}
	}
	peak, ok := peakRSS()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep, err := op(path)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(st.Size())/1e6, "file-MB")
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/1e6, "retained-MB")
	if reset && ok {
		b.ReportMetric(float64(peak)/1e6, "peak-RSS-MB")
		b.ReportMetric(float64(peak-base)/1e6, "RSS-growth-MB")
	}
}

// resetPeakRSS resets the process's VmHWM (Linux 4.0 and later).
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS returns the process's peak resident set in bytes (VmHWM).
func peakRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		return kb * 1024, err == nil
	}
	return 0, false
}

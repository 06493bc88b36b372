package fpo_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/units"
)

// facts is the measured-in-PyTorch record beside each reference model.
type facts struct {
	Name  string `json:"name"`
	Input struct {
		Name        string            `json:"name"`
		Shape       []int64           `json:"shape"`
		DynamicAxes map[string]string `json:"dynamic_axes"`
	} `json:"input"`
	Output struct {
		Shape []int64 `json:"shape"`
	} `json:"output"`
	Params     int64 `json:"params"`
	LinearMACs int64 `json:"linear_macs"`
}

const refDir = "../testdata/models"

func loadFacts(t *testing.T) []facts {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(refDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no reference models in %s", refDir)
	}
	var out []facts
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f facts
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, f)
	}
	return out
}

// countAt infers a reference model with its input fixed to dims and counts it.
func countAt(t *testing.T, f facts, dims []int64) (*shape.Result, *fpo.Report) {
	t.Helper()
	m, err := onnx.Open(filepath.Join(refDir, f.Name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	opts := shape.Options{Inputs: map[string][]sym.Expr{f.Input.Name: shape.Dims(dims...)}}
	res, err := shape.Infer(m, opts)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	for _, fl := range res.Failures {
		t.Errorf("%s: node %s (%s): %s", f.Name, fl.Node, fl.Op, firstLine(fl.Err))
	}
	for _, u := range res.Unsupported {
		t.Errorf("%s: unsupported %s/%s ×%d", f.Name, u.Domain, u.OpType, u.Count)
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	for _, u := range rep.Uncounted {
		t.Errorf("%s: node %s (%s) not counted: %s", f.Name, u.Node, u.OpType, u.Reason)
	}
	return res, rep
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func mustConst(t *testing.T, what string, e sym.Expr) int64 {
	t.Helper()
	v, ok := e.IsConst()
	if !ok {
		t.Fatalf("%s is symbolic: %s", what, e.String())
	}
	return v
}

// TestLinearMACsMatchPyTorch checks, for every reference model, that the MACs
// of convolution, matrix-product and recurrent operators equal the
// linear_macs PyTorch measured, at the recorded input and at batch 8.
func TestLinearMACsMatchPyTorch(t *testing.T) {
	for _, f := range loadFacts(t) {
		t.Run(f.Name, func(t *testing.T) {
			res, rep := countAt(t, f, f.Input.Shape)
			if got := mustConst(t, "MACs", rep.MACs); got != f.LinearMACs {
				t.Errorf("MACs = %d, PyTorch linear_macs = %d (diff %d)", got, f.LinearMACs, got-f.LinearMACs)
			}
			out := res.Graph.Outputs[0]
			dims, ok := out.Dims()
			if !ok || fmt.Sprint(dims) != fmt.Sprint(f.Output.Shape) {
				t.Errorf("output shape %s, PyTorch %v", shape.ShapeString(out), f.Output.Shape)
			}
			batch8 := append([]int64{8}, f.Input.Shape[1:]...)
			_, rep8 := countAt(t, f, batch8)
			if got := mustConst(t, "MACs at batch 8", rep8.MACs); got != 8*f.LinearMACs {
				t.Errorf("MACs at batch 8 = %d, want 8×%d = %d", got, f.LinearMACs, 8*f.LinearMACs)
			}
		})
	}
}

// TestSymbolicMatchesConcrete infers each model with its dynamic axes left
// symbolic, checks the output's symbolic shape, and checks that the
// symbolic FPO and MACs evaluate to the concrete counts at several points.
func TestSymbolicMatchesConcrete(t *testing.T) {
	for _, f := range loadFacts(t) {
		t.Run(f.Name, func(t *testing.T) {
			m, err := onnx.Open(filepath.Join(refDir, f.Name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			res, err := shape.Infer(m, shape.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := fpo.Count(res, fpo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Expected symbolic output: the recorded shape with batch (and
			// sequence for text models) in place of the dynamic axes.
			want := make([]string, len(f.Output.Shape))
			for i, d := range f.Output.Shape {
				want[i] = fmt.Sprint(d)
			}
			want[0] = "batch"
			if _, text := f.Input.DynamicAxes["1"]; text && len(want) == 3 {
				want[1] = "sequence"
			}
			if got := shape.ShapeString(res.Graph.Outputs[0]); got != "["+strings.Join(want, ", ")+"]" {
				t.Errorf("symbolic output %s, want [%s]", got, strings.Join(want, ", "))
			}
			points := [][2]int64{{1, 0}, {8, 0}}
			if _, text := f.Input.DynamicAxes["1"]; text {
				points = [][2]int64{{1, 128}, {2, 64}, {8, 512}, {3, 77}}
			}
			for _, p := range points {
				bind := map[string]int64{"batch": p[0]}
				in := append([]int64{p[0]}, f.Input.Shape[1:]...)
				if p[1] != 0 {
					bind["sequence"] = p[1]
					in[1] = p[1]
				}
				_, crep := countAt(t, f, in)
				for _, c := range []struct {
					what     string
					sym, con sym.Expr
				}{{"FPO", rep.FPO, crep.FPO}, {"MACs", rep.MACs, crep.MACs}} {
					sv, err := c.sym.Eval(bind)
					if err != nil {
						t.Errorf("%s %v: %v", c.what, bind, err)
						continue
					}
					if cv := mustConst(t, c.what, c.con); sv != cv {
						t.Errorf("%s at %v: symbolic %d, concrete %d", c.what, bind, sv, cv)
					}
				}
			}
			if _, text := f.Input.DynamicAxes["1"]; text && strings.Contains(f.Name, "bert") || strings.Contains(f.Name, "gpt2") {
				if d := rep.FPO.Degree("sequence"); d != 2 {
					t.Errorf("FPO is of degree %d in sequence, want 2 (attention): %s", d, units.Expr(rep.FPO))
				}
			}
		})
	}
}

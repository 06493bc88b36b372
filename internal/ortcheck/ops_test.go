package ortcheck_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/internal/ortcheck"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
)

// in is one input of a one-node model: a graph input fed with data (values
// optional), a constant initializer (init), or omitted.
type in struct {
	dt     onnx.DataType
	dims   []int64
	init   bool
	omit   bool
	ints   []int64
	floats []float64
	strs   []string
}

// x is a graph input of type dt and the given dims, fed deterministic data.
func x(dt onnx.DataType, dims ...int64) in { return in{dt: dt, dims: dims} }

// xi is a graph input with integer values (indices, lengths).
func xi(dt onnx.DataType, dims []int64, v ...int64) in { return in{dt: dt, dims: dims, ints: v} }

// ki, kf and ks are constant initializers.
func ki(dt onnx.DataType, dims []int64, v ...int64) in {
	return in{dt: dt, dims: dims, init: true, ints: v}
}
func kf(dt onnx.DataType, dims []int64, v ...float64) in {
	return in{dt: dt, dims: dims, init: true, floats: v}
}
func ks(dims []int64, v ...string) in { return in{dt: onnx.String, dims: dims, init: true, strs: v} }

var none = in{omit: true}

func d(v ...int64) []int64 { return v }

func ai(name string, v int64) onnxbuild.Attr { return onnxbuild.Attr{Name: name, Int: &v} }
func af(name string, v float32) onnxbuild.Attr {
	return onnxbuild.Attr{Name: name, Float: &v}
}
func as(name, v string) onnxbuild.Attr           { return onnxbuild.Attr{Name: name, String: &v} }
func ais(name string, v ...int64) onnxbuild.Attr { return onnxbuild.Attr{Name: name, Ints: v} }
func afs(name string, v ...float32) onnxbuild.Attr {
	return onnxbuild.Attr{Name: name, Floats: v}
}

// opCase is one operator run as a one-node model.
type opCase struct {
	name   string // unique case name
	domain string
	op     string
	attrs  []onnxbuild.Attr
	ins    []in
	nout   int   // outputs (default 1)
	opset  int64 // version of the operator's domain (default: 1 for com.microsoft, 3 for ai.onnx.ml, 21 for ai.onnx)
	// rejected: ONNX Runtime refuses the model (its error contains
	// rejected[0]) and greenai must refuse the node too, with an error
	// that contains rejected[1].
	rejected [2]string
	// noCPU: ONNX Runtime's CPU kernel refuses this variant at run time
	// (its error contains noCPU) although the operator's schema accepts
	// it; greenai's shape is checked by the unit tests only.
	noCPU string
}

const (
	ms = "com.microsoft"
	ml = "ai.onnx.ml"
)

var (
	f32, f16, f64      = onnx.Float, onnx.Float16, onnx.Double
	i8, u8, i16, u16   = onnx.Int8, onnx.Uint8, onnx.Int16, onnx.Uint16
	i32, i64, bl, str_ = onnx.Int32, onnx.Int64, onnx.Bool, onnx.String
)

// ortType is ONNX Runtime's (onnxruntime-common) name of an element type.
func ortType(dt onnx.DataType) string {
	switch dt {
	case onnx.Float:
		return "float32"
	case onnx.Double:
		return "float64"
	case onnx.Float16:
		return "float16"
	case onnx.Bool:
		return "bool"
	case onnx.String:
		return "string"
	}
	return strings.ToLower(dt.String())
}

// raw encodes values little-endian as the element type stores them.
func raw(dt onnx.DataType, ints []int64, floats []float64) []byte {
	var b []byte
	le := binary.LittleEndian
	for _, v := range ints {
		switch dt {
		case onnx.Int8, onnx.Uint8, onnx.Bool:
			b = append(b, byte(v))
		case onnx.Int16, onnx.Uint16:
			b = le.AppendUint16(b, uint16(v))
		case onnx.Int32, onnx.Uint32:
			b = le.AppendUint32(b, uint32(v))
		default:
			b = le.AppendUint64(b, uint64(v))
		}
	}
	for _, v := range floats {
		switch dt {
		case onnx.Double:
			b = le.AppendUint64(b, math.Float64bits(v))
		case onnx.Float16:
			b = le.AppendUint16(b, half(float32(v)))
		default:
			b = le.AppendUint32(b, math.Float32bits(float32(v)))
		}
	}
	return b
}

// half is the IEEE binary16 bit pattern of a (normal or zero) float.
func half(f float32) uint16 {
	x := math.Float32bits(f)
	s, e, m := uint16(x>>16)&0x8000, int(x>>23&0xff)-112, uint16(x>>13)&0x3ff
	switch {
	case e <= 0:
		return s
	case e >= 31:
		return s | 0x7c00
	}
	return s | uint16(e)<<10 | m
}

func numel(dims []int64) int64 {
	n := int64(1)
	for _, v := range dims {
		n *= v
	}
	return n
}

// build serializes the case's model.
func (c *opCase) build() []byte {
	opsets := map[string]int64{"": 21}
	switch c.domain {
	case ms:
		opsets[ms] = 1
	case ml:
		opsets[ml] = 3
	case "":
	}
	if c.opset != 0 {
		opsets[c.domain] = c.opset
	}
	g := onnxbuild.Graph{Name: c.name}
	n := onnxbuild.Node{Name: c.op + "_0", OpType: c.op, Domain: c.domain, Attrs: c.attrs}
	for i, v := range c.ins {
		name := fmt.Sprintf("in%d", i)
		switch {
		case v.omit:
			name = ""
		case v.init:
			t := onnxbuild.Tensor{Name: name, DataType: int32(v.dt), Dims: v.dims}
			if v.ints == nil && v.floats == nil && v.strs == nil {
				switch v.dt { // zeros
				case onnx.Float, onnx.Double, onnx.Float16:
					v.floats = make([]float64, numel(v.dims))
				default:
					v.ints = make([]int64, numel(v.dims))
				}
			}
			if v.dt == onnx.String {
				t.Strings = v.strs
			} else {
				t.Raw = raw(v.dt, v.ints, v.floats)
				if t.Raw == nil {
					t.Raw = []byte{}
				}
			}
			g.Initializers = append(g.Initializers, t)
		default:
			dims := make([]any, len(v.dims))
			for j, x := range v.dims {
				dims[j] = int(x)
			}
			g.Inputs = append(g.Inputs, onnxbuild.ValueInfo{Name: name, DataType: int32(v.dt), Dims: dims})
		}
		n.Inputs = append(n.Inputs, name)
	}
	// Trailing omitted inputs are left out.
	for len(n.Inputs) > 0 && n.Inputs[len(n.Inputs)-1] == "" {
		n.Inputs = n.Inputs[:len(n.Inputs)-1]
	}
	nout := c.nout
	if nout == 0 {
		nout = 1
	}
	for i := 0; i < nout; i++ {
		o := fmt.Sprintf("out%d", i)
		n.Outputs = append(n.Outputs, o)
		g.Outputs = append(g.Outputs, onnxbuild.ValueInfo{Name: o, NoType: true})
	}
	g.Nodes = []onnxbuild.Node{n}
	m := onnxbuild.Model{IRVersion: 10, Opsets: opsets, Producer: "greenai ortcheck", Graph: g}
	return m.Marshal()
}

// feeds lists the graph inputs ONNX Runtime is fed.
func (c *opCase) feeds() []ortcheck.Input {
	out := []ortcheck.Input{}
	for i, v := range c.ins {
		if v.omit || v.init {
			continue
		}
		fi := ortcheck.Input{Name: fmt.Sprintf("in%d", i), Type: ortType(v.dt), Dims: v.dims}
		if v.dims == nil {
			fi.Dims = []int64{}
		}
		for _, x := range v.ints {
			fi.Values = append(fi.Values, x)
		}
		for _, x := range v.floats {
			fi.Values = append(fi.Values, x)
		}
		for _, x := range v.strs {
			fi.Values = append(fi.Values, x)
		}
		out = append(out, fi)
	}
	return out
}

// inferred infers the model with greenai and returns each output's type and dims.
func inferred(path string) ([]*shape.Value, *shape.Result, error) {
	m, err := onnx.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		return nil, nil, err
	}
	return res.Graph.Outputs, res, nil
}

// compare checks greenai's inferred outputs against ONNX Runtime's and
// returns how many it compared.
func compare(t *testing.T, path string, r ortcheck.Result) int {
	t.Helper()
	n := 0
	outs, res, err := inferred(path)
	if err != nil {
		t.Fatalf("greenai: %v", err)
	}
	if len(outs) == 0 {
		t.Errorf("greenai: no outputs")
	}
	for _, f := range res.Failures {
		t.Errorf("greenai: node %s: %s", f.Node, f.Err)
	}
	for _, u := range res.Unsupported {
		t.Errorf("greenai: unsupported %s/%s", u.Domain, u.OpType)
	}
	for _, v := range outs {
		want, ok := r.Outputs[v.Name]
		if !ok {
			t.Errorf("output %s: ONNX Runtime did not return it", v.Name)
			continue
		}
		if want.Type == "non-tensor" {
			continue // sequences and maps: the node binding returns no dims
		}
		same := ortType(v.DType) == want.Type && v.Rank == len(want.Dims)
		for i := 0; same && i < v.Rank; i++ {
			// A dim greenai leaves symbolic depends on the data (Unique's
			// count); every other must equal ONNX Runtime's.
			if c, known := v.Shape[i].IsConst(); known && c != want.Dims[i] {
				same = false
			}
		}
		if !same {
			t.Errorf("output %s: greenai infers %s, ONNX Runtime gives %s%v", v.Name, shape.TypeString(v), want.Type, want.Dims)
		}
		n++
	}
	return n
}

// rejectedByBoth checks that ONNX Runtime refused the model with an error
// containing want[0], and that greenai refuses its node with an error
// containing want[1].
func rejectedByBoth(t *testing.T, path string, r ortcheck.Result, want [2]string) {
	t.Helper()
	if !strings.Contains(r.Error, want[0]) {
		t.Errorf("ONNX Runtime should refuse this model (%q), but gave: error %q, outputs %v", want[0], r.Error, r.Outputs)
	}
	_, res, err := inferred(path)
	if err != nil {
		if !strings.Contains(err.Error(), want[1]) {
			t.Errorf("greenai: %v; want an error containing %q", err, want[1])
		}
		return
	}
	if len(res.Failures) == 0 {
		t.Fatalf("greenai accepts a node ONNX Runtime refuses (%s)", r.Error)
	}
	for _, f := range res.Failures {
		if !strings.Contains(f.Err, want[1]) {
			t.Errorf("greenai: node %s: %v; want an error containing %q", f.Node, f.Err, want[1])
		}
	}
}

// TestOperatorsAgainstORT builds a one-node model for every com.microsoft,
// quantized and ai.onnx.ml operator greenai has a shape rule for, runs it
// in ONNX Runtime and compares the output types and dims with greenai's.
// Operators ONNX Runtime's CPU build does not run are listed in noCPU with
// the reason; the test checks that they still fail there.
func TestOperatorsAgainstORT(t *testing.T) {
	ortcheck.Require(t)
	cases := operatorCases()
	dir := t.TempDir()
	var runs []ortcheck.Case
	covered := map[string]bool{}
	names := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		if names[c.name] {
			t.Fatalf("case %s twice", c.name)
		}
		names[c.name] = true
		covered[c.domain+"/"+c.op] = true
		p := filepath.Join(dir, c.name+".onnx")
		if err := os.WriteFile(p, c.build(), 0o644); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, ortcheck.Case{ID: c.name, Model: p, Inputs: c.feeds()})
	}
	// Every rule of those domains is run, or listed as not runnable on CPU.
	seen := map[string]bool{}
	var missing []string
	for _, op := range shape.Registered() {
		k := op.Domain + "/" + op.Type
		if seen[k] || !inScope(op.Domain, op.Type) {
			continue
		}
		seen[k] = true
		if !covered[k] {
			if _, ok := noCPU[k]; !ok {
				missing = append(missing, k)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operators with a shape rule but no ONNX Runtime case (add one to operatorCases, or to noCPU with a reason): %s", strings.Join(missing, ", "))
	}
	res := ortcheck.Run(t, runs)
	compared := 0
	for i := range cases {
		c := &cases[i]
		k := c.domain + "/" + c.op
		t.Run(c.name, func(t *testing.T) {
			r := res[c.name]
			if want, ok := noCPU[k]; ok {
				if want == "" {
					t.Skipf("%s: not run (see noCPU)", k)
				}
				if !strings.Contains(r.Error, want) {
					t.Errorf("%s is listed as not runnable in ONNX Runtime's CPU build (%q), but it gave: %q", k, want, r.Error)
				}
				return
			}
			if c.noCPU != "" {
				if !strings.Contains(r.Error, c.noCPU) {
					t.Errorf("case is listed as not runnable in ONNX Runtime's CPU build (%q), but it gave: %q", c.noCPU, r.Error)
				}
				return
			}
			if c.rejected[0] != "" {
				rejectedByBoth(t, filepath.Join(dir, c.name+".onnx"), r, c.rejected)
				return
			}
			if r.Error != "" {
				t.Fatalf("ONNX Runtime: %s", r.Error)
			}
			compared += compare(t, filepath.Join(dir, c.name+".onnx"), r)
		})
	}
	t.Logf("ONNX Runtime ran %d one-node models of %d operators; %d outputs compared", len(cases), len(covered), compared)
	if compared < 100 {
		t.Errorf("only %d outputs compared", compared)
	}
}

// inScope: the com.microsoft and ai.onnx.ml rules, and ai.onnx's quantized operators.
func inScope(domain, op string) bool {
	switch domain {
	case ms, ml:
		return true
	case "":
		switch op {
		case "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger":
			return true
		}
	}
	return false
}

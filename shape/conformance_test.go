package shape_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/conformance"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
)

// TestConformance infers every model of ONNX's backend test suite (Debian's
// libonnx-testdata) from its test_data_set_0 inputs and checks each output's
// shape against output_N.pb. Models listed in testdata/conformance_exceptions.txt
// are expected to fail, with the reason given there.
func TestConformance(t *testing.T) {
	conformance.Require(t)
	exceptions := conformance.ReadExceptions(t, "testdata/conformance_exceptions.txt")
	dirs, err := conformance.Dirs()
	if err != nil {
		t.Fatal(err)
	}
	pass, excepted := 0, 0
	var failures, stale []string
	for _, d := range dirs {
		err := checkConformance(filepath.Join(conformance.Root, d))
		_, isExc := exceptions[d]
		switch {
		case err == nil && isExc:
			stale = append(stale, d)
			pass++
		case err == nil:
			pass++
		case isExc:
			excepted++
		default:
			failures = append(failures, fmt.Sprintf("%s: %v", d, err))
		}
	}
	t.Logf("conformance: %d of %d models pass, %d listed exceptions", pass, len(dirs), excepted)
	fmt.Printf("conformance: %d of %d models pass (%.1f%%), %d listed exceptions, %d unexpected failures\n",
		pass, len(dirs), 100*float64(pass)/float64(len(dirs)), excepted, len(failures))
	for _, f := range failures {
		t.Errorf("%s", f)
	}
	for _, s := range stale {
		t.Errorf("%s passes now: remove it from testdata/conformance_exceptions.txt", s)
	}
}

func checkConformance(dir string) (err error) {
	c, err := conformance.Load(dir)
	if err != nil {
		return err
	}
	defer c.Model.Close()
	res := c.Result
	if len(res.Unsupported) > 0 {
		var names []string
		for _, u := range res.Unsupported {
			names = append(names, u.Domain+"/"+u.OpType)
		}
		return fmt.Errorf("unsupported: %s", strings.Join(names, ", "))
	}
	if len(res.Failures) > 0 {
		return fmt.Errorf("node %s (%s): %s", res.Failures[0].Node, res.Failures[0].Op, firstLine(res.Failures[0].Err))
	}
	for i, out := range c.Model.Graph.Outputs {
		want, err := c.Want(i)
		if err != nil {
			return err
		}
		if want == nil {
			continue
		}
		if err := matchValue(res.Graph.Outputs[i], want); err != nil {
			return fmt.Errorf("output %d %q: %w", i, out.Name, err)
		}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func matchValue(got *shape.Value, want *onnx.Value) error {
	switch want.Kind {
	case onnx.KindTensor:
		if got.Kind != onnx.KindTensor && got.Kind != onnx.KindSparseTensor {
			return fmt.Errorf("got %s, want a tensor", shape.TypeString(got))
		}
		dims, ok := got.Dims()
		if !ok || !equalDims(dims, want.Tensor.Dims) {
			return fmt.Errorf("shape %s, want %v", shape.ShapeString(got), want.Tensor.Dims)
		}
		if got.DType != want.Tensor.DataType {
			return fmt.Errorf("type %s, want %s", got.DType, want.Tensor.DataType)
		}
	case onnx.KindSequence:
		if got.Kind != onnx.KindSequence {
			return fmt.Errorf("got %s, want a sequence", shape.TypeString(got))
		}
		if !got.SeqKnown {
			return fmt.Errorf("sequence length unknown, want %d items", len(want.Sequence))
		}
		if len(got.Seq) != len(want.Sequence) {
			return fmt.Errorf("sequence of %d items, want %d", len(got.Seq), len(want.Sequence))
		}
		for i := range got.Seq {
			if err := matchValue(got.Seq[i], want.Sequence[i]); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
	case onnx.KindOptional:
		if got.Kind != onnx.KindOptional {
			return fmt.Errorf("got %s, want an optional", shape.TypeString(got))
		}
		if want.Optional == nil {
			if got.Opt != shape.OptEmpty {
				return fmt.Errorf("got %s (state %d), want an empty optional", shape.TypeString(got), got.Opt)
			}
			return nil
		}
		if got.Opt != shape.OptPresent || got.Elem == nil {
			return fmt.Errorf("optional not known to hold a value")
		}
		return matchValue(got.Elem, want.Optional)
	}
	return nil
}

func equalDims(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

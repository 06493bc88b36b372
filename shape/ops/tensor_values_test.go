package ops

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/greenai/greenai/internal/conformance"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// valueTests names the backend tests whose computed contents are compared
// with the reference outputs: the operators of tensor*.go, index*.go and
// reduce.go that have an evaluator.
var valueTests = regexp.MustCompile(`^test_(shape|size|reshape|flatten|squeeze|unsqueeze|transpose|concat|split|slice|gather|scatter|expand|tile|edge_pad|reflect_pad|constant_pad|wrap_pad|onehot|nonzero|compress|unique|top_k|argmax|argmin|reduce|reversesequence)`)

// TestEvalMatchesReference runs each selected backend test with its inputs
// and, where an output's contents were computed, compares them with the
// reference output (exactly for integers and strings, to float32
// precision for floats).
func TestEvalMatchesReference(t *testing.T) {
	conformance.Require(t)
	ents, err := os.ReadDir(conformance.Path("node"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range ents {
		if !e.IsDir() || !valueTests.MatchString(e.Name()) {
			continue
		}
		n, err := checkValues(conformance.Path("node/" + e.Name()))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
		checked += n
	}
	t.Logf("%d computed outputs match the reference", checked)
	if checked == 0 {
		t.Errorf("no computed outputs to compare")
	}
}

func checkValues(dir string) (int, error) {
	m, err := onnx.Open(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return 0, err
	}
	defer m.Close()
	vals, err := shape.ReadInputData(m, filepath.Join(dir, "test_data_set_0"), 1<<16)
	if err != nil {
		return 0, err
	}
	res, err := shape.Infer(m, shape.Options{InputValues: vals})
	if err != nil {
		return 0, err
	}
	n := 0
	for i, out := range m.Graph.Outputs {
		got := res.Graph.Outputs[i]
		if got == nil || got.Const == nil {
			continue
		}
		p := filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", i))
		d, err := onnx.ReadValueFile(p, out.Type)
		if err != nil {
			return n, err
		}
		want, err := shape.ConstFromTensor(d.Tensor)
		if err != nil {
			return n, err
		}
		if err := sameContents(got.Const, want); err != nil {
			return n, fmt.Errorf("output %d %q: %w", i, out.Name, err)
		}
		n++
	}
	return n, nil
}

func sameContents(got, want *shape.Const) error {
	if got.Len() != want.Len() {
		return fmt.Errorf("%d values, want %d", got.Len(), want.Len())
	}
	for i := range want.Len() {
		switch {
		case want.Ints != nil:
			if got.Ints == nil || !got.Ints[i].Equal(want.Ints[i]) {
				return fmt.Errorf("value %d: got %v, want %v", i, elemString(got, i), want.Ints[i])
			}
		case want.Floats != nil:
			if got.Floats == nil {
				return fmt.Errorf("value %d: got %v, want %v", i, elemString(got, i), want.Floats[i])
			}
			a, b := got.Floats[i], want.Floats[i]
			if !(math.IsNaN(a) && math.IsNaN(b)) && math.Abs(a-b) > 1e-5*math.Max(1, math.Abs(b)) {
				return fmt.Errorf("value %d: got %v, want %v", i, a, b)
			}
		case want.Strs != nil:
			if got.Strs == nil || got.Strs[i] != want.Strs[i] {
				return fmt.Errorf("value %d: got %v, want %q", i, elemString(got, i), want.Strs[i])
			}
		}
	}
	return nil
}

func elemString(c *shape.Const, i int) string {
	switch {
	case c.Ints != nil:
		return c.Ints[i].String()
	case c.Floats != nil:
		return fmt.Sprint(c.Floats[i])
	case c.Strs != nil:
		return fmt.Sprintf("%q", c.Strs[i])
	}
	return "?"
}

package shape_test

import (
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/onnxtest"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// TestOverflowNamesNode: a rule whose dimension arithmetic overflows int64
// fails that node with an error naming the node, its operator and its
// output, and inference goes on.
func TestOverflowNamesNode(t *testing.T) {
	n := &onnx.Node{Name: "/big/Flatten", OpType: "Flatten", Outputs: []string{"flat"},
		Attrs: []*onnx.Attribute{{Name: "axis", Type: onnx.AttrInt, I: 2}}}
	m, opts := onnxtest.OneNode(map[string]int64{"": 17}, n, shape.TensorDims(onnx.Float, 1<<62, 8, 1))
	res, err := shape.Infer(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 {
		t.Fatalf("failures %+v, want one", res.Failures)
	}
	f := res.Failures[0]
	t.Log(f.Err)
	for _, want := range []string{"Flatten", `"/big/Flatten"`, `"flat"`, "overflows int64", "4611686018427387904 * 8", "use smaller dims (--dim, --input)"} {
		if !strings.Contains(f.Err, want) {
			t.Errorf("failure %q does not say %q", f.Err, want)
		}
	}
}

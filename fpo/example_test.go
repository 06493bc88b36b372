package fpo_test

import (
	"fmt"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// Counting a model as a library: open it, infer its shapes, count. Package
// fpo links every operator's shape rule; no other import is needed.
func ExampleCount() {
	m, err := onnx.Open("../testdata/models/resnet18.onnx")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{Dims: map[string]int64{"batch": 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("FPO", rep.FPO, "MACs", rep.MACs, "uncounted", len(rep.Uncounted))
	// Output: FPO 3635322856 MACs 1814073344 uncounted 0
}

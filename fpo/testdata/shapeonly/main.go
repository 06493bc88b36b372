// Command shapeonly infers a model's shapes importing only onnx and shape,
// without the rule package shape/ops: inference must fail loudly.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func main() {
	m, err := onnx.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "shapeonly:", err)
		os.Exit(1)
	}
	defer m.Close()
	_, err = shape.Infer(m, shape.Options{})
	if !errors.Is(err, shape.ErrNoRules) {
		fmt.Fprintln(os.Stderr, "shapeonly: want shape.ErrNoRules, got", err)
		os.Exit(1)
	}
	fmt.Println(err)
}

// Command libuser counts a model the way a program using greenai as a
// library would: it imports only the public packages onnx, shape and fpo,
// and no rule package. It prints the FPO per inference and the number of
// nodes left uncounted.
package main

import (
	"fmt"
	"os"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func main() {
	if err := count(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "libuser:", err)
		os.Exit(1)
	}
}

func count(path string) error {
	m, err := onnx.Open(path)
	if err != nil {
		return err
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		return err
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("fpo %s\nuncounted %d\nunsupported %d\n", rep.FPO, len(rep.Uncounted), len(res.Unsupported))
	return nil
}

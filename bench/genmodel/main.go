// Command genmodel writes large ONNX models for benchmarks: a model with
// embedded weights of a given size, a long chain of nodes, or a reference
// model whose external (absent) weights are embedded as zeros.
//
//	genmodel -weights 500 -o big.onnx         # ~500 MB of embedded weights
//	genmodel -nodes 10000 -o deep.onnx        # 10,000-node chain
//	genmodel -embed gpt2_small.onnx -o gpt2_embedded.onnx
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/greenai/greenai/internal/onnxbuild"
)

func main() {
	weightsMB := flag.Int("weights", 0, "write a model with about this many MB of embedded float32 weights")
	nodes := flag.Int("nodes", 0, "write a chain of this many nodes")
	embed := flag.String("embed", "", "embed zero weights for every external initializer of this model")
	out := flag.String("o", "", "output file")
	flag.Parse()
	if *out == "" {
		fail(fmt.Errorf("-o is required"))
	}
	var data []byte
	var err error
	switch {
	case *weightsMB > 0:
		data = onnxbuild.BigWeights(*weightsMB)
	case *nodes > 0:
		data = onnxbuild.Chain(*nodes)
	case *embed != "":
		var src []byte
		src, err = os.ReadFile(*embed)
		if err == nil {
			data, err = onnxbuild.EmbedExternal(src)
		}
	default:
		err = fmt.Errorf("give -weights, -nodes or -embed")
	}
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genmodel:", err)
	os.Exit(1)
}

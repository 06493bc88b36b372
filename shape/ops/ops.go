// Package ops registers the shape inference rules of every supported ONNX operator.
//
// Package fpo imports it, so a program that counts FPO has every rule; one
// that uses package shape alone imports it for its side effect:
//
//	import _ "github.com/greenai/greenai/shape/ops"
//
// Each file registers, in init, one shape.Op per operator and per opset
// version whose shape or type semantics changed (shape.Lookup takes the
// greatest Since not above the model's opset). Infer sets the type and the
// exact symbolic shape of every present output, with a fresh symbol
// (Ctx.Fresh) for a dim that depends on data it does not know; Eval, where
// set, computes the outputs' contents when every input's contents are known
// (integers stay symbolic, so Shape → Gather → Concat → Reshape chains keep
// the batch symbol). Rules return errors, never panic, on bad input. Tests:
// table-driven per operator (inferNode in testutil_test.go) and ONNX's
// backend test suite (shape/conformance_test.go; expected failures, each
// with its reason, in shape/testdata/conformance_exceptions.txt).
package ops

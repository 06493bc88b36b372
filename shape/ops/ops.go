// Package ops registers the shape inference rules of every supported ONNX operator.
//
// Rule authors: read CONTRIBUTING.md in this directory before writing a rule
// (API, Eval contract, tests, conformance, git etiquette).
package ops

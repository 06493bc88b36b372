// Package bench holds greenai's speed and memory benchmarks (the Go
// benchmarks in greenai_bench_test.go) and the comparison with Python's
// onnx package (compare.sh). See README.md for how to run them and the
// numbers measured.
//
// The benchmarks write their large models into a temporary folder only when
// run with -bench, so `go test ./...` stays fast:
//
//	go test ./bench -run '^$' -bench . -benchtime 20x
package bench

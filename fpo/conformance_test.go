package fpo_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/internal/conformance"
	_ "github.com/greenai/greenai/shape/ops"
)

// TestConformanceEveryNodeCounted infers every model of ONNX's backend test
// suite (Debian's libonnx-testdata) from its test_data_set_0 inputs, as
// shape's conformance test does, and counts it: no node may be left
// uncounted except in the models listed, with their reason, in
// testdata/uncounted_exceptions.txt. Models whose inference itself fails
// are shape's concern (shape/testdata/conformance_exceptions.txt) and are
// only reported in the summary.
func TestConformanceEveryNodeCounted(t *testing.T) {
	conformance.Require(t)
	exceptions := conformance.ReadExceptions(t, "testdata/uncounted_exceptions.txt")
	dirs, err := conformance.Dirs()
	if err != nil {
		t.Fatal(err)
	}
	var counted, excepted, notInferred, nodes int
	var failures, stale []string
	for _, d := range dirs {
		n, uncounted, err := countConformanceModel(filepath.Join(conformance.Root, d))
		nodes += n
		_, isExc := exceptions[d]
		switch {
		case err != nil:
			notInferred++
			if isExc {
				stale = append(stale, d+" (inference fails: "+err.Error()+")")
			}
		case len(uncounted) == 0 && isExc:
			counted++
			stale = append(stale, d)
		case len(uncounted) == 0:
			counted++
		case isExc:
			excepted++
		default:
			failures = append(failures, fmt.Sprintf("%s: %s", d, strings.Join(uncounted, "; ")))
		}
	}
	fmt.Printf("fpo conformance: %d of %d models fully counted (%d nodes), %d listed exceptions, %d not inferable, %d unexpected\n",
		counted, len(dirs), nodes, excepted, notInferred, len(failures))
	t.Logf("%d of %d models fully counted, %d listed exceptions, %d not inferable", counted, len(dirs), excepted, notInferred)
	for _, f := range failures {
		t.Errorf("%s", f)
	}
	for _, s := range stale {
		t.Errorf("%s is counted now: remove it from testdata/uncounted_exceptions.txt", s)
	}
}

// readExceptionList reads "suite/test reason" lines (# comments allowed).

// countConformanceModel infers and counts one test model, returning the
// number of counted nodes (bodies included) and the uncounted ones. err is
// set when the model cannot be read or inferred.
func countConformanceModel(dir string) (nodes int, uncounted []string, err error) {
	c, err := conformance.Load(dir)
	if err != nil {
		return 0, nil, err
	}
	defer c.Model.Close()
	if f := c.Result.Failures; len(f) > 0 {
		return 0, nil, fmt.Errorf("node %s (%s) not inferred", f[0].Node, f[0].Op)
	}
	rep, err := fpo.Count(c.Result, fpo.Options{})
	if err != nil {
		return 0, nil, err
	}
	for _, u := range rep.Uncounted {
		op := u.OpType
		if u.Domain != "" {
			op = u.Domain + "." + op
		}
		uncounted = append(uncounted, fmt.Sprintf("%s (%s): %s", u.Node, op, u.Reason))
	}
	return len(rep.Nodes), uncounted, nil
}

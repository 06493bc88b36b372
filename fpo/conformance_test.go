package fpo_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
)

const conformanceRoot = "/usr/share/libonnx-testdata/data"

// TestConformanceEveryNodeCounted infers every model of ONNX's backend test
// suite (Debian's libonnx-testdata) from its test_data_set_0 inputs, as
// shape's conformance test does, and counts it: no node may be left
// uncounted except in the models listed, with their reason, in
// testdata/uncounted_exceptions.txt. Models whose inference itself fails
// are shape's concern (shape/testdata/conformance_exceptions.txt) and are
// only reported in the summary.
func TestConformanceEveryNodeCounted(t *testing.T) {
	if _, err := os.Stat(conformanceRoot); err != nil {
		if os.Getenv("GREENAI_REQUIRE_CONFORMANCE") != "" {
			t.Fatalf("conformance suite required but %s is missing (apt-get install libonnx-testdata)", conformanceRoot)
		}
		t.Skipf("%s not installed", conformanceRoot)
	}
	exceptions := readExceptionList(t, "testdata/uncounted_exceptions.txt")
	var dirs []string
	for _, suite := range []string{"node", "pytorch-converted", "pytorch-operator", "simple"} {
		ents, err := os.ReadDir(filepath.Join(conformanceRoot, suite))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, suite+"/"+e.Name())
			}
		}
	}
	sort.Strings(dirs)
	var counted, excepted, notInferred, nodes int
	var failures, stale []string
	for _, d := range dirs {
		n, uncounted, err := countConformanceModel(filepath.Join(conformanceRoot, d))
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
func readExceptionList(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			t.Fatalf("%s: exception %s has no reason", path, name)
		}
		out[name] = strings.TrimSpace(reason)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// countConformanceModel infers and counts one test model, returning the
// number of counted nodes (bodies included) and the uncounted ones. err is
// set when the model cannot be read or inferred.
func countConformanceModel(dir string) (nodes int, uncounted []string, err error) {
	m, err := onnx.Open(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return 0, nil, err
	}
	defer m.Close()
	ds := filepath.Join(dir, "test_data_set_0")
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	opts := shape.Options{InputValues: map[string]*shape.Value{}}
	i := 0
	for _, in := range m.Graph.Inputs {
		if inits[in.Name] {
			continue
		}
		p := filepath.Join(ds, fmt.Sprintf("input_%d.pb", i))
		i++
		if _, err := os.Stat(p); err != nil {
			break // optional trailing inputs omitted
		}
		d, err := onnx.ReadValueFile(p, in.Type)
		if err != nil {
			return 0, nil, err
		}
		v, err := shape.FromData(d, 1<<16)
		if err != nil {
			return 0, nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		opts.InputValues[in.Name] = v
	}
	res, err := shape.Infer(m, opts)
	if err != nil {
		return 0, nil, err
	}
	if len(res.Failures) > 0 {
		return 0, nil, fmt.Errorf("node %s (%s) not inferred", res.Failures[0].Node, res.Failures[0].Op)
	}
	rep, err := fpo.Count(res, fpo.Options{})
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

// Package conformance loads the models of ONNX's backend test suite (Debian's libonnx-testdata) for greenai's tests.
package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// DefaultRoot is where Debian's libonnx-testdata installs the suite.
const DefaultRoot = "/usr/share/libonnx-testdata/data"

// EnvRoot names the environment variable that moves the suite's location
// (tests of the tests set it to a missing folder, to check that every suite
// fails under GREENAI_REQUIRE_CONFORMANCE).
const EnvRoot = "GREENAI_CONFORMANCE_DATA"

// EnvRequire names the environment variable that makes a missing suite a
// failure rather than a skip (scripts/test.sh sets it).
const EnvRequire = "GREENAI_REQUIRE_CONFORMANCE"

// Root is the suite's folder: $GREENAI_CONFORMANCE_DATA, or DefaultRoot.
var Root = root()

func root() string {
	if r := os.Getenv(EnvRoot); r != "" {
		return r
	}
	return DefaultRoot
}

// Suites are the folders of the suite greenai checks against.
var Suites = []string{"node", "pytorch-converted", "pytorch-operator", "simple"}

// Available reports whether the suite is installed. When it is not and env
// GREENAI_REQUIRE_CONFORMANCE is set, tests must fail rather than skip.
func Available() (ok bool, required bool) {
	_, err := os.Stat(Root)
	return err == nil, os.Getenv(EnvRequire) != ""
}

// Dirs lists every test model folder as "suite/name", sorted.
func Dirs() ([]string, error) {
	var dirs []string
	for _, suite := range Suites {
		ents, err := os.ReadDir(filepath.Join(Root, suite))
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, suite+"/"+e.Name())
			}
		}
	}
	sort.Strings(dirs)
	return dirs, nil
}

// Case is one test model inferred from its test_data_set_0 inputs.
type Case struct {
	Dir    string // absolute folder
	Model  *onnx.Model
	Result *shape.Result
}

// Load opens dir/model.onnx and infers it with the values of
// test_data_set_0's inputs. The caller closes c.Model.
func Load(dir string) (*Case, error) {
	m, err := onnx.Open(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	vals, err := shape.ReadInputData(m, filepath.Join(dir, "test_data_set_0"), 1<<16)
	if err != nil {
		m.Close()
		return nil, err
	}
	res, err := shape.Infer(m, shape.Options{InputValues: vals})
	if err != nil {
		m.Close()
		return nil, err
	}
	return &Case{Dir: dir, Model: m, Result: res}, nil
}

// Want reads the expected value of output k, or (nil, nil) when the test
// has no file for it.
func (c *Case) Want(k int) (*onnx.Value, error) {
	p := filepath.Join(c.Dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", k))
	if _, err := os.Stat(p); err != nil {
		return nil, nil
	}
	return onnx.ReadValueFile(p, c.Model.Graph.Outputs[k].Type)
}

// Require skips the test when the suite is not installed, or fails it when
// env GREENAI_REQUIRE_CONFORMANCE is set (as scripts/test.sh does), so a
// green CI means the suite really ran. Every test that reads the suite
// calls it first.
func Require(t testing.TB) {
	t.Helper()
	switch ok, required := Available(); {
	case ok:
	case required:
		t.Fatalf("conformance suite required (%s) but %s is missing (apt-get install libonnx-testdata)", EnvRequire, Root)
	default:
		t.Skipf("%s not installed", Root)
	}
}

// Path is the folder of a suite's test model, e.g. Path("node/test_abs").
func Path(name string) string { return filepath.Join(Root, name) }

// ReadExceptions reads a list of expected failures: one "suite/test reason"
// per line, '#' comments. Every entry must give a reason.
func ReadExceptions(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			t.Fatalf("%s: exception %s has no reason", path, name)
		}
		out[name] = strings.TrimSpace(reason)
	}
	return out
}

// Package ortcheck runs ONNX models in ONNX Runtime (npm's onnxruntime-node, CPU) for greenai's conformance tests: the real output shapes to compare inferred ones with.
package ortcheck

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

//go:embed run.js
var runJS []byte

// Input is one graph input fed to a model: its name, ONNX Runtime type
// name (float32, int64, string, …), dims and, optionally, its values
// (repeated to fill the tensor).
type Input struct {
	Name   string  `json:"name"`
	Type   string  `json:"type"`
	Dims   []int64 `json:"dims"`
	Values []any   `json:"values,omitempty"`
}

// Case is one model to run.
type Case struct {
	ID     string  `json:"id"`
	Model  string  `json:"model"` // path of the .onnx file
	Inputs []Input `json:"inputs"`
}

// Output is the type and dims of one output as ONNX Runtime produced it.
type Output struct {
	Type string  `json:"type"`
	Dims []int64 `json:"dims"`
}

// Result is what ONNX Runtime did with one case.
type Result struct {
	Outputs map[string]Output `json:"outputs"`
	Error   string            `json:"error"`
}

// Dir is the node_modules folder that holds onnxruntime-node: env
// GREENAI_ORT_DIR (set by scripts/test.sh, which installs it there), else
// the cache folder test.sh uses by default.
func Dir() string {
	if d := os.Getenv("GREENAI_ORT_DIR"); d != "" {
		return d
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(c, "greenai", "ort", "node_modules")
}

// Available reports whether node and onnxruntime-node are installed, and
// whether env GREENAI_REQUIRE_ORT (set by scripts/test.sh) requires them.
func Available() (ok bool, why string, required bool) {
	required = os.Getenv("GREENAI_REQUIRE_ORT") != ""
	if _, err := exec.LookPath("node"); err != nil {
		return false, "node is not installed (apt-get install nodejs npm)", required
	}
	d := Dir()
	if _, err := os.Stat(filepath.Join(d, "onnxruntime-node", "package.json")); err != nil {
		return false, fmt.Sprintf("onnxruntime-node is not installed in %s (npm install --ignore-scripts --prefix %s onnxruntime-node@1.30.0, or run scripts/test.sh)", d, filepath.Dir(d)), required
	}
	return true, "", required
}

// Require skips the test when ONNX Runtime is not installed, or fails it
// when GREENAI_REQUIRE_ORT is set, so a green CI means the oracle ran.
func Require(t testing.TB) {
	t.Helper()
	if ok, why, required := Available(); !ok {
		if required {
			t.Fatalf("ONNX Runtime oracle required (GREENAI_REQUIRE_ORT) but %s", why)
		}
		t.Skip(why)
	}
}

// Run runs every case in one node process and returns the results by ID.
func Run(t testing.TB, cases []Case) map[string]Result {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "run.js")
	if err := os.WriteFile(script, runJS, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	mpath := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(mpath, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, mpath)
	cmd.Env = append(os.Environ(), "GREENAI_ORT_DIR="+Dir())
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("node %s: %v\n%s", script, err, msg)
	}
	res := map[string]Result{}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("reading ONNX Runtime's results: %v", err)
	}
	return res
}

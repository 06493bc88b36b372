package fpo_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// goTool is the go command that runs this test (go test puts its own
// first on PATH).
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the library programs: %v", err)
	}
	return p
}

func goRun(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(goTool(t), append([]string{"run"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go run %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// TestLibraryUse builds programs that use greenai as a library, importing
// only public packages and no rule package: counting resnet18 with onnx,
// shape and fpo gives the CLI's FPO with every node counted, and shape
// without fpo fails with ErrNoRules instead of counting nothing.
func TestLibraryUse(t *testing.T) {
	const model = "../testdata/models/resnet18.onnx"
	lib := goRun(t, "./testdata/libuser", model)

	var cli struct {
		Totals struct {
			FPO json.RawMessage `json:"fpo"`
		} `json:"totals"`
	}
	out := goRun(t, "../cmd/greenai", "fpo", "--json", model)
	if err := json.Unmarshal([]byte(out), &cli); err != nil || len(cli.Totals.FPO) == 0 {
		t.Fatalf("greenai fpo --json: no totals.fpo (%v) in\n%s", err, out)
	}
	var cliFPO string
	if err := json.Unmarshal(cli.Totals.FPO, &cliFPO); err != nil {
		cliFPO = string(cli.Totals.FPO) // a plain number
	}
	want := "fpo " + cliFPO + "\nuncounted 0\nunsupported 0\n"
	if lib != want {
		t.Errorf("library program printed\n%s\nwant (the CLI's count)\n%s", lib, want)
	}
	if cliFPO == "0" || !strings.Contains(cliFPO, "batch") {
		t.Errorf("the CLI counts resnet18 as %s FPO: want a non-zero count per batch", cliFPO)
	}

	if out := goRun(t, "./testdata/shapeonly", model); !strings.Contains(out, "shape/ops") {
		t.Errorf("shape without rules: %q, want an error that says to import shape/ops", out)
	}
}

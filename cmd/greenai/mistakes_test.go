package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exitCode is the status main would exit with for err.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// Mistakes that were accepted silently are errors that say what is wrong.
func TestMistakesAreErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.onnx")
	os.WriteFile(text, []byte("these are my notes\nnot a model\n"), 0o644)
	gpt2 := filepath.Join(models, "gpt2_small.onnx")
	resnet := filepath.Join(models, "resnet18.onnx")
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"fpo", "--dim", "seq=128", gpt2}, 2, []string{`no symbol "seq"`, "batch, sequence"}},
		{[]string{"fpo", "--dim", "batchsize=8", gpt2}, 2, []string{`no symbol "batchsize"`, "batch, sequence"}},
		{[]string{"inspect", "--dim", "seq=128", gpt2}, 2, []string{`no symbol "seq"`}},
		{[]string{"fpo", "--input", "input=8x3x0x224", resnet}, 2, []string{"dim 3", "is 0"}},
		{[]string{"inspect", "--input", "input=8x3x0x224", resnet}, 2, []string{"is 0"}},
		{[]string{"fpo", "--top", "-1", resnet}, 2, []string{"--top -1"}},
		{[]string{"fpo", "--depth", "0", resnet}, 2, []string{"--depth 0"}},
		{[]string{"evp", "--max-n", "0", "../../report/testdata/trials.csv"}, 2, []string{"--max-n 0"}},
		{[]string{"fpo", text}, 1, []string{"not an ONNX model", "the file is text", "these are my notes"}},
		{[]string{"inspect", text}, 1, []string{"not an ONNX model"}},
		{[]string{"cost"}, 2, []string{"spec file"}},
		// Overflowing dims name the node, the value and the remedy.
		{[]string{"fpo", "--dim", "batch=4611686018427387904", resnet}, 1, []string{`node "/conv1/Conv" (Conv)`, "its cost", "overflows 64-bit integers", "smaller dims (--dim, --input)"}},
		{[]string{"fpo", "--dim", "batch=3037000500", resnet}, 1, []string{"(Conv): the Conv operators' total through it", "integer overflow in", "smaller dims"}},
		{[]string{"fpo", "--dim", "batch=1", "--dim", "sequence=3037000500", gpt2}, 1, []string{`node "/blocks.0/MatMul" (MatMul)`, "overflows 64-bit integers"}},
		{[]string{"fpo", "--dim", "batch=1099511627776", "--dim", "sequence=1099511627776", gpt2}, 1, []string{`node "/wte/Gather" (Gather)`, "1099511627776 * 1099511627776", "smaller dims"}},
	}
	for _, c := range cases {
		out, _, err := runCLI(t, c.args...)
		if got := exitCode(err); got != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, got, err, c.code)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", c.args, err, w)
			}
		}
		if out != "" {
			t.Errorf("%v: failed but wrote to stdout:\n%s", c.args, out)
		}
	}
}

// A count whose inference fails prints nothing on stdout.
func TestFailedCountPrintsNothing(t *testing.T) {
	// resnet18 fed 4 channels instead of 3: the first Conv fails.
	out, _, err := runCLI(t, "fpo", "--input", "input=1x4x224x224", filepath.Join(models, "resnet18.onnx"))
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "shape inference failed") {
		t.Fatalf("want a shape-inference failure, got %v", err)
	}
	if out != "" {
		t.Errorf("stdout holds a half-done count:\n%s", out)
	}
}

// Every command's --help (and -h) prints its manual on stdout, status 0.
func TestHelpFlagToStdout(t *testing.T) {
	for name, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			out, errOut, err := runCLI(t, name, h)
			if err != nil {
				t.Errorf("%s %s: %v", name, h, err)
				continue
			}
			if out != c.usage || errOut != "" {
				t.Errorf("%s %s: stdout %d bytes (want the %d-byte manual), stderr %q", name, h, len(out), len(c.usage), errOut)
			}
		}
	}
	// A bad flag still goes to stderr with status 2.
	out, errOut, err := runCLI(t, "fpo", "--no-such-flag")
	if exitCode(err) != 2 || out != "" || !strings.Contains(errOut, "usage: greenai fpo") {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", exitCode(err), out, errOut)
	}
}

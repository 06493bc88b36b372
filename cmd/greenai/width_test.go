package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// checkLines fails for every line of out wider than 80 runes.
func checkLines(t *testing.T, what, out string) {
	t.Helper()
	for i, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("%s, line %d: %d columns: %s", what, i+1, n, l)
		}
	}
}

// TestHelpFits80Columns: greenai help and every command's manual fit an
// 80-column terminal.
func TestHelpFits80Columns(t *testing.T) {
	out, _, err := runCLI(t, "help")
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "greenai help", out)
	for name := range commands {
		out, _, err := runCLI(t, "help", name)
		if err != nil {
			t.Fatalf("help %s: %v", name, err)
		}
		if len(out) < 100 {
			t.Errorf("help %s: no manual: %q", name, out)
		}
		checkLines(t, "greenai help "+name, out)
	}
}

// TestOutputFits80Columns: the default text of fpo, inspect and cost on
// every test model, and of runs, fits 80 columns when $COLUMNS is unset.
func TestOutputFits80Columns(t *testing.T) {
	t.Setenv("COLUMNS", "")
	models, err := filepath.Glob("../../testdata/models/*.onnx")
	if err != nil || len(models) < 30 {
		t.Fatalf("test models: %v %d", err, len(models))
	}
	if testing.Short() {
		models = models[:5]
	}
	for _, m := range models {
		for _, args := range [][]string{{"fpo", m}, {"fpo", "--top", "10", m}, {"inspect", m}} {
			out, _, err := runCLI(t, args...)
			if err != nil {
				t.Errorf("%v: %v", args, err)
				continue
			}
			checkLines(t, strings.Join(args, " "), out)
		}
	}
	for _, args := range [][]string{
		{"cost", "--model", resnet50Model, "--train-examples", "1281167", "--epochs", "90", "--batch-size", "256",
			"--trials", "4", "--trial-epochs", "90,90,30,12", "--eval-examples", "50000", "--eval-every-epochs", "1",
			"--queries-per-day", "1000000", "--days", "365", "--accelerator", "a100-sxm4", "--devices", "8", "--precision", "tf32"},
		{"cost", "--model", "../../testdata/models/gpt2_small.onnx", "--dim", "sequence=1024",
			"--train-examples", "9000000000", "--unit", "tokens", "--epochs", "1", "--batch-size", "8", "--optimizer", "adamw"},
		{"cost", "--model", writeTinyConfig(t), "--dim", "sequence=128", "--train-examples", "1000000", "--unit", "tokens",
			"--epochs", "1", "--batch-size", "8"},
		{"fpo", "--phase", "decode", writeTinyConfig(t)},
		{"inspect", writeTinyConfig(t)},
		{"cost", "--devices-list"},
		{"run", "--list-intensities"},
	} {
		out, _, err := runCLI(t, args...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
			continue
		}
		checkLines(t, strings.Join(args[:min(3, len(args))], " "), out)
	}
	db := seedRuns(t)
	for _, args := range [][]string{{"runs", "--db", db}, {"runs", "--db", db, "show", "20240501"}, {"runs", "--db", db, "group", "slurm:1"}} {
		out, _, err := runCLI(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		checkLines(t, strings.Join(args, " "), out)
	}
}

// TestFPOSideBySideFits80Columns: the README's side-by-side count (greenai
// fpo A.onnx B.onnx) fits 80 columns, under the models' file names with
// their paths listed above, and a wide polynomial is cut with a note
// (--exact prints it whole).
func TestFPOSideBySideFits80Columns(t *testing.T) {
	t.Setenv("COLUMNS", "")
	r18, gpt2 := "../../testdata/models/resnet18.onnx", "../../testdata/models/gpt2_small.onnx"
	out, _, err := runCLI(t, "fpo", r18, resnet50Model, gpt2)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "fpo side by side", out)
	for _, want := range []string{r18, resnet50Model, gpt2, "resnet18.onnx  ", "39.6k·batch·sequence² + …", "--exact prints them whole"} {
		if !strings.Contains(out, want) {
			t.Errorf("side-by-side fpo lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "fpo", "--exact", r18, gpt2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "39.6k·batch·sequence² + 248.5M·batch·sequence + 12·sequence² + sequence + 12") {
		t.Errorf("fpo --exact side by side cut a polynomial:\n%s", out)
	}
}

package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const resnet50Model = "../../testdata/models/resnet50.onnx"

// resnet50Args is the ResNet-50 ImageNet experiment of the manual.
var resnet50Args = []string{"cost", "--model", resnet50Model, "--train-examples", "1281167", "--epochs", "90",
	"--batch-size", "256", "--trials", "1", "--optimizer", "sgd-momentum"}

func writeSpec(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCostErrors: bad specs and flags fail with an error naming the field
// and the problem (exit status 1), or a usage error (exit status 2).
func TestCostErrors(t *testing.T) {
	model, _ := filepath.Abs(resnet50Model)
	base := "model: " + model + "\ntrain: {examples: 1000, epochs: 1, batch_size: 10}\n"
	cases := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"missing model", []string{"cost", "--train-examples", "10", "--epochs", "1", "--batch-size", "2"}, "model: missing: give the ONNX model file", 1},
		{"model not found", []string{"cost", "--model", "nope.onnx", "--train-examples", "10", "--epochs", "1", "--batch-size", "2"}, "model: stat nope.onnx: no such file or directory", 1},
		{"negative size", append(append([]string{}, resnet50Args...), "--train-examples", "-5"), "train.examples: must not be negative (got -5)", 1},
		{"negative batch", append(append([]string{}, resnet50Args...), "--batch-size", "-256"), "train.batch_size: must be positive (got -256)", 1},
		{"unknown accelerator", append(append([]string{}, resnet50Args...), "--accelerator", "tpu-v9"), `hardware.accelerator: unknown accelerator "tpu-v9"`, 1},
		{"trial list contradicts count", append(append([]string{}, resnet50Args...), "--trials", "3", "--trial-epochs", "90,30"),
			"search.trial_epochs: lists 2 trials but search.trials is 3", 1},
		{"bad optimizer", append(append([]string{}, resnet50Args...), "--optimizer", "lion"), `train.optimizer: unknown optimizer "lion" (known: adam, adamw, sgd, sgd-momentum)`, 1},
		{"unknown YAML key", []string{"cost", writeSpec(t, base+"hardwre: {accelerator: t4}\n")}, "hardwre: unknown field (line 3; known: model, inputs, dims,", 1},
		{"unknown nested YAML key", []string{"cost", writeSpec(t, base+"search: {trails: 3}\n")}, "search.trails: unknown field (line 3; known: trials, trial_epochs, strategy)", 1},
		{"bad YAML value", []string{"cost", writeSpec(t, base+"search: {trials: three}\n")}, `search.trials: want an integer, got "three" (line 3)`, 1},
		{"spec trial list contradicts count", []string{"cost", writeSpec(t, base+"search: {trials: 2, trial_epochs: [1, 1, 0.5]}\n")},
			"search.trial_epochs: lists 3 trials but search.trials is 2", 1},
		{"bad trial epochs flag", append(append([]string{}, resnet50Args...), "--trial-epochs", "90,soon"), `--trial-epochs "90,soon": "soon" is not a number`, 2},
		{"bad dim flag", append(append([]string{}, resnet50Args...), "--dim", "sequence"), `--dim "sequence": want NAME=INTEGER`, 2},
		{"bad flag value", []string{"cost", "--epochs", "many"}, `invalid value "many" for flag -epochs`, 2},
		{"two formats", append(append([]string{}, resnet50Args...), "--json", "--latex"), "give at most one of --json, --markdown, --latex and --csv", 2},
		{"two specs", []string{"cost", "a.yaml", "b.yaml"}, "cost takes at most one spec file", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCLI(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant     %s", err, c.want)
			}
			code := 1
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			}
			if code != c.code {
				t.Errorf("exit status %d, want %d", code, c.code)
			}
		})
	}
}

// TestCostJSON checks the keys the issue asks for and their ResNet-50 values.
func TestCostJSON(t *testing.T) {
	out, _, err := runCLI(t, append(append([]string{}, resnet50Args...), "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"e_infer_fpo":         "8206317544",
		"e_train_fpo_exact":   "779327091903/32",
		"train_examples":      "1281167",
		"epochs":              "90",
		"trials":              "1",
		"train_fpo_per_trial": "2808135432546112080",
		"search_fpo":          "2808135432546112080",
		"inference_fpo":       "0",
		"total_fpo":           "2808135432546112080",
	} {
		if v, ok := got[k].(json.Number); ok && v.String() == want {
			continue
		}
		if v, ok := got[k].(string); ok && v == want {
			continue
		}
		t.Errorf("%s = %v, want %s", k, got[k], want)
	}
	if _, ok := got["e_train_fpo"].(json.Number); !ok {
		t.Errorf("e_train_fpo = %v, want a number", got["e_train_fpo"])
	}
}

// TestCostSpecAndFlags: a spec file read relative to itself, overridden by
// flags, in each output format.
func TestCostSpecAndFlags(t *testing.T) {
	dir := t.TempDir()
	model, _ := filepath.Abs(resnet50Model)
	if err := os.Symlink(model, filepath.Join(dir, "r50.onnx")); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "spec.yaml")
	body := "model: r50.onnx\ntrain: {examples: 1281167, epochs: 90, batch_size: 256, optimizer: sgd-momentum}\nsearch: {trials: 1}\n"
	if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"cost", spec}, []string{"E_train / E_infer = 2.968", "2.808E", "Why E_train/E_infer is not exactly 3"}},
		{[]string{"cost", spec, "--markdown"}, []string{"| Term ", "| What ", "| Search               | all trials (E·D·H) ", "| 2.808E | 1.401E |"}},
		{[]string{"cost", spec, "--latex"}, []string{`\begin{tabular}{lp{0.45\linewidth}rr}`, `Search & all trials (E\ensuremath{\cdot}D\ensuremath{\cdot}H) & 2.808E & 1.401E \\`}},
		{[]string{"cost", spec, "--trials", "20"}, []string{"20 hyperparameter trial(s)", "56.16E"}},
		{[]string{"cost", spec, "--trials", "2", "--trial-epochs", "90,45", "--accelerator", "a100-sxm4", "--devices", "8", "--precision", "tf32"},
			[]string{"Early stopping saved", "1.404E", "ESTIMATE on 8× NVIDIA A100 SXM4"}},
	} {
		out, _, err := runCLI(t, c.args...)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args[2:], w, out)
			}
		}
	}
}

func TestCostDevicesList(t *testing.T) {
	out, _, err := runCLI(t, "cost", "--devices-list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "t4         NVIDIA T4 ") || !strings.Contains(out, "70 W\n    fp16 65 TFLOP/s, fp32 8.1 TFLOP/s, int8 130 TFLOP/s\n") {
		t.Errorf("device list:\n%s", out)
	}
}

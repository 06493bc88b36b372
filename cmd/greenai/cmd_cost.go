package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"strconv"
	"strings"

	"github.com/greenai/greenai/cost"
)

func init() {
	register(&command{
		name:    "cost",
		summary: "the price tag of a result: E·D·H for training, search and deployment",
		usage: `usage: greenai cost [flags] [SPEC.yaml]

Computes the price tag of an AI result, after Green AI's Equation 1:
Cost(R) ∝ E·D·H — the cost of one (E)xample, the (D)ataset processed in
training, and the number of (H)yperparameter trials — for training and for
inference, in FPO (and MACs).

E_train counts the forward pass, the backward pass from per-operator rules
(gradients w.r.t. every activation and trainable weight that needs one;
frozen weights and the model's input need none) and the optimizer update,
per example at the training batch size. The output explains why
E_train/E_infer differs from the usual rule of thumb of 3.

SPEC is a YAML or JSON file:

  model: resnet50.onnx          # relative to the spec file
  inputs: {input: batchx3x224x224}
  dims: {}                      # bind other symbols, e.g. {sequence: 128}
  train:
    examples: 1281167           # training set size
    unit: examples              # or tokens (then dims must give sequence)
    epochs: 90                  # or steps: N
    batch_size: 256
    drop_last: false
    optimizer: sgd-momentum     # sgd, sgd-momentum, adam, adamw
    freeze: ['/embeddings/*']   # glob over initializer or node names
  eval: {examples: 50000, every_epochs: 1, batch_size: 256}
  search:
    trials: 20                  # H
    trial_epochs: [90, 30, 12]  # optional: epochs each trial really ran
  deploy: {queries_per_day: 1000000, days: 365, examples_per_query: 1}
  hardware: {accelerator: a100-sxm4, count: 8, precision: tf32, utilization: 0.4}

Flags (each overrides the spec; without a spec they describe the experiment):
  --model FILE  --input NAME=DIMS  --dim NAME=VALUE
  --train-examples N  --epochs N  --steps N  --batch-size N  --optimizer NAME
  --freeze GLOB (repeatable)  --trials N  --trial-epochs 90,30,12
  --eval-examples N  --queries-per-day N  --days N
  --accelerator NAME  --devices N  --precision P  --utilization U
  --json  --markdown  --latex   output format (default: a table)
  --devices-list                list the accelerator table

Time and energy are printed only with --accelerator (or hardware:), always
labelled as estimates with their assumptions.

Exit status: 0 on success, 1 on errors, 2 on bad usage. Errors name the
spec field at fault.
`,
		run: runCost,
	})
}

func runCost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["cost"]
	fs := newFlagSet(c, stderr)
	var model, optimizer, trialEpochs, accel, precision string
	var inputs, dims, freeze multiFlag
	var trainEx, steps, batch, trials, evalEx, devices int64
	var epochs, qpd, days, util float64
	var asJSON, md, tex, list bool
	fs.StringVar(&model, "model", "", "")
	fs.Var(&inputs, "input", "")
	fs.Var(&dims, "dim", "")
	fs.Var(&freeze, "freeze", "")
	fs.Int64Var(&trainEx, "train-examples", 0, "")
	fs.Float64Var(&epochs, "epochs", 0, "")
	fs.Int64Var(&steps, "steps", 0, "")
	fs.Int64Var(&batch, "batch-size", 0, "")
	fs.StringVar(&optimizer, "optimizer", "", "")
	fs.Int64Var(&trials, "trials", 0, "")
	fs.StringVar(&trialEpochs, "trial-epochs", "", "")
	fs.Int64Var(&evalEx, "eval-examples", 0, "")
	fs.Float64Var(&qpd, "queries-per-day", 0, "")
	fs.Float64Var(&days, "days", 0, "")
	fs.StringVar(&accel, "accelerator", "", "")
	fs.Int64Var(&devices, "devices", 0, "")
	fs.StringVar(&precision, "precision", "", "")
	fs.Float64Var(&util, "utilization", 0, "")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.BoolVar(&md, "markdown", false, "")
	fs.BoolVar(&tex, "latex", false, "")
	fs.BoolVar(&list, "devices-list", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if list {
		for _, k := range cost.DeviceNames() {
			d := cost.Devices[k]
			var ps []string
			for p, v := range d.Peak {
				ps = append(ps, p+" "+siFloat(v, "FLOP/s"))
			}
			io.WriteString(stdout, k+"\t"+d.Name+"\tTDP "+strconv.FormatFloat(d.TDP, 'g', -1, 64)+" W\t"+strings.Join(ps, ", ")+"\n")
		}
		return nil
	}
	var spec *cost.Spec
	switch len(pos) {
	case 0:
		spec = &cost.Spec{}
	case 1:
		spec, err = cost.ReadSpec(pos[0])
		if err != nil {
			return err
		}
	default:
		return usageError("cost takes at most one spec file")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["model"] {
		spec.Model = model
	}
	for _, s := range inputs {
		name, d, ok := strings.Cut(s, "=")
		if !ok {
			return usageError("--input %q: want NAME=DIMS", s)
		}
		if spec.Inputs == nil {
			spec.Inputs = map[string]string{}
		}
		spec.Inputs[name] = d
	}
	for _, s := range dims {
		name, v, ok := strings.Cut(s, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			return usageError("--dim %q: want NAME=INTEGER", s)
		}
		if spec.Dims == nil {
			spec.Dims = map[string]int64{}
		}
		spec.Dims[name] = n
	}
	if len(freeze) > 0 {
		spec.Train.Freeze = append(spec.Train.Freeze, freeze...)
	}
	if set["train-examples"] {
		spec.Train.Examples = trainEx
	}
	if set["epochs"] {
		spec.Train.Epochs = epochs
	}
	if set["steps"] {
		spec.Train.Steps = steps
	}
	if set["batch-size"] {
		spec.Train.BatchSize = batch
	}
	if set["optimizer"] {
		spec.Train.Optimizer = optimizer
	}
	if set["trials"] {
		spec.Search.Trials = trials
	}
	if set["trial-epochs"] {
		spec.Search.TrialEpochs = nil
		for _, p := range strings.Split(trialEpochs, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return usageError("--trial-epochs %q: %q is not a number", trialEpochs, p)
			}
			spec.Search.TrialEpochs = append(spec.Search.TrialEpochs, v)
		}
	}
	if set["eval-examples"] {
		spec.Eval.Examples = evalEx
	}
	if set["queries-per-day"] {
		spec.Deploy.QueriesPerDay = qpd
	}
	if set["days"] {
		spec.Deploy.Days = days
	}
	if set["accelerator"] {
		spec.Hardware.Accelerator = accel
	}
	if set["devices"] {
		spec.Hardware.Count = devices
	}
	if set["precision"] {
		spec.Hardware.Precision = precision
	}
	if set["utilization"] {
		spec.Hardware.Utilization = util
	}
	pt, err := cost.Compute(spec)
	if err != nil {
		return err
	}
	switch {
	case asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(pt.JSON())
	case md:
		pt.WriteMarkdown(stdout)
	case tex:
		pt.WriteLaTeX(stdout)
	default:
		pt.WriteText(stdout)
	}
	return nil
}

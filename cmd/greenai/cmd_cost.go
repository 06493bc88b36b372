package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"strings"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/report"
)

func init() {
	register(&command{
		name:    "cost",
		summary: "the price tag of a result: E·D·H for training, search and deployment",
		usage: `usage: greenai cost [flags] [SPEC.yaml]

Computes the price tag of an AI result, after Green AI's Equation 1:
Cost(R) ∝ E·D·H — the cost of one (E)xample, the (D)ataset processed in
training, and the number of (H)yperparameter trials — for training and for
inference, in FPO (every floating-point ADD and MUL; a multiply-accumulate
is 2 FPO) and MACs. Totals are exact integers (or fractions).

E_infer is one forward pass per example. E_train is, per example at the
training batch size, the forward pass, the backward pass from per-operator
rules (the gradients of every activation and trainable weight that needs
one: frozen weights and the model's input need none) and the optimizer
update (once per step, spread over the batch). The output explains why
E_train/E_infer differs from the rule of thumb of 3. The trainable weights
are the model's float initializers (an Identity of one is a parameter of
its own); see docs/cost.md for the rules and their derivations.

D counts every step of every epoch: full batches and the last partial one
(dropped with drop_last), which still pays a whole optimizer update.
Validation adds forward passes. H multiplies; trial_epochs lists what each
trial really ran, and the output reports what early stopping saved against
running every trial to train.epochs. Freezing reports what it saved: the
frozen weights' gradients, the activation gradients that only led to them,
and their updates.

SPEC is a YAML or JSON file:

  model: resnet50.onnx          # relative to the spec file; also a config.json,
                                # a model folder or a GGUF file (by content)
  inputs: {input: batchx3x224x224}
  dims: {}                      # bind other symbols, e.g. {sequence: 128}
  batch_dim: batch              # the symbol of the batch dimension
  train:
    examples: 1281167           # training set size
    unit: examples              # or sequences, or tokens (then dims must
                                # give the sequence length, and examples
                                # counts tokens)
    sequence_dim: sequence
    epochs: 90                  # or steps: N
    batch_size: 256
    drop_last: false
    optimizer: sgd-momentum     # sgd, sgd-momentum, adam, adamw
    freeze: ['/embeddings/*']   # globs over parameter names or the names
                                # of the nodes that read them
  eval: {examples: 50000, every_epochs: 1, batch_size: 256}  # or every_steps
  search:
    trials: 20                  # H
    trial_epochs: [90, 30, 12]  # optional: epochs each trial really ran
  deploy: {queries_per_day: 1000000, days: 365, examples_per_query: 1}
  hardware: {accelerator: a100-sxm4, count: 8, precision: tf32,
             utilization: 0.4}
  cost_table: costs.txt         # primitive costs (see greenai fpo --cost-table)

Flags override the spec; without a spec they describe the experiment:
  --model FILE  --input NAME=DIMS  --dim NAME=VALUE  --batch-dim NAME
  --train-examples N  --unit examples|sequences|tokens  --sequence-dim NAME
  --epochs N  --steps N  --batch-size N  --drop-last  --optimizer NAME
  --freeze GLOB (repeatable)
  --eval-examples N  --eval-every-epochs N  --eval-every-steps N
  --eval-batch-size N
  --trials N  --trial-epochs 90,30,12
  --queries-per-day N  --days N  --examples-per-query N
  --accelerator NAME  --devices N  --precision P  --utilization U
  --cost-table FILE
  --phase train       a language model given as config.json, model folder or
                      GGUF is priced in its train phase (the only one cost
                      prices; count prefill or decode with greenai fpo --phase)
  --json  --markdown  --latex  --csv
                      output format (default: a table fitted to $COLUMNS,
                      80 by default; --csv gives the table's exact values)
  --devices-list      list the accelerator table

--json prints the price tag document (version greenai.cost/1, schema in
docs/schema/cost.schema.json) with every term: e_infer_fpo, e_train_fpo (and
e_train_fpo_exact, a fraction), step_forward_fpo, step_backward_fpo,
step_update_fpo, train_examples, epochs, batch_size, steps_per_epoch,
steps_per_trial, examples_per_trial, trials, train_fpo_per_trial,
eval_fpo_per_trial, trial_fpo, search_fpo, inference_examples,
inference_fpo, total_fpo (with _macs beside them), train_to_infer_ratio,
explanation; with trial_epochs also search_fpo_if_all_trials_completed and
early_stopping_saved_fpo; with freeze frozen_names, freeze_saved_fpo and
freeze_saved_per_step; for token models train_tokens and sequence_length;
with an accelerator an estimate. For a language model built from a config,
language_model holds the parameters (total, active for mixture-of-experts),
and the exact training step beside the rules of thumb (Kaplan's 6·N·tokens,
PaLM's 6N + 12·L·H·Q·T, Megatron's 96·B·s·l·h²·(1 + s/6h + V/16lh)), each
labelled an approximation; the text table prints them after the price tag.

Time and energy are printed only with --accelerator (or hardware:), always
labelled as estimates with their assumptions: time = FPO / (peak rate ×
devices × utilization), energy = time × the devices' TDP.

Exit status: 0 on success, 1 on errors, 2 on bad usage. Errors name the
spec field at fault.
`,
		run: runCost,
	})
}

// costFlags are the command-line overrides of a spec.
type costFlags struct {
	model, unit, seqDim, batchDim, optimizer, trialEpochs, accel, precision, costTable string
	inputs, dims, freeze                                                               multiFlag
	trainEx, steps, batch, trials, evalEx, evalSteps, evalBatch, perQuery, devices     int64
	epochs, evalEpochs, qpd, days, util                                                float64
	dropLast                                                                           bool
}

func (f *costFlags) register(fs *flag.FlagSet) {
	for name, p := range map[string]*string{"model": &f.model, "unit": &f.unit, "sequence-dim": &f.seqDim,
		"batch-dim": &f.batchDim, "optimizer": &f.optimizer, "trial-epochs": &f.trialEpochs,
		"accelerator": &f.accel, "precision": &f.precision, "cost-table": &f.costTable} {
		fs.StringVar(p, name, "", "")
	}
	for name, p := range map[string]*int64{"train-examples": &f.trainEx, "steps": &f.steps, "batch-size": &f.batch,
		"trials": &f.trials, "eval-examples": &f.evalEx, "eval-every-steps": &f.evalSteps,
		"eval-batch-size": &f.evalBatch, "examples-per-query": &f.perQuery, "devices": &f.devices} {
		fs.Int64Var(p, name, 0, "")
	}
	for name, p := range map[string]*float64{"epochs": &f.epochs, "eval-every-epochs": &f.evalEpochs,
		"queries-per-day": &f.qpd, "days": &f.days, "utilization": &f.util} {
		fs.Float64Var(p, name, 0, "")
	}
	fs.Var(&f.inputs, "input", "")
	fs.Var(&f.dims, "dim", "")
	fs.Var(&f.freeze, "freeze", "")
	fs.BoolVar(&f.dropLast, "drop-last", false, "")
}

// apply writes the flags that were set into the spec.
func (f *costFlags) apply(fs *flag.FlagSet, s *cost.Spec) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	assign(set, map[string]override[string]{"model": {&s.Model, f.model}, "unit": {&s.Train.Unit, f.unit},
		"sequence-dim": {&s.Train.SequenceDim, f.seqDim}, "batch-dim": {&s.BatchDim, f.batchDim},
		"optimizer": {&s.Train.Optimizer, f.optimizer}, "accelerator": {&s.Hardware.Accelerator, f.accel},
		"precision": {&s.Hardware.Precision, f.precision}, "cost-table": {&s.CostTable, f.costTable}})
	assign(set, map[string]override[int64]{"train-examples": {&s.Train.Examples, f.trainEx}, "steps": {&s.Train.Steps, f.steps},
		"batch-size": {&s.Train.BatchSize, f.batch}, "trials": {&s.Search.Trials, f.trials},
		"eval-examples": {&s.Eval.Examples, f.evalEx}, "eval-every-steps": {&s.Eval.EverySteps, f.evalSteps},
		"eval-batch-size": {&s.Eval.BatchSize, f.evalBatch}, "examples-per-query": {&s.Deploy.ExamplesPerQuery, f.perQuery},
		"devices": {&s.Hardware.Count, f.devices}})
	assign(set, map[string]override[float64]{"epochs": {&s.Train.Epochs, f.epochs}, "eval-every-epochs": {&s.Eval.EveryEpochs, f.evalEpochs},
		"queries-per-day": {&s.Deploy.QueriesPerDay, f.qpd}, "days": {&s.Deploy.Days, f.days},
		"utilization": {&s.Hardware.Utilization, f.util}})
	if set["drop-last"] {
		s.Train.DropLast = f.dropLast
	}
	for _, v := range f.inputs {
		name, d, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return usageError("--input %q: want NAME=DIMS", v)
		}
		if s.Inputs == nil {
			s.Inputs = map[string]string{}
		}
		s.Inputs[name] = d
	}
	for _, v := range f.dims {
		name, val, ok := strings.Cut(v, "=")
		n, err := strconv.ParseInt(val, 10, 64)
		if !ok || name == "" || err != nil {
			return usageError("--dim %q: want NAME=INTEGER", v)
		}
		if s.Dims == nil {
			s.Dims = map[string]int64{}
		}
		s.Dims[name] = n
	}
	s.Train.Freeze = append(s.Train.Freeze, f.freeze...)
	if set["trial-epochs"] {
		s.Search.TrialEpochs = nil
		for _, p := range strings.Split(f.trialEpochs, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return usageError("--trial-epochs %q: %q is not a number", f.trialEpochs, p)
			}
			s.Search.TrialEpochs = append(s.Search.TrialEpochs, v)
		}
	}
	return nil
}

// override is a spec field and the value of the flag that overrides it.
type override[T any] struct {
	dst *T
	val T
}

// assign writes the values of the flags that were set into their fields.
func assign[T any](set map[string]bool, fields map[string]override[T]) {
	for name, o := range fields {
		if set[name] {
			*o.dst = o.val
		}
	}
}

func runCost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(commands["cost"], stderr)
	var f costFlags
	f.register(fs)
	var asJSON, md, tex, csv, list bool
	fs.BoolVar(&asJSON, "json", false, "")
	fs.BoolVar(&csv, "csv", false, "")
	fs.BoolVar(&md, "markdown", false, "")
	fs.BoolVar(&tex, "latex", false, "")
	fs.BoolVar(&list, "devices-list", false, "")
	var phase string
	fs.StringVar(&phase, "phase", "train", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if n := btoi(asJSON) + btoi(md) + btoi(tex) + btoi(csv); n > 1 {
		return usageError("give at most one of --json, --markdown, --latex and --csv")
	}
	if list {
		return report.WriteDevices(stdout, termWidth())
	}
	spec := &cost.Spec{}
	switch len(pos) {
	case 0:
		if fs.NFlag() == 0 {
			return usageError("cost needs a spec file or flags that describe the experiment (greenai help cost)")
		}
	case 1:
		if spec, err = cost.ReadSpec(pos[0]); err != nil {
			return err
		}
	default:
		return usageError("cost takes at most one spec file")
	}
	if err := f.apply(fs, spec); err != nil {
		return err
	}
	if p, err := hf.ParsePhase(phase); err != nil {
		return usageError("--phase: %v", err)
	} else if p != hf.Train {
		return usageError("--phase %s: cost prices training (the train phase); count one %s step with: greenai fpo --phase %s MODEL", p, p, p)
	}
	pt, err := cost.Compute(spec)
	if err != nil {
		return err
	}
	doc := report.NewCost(pt)
	if doc.LanguageModel, err = report.NewCostLLM(spec, pt); err != nil {
		return err
	}
	format := report.Plain
	switch {
	case asJSON:
		format = "json"
	case md:
		format = report.Markdown
	case tex:
		format = report.LaTeX
	case csv:
		format = report.CSV
	}
	return doc.Write(stdout, format, termWidth())
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

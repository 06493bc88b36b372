// Package cost computes the price tag of an AI result: Cost(R) ∝ E·D·H, for training, search and deployment.
package cost

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec describes an experiment. It is read from YAML or JSON (JSON is YAML).
type Spec struct {
	// Model is the ONNX file (relative paths are relative to the spec file).
	Model string `yaml:"model" json:"model"`
	// Inputs fixes input shapes by name ("1x3x224x224", "batchx128");
	// the batch dimension is varied by greenai (see BatchDim).
	Inputs map[string]string `yaml:"inputs" json:"inputs"`
	// Dims binds symbolic dimensions (for example sequence: 128).
	Dims map[string]int64 `yaml:"dims" json:"dims"`
	// BatchDim is the symbol of the batch dimension (default "batch").
	BatchDim string       `yaml:"batch_dim" json:"batch_dim"`
	Train    TrainSpec    `yaml:"train" json:"train"`
	Eval     EvalSpec     `yaml:"eval" json:"eval"`
	Search   SearchSpec   `yaml:"search" json:"search"`
	Deploy   DeploySpec   `yaml:"deploy" json:"deploy"`
	Hardware HardwareSpec `yaml:"hardware" json:"hardware"`
	// CostTable overrides primitive costs (see greenai fpo --cost-table).
	CostTable string `yaml:"cost_table" json:"cost_table"`

	dir string
}

// TrainSpec describes one training run.
type TrainSpec struct {
	// Examples is the training set size, in Unit.
	Examples int64 `yaml:"examples" json:"examples"`
	// Unit is "examples" (default), "sequences" (same), or "tokens": then
	// Examples counts tokens, grouped into sequences of the model's
	// sequence length (SequenceDim).
	Unit        string  `yaml:"unit" json:"unit"`
	SequenceDim string  `yaml:"sequence_dim" json:"sequence_dim"`
	Epochs      float64 `yaml:"epochs" json:"epochs"`
	Steps       int64   `yaml:"steps" json:"steps"`
	BatchSize   int64   `yaml:"batch_size" json:"batch_size"`
	// DropLast drops the last partial batch of each epoch.
	DropLast  bool     `yaml:"drop_last" json:"drop_last"`
	Optimizer string   `yaml:"optimizer" json:"optimizer"`
	Freeze    []string `yaml:"freeze" json:"freeze"`
}

// EvalSpec describes validation during training.
type EvalSpec struct {
	Examples    int64   `yaml:"examples" json:"examples"`
	EveryEpochs float64 `yaml:"every_epochs" json:"every_epochs"`
	EverySteps  int64   `yaml:"every_steps" json:"every_steps"`
	BatchSize   int64   `yaml:"batch_size" json:"batch_size"`
}

// SearchSpec describes the hyperparameter search.
type SearchSpec struct {
	// Trials is the number of hyperparameter experiments, H.
	Trials int64 `yaml:"trials" json:"trials"`
	// TrialEpochs lists the epochs each trial actually ran (early-stopped
	// trials ran fewer). When given, its length must equal Trials (or
	// Trials may be omitted).
	TrialEpochs []float64 `yaml:"trial_epochs" json:"trial_epochs"`
	Strategy    string    `yaml:"strategy" json:"strategy"`
}

// DeploySpec describes inference after deployment.
type DeploySpec struct {
	QueriesPerDay    float64 `yaml:"queries_per_day" json:"queries_per_day"`
	Days             float64 `yaml:"days" json:"days"`
	ExamplesPerQuery int64   `yaml:"examples_per_query" json:"examples_per_query"`
}

// HardwareSpec converts FPO into time and energy estimates.
type HardwareSpec struct {
	Accelerator string  `yaml:"accelerator" json:"accelerator"`
	Count       int64   `yaml:"count" json:"count"`
	Precision   string  `yaml:"precision" json:"precision"`
	Utilization float64 `yaml:"utilization" json:"utilization"`
}

// ReadSpec reads and validates a spec file.
func ReadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.dir = filepath.Dir(path)
	return s, nil
}

// ParseSpec parses a YAML or JSON spec; unknown fields are errors.
func ParseSpec(data []byte) (*Spec, error) {
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if err.Error() == "EOF" {
			return nil, fmt.Errorf("empty spec")
		}
		return nil, fmt.Errorf("parsing spec: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &s, nil
}

// ModelPath resolves the model path relative to the spec file.
func (s *Spec) ModelPath() string {
	if s.Model == "" || filepath.IsAbs(s.Model) || s.dir == "" {
		return s.Model
	}
	return filepath.Join(s.dir, s.Model)
}

// fieldError names the offending field.
func fieldError(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))
}

// Validate checks the spec and fills defaults.
func (s *Spec) Validate() error {
	if s.Model == "" {
		return fieldError("model", "missing: give the ONNX model file")
	}
	if _, err := os.Stat(s.ModelPath()); err != nil {
		return fieldError("model", "%v", err)
	}
	if s.BatchDim == "" {
		s.BatchDim = "batch"
	}
	t := &s.Train
	if t.Examples < 0 {
		return fieldError("train.examples", "must not be negative (got %d)", t.Examples)
	}
	if t.Examples == 0 && t.Steps == 0 {
		return fieldError("train.examples", "missing: give the training set size (or train.steps)")
	}
	if t.BatchSize <= 0 {
		if t.BatchSize < 0 {
			return fieldError("train.batch_size", "must be positive (got %d)", t.BatchSize)
		}
		return fieldError("train.batch_size", "missing: give the batch size")
	}
	if t.Epochs < 0 {
		return fieldError("train.epochs", "must not be negative (got %g)", t.Epochs)
	}
	if t.Steps < 0 {
		return fieldError("train.steps", "must not be negative (got %d)", t.Steps)
	}
	if t.Epochs == 0 && t.Steps == 0 {
		return fieldError("train.epochs", "missing: give train.epochs or train.steps")
	}
	if t.Epochs != 0 && t.Steps != 0 {
		return fieldError("train.steps", "give train.epochs or train.steps, not both")
	}
	switch t.Unit {
	case "", "examples", "sequences":
		t.Unit = "examples"
	case "tokens":
		if t.SequenceDim == "" {
			t.SequenceDim = "sequence"
		}
		if _, ok := s.Dims[t.SequenceDim]; !ok {
			return fieldError("train.unit", "tokens need the sequence length: set dims.%s", t.SequenceDim)
		}
	default:
		return fieldError("train.unit", "unknown unit %q (examples, sequences or tokens)", t.Unit)
	}
	if t.Optimizer == "" {
		t.Optimizer = "sgd"
	}
	e := &s.Eval
	if e.Examples < 0 {
		return fieldError("eval.examples", "must not be negative (got %d)", e.Examples)
	}
	if e.EveryEpochs < 0 || e.EverySteps < 0 {
		return fieldError("eval.every_epochs", "must not be negative")
	}
	if e.Examples > 0 && e.EveryEpochs == 0 && e.EverySteps == 0 {
		e.EveryEpochs = 1
	}
	if e.BatchSize < 0 {
		return fieldError("eval.batch_size", "must be positive (got %d)", e.BatchSize)
	}
	if e.BatchSize == 0 {
		e.BatchSize = t.BatchSize
	}
	h := &s.Search
	if h.Trials < 0 {
		return fieldError("search.trials", "must not be negative (got %d)", h.Trials)
	}
	if len(h.TrialEpochs) > 0 {
		if h.Trials != 0 && h.Trials != int64(len(h.TrialEpochs)) {
			return fieldError("search.trial_epochs", "lists %d trials but search.trials is %d", len(h.TrialEpochs), h.Trials)
		}
		h.Trials = int64(len(h.TrialEpochs))
		full := t.Epochs
		for i, ep := range h.TrialEpochs {
			if ep < 0 {
				return fieldError(fmt.Sprintf("search.trial_epochs[%d]", i), "must not be negative (got %g)", ep)
			}
			if full > 0 && ep > full {
				return fieldError(fmt.Sprintf("search.trial_epochs[%d]", i), "%g epochs exceed train.epochs (%g)", ep, full)
			}
		}
		if t.Steps != 0 {
			return fieldError("search.trial_epochs", "needs train.epochs (the full length of a trial), not train.steps")
		}
	}
	if h.Trials == 0 {
		h.Trials = 1
	}
	d := &s.Deploy
	if d.QueriesPerDay < 0 || d.Days < 0 {
		return fieldError("deploy.queries_per_day", "must not be negative")
	}
	if d.ExamplesPerQuery < 0 {
		return fieldError("deploy.examples_per_query", "must not be negative (got %d)", d.ExamplesPerQuery)
	}
	if d.ExamplesPerQuery == 0 {
		d.ExamplesPerQuery = 1
	}
	hw := &s.Hardware
	if hw.Accelerator != "" {
		dev, err := LookupDevice(hw.Accelerator)
		if err != nil {
			return fieldError("hardware.accelerator", "%v", err)
		}
		if hw.Precision == "" {
			hw.Precision = "fp32"
		}
		if _, ok := dev.Peak[hw.Precision]; !ok {
			var ps []string
			for p := range dev.Peak {
				ps = append(ps, p)
			}
			return fieldError("hardware.precision", "%s has no published %s rate (has: %s)", hw.Accelerator, hw.Precision, strings.Join(ps, ", "))
		}
		if hw.Utilization == 0 {
			hw.Utilization = 0.3
		}
		if hw.Utilization < 0 || hw.Utilization > 1 {
			return fieldError("hardware.utilization", "must be in (0, 1] (got %g)", hw.Utilization)
		}
		if hw.Count < 0 {
			return fieldError("hardware.count", "must be positive (got %d)", hw.Count)
		}
		if hw.Count == 0 {
			hw.Count = 1
		}
	}
	return nil
}

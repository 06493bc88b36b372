// Package cost computes the price tag of an AI result: Cost(R) ∝ E·D·H, for training, search and deployment.
package cost

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/train"
	"go.yaml.in/yaml/v3"
)

// Spec describes an experiment. It is read from YAML or JSON (JSON is YAML).
type Spec struct {
	// Model is the ONNX file, config.json, model folder or GGUF file
	// (relative paths are relative to the spec file).
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

	dir    string
	shapes map[string][]sym.Expr // parsed Inputs
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
	// Strategy names the search (grid, random…) for the record; it does not
	// change the count.
	Strategy string `yaml:"strategy" json:"strategy"`
}

// DeploySpec describes inference after deployment.
type DeploySpec struct {
	QueriesPerDay    float64 `yaml:"queries_per_day" json:"queries_per_day"`
	Days             float64 `yaml:"days" json:"days"`
	ExamplesPerQuery int64   `yaml:"examples_per_query" json:"examples_per_query"`
}

// HardwareSpec converts FPO into time and energy estimates.
// DefaultUtilization is the fraction of peak assumed when a spec's
// hardware section gives none.
const DefaultUtilization = 0.3

type HardwareSpec struct {
	Accelerator string  `yaml:"accelerator" json:"accelerator"`
	Count       int64   `yaml:"count" json:"count"`
	Precision   string  `yaml:"precision" json:"precision"`
	Utilization float64 `yaml:"utilization" json:"utilization"`
	// UtilizationDefault is set when the spec gave no utilization and
	// DefaultUtilization was assumed (the estimate then says so).
	UtilizationDefault bool `yaml:"-" json:"utilization_is_default,omitempty"`
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

// ParseSpec parses a YAML or JSON spec. Unknown fields and values of the
// wrong type are errors that name the field.
func ParseSpec(data []byte) (*Spec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("empty spec")
		}
		return nil, fmt.Errorf("parsing spec: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return nil, fmt.Errorf("the spec holds more than one YAML document (line %d)", more.Line)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty spec")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the spec must be a mapping of fields (%s), not a %s", strings.Join(fieldNames(reflect.TypeOf(Spec{})), ", "), kindName(root))
	}
	if err := checkNode("", root, reflect.TypeOf(Spec{})); err != nil {
		return nil, err
	}
	var s Spec
	if err := root.Decode(&s); err != nil {
		return nil, fmt.Errorf("parsing spec: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &s, nil
}

// checkNode checks a YAML node against the Go type it decodes into, naming
// the field path of the first unknown key or mistyped value.
func checkNode(path string, n *yaml.Node, t reflect.Type) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	bad := func(want string) error {
		got := kindName(n)
		if n.Kind == yaml.ScalarNode {
			got = fmt.Sprintf("%q", n.Value)
		}
		return fieldError(path, "want %s, got %s (line %d)", want, got, n.Line)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return bad("a mapping of " + strings.Join(fieldNames(t), ", "))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			f, ok := fieldByTag(t, key)
			if !ok {
				return fieldError(join(path, key), "unknown field (line %d; known: %s)", n.Content[i].Line, strings.Join(fieldNames(t), ", "))
			}
			if err := checkNode(join(path, key), val, f.Type); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return bad("a mapping")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkNode(join(path, n.Content[i].Value), n.Content[i+1], t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return bad("a list")
		}
		for i, c := range n.Content {
			if err := checkNode(fmt.Sprintf("%s[%d]", path, i), c, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return bad("an integer")
		}
	case reflect.Float64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" && n.Tag != "!!float" {
			return bad("a number")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return bad("true or false")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return bad("a string")
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// fieldByTag finds the struct field a YAML key names.
func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == key && f.IsExported() {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// fieldNames lists the YAML keys of a struct.
func fieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
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

// Validate checks the spec and fills defaults. Errors name the field.
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
	for _, k := range sortedKeys(s.Dims) {
		if k == s.BatchDim {
			return fieldError("dims."+k, "the batch dimension is set by train.batch_size, not dims")
		}
		if s.Dims[k] <= 0 {
			return fieldError("dims."+k, "must be positive (got %d)", s.Dims[k])
		}
	}
	s.shapes = map[string][]sym.Expr{}
	for _, name := range sortedKeys(s.Inputs) {
		e, err := shape.ParseDims(s.Inputs[name])
		if err != nil {
			return fieldError("inputs."+name, "%v", err)
		}
		s.shapes[name] = e
	}
	if err := s.validateTrain(); err != nil {
		return err
	}
	if err := s.validateEval(); err != nil {
		return err
	}
	if err := s.validateSearch(); err != nil {
		return err
	}
	if err := s.validateDeploy(); err != nil {
		return err
	}
	return s.validateHardware()
}

func (s *Spec) validateTrain() error {
	t := &s.Train
	if err := nonNegative(value{"train.examples", float64(t.Examples)}, value{"train.epochs", t.Epochs}, value{"train.steps", float64(t.Steps)}); err != nil {
		return err
	}
	if t.Examples == 0 && t.Steps == 0 {
		return fieldError("train.examples", "missing: give the training set size (or train.steps)")
	}
	if t.BatchSize < 0 {
		return fieldError("train.batch_size", "must be positive (got %d)", t.BatchSize)
	}
	if t.BatchSize == 0 {
		return fieldError("train.batch_size", "missing: give the batch size")
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
		seq, ok := s.Dims[t.SequenceDim]
		if !ok {
			return fieldError("train.unit", "tokens need the sequence length: set dims.%s", t.SequenceDim)
		}
		if t.Steps == 0 && t.Examples < seq {
			return fieldError("train.examples", "%d tokens are fewer than one sequence of %d", t.Examples, seq)
		}
	default:
		return fieldError("train.unit", "unknown unit %q (examples, sequences or tokens)", t.Unit)
	}
	if t.Optimizer == "" {
		t.Optimizer = string(train.SGD)
	}
	if _, ok := train.UpdateOps(train.Optimizer(t.Optimizer)); !ok {
		return fieldError("train.optimizer", "unknown optimizer %q (known: %s)", t.Optimizer, strings.Join(train.OptimizerNames(), ", "))
	}
	for i, p := range t.Freeze {
		if strings.TrimSpace(p) == "" {
			return fieldError(fmt.Sprintf("train.freeze[%d]", i), "empty pattern")
		}
	}
	return nil
}

func (s *Spec) validateEval() error {
	e := &s.Eval
	if err := nonNegative(value{"eval.examples", float64(e.Examples)}, value{"eval.every_epochs", e.EveryEpochs}, value{"eval.every_steps", float64(e.EverySteps)}); err != nil {
		return err
	}
	if e.EveryEpochs > 0 && e.EverySteps > 0 {
		return fieldError("eval.every_steps", "give eval.every_epochs or eval.every_steps, not both")
	}
	if e.EveryEpochs > 0 && s.Train.Steps > 0 {
		return fieldError("eval.every_epochs", "training is given in train.steps: use eval.every_steps")
	}
	if e.Examples > 0 && e.EveryEpochs == 0 && e.EverySteps == 0 {
		if s.Train.Steps > 0 {
			return fieldError("eval.every_steps", "missing: training is given in train.steps")
		}
		e.EveryEpochs = 1
	}
	if e.BatchSize < 0 {
		return fieldError("eval.batch_size", "must be positive (got %d)", e.BatchSize)
	}
	if e.BatchSize == 0 {
		e.BatchSize = s.Train.BatchSize
	}
	return nil
}

func (s *Spec) validateSearch() error {
	h := &s.Search
	if err := nonNegative(value{"search.trials", float64(h.Trials)}); err != nil {
		return err
	}
	if len(h.TrialEpochs) > 0 {
		if h.Trials != 0 && h.Trials != int64(len(h.TrialEpochs)) {
			return fieldError("search.trial_epochs", "lists %d trials but search.trials is %d", len(h.TrialEpochs), h.Trials)
		}
		if s.Train.Steps != 0 {
			return fieldError("search.trial_epochs", "needs train.epochs (the full length of a trial), not train.steps")
		}
		h.Trials = int64(len(h.TrialEpochs))
		for i, ep := range h.TrialEpochs {
			if err := nonNegative(value{fmt.Sprintf("search.trial_epochs[%d]", i), ep}); err != nil {
				return err
			}
			if ep > s.Train.Epochs {
				return fieldError(fmt.Sprintf("search.trial_epochs[%d]", i), "%g epochs exceed train.epochs (%g)", ep, s.Train.Epochs)
			}
		}
	}
	if h.Trials == 0 {
		h.Trials = 1
	}
	return nil
}

func (s *Spec) validateDeploy() error {
	d := &s.Deploy
	if err := nonNegative(value{"deploy.queries_per_day", d.QueriesPerDay}, value{"deploy.days", d.Days}, value{"deploy.examples_per_query", float64(d.ExamplesPerQuery)}); err != nil {
		return err
	}
	if d.ExamplesPerQuery == 0 {
		d.ExamplesPerQuery = 1
	}
	return nil
}

func (s *Spec) validateHardware() error {
	hw := &s.Hardware
	if hw.Accelerator == "" {
		if hw.Precision != "" || hw.Count != 0 || hw.Utilization != 0 {
			return fieldError("hardware.accelerator", "missing: precision, count and utilization describe an accelerator")
		}
		return nil
	}
	dev, err := LookupDevice(hw.Accelerator)
	if err != nil {
		return fieldError("hardware.accelerator", "%v", err)
	}
	if hw.Precision == "" {
		hw.Precision = "fp32"
	}
	if _, ok := dev.Peak[hw.Precision]; !ok {
		return fieldError("hardware.precision", "%s has no published %s rate (has: %s)", hw.Accelerator, hw.Precision, strings.Join(sortedKeys(dev.Peak), ", "))
	}
	if hw.Utilization == 0 {
		hw.Utilization = DefaultUtilization
		hw.UtilizationDefault = true
	}
	if !(hw.Utilization > 0 && hw.Utilization <= 1) {
		return fieldError("hardware.utilization", "must be in (0, 1] (got %g)", hw.Utilization)
	}
	if hw.Count < 0 {
		return fieldError("hardware.count", "must be positive (got %d)", hw.Count)
	}
	if hw.Count == 0 {
		hw.Count = 1
	}
	return nil
}

// value is a spec field's name and value.
type value struct {
	field string
	v     float64
}

// nonNegative names the first field whose value is negative or not a finite number.
func nonNegative(vs ...value) error {
	for _, x := range vs {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return fieldError(x.field, "must be a finite number (got %g)", x.v)
		}
		if x.v < 0 {
			return fieldError(x.field, "must not be negative (got %g)", x.v)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Package board is greenai's efficiency leaderboard: boards, submission bundles, entries with server-counted costs, ranking, budget filters and Pareto fronts, kept in SQLite or PostgreSQL.
package board

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/greenai/greenai/tracker"
)

// Board is a task and a dataset with a metric.
type Board struct {
	// Name is the board's id in URLs: 1-64 lower-case letters, digits,
	// '-' and '_'.
	Name    string `json:"name"`
	Title   string `json:"title"`
	Task    string `json:"task,omitempty"`
	Dataset string `json:"dataset,omitempty"`
	// Metric is the key of the ranked value in a submission's metrics.
	Metric string `json:"metric"`
	Unit   string `json:"unit,omitempty"`
	// Higher is true when a higher metric is better.
	Higher bool `json:"higher_is_better"`
	// Inputs fixes the input shapes the server counts at, by input name
	// ("1x3x224x224"); the name "*" applies to a model's only input,
	// whatever it is called.
	Inputs map[string]string `json:"inputs"`
	// Dims binds symbolic dimensions (sequence: 128).
	Dims        map[string]int64 `json:"dims,omitempty"`
	Description string           `json:"description,omitempty"`
	Created     time.Time        `json:"created"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks a board; errors name the field.
func (b *Board) Validate() error {
	if !nameRE.MatchString(b.Name) {
		return &FieldError{Field: "name", Msg: fmt.Sprintf("%q: want 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit", b.Name)}
	}
	if b.Title == "" {
		b.Title = b.Name
	}
	if err := checkText("title", b.Title, 200); err != nil {
		return err
	}
	if b.Metric == "" {
		return &FieldError{Field: "metric", Msg: "missing: name the metric key submissions report, e.g. top1"}
	}
	if err := checkKey("metric", b.Metric); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"task", b.Task}, {"dataset", b.Dataset}, {"unit", b.Unit}} {
		if err := checkText(f.name, f.v, 200); err != nil {
			return err
		}
	}
	if err := checkText("description", b.Description, 4000); err != nil {
		return err
	}
	if len(b.Inputs) == 0 && len(b.Dims) == 0 {
		return &FieldError{Field: "inputs", Msg: "missing: the board fixes the input shape models are counted at, e.g. input=1x3x224x224 (or *=1x3x224x224), or the symbolic dims (batch=1, sequence=128)"}
	}
	for k, v := range b.Inputs {
		if k == "" {
			return &FieldError{Field: "inputs", Msg: "an input has an empty name"}
		}
		if _, err := ParseDims(v); err != nil {
			return &FieldError{Field: "inputs." + k, Msg: err.Error()}
		}
	}
	if _, ok := b.Inputs["*"]; ok && len(b.Inputs) > 1 {
		return &FieldError{Field: "inputs.*", Msg: "\"*\" (the model's only input) cannot be combined with named inputs"}
	}
	for k, v := range b.Dims {
		if v <= 0 {
			return &FieldError{Field: "dims." + k, Msg: fmt.Sprintf("must be positive (got %d)", v)}
		}
	}
	return nil
}

// Direction is "higher" or "lower" (is better).
func (b *Board) Direction() string {
	if b.Higher {
		return "higher"
	}
	return "lower"
}

// InputsString lists the fixed inputs as NAME=DIMS, sorted.
func (b *Board) InputsString() string {
	var parts []string
	for k, v := range b.Inputs {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	for k, v := range b.Dims {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	return strings.Join(parts, ", ")
}

// Better reports whether metric a beats b on this board.
func (b *Board) Better(a, c float64) bool {
	if b.Higher {
		return a > c
	}
	return a < c
}

// Token is a submitter's bearer token, as stored: only its SHA-256.
type Token struct {
	ID        string     `json:"id"`
	Submitter string     `json:"submitter"`
	Created   time.Time  `json:"created"`
	Revoked   *time.Time `json:"revoked,omitempty"`
}

// Entry is one accepted submission with the server's own numbers.
type Entry struct {
	ID        string             `json:"id"`
	Board     string             `json:"board"`
	Model     string             `json:"model"`
	Submitter string             `json:"submitter"`
	Metric    float64            `json:"metric"`
	Metrics   map[string]float64 `json:"metrics"`
	Paper     string             `json:"paper,omitempty"`
	Code      string             `json:"code,omitempty"`
	Notes     string             `json:"notes,omitempty"`
	Created   time.Time          `json:"created"`
	// SubmissionID is the client's idempotency key.
	SubmissionID string `json:"submission_id"`

	File ModelFile `json:"model_file"`
	// Counted holds what the server counted itself; Claimed what the
	// submitter claimed; Flags the disagreements.
	Counted *Counted `json:"counted"`
	Claimed Claimed  `json:"claimed"`
	Flags   []Flag   `json:"flags"`

	// Measured totals over the submitted runs (0 when none).
	Energy Measured `json:"measured"`

	// Detail, loaded only for one entry: the submitted runs and trials.
	Runs   []*tracker.Record `json:"runs,omitempty"`
	Trials []Trial           `json:"trials,omitempty"`
	// Spec is the submitted cost spec (JSON).
	Spec json.RawMessage `json:"cost_spec,omitempty"`
}

// ModelFile describes the uploaded model; the file itself is not kept.
type ModelFile struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Claimed are the submitter's own numbers (0 = not claimed).
type Claimed struct {
	FPO      float64 `json:"fpo,omitempty"`
	MACs     float64 `json:"macs,omitempty"`
	Params   float64 `json:"params,omitempty"`
	TrainFPO float64 `json:"train_fpo,omitempty"`
}

// Flag is a disagreement between a claimed and a counted number.
type Flag struct {
	Field   string  `json:"field"`
	Claimed float64 `json:"claimed"`
	Counted float64 `json:"counted"`
	Message string  `json:"message"`
}

// Measured sums the submitted runs' measurements.
type Measured struct {
	Runs    int     `json:"runs"`
	Joules  float64 `json:"joules"`
	CarbonG float64 `json:"carbon_g"`
	Hours   float64 `json:"hours"` // wall-clock hours summed over runs
	// Provenance says how the energy was obtained: "measured counter",
	// "integrated power", "model estimate", or a mix ("mixed: …").
	Provenance string `json:"provenance,omitempty"`
}

// KWh is the measured energy in kWh.
func (m Measured) KWh() float64 { return m.Joules / 3.6e6 }

// Trial is one hyperparameter trial's validation score (and its cost, when
// known) for the expected-validation-performance curve.
type Trial struct {
	Name  string  `json:"name,omitempty"`
	Score float64 `json:"score"`
	// Hours, when given, is the trial's training time.
	Hours float64 `json:"hours,omitempty"`
}

// FieldError is a validation error naming the offending field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

var keyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9@._:/-]{0,63}$`)

func checkKey(field, v string) error {
	if !keyRE.MatchString(v) {
		return &FieldError{Field: field, Msg: fmt.Sprintf("%q: want 1-64 letters, digits or @._:/- starting with a letter or digit", v)}
	}
	return nil
}

func checkText(field, v string, max int) error {
	if len(v) > max {
		return &FieldError{Field: field, Msg: fmt.Sprintf("too long (%d bytes, at most %d)", len(v), max)}
	}
	for _, r := range v {
		if r == '\uFFFD' {
			return &FieldError{Field: field, Msg: "not valid UTF-8"}
		}
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return &FieldError{Field: field, Msg: fmt.Sprintf("holds the control character %U", r)}
		}
	}
	return nil
}

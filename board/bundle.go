package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/greenai/greenai/tracker"
)

// BundleFormat and BundleVersion identify a submission manifest. A server
// rejects a version it does not know; docs/leaderboard.md describes each.
const (
	BundleFormat  = "greenai-bundle"
	BundleVersion = 1
)

// Manifest is the JSON part of a submission bundle. The model file travels
// beside it (multipart/form-data part "model"; see docs/leaderboard.md).
type Manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// SubmissionID is the client's idempotency key: resending a bundle
	// with the same id (same token) returns the entry made the first time.
	SubmissionID string             `json:"submission_id"`
	Board        string             `json:"board"`
	Model        string             `json:"model"`
	Metrics      map[string]float64 `json:"metrics"`
	Paper        string             `json:"paper,omitempty"`
	Code         string             `json:"code,omitempty"`
	Notes        string             `json:"notes,omitempty"`
	Claimed      Claimed            `json:"claimed"`
	// ModelFile names the model file and, optionally, its SHA-256, which
	// the server checks against what it received.
	ModelFile ModelFile `json:"model_file"`
	// CostSpec is a greenai cost spec (as JSON; its model field is
	// ignored: the server counts the uploaded model).
	CostSpec json.RawMessage `json:"cost_spec,omitempty"`
	// Runs are exported "greenai run" records (greenai runs --json).
	Runs []*tracker.Record `json:"runs,omitempty"`
	// Trials are per-trial validation scores for the EVP curve.
	Trials []Trial `json:"trials,omitempty"`
}

// Limits on a manifest.
const (
	MaxManifestBytes = 8 << 20
	maxRuns          = 1000
	maxTrials        = 10000
	maxMetrics       = 64
)

// ParseManifest decodes and validates a manifest. Unknown fields are
// errors; every error names the field.
func ParseManifest(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, manifestDecodeError(err)
	}
	if dec.More() {
		return nil, &FieldError{Field: "manifest", Msg: "more than one JSON value"}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func manifestDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "manifest"
		}
		return &FieldError{Field: f, Msg: fmt.Sprintf("want a %s, got a JSON %s", te.Type, te.Value)}
	case errors.As(err, &se):
		return &FieldError{Field: "manifest", Msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &FieldError{Field: name, Msg: "unknown field (see docs/leaderboard.md for the bundle format)"}
	case errors.Is(err, errors.New("EOF")) || err.Error() == "EOF" || err.Error() == "unexpected EOF":
		return &FieldError{Field: "manifest", Msg: "empty or truncated JSON"}
	}
	return &FieldError{Field: "manifest", Msg: err.Error()}
}

// Validate checks every field of the manifest.
func (m *Manifest) Validate() error {
	if m.Format != BundleFormat {
		return &FieldError{Field: "format", Msg: fmt.Sprintf("%q: want %q", m.Format, BundleFormat)}
	}
	if m.Version != BundleVersion {
		return &FieldError{Field: "version", Msg: fmt.Sprintf("%d: this server reads version %d", m.Version, BundleVersion)}
	}
	if m.SubmissionID == "" {
		return &FieldError{Field: "submission_id", Msg: "missing: a client-chosen unique id (e.g. a random UUID) that makes resending safe"}
	}
	if err := checkKey("submission_id", m.SubmissionID); err != nil {
		return err
	}
	if m.Board == "" {
		return &FieldError{Field: "board", Msg: "missing"}
	}
	if !nameRE.MatchString(m.Board) {
		return &FieldError{Field: "board", Msg: fmt.Sprintf("%q is not a board name", m.Board)}
	}
	if strings.TrimSpace(m.Model) == "" {
		return &FieldError{Field: "model", Msg: "missing: the model's name, e.g. resnet18"}
	}
	if err := checkText("model", m.Model, 200); err != nil {
		return err
	}
	if len(m.Metrics) == 0 {
		return &FieldError{Field: "metrics", Msg: "missing: at least the board's metric, e.g. {\"top1\": 69.8}"}
	}
	if len(m.Metrics) > maxMetrics {
		return &FieldError{Field: "metrics", Msg: fmt.Sprintf("%d metrics, at most %d", len(m.Metrics), maxMetrics)}
	}
	for _, k := range slices.Sorted(maps.Keys(m.Metrics)) {
		if err := checkKey("metrics", k); err != nil {
			return err
		}
		if v := m.Metrics[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return &FieldError{Field: "metrics." + k, Msg: "not a finite number"}
		}
	}
	for _, l := range []struct{ field, v string }{{"paper", m.Paper}, {"code", m.Code}} {
		if err := checkURL(l.field, l.v); err != nil {
			return err
		}
	}
	if err := checkText("notes", m.Notes, 4000); err != nil {
		return err
	}
	for _, c := range []struct {
		field string
		v     float64
	}{{"claimed.fpo", m.Claimed.FPO}, {"claimed.macs", m.Claimed.MACs}, {"claimed.params", m.Claimed.Params}, {"claimed.train_fpo", m.Claimed.TrainFPO}} {
		if c.v < 0 || math.IsNaN(c.v) || math.IsInf(c.v, 0) {
			return &FieldError{Field: c.field, Msg: fmt.Sprintf("must be a non-negative number (got %v)", c.v)}
		}
	}
	if err := checkText("model_file.name", m.ModelFile.Name, 255); err != nil {
		return err
	}
	if s := m.ModelFile.SHA256; s != "" {
		if len(s) != 64 || strings.Trim(strings.ToLower(s), "0123456789abcdef") != "" {
			return &FieldError{Field: "model_file.sha256", Msg: "want 64 hexadecimal digits"}
		}
		m.ModelFile.SHA256 = strings.ToLower(s)
	}
	if f := m.ModelFile.Format; f != "" && !contains(ModelFormats(), f) {
		return &FieldError{Field: "model_file.format", Msg: fmt.Sprintf("%q: want %s", f, strings.Join(ModelFormats(), ", "))}
	}
	if len(m.CostSpec) > 0 {
		t := bytes.TrimSpace(m.CostSpec)
		if len(t) == 0 || (t[0] != '{' && !bytes.Equal(t, []byte("null"))) {
			return &FieldError{Field: "cost_spec", Msg: "want a JSON object (a greenai cost spec)"}
		}
		if bytes.Equal(t, []byte("null")) {
			m.CostSpec = nil
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(t, &probe); err == nil {
			if _, ok := probe["cost_table"]; ok {
				return &FieldError{Field: "cost_spec.cost_table", Msg: "not allowed: boards count with the default cost table"}
			}
		}
	}
	if len(m.Runs) > maxRuns {
		return &FieldError{Field: "runs", Msg: fmt.Sprintf("%d runs, at most %d", len(m.Runs), maxRuns)}
	}
	for i, r := range m.Runs {
		f := fmt.Sprintf("runs[%d]", i)
		if r == nil {
			return &FieldError{Field: f, Msg: "null"}
		}
		if r.ID == "" {
			return &FieldError{Field: f + ".id", Msg: "missing"}
		}
		for j, e := range r.Energy {
			if e.Joules < 0 || math.IsNaN(e.Joules) || math.IsInf(e.Joules, 0) {
				return &FieldError{Field: fmt.Sprintf("%s.energy[%d].joules", f, j), Msg: "must be a non-negative number"}
			}
			switch e.Provenance {
			case tracker.MeasuredCounter, tracker.IntegratedPower, tracker.ModelEstimate:
			default:
				return &FieldError{Field: fmt.Sprintf("%s.energy[%d].provenance", f, j), Msg: fmt.Sprintf("%q: want %s, %s or %s", e.Provenance, tracker.MeasuredCounter, tracker.IntegratedPower, tracker.ModelEstimate)}
			}
		}
		for _, c := range []struct {
			field string
			v     float64
		}{{"energy_joules", r.EnergyJoules}, {"carbon_g", r.CarbonG}, {"wall_seconds", r.WallSeconds}} {
			if c.v < 0 || math.IsNaN(c.v) || math.IsInf(c.v, 0) {
				return &FieldError{Field: f + "." + c.field, Msg: "must be a non-negative number"}
			}
		}
	}
	if len(m.Trials) > maxTrials {
		return &FieldError{Field: "trials", Msg: fmt.Sprintf("%d trials, at most %d", len(m.Trials), maxTrials)}
	}
	for i, t := range m.Trials {
		if math.IsNaN(t.Score) || math.IsInf(t.Score, 0) {
			return &FieldError{Field: fmt.Sprintf("trials[%d].score", i), Msg: "not a finite number"}
		}
		if t.Hours < 0 || math.IsNaN(t.Hours) || math.IsInf(t.Hours, 0) {
			return &FieldError{Field: fmt.Sprintf("trials[%d].hours", i), Msg: "must be a non-negative number"}
		}
		if err := checkText(fmt.Sprintf("trials[%d].name", i), t.Name, 200); err != nil {
			return err
		}
	}
	return nil
}

// ModelFormats lists the model formats a server counts, as
// model_file.format names them: an ONNX model, a Hugging Face config.json
// (the graph built by package hf), a GGUF file (from its metadata).
func ModelFormats() []string { return []string{"onnx", "config", "gguf"} }

func checkURL(field, v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 2000 {
		return &FieldError{Field: field, Msg: "URL too long (at most 2000 bytes)"}
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &FieldError{Field: field, Msg: fmt.Sprintf("%q: want an http(s) URL", v)}
	}
	return nil
}

// CheckAgainst checks the manifest against its board.
func (m *Manifest) CheckAgainst(b *Board) error {
	if _, ok := m.Metrics[b.Metric]; !ok {
		return &FieldError{Field: "metrics." + b.Metric, Msg: fmt.Sprintf("missing: board %s ranks by %q", b.Name, b.Metric)}
	}
	return nil
}

// Summarize sums the measured energy, carbon and hours of runs and says
// how the energy was obtained.
func Summarize(runs []*tracker.Record) Measured {
	var m Measured
	provs := map[string]bool{}
	for _, r := range runs {
		m.Runs++
		j := r.EnergyJoules
		if j == 0 {
			j = tracker.TotalJoules(r.Energy)
		}
		m.Joules += j
		m.CarbonG += r.CarbonG
		m.Hours += r.WallSeconds / 3600
		for _, e := range r.Energy {
			provs[string(e.Provenance)] = true
		}
	}
	ps := slices.Sorted(maps.Keys(provs))
	switch len(ps) {
	case 0:
		if m.Runs > 0 {
			m.Provenance = "none recorded"
		}
	case 1:
		m.Provenance = ps[0]
	default:
		m.Provenance = "mixed: " + strings.Join(ps, " + ")
	}
	return m
}

// Disagreement is the relative difference above which a claimed number
// is flagged (1%).
const Disagreement = 0.01

// CheckClaims compares claimed with counted numbers.
func CheckClaims(cl Claimed, c *Counted) []Flag {
	var flags []Flag
	check := func(field string, claimed, counted float64, what string) {
		if claimed == 0 {
			return
		}
		if counted == 0 || math.Abs(claimed-counted)/counted > Disagreement {
			ratio := "n/a"
			if counted != 0 {
				ratio = strconv.FormatFloat(claimed/counted, 'g', 3, 64) + "×"
			}
			flags = append(flags, Flag{Field: field, Claimed: claimed, Counted: counted,
				Message: fmt.Sprintf("claimed %s %s differs from the server's count %s (%s)", what, fmtG(claimed), fmtG(counted), ratio)})
		}
	}
	check("fpo", cl.FPO, c.FPO, "FPO per inference")
	check("macs", cl.MACs, c.MACs, "MACs per inference")
	check("params", cl.Params, float64(c.Params), "parameters")
	if c.Price != nil {
		check("train_fpo", cl.TrainFPO, c.Price.SearchFPO, "training FPO")
	}
	return flags
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

package trackerio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/greenai/greenai/tracker"
)

// MLflow is a client of the few MLflow tracking-server REST calls greenai
// needs (https://mlflow.org/docs/latest/rest-api.html). There is no
// maintained Go MLflow client — the official ones are Python, Java and R —
// so these calls are written here against the documented API, with
// net/http and encoding/json.
type MLflow struct {
	// Base is the tracking server, e.g. http://localhost:5000.
	Base string
	HTTP *http.Client
	// Token, or User and Password, authenticate (MLFLOW_TRACKING_TOKEN,
	// MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD).
	Token, User, Password string
}

// NewMLflow returns a client of the server at base with credentials from
// the environment variables MLflow's own clients read.
func NewMLflow(base string, getenv func(string) string) (*MLflow, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mlflow: %q is not an http:// or https:// tracking server URL", base)
	}
	return &MLflow{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 60 * time.Second},
		Token: getenv("MLFLOW_TRACKING_TOKEN"), User: getenv("MLFLOW_TRACKING_USERNAME"), Password: getenv("MLFLOW_TRACKING_PASSWORD")}, nil
}

// APIError is an error the server answered with.
type APIError struct {
	Endpoint string
	Status   int
	Code     string `json:"error_code"`
	Message  string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("mlflow: %s: HTTP %d %s: %s", e.Endpoint, e.Status, e.Code, e.Message)
}

// call does one request: GET with query parameters, or POST with a JSON
// body; out receives the JSON answer.
func (c *MLflow) call(ctx context.Context, method, endpoint string, query url.Values, body, out any) error {
	u := c.Base + "/api/2.0/mlflow/" + endpoint
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("mlflow: %s: %w", endpoint, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case c.User != "":
		req.SetBasicAuth(c.User, c.Password)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("mlflow: %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("mlflow: %s: read answer: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{Endpoint: endpoint, Status: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Code == "" {
			e.Message = strings.TrimSpace(string(b))
			if len(e.Message) > 200 {
				e.Message = e.Message[:200] + "…"
			}
		}
		return e
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("mlflow: %s: answer is not the documented JSON: %w", endpoint, err)
		}
	}
	return nil
}

// KV is an MLflow param or tag.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Metric is one MLflow metric value.
type Metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"` // Unix milliseconds
	Step      int64   `json:"step"`
}

// Experiment is the part of an MLflow experiment greenai uses.
type Experiment struct {
	ID   string `json:"experiment_id"`
	Name string `json:"name"`
}

// ExperimentByName returns the experiment, or nil when there is none.
func (c *MLflow) ExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	var out struct {
		Experiment *Experiment `json:"experiment"`
	}
	err := c.call(ctx, http.MethodGet, "experiments/get-by-name", url.Values{"experiment_name": {name}}, nil, &out)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == "RESOURCE_DOES_NOT_EXIST" {
		return nil, nil
	}
	return out.Experiment, err
}

// EnsureExperiment returns the id of the experiment, created if needed.
func (c *MLflow) EnsureExperiment(ctx context.Context, name string) (string, error) {
	e, err := c.ExperimentByName(ctx, name)
	if err != nil {
		return "", err
	}
	if e != nil {
		return e.ID, nil
	}
	var out struct {
		ID string `json:"experiment_id"`
	}
	if err := c.call(ctx, http.MethodPost, "experiments/create", nil, map[string]any{"name": name}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("mlflow: experiments/create: no experiment_id in the answer")
	}
	return out.ID, nil
}

// RunInfo is the part of an MLflow run's info greenai uses.
type RunInfo struct {
	RunID        string `json:"run_id"`
	ExperimentID string `json:"experiment_id"`
	RunName      string `json:"run_name"`
	Status       string `json:"status"`
	StartTime    int64  `json:"start_time"`
	EndTime      int64  `json:"end_time"`
}

// Run is an MLflow run as runs/search returns it.
type Run struct {
	Info RunInfo `json:"info"`
	Data struct {
		Metrics []Metric `json:"metrics"` // the latest value of each
		Params  []KV     `json:"params"`
		Tags    []KV     `json:"tags"`
	} `json:"data"`
}

// SearchRuns returns the runs of the experiments matching filter (MLflow's
// search syntax; "" for all), every page.
func (c *MLflow) SearchRuns(ctx context.Context, experimentIDs []string, filter string) ([]Run, error) {
	var all []Run
	token := ""
	for {
		body := map[string]any{"experiment_ids": experimentIDs, "max_results": 1000}
		if filter != "" {
			body["filter"] = filter
		}
		if token != "" {
			body["page_token"] = token
		}
		var out struct {
			Runs  []Run  `json:"runs"`
			Token string `json:"next_page_token"`
		}
		if err := c.call(ctx, http.MethodPost, "runs/search", nil, body, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Runs...)
		if out.Token == "" {
			return all, nil
		}
		token = out.Token
	}
}

// MetricHistory returns every value of one metric of a run.
func (c *MLflow) MetricHistory(ctx context.Context, runID, key string) ([]Metric, error) {
	var all []Metric
	token := ""
	for {
		q := url.Values{"run_id": {runID}, "metric_key": {key}, "max_results": {"25000"}}
		if token != "" {
			q.Set("page_token", token)
		}
		var out struct {
			Metrics []Metric `json:"metrics"`
			Token   string   `json:"next_page_token"`
		}
		if err := c.call(ctx, http.MethodGet, "metrics/get-history", q, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Metrics...)
		if out.Token == "" {
			return all, nil
		}
		token = out.Token
	}
}

// MLflow's limits on one runs/log-batch request.
const (
	maxBatchMetrics = 1000
	maxBatchParams  = 100
	maxBatchTags    = 100
	maxBatchItems   = 1000
	maxParamValue   = 6000 // bytes a param value may hold (MLflow 2.x)
)

// TagRunID marks the MLflow run that holds a greenai run, so that a
// second export finds it instead of logging the run twice.
const TagRunID = "greenai.run_id"

// Exported says what ExportMLflow did with one record.
type Exported struct {
	ID, MLflowRun, Experiment string
	Existed                   bool // already exported: left as it was
	Metrics, Params, Tags     int
	Skipped                   int // metric lines without a step
}

// ExportMLflow logs each record as an MLflow run: its experiment (else
// "greenai"), params, the metrics of its metric lines per step, greenai's
// energy, carbon, time and FPO per step and in total, and tags for its
// provenance; a record already exported (same greenai.run_id tag) is left
// alone.
func ExportMLflow(ctx context.Context, c *MLflow, recs []*tracker.Record) ([]Exported, error) {
	var done []Exported
	expIDs := map[string]string{}
	for _, r := range recs {
		exp := r.Experiment
		if exp == "" {
			exp = "greenai"
		}
		eid, ok := expIDs[exp]
		if !ok {
			var err error
			if eid, err = c.EnsureExperiment(ctx, exp); err != nil {
				return done, err
			}
			expIDs[exp] = eid
		}
		ex := Exported{ID: r.ID, Experiment: exp}
		prior, err := c.SearchRuns(ctx, []string{eid}, fmt.Sprintf("tags.`%s` = '%s'", TagRunID, r.ID))
		if err != nil {
			return done, err
		}
		if len(prior) > 0 {
			ex.MLflowRun, ex.Existed = prior[0].Info.RunID, true
			done = append(done, ex)
			continue
		}
		name := r.Trial
		if name == "" {
			name = r.ID
		}
		tags := runTags(r)
		var created struct {
			Run Run `json:"run"`
		}
		if err := c.call(ctx, http.MethodPost, "runs/create", nil, map[string]any{
			"experiment_id": eid, "run_name": name, "start_time": r.Start.UnixMilli(), "tags": tags}, &created); err != nil {
			return done, err
		}
		id := created.Run.Info.RunID
		if id == "" {
			return done, fmt.Errorf("mlflow: runs/create: no run_id in the answer")
		}
		ex.MLflowRun, ex.Tags = id, len(tags)
		params := make([]KV, 0, len(r.Params))
		for k, v := range r.Params {
			if len(v) > maxParamValue {
				v = v[:maxParamValue]
			}
			params = append(params, KV{k, v})
		}
		sort.Slice(params, func(i, j int) bool { return params[i].Key < params[j].Key })
		steps, skipped := Scalars(r)
		ex.Skipped = skipped
		var metrics []Metric
		for _, s := range steps {
			keys := make([]string, 0, len(s.Values))
			for k := range s.Values {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				metrics = append(metrics, Metric{Key: mlflowKey(k), Value: s.Values[k], Timestamp: int64(s.WallTime * 1000), Step: s.Step})
			}
		}
		ex.Params, ex.Metrics = len(params), len(metrics)
		if err := logBatches(ctx, c, id, metrics, params); err != nil {
			return done, err
		}
		status := "FINISHED"
		switch {
		case !r.Complete:
			status = "RUNNING"
		case r.Status == tracker.StatusFailed || (r.ExitCode != nil && *r.ExitCode != 0 && r.Status == tracker.StatusFinished):
			status = "FAILED"
		case r.Status == tracker.StatusInterrupted || r.Status == tracker.StatusSignaled:
			status = "KILLED"
		}
		upd := map[string]any{"run_id": id, "status": status}
		if r.End != nil {
			upd["end_time"] = r.End.UnixMilli()
		}
		if err := c.call(ctx, http.MethodPost, "runs/update", nil, upd, nil); err != nil {
			return done, err
		}
		done = append(done, ex)
	}
	return done, nil
}

// mlflowKey makes a tag valid as an MLflow metric key (letters, digits,
// _ - . space / only).
func mlflowKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_-. /", r):
			return r
		}
		return '_'
	}, k)
}

func runTags(r *tracker.Record) []KV {
	tags := []KV{{TagRunID, r.ID}, {"greenai.command", trunc(r.Command, 5000)}, {"greenai.host", r.Host},
		{"greenai.status", r.Status}, {"greenai.carbon", trunc(r.Carbon.String(), 5000)}}
	if r.Version != "" {
		tags = append(tags, KV{"greenai.version", r.Version})
	}
	if r.Group != "" {
		tags = append(tags, KV{"greenai.job", r.Group}, KV{"greenai.rank", r.Rank})
	}
	for _, e := range r.Energy {
		k := "greenai.energy." + mlflowKey(e.Component)
		if e.Device != "" {
			k += "." + mlflowKey(e.Device)
		}
		tags = append(tags, KV{k, trunc(fmt.Sprintf("%.6g J, %s: %s", e.Joules, e.Provenance, e.Method), 5000)})
	}
	for _, t := range r.Tags {
		tags = append(tags, KV{"greenai.tag." + mlflowKey(t), "true"})
	}
	if len(tags) > maxBatchTags {
		tags = tags[:maxBatchTags]
	}
	return tags
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// logBatches sends metrics and params in requests within MLflow's limits.
func logBatches(ctx context.Context, c *MLflow, id string, metrics []Metric, params []KV) error {
	for len(metrics) > 0 || len(params) > 0 {
		np := min(len(params), maxBatchParams)
		nm := min(len(metrics), maxBatchMetrics, maxBatchItems-np)
		body := map[string]any{"run_id": id, "metrics": metrics[:nm], "params": params[:np]}
		if err := c.call(ctx, http.MethodPost, "runs/log-batch", nil, body, nil); err != nil {
			return err
		}
		metrics, params = metrics[nm:], params[np:]
	}
	return nil
}

// EnvTrackingURI is MLflow's own variable naming the tracking server.
const EnvTrackingURI = "MLFLOW_TRACKING_URI"

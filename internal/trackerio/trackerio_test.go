package trackerio

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/tfevents"
	"github.com/greenai/greenai/tracker"
)

func testRecord() *tracker.Record {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	end := start.Add(90 * time.Second)
	code := 0
	f1, f2 := 2e12, 4e12
	r := &tracker.Record{ID: "20260501T120000-0000abcd", Status: tracker.StatusFinished, Complete: true, Start: start, End: &end, ExitCode: &code,
		Command: "python train.py", Host: "node1", WallSeconds: 90, EnergyJoules: 7200, CarbonG: 0.8,
		Carbon: carbon.Setting{PUE: 1, GramsPerKWh: 400}, Experiment: "sst2", Trial: "lr0.1",
		Params: map[string]string{"lr": "0.1", "batch": "32"}, Tags: []string{"baseline"},
		FPO:    &tracker.FPOInfo{TotalFPO: 5e12, PerExampleFPO: 1e9},
		Energy: []tracker.Energy{{Component: "cpu", Device: "package-0", Joules: 7200, Provenance: tracker.MeasuredCounter, Method: "RAPL"}},
		Steps:  []tracker.Step{{Step: 100, Seconds: 30, Joules: 2400, FPO: &f1}, {Step: 200, Seconds: 60, Joules: 4800, FPO: &f2}},
	}
	for _, m := range []string{`{"step":100,"loss":0.9,"val_acc":0.5}`, `{"step":200,"loss":0.5,"val_acc":0.7}`, `{"epoch":1,"note":"no step"}`} {
		r.Metrics = append(r.Metrics, json.RawMessage(m))
	}
	return r
}

// Everything exported to TensorBoard reads back, every scalar exact.
func TestTensorBoardReadsBack(t *testing.T) {
	r := testRecord()
	dir := t.TempDir()
	files, skipped, err := WriteTensorBoard(dir, []*tracker.Record{r})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || skipped[r.ID] != 1 || filepath.Dir(files[0]) != filepath.Join(dir, r.ID) {
		t.Fatalf("files %v skipped %v", files, skipped)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ev, err := tfevents.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]map[string]float64{}
	for _, s := range ev.Scalars {
		if got[s.Step] == nil {
			got[s.Step] = map[string]float64{}
		}
		got[s.Step][s.Tag] = s.Value
	}
	want := map[int64]map[string]float64{
		100: {"loss": 0.9, "val_acc": 0.5, TagEnergyJoules: 2400, TagEnergyKWh: 2400 / 3.6e6, TagCarbonG: 400 * 2400 / 3.6e6, TagSeconds: 30, TagFPO: 2e12},
		// The last step holds the run's totals.
		200: {"loss": 0.5, "val_acc": 0.7, TagEnergyJoules: 7200, TagEnergyKWh: 7200 / 3.6e6, TagCarbonG: 0.8, TagSeconds: 90, TagFPO: 5e12},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v\nwant %v", got, want)
	}
	if ev.Version != tfevents.FileVersion {
		t.Errorf("version %q", ev.Version)
	}
}

// exchange is one request/response pair of MLflow's REST API, in the
// shapes its documentation gives (mlflow.org/docs/latest/rest-api.html:
// Get Experiment By Name, Create Experiment, Search Runs, Create Run, Log
// Batch, Update Run). want lists request fields that must be present with
// these values.
type exchange struct {
	method, path string
	want         map[string]any
	status       int
	answer       string
}

func replay(t *testing.T, script []exchange) (*httptest.Server, *[][]byte) {
	var mu sync.Mutex
	i := 0
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if i >= len(script) {
			t.Errorf("unexpected request %s %s", req.Method, req.URL)
			http.Error(w, "unexpected", 500)
			return
		}
		x := script[i]
		i++
		body, _ := io.ReadAll(req.Body)
		bodies = append(bodies, body)
		if req.Method != x.method || req.URL.Path != x.path {
			t.Errorf("request %d: %s %s, want %s %s", i, req.Method, req.URL.Path, x.method, x.path)
		}
		fields := map[string]any{}
		if x.method == http.MethodGet {
			for k, v := range req.URL.Query() {
				fields[k] = v[0]
			}
		} else {
			if ct := req.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("request %d: content type %q", i, ct)
			}
			if err := json.Unmarshal(body, &fields); err != nil {
				t.Errorf("request %d: body %s: %v", i, body, err)
			}
		}
		for k, v := range x.want {
			if g, _ := json.Marshal(fields[k]); string(g) != mustJSON(v) {
				t.Errorf("request %d %s: %s = %s, want %s", i, x.path, k, g, mustJSON(v))
			}
		}
		if got := req.Header.Get("Authorization"); got != "Bearer tok" {
			t.Errorf("request %d: authorization %q", i, got)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(x.status)
		io.WriteString(w, x.answer)
	}))
	t.Cleanup(func() {
		srv.Close()
		if i != len(script) {
			t.Errorf("%d of %d requests made", i, len(script))
		}
	})
	return srv, &bodies
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestExportMLflow(t *testing.T) {
	r := testRecord()
	const api = "/api/2.0/mlflow/"
	srv, bodies := replay(t, []exchange{
		{"GET", api + "experiments/get-by-name", map[string]any{"experiment_name": "sst2"}, 404,
			`{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Could not find experiment with name 'sst2'"}`},
		{"POST", api + "experiments/create", map[string]any{"name": "sst2"}, 200, `{"experiment_id": "1"}`},
		{"POST", api + "runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "tags.`greenai.run_id` = '" + r.ID + "'"}, 200, `{}`},
		{"POST", api + "runs/create", map[string]any{"experiment_id": "1", "run_name": "lr0.1", "start_time": r.Start.UnixMilli()}, 200,
			`{"run": {"info": {"run_id": "5f1f3c1e0d7a4b6c9e8d7c6b5a493827", "run_uuid": "5f1f3c1e0d7a4b6c9e8d7c6b5a493827", "experiment_id": "1",
			  "run_name": "lr0.1", "status": "RUNNING", "start_time": 1777636800000, "artifact_uri": "mlflow-artifacts:/1/5f1f/artifacts",
			  "lifecycle_stage": "active"}, "data": {}}}`},
		{"POST", api + "runs/log-batch", map[string]any{"run_id": "5f1f3c1e0d7a4b6c9e8d7c6b5a493827",
			"params": []KV{{"batch", "32"}, {"lr", "0.1"}}}, 200, `{}`},
		{"POST", api + "runs/update", map[string]any{"run_id": "5f1f3c1e0d7a4b6c9e8d7c6b5a493827", "status": "FINISHED", "end_time": r.End.UnixMilli()}, 200,
			`{"run_info": {"run_id": "5f1f3c1e0d7a4b6c9e8d7c6b5a493827", "experiment_id": "1", "status": "FINISHED", "start_time": 1777636800000, "end_time": 1777636890000, "lifecycle_stage": "active"}}`},
		// A second export finds the run by its greenai.run_id tag.
		{"GET", api + "experiments/get-by-name", map[string]any{"experiment_name": "sst2"}, 200,
			`{"experiment": {"experiment_id": "1", "name": "sst2", "artifact_location": "mlflow-artifacts:/1", "lifecycle_stage": "active"}}`},
		{"POST", api + "runs/search", nil, 200, `{"runs": [{"info": {"run_id": "5f1f3c1e0d7a4b6c9e8d7c6b5a493827", "experiment_id": "1", "status": "FINISHED"}, "data": {}}]}`},
	})
	c, err := NewMLflow(srv.URL, func(k string) string { return map[string]string{"MLFLOW_TRACKING_TOKEN": "tok"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	done, err := ExportMLflow(context.Background(), c, []*tracker.Record{r})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || done[0].MLflowRun != "5f1f3c1e0d7a4b6c9e8d7c6b5a493827" || done[0].Params != 2 || done[0].Skipped != 1 {
		t.Errorf("%+v", done)
	}
	// The batch holds every scalar the TensorBoard export has.
	var batch struct {
		Metrics []Metric `json:"metrics"`
	}
	if err := json.Unmarshal((*bodies)[4], &batch); err != nil {
		t.Fatal(err)
	}
	steps, _ := Scalars(r)
	n := 0
	for _, s := range steps {
		n += len(s.Values)
	}
	if len(batch.Metrics) != n {
		t.Errorf("%d metric values, want %d", len(batch.Metrics), n)
	}
	found := false
	for _, m := range batch.Metrics {
		if m.Key == TagEnergyKWh && m.Step == 200 && m.Value == 7200/3.6e6 && m.Timestamp == r.End.UnixMilli() {
			found = true
		}
	}
	if !found {
		t.Errorf("no total energy at the last step: %+v", batch.Metrics)
	}
	again, err := ExportMLflow(context.Background(), c, []*tracker.Record{r})
	if err != nil || len(again) != 1 || !again[0].Existed {
		t.Errorf("second export: %+v %v", again, err)
	}
}

func TestMLflowErrors(t *testing.T) {
	if _, err := NewMLflow("file:///tmp/mlruns", func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "not an http") {
		t.Errorf("file URL: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(403)
		io.WriteString(w, `{"error_code": "PERMISSION_DENIED", "message": "User lacks permission"}`)
	}))
	defer srv.Close()
	c, _ := NewMLflow(srv.URL, func(string) string { return "" })
	_, err := ExportMLflow(context.Background(), c, []*tracker.Record{testRecord()})
	if err == nil || !strings.Contains(err.Error(), "PERMISSION_DENIED") || !strings.Contains(err.Error(), "experiments/get-by-name") {
		t.Errorf("error %v", err)
	}
}

// Large runs are split into requests within MLflow's documented limits
// (1000 metrics, 100 params, 1000 items per runs/log-batch).
func TestLogBatchesWithinLimits(t *testing.T) {
	var sizes [][2]int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var b struct {
			Metrics []Metric `json:"metrics"`
			Params  []KV     `json:"params"`
		}
		_ = json.NewDecoder(req.Body).Decode(&b)
		sizes = append(sizes, [2]int{len(b.Metrics), len(b.Params)})
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, _ := NewMLflow(srv.URL, func(string) string { return "" })
	ms := make([]Metric, 2500)
	ps := make([]KV, 150)
	if err := logBatches(context.Background(), c, "r", ms, ps); err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{900, 100}, {950, 50}, {650, 0}}
	if !reflect.DeepEqual(sizes, want) {
		t.Errorf("batches %v, want %v", sizes, want)
	}
}

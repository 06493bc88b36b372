package trackerio

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/greenai/greenai/tracker"
)

// writeMLruns makes an MLflow file store as MLflow 2.x lays it out.
func writeMLruns(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "mlruns")
	files := map[string]string{
		"0/meta.yaml": "artifact_location: file:///x/mlruns/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n",
		"0/aaa/meta.yaml": "artifact_uri: file:///x/mlruns/0/aaa/artifacts\nend_time: 1700000100000\nentry_point_name: ''\nexperiment_id: '0'\n" +
			"lifecycle_stage: active\nrun_id: aaa\nrun_name: bert-lr1\nrun_uuid: aaa\nsource_name: ''\nsource_type: 4\nstart_time: 1700000000000\nstatus: 3\nuser_id: me\n",
		"0/aaa/params/model":       "bert",
		"0/aaa/params/lr":          "1e-5",
		"0/aaa/metrics/val_acc":    "1700000010000 0.5 1\n1700000020000 0.75 2\n",
		"0/aaa/metrics/train/loss": "1700000010000 2.5 1\n",
		"0/bbb/meta.yaml":          "experiment_id: '0'\nlifecycle_stage: active\nrun_id: bbb\nrun_name: ''\nstatus: 3\n",
		"0/bbb/params/model":       "cnn",
		"0/bbb/metrics/val_acc":    "1700000030000 0.625 1\n",
		"0/ccc/meta.yaml":          "experiment_id: '0'\nlifecycle_stage: deleted\nrun_id: ccc\n",
		".trash/README":            "deleted experiments",
	}
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadMLruns(t *testing.T) {
	root := writeMLruns(t)
	if !IsMLruns(root) || !IsMLruns(filepath.Join(root, "0")) || IsMLruns(t.TempDir()) {
		t.Fatal("mlruns detection")
	}
	steps, runs, err := ReadMLruns(root)
	if err != nil {
		t.Fatal(err)
	}
	wantRuns := []map[string]string{
		{"run": "bert-lr1", "experiment": "Default", "model": "bert", "lr": "1e-5", "val_acc": "0.75", "train/loss": "2.5", "steps": "2"},
		{"run": "bbb", "experiment": "Default", "model": "cnn", "val_acc": "0.625", "steps": "1"},
	}
	if !reflect.DeepEqual(runs.Rows, wantRuns) {
		t.Errorf("runs %v\nwant %v", runs.Rows, wantRuns)
	}
	if len(steps.Rows) != 3 || steps.Rows[1]["step"] != "2" || steps.Rows[1]["val_acc"] != "0.75" || steps.Rows[1]["timestamp"] != "1700000020" {
		t.Errorf("steps %v", steps.Rows)
	}
	bad := writeMLruns(t)
	if err := os.WriteFile(filepath.Join(bad, "0", "aaa", "metrics", "val_acc"), []byte("yesterday 0.5 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadMLruns(bad); err == nil || !strings.Contains(err.Error(), "metrics/val_acc:1") {
		t.Errorf("bad metric line: %v", err)
	}
}

func TestReadTensorBoardDir(t *testing.T) {
	dir := t.TempDir()
	r := testRecord()
	if _, _, err := WriteTensorBoard(dir, []*tracker.Record{r}); err != nil {
		t.Fatal(err)
	}
	if !IsTensorBoard(dir) {
		t.Fatal("not detected")
	}
	steps, runs, err := ReadTensorBoard(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs.Rows) != 1 || runs.Rows[0]["run"] != r.ID || runs.Rows[0][TagEnergyKWh] != fmtFloat(7200/3.6e6) || runs.Rows[0]["val_acc"] != "0.7" {
		t.Errorf("runs %v", runs.Rows)
	}
	if len(steps.Rows) != 2 || steps.Rows[0]["loss"] != "0.9" || steps.Rows[0][TagEnergyKWh] != fmtFloat(2400/3.6e6) {
		t.Errorf("steps %v", steps.Rows)
	}
}

// Reading from a tracking server: the documented runs/search and
// metrics/get-history answers.
func TestReadMLflowREST(t *testing.T) {
	const api = "/api/2.0/mlflow/"
	srv, _ := replay(t, []exchange{
		{"GET", api + "experiments/get-by-name", map[string]any{"experiment_name": "sst2"}, 200, `{"experiment": {"experiment_id": "7", "name": "sst2"}}`},
		{"POST", api + "runs/search", map[string]any{"experiment_ids": []string{"7"}}, 200,
			`{"runs": [{"info": {"run_id": "r1", "run_name": "bert-a", "experiment_id": "7", "status": "FINISHED"},
			  "data": {"metrics": [{"key": "val_acc", "value": 0.8, "timestamp": 1700000002000, "step": 2}], "params": [{"key": "model", "value": "bert"}]}}]}`},
		{"GET", api + "metrics/get-history", map[string]any{"run_id": "r1", "metric_key": "val_acc"}, 200,
			`{"metrics": [{"key": "val_acc", "value": 0.6, "timestamp": 1700000001000, "step": 1}, {"key": "val_acc", "value": 0.8, "timestamp": 1700000002000, "step": 2}]}`},
	})
	c, _ := NewMLflow(srv.URL, func(k string) string { return map[string]string{"MLFLOW_TRACKING_TOKEN": "tok"}[k] })
	steps, runs, err := ReadMLflow(context.Background(), c, "sst2")
	if err != nil {
		t.Fatal(err)
	}
	if len(steps.Rows) != 2 || steps.Rows[0]["val_acc"] != "0.6" || runs.Rows[0]["val_acc"] != "0.8" || runs.Rows[0]["model"] != "bert" {
		t.Errorf("steps %v runs %v", steps.Rows, runs.Rows)
	}
}

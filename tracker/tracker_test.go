package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
)

// memSink keeps a JSON snapshot of every save.
type memSink struct {
	mu    sync.Mutex
	saves []Record
	err   error
}

func (m *memSink) Save(_ context.Context, r *Record) error {
	b, _ := json.Marshal(r)
	var c Record
	_ = json.Unmarshal(b, &c)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves = append(m.saves, c)
	return m.err
}

func (m *memSink) all() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Record(nil), m.saves...)
}

func baseConfig(sink Sink, argv ...string) Config {
	return Config{
		Argv:       argv,
		Interval:   20 * time.Millisecond,
		Checkpoint: -1,
		Sink:       sink,
		Hardware:   meter.Hardware{CPUModel: "Test CPU", LogicalCPUs: 4},
		Carbon:     carbon.Setting{PUE: 1.5, GramsPerKWh: 400, Where: "test", Source: "test"},
		Experiment: "exp",
		Params:     map[string]string{"lr": "0.1"},
	}
}

func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		name        string
		argv        []string
		code        int
		status, sig string
		wantErr     bool
	}{
		{"success", []string{"true"}, 0, StatusFinished, "", false},
		{"failure", []string{"sh", "-c", "exit 7"}, 7, StatusFinished, "", false},
		{"killed", []string{"sh", "-c", "kill -KILL $$"}, 128 + 9, StatusSignaled, "SIGKILL", false},
		{"crash", []string{"sh", "-c", "kill -SEGV $$"}, 128 + 11, StatusSignaled, "SIGSEGV", false},
		{"missing", []string{"/nonexistent/greenai-test-cmd"}, 127, StatusFailed, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &memSink{}
			r, err := Run(context.Background(), baseConfig(sink, tc.argv...))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if r.ExitCode == nil || *r.ExitCode != tc.code || r.Status != tc.status || r.Signal != tc.sig || !r.Complete {
				t.Errorf("exit %v status %s signal %q complete %v", r.ExitCode, r.Status, r.Signal, r.Complete)
			}
			saves := sink.all()
			if len(saves) < 2 {
				t.Fatalf("%d saves, want a started and a final one", len(saves))
			}
			if first := saves[0]; first.Complete || first.Status != StatusStarted || first.ExitCode != nil || first.End != nil {
				t.Errorf("first save: %+v", first)
			}
			if last := saves[len(saves)-1]; !last.Complete || last.ID != saves[0].ID {
				t.Errorf("last save: %+v", last)
			}
			if r.End == nil || r.End.Before(r.Start) {
				t.Errorf("start %v end %v", r.Start, r.End)
			}
		})
	}
}

func TestRunEnergyComposition(t *testing.T) {
	sink := &memSink{}
	cfg := baseConfig(sink, "sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")
	rapl := &meter.FakeEnergy{MeterName: "rapl", Component: "cpu", Device: "package-0", Watts: 100,
		Provenance: meter.MeasuredCounter, Scope: meter.ScopeHost}
	gpu := &meter.FakeEnergy{MeterName: "nvml", Component: "gpu", Device: "GPU-1", Watts: 50,
		Provenance: meter.MeasuredCounter, Scope: meter.ScopeDevice}
	cfg.Meters = []meter.EnergyMeter{rapl, gpu}
	busy := 0.0
	cfg.HostBusy = func() (float64, error) { v := busy; busy += 1000; return v, nil }
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	byComp := map[string]Energy{}
	for _, e := range r.Energy {
		byComp[e.Component] = e
	}
	cpu, ok := byComp["cpu"]
	if !ok || cpu.Provenance != MeasuredCounter || cpu.Scope != meter.ScopeProcess {
		t.Fatalf("cpu figure: %+v", cpu)
	}
	if cpu.Share <= 0 || cpu.Share > 1 || math.Abs(cpu.HostJoules*cpu.Share-cpu.Joules) > 1e-9 || !strings.Contains(cpu.Method, "host busy CPU time") {
		t.Errorf("cpu share: %+v", cpu)
	}
	if g := byComp["gpu"]; g.Scope != meter.ScopeDevice || g.Share != 0 {
		t.Errorf("gpu figure: %+v", g)
	}
	if ram := byComp["ram"]; ram.Provenance != ModelEstimate {
		t.Errorf("ram figure: %+v", ram)
	}
	if len(r.Energy) != 3 {
		t.Errorf("figures: %+v", r.Energy)
	}
	if math.Abs(r.EnergyJoules-TotalJoules(r.Energy)) > 1e-9 {
		t.Errorf("total %v", r.EnergyJoules)
	}
	if want := r.EnergyJoules / 3.6e6 * 1.5 * 400; math.Abs(r.CarbonG-want) > 1e-12 || r.PUE != 1.5 {
		t.Errorf("carbon %v, want %v (PUE %v)", r.CarbonG, want, r.PUE)
	}
	if !rapl.Closed() || !gpu.Closed() {
		t.Error("meters not closed")
	}
	if rapl.Samples < 2 {
		t.Errorf("rapl sampled %d times", rapl.Samples)
	}
}

func TestRunFallbackSaysSo(t *testing.T) {
	cfg := baseConfig(nil, "true")
	cfg.Notes = []string{"CPU/DRAM energy not measured: rapl: no zones"}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Energy {
		if e.Provenance != ModelEstimate {
			t.Errorf("%s: provenance %s, want model-estimate", e.Component, e.Provenance)
		}
	}
	notes := strings.Join(r.Notes, "\n")
	if !strings.Contains(notes, "fallback estimate") || !strings.Contains(notes, "rapl: no zones") {
		t.Errorf("notes: %s", notes)
	}
}

func waitFile(t *testing.T, p string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(p); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunForwardsSignals(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	sigs := make(chan os.Signal, 1)
	cfg := baseConfig(&memSink{}, "sh", "-c", `trap 'exit 42' TERM; touch "$0"; while :; do sleep 0.05; done`, ready)
	cfg.Signals = sigs
	go func() {
		waitFile(t, ready)
		sigs <- syscall.SIGTERM
	}()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if *r.ExitCode != 42 || r.Status != StatusInterrupted || r.InterruptedBy != "SIGTERM" || !r.Complete {
		t.Errorf("exit %d status %s by %q", *r.ExitCode, r.Status, r.InterruptedBy)
	}
}

func TestRunContextCancel(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	cfg := baseConfig(&memSink{}, "sh", "-c", `touch "$0"; exec sleep 60`, ready)
	go func() {
		waitFile(t, ready)
		cancel()
	}()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if *r.ExitCode != 128+15 || r.Status != StatusInterrupted || !strings.Contains(r.InterruptedBy, "canceled") {
		t.Errorf("exit %d status %s by %q", *r.ExitCode, r.Status, r.InterruptedBy)
	}
}

func TestRunMetricsAndEnv(t *testing.T) {
	script := `echo '{"step":1,"loss":2.5}' >> "$GREENAI_METRICS"
echo 'not json' >> "$GREENAI_METRICS"
printf '{"step":2,\n' >> "$GREENAI_METRICS"
echo '  {"step": 3, "val_acc": 0.71}  ' >> "$GREENAI_METRICS"
[ -n "$GREENAI_RUN_ID" ] || exit 9`
	r, err := Run(context.Background(), baseConfig(&memSink{}, "sh", "-c", script))
	if err != nil {
		t.Fatal(err)
	}
	if *r.ExitCode != 0 {
		t.Fatalf("exit %d: GREENAI_RUN_ID not set", *r.ExitCode)
	}
	var got []string
	for _, m := range r.Metrics {
		got = append(got, string(m))
	}
	if strings.Join(got, " ") != `{"step":1,"loss":2.5} {"step":3,"val_acc":0.71}` {
		t.Errorf("metrics %v", got)
	}
	if !strings.Contains(strings.Join(r.Notes, " "), "2 line(s)") {
		t.Errorf("notes %v", r.Notes)
	}
}

func TestRunCheckpoints(t *testing.T) {
	sink := &memSink{}
	cfg := baseConfig(sink, "sh", "-c", `echo '{"step":1}' >> "$GREENAI_METRICS"; sleep 1`)
	cfg.Checkpoint = 30 * time.Millisecond
	var ticks int
	cfg.OnProgress = func(p Progress) { ticks++ }
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	saves := sink.all()
	if len(saves) < 3 || ticks == 0 {
		t.Fatalf("%d saves and %d progress ticks: want a checkpoint and progress", len(saves), ticks)
	}
	mid := saves[len(saves)-2]
	if mid.Complete || mid.Status != StatusStarted || mid.WallSeconds <= 0 || len(mid.Energy) == 0 {
		t.Errorf("checkpoint: %+v", mid)
	}
}

func TestRunSaveFailure(t *testing.T) {
	sink := &memSink{err: errors.New("database is down")}
	var saveErrs int
	cfg := baseConfig(sink, "true")
	cfg.OnSaveError = func(error) { saveErrs++ }
	r, err := Run(context.Background(), cfg)
	var se *SaveError
	if !errors.As(err, &se) || r == nil || !r.Complete || saveErrs == 0 {
		t.Fatalf("err %v record %v save errors %d", err, r, saveErrs)
	}
}

func TestRunFPOHook(t *testing.T) {
	cfg := baseConfig(nil, "true")
	cfg.Model, cfg.Spec = "model.onnx", "batch=1"
	r, _ := Run(context.Background(), cfg)
	if r.FPO != nil || !strings.Contains(strings.Join(r.Notes, " "), "FPO not computed") {
		t.Errorf("without a calculator: fpo %v notes %v", r.FPO, r.Notes)
	}
	cfg.FPO = func(_ context.Context, model, spec string) (*FPOInfo, error) {
		return &FPOInfo{Model: model, Spec: spec, TotalFPO: 2e9, PerExampleFPO: 2e9, MACs: 1e9, Source: "test"}, nil
	}
	r, _ = Run(context.Background(), cfg)
	if r.FPO == nil || r.FPO.MACs != 1e9 || r.FPO.Model != "model.onnx" {
		t.Errorf("with a calculator: %+v", r.FPO)
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string][]string{
		`python train.py --lr=0.1`:   {"python", "train.py", "--lr=0.1"},
		`sh -c 'echo "hi"; it'\''s'`: {"sh", "-c", `echo "hi"; it's`},
		`x ''`:                       {"x", ""},
	}
	for want, argv := range tests {
		if got := ShellQuote(argv); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", argv, got, want)
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	seen := map[string]bool{}
	now := time.Now()
	for i := 0; i < 1000; i++ {
		id := NewID(now)
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

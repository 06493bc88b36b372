package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/store/storetest"
)

// envCLI makes the test binary act as the greenai command, so the real-run
// tests exercise the real process: signals, exit status, a separate
// process per run.
const envCLI = "GREENAI_TEST_RUN_AS_CLI"

func init() {
	if os.Getenv(envCLI) == "1" {
		main()
		os.Exit(0)
	}
}

// greenai starts the greenai CLI as its own process.
func greenai(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), envCLI+"=1", "XDG_DATA_HOME="+t.TempDir()), env...)
	return cmd
}

type cliResult struct {
	code           int
	stdout, stderr string
}

func runGreenai(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	cmd := greenai(t, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cliResult{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}

// jsonRun is the part of "greenai runs --json" the tests check.
type jsonRun struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Complete      bool     `json:"complete"`
	Command       string   `json:"command"`
	ExitCode      *int     `json:"exit_code"`
	Signal        string   `json:"signal"`
	InterruptedBy string   `json:"interrupted_by"`
	Start         string   `json:"start"`
	End           *string  `json:"end"`
	WallSeconds   float64  `json:"wall_seconds"`
	CPUSeconds    float64  `json:"cpu_seconds"`
	PeakRSSBytes  uint64   `json:"peak_rss_bytes"`
	Experiment    string   `json:"experiment"`
	CarbonG       float64  `json:"carbon_g"`
	PUE           float64  `json:"pue"`
	Notes         []string `json:"notes"`
	Energy        []struct {
		Component  string  `json:"component"`
		Joules     float64 `json:"joules"`
		Provenance string  `json:"provenance"`
		Method     string  `json:"method"`
	} `json:"energy"`
	Metrics []map[string]any `json:"metrics"`
}

func listRunsJSON(t *testing.T, db string, filter ...string) []jsonRun {
	t.Helper()
	out, _, err := runCLI(t, append([]string{"runs", "--db", db, "--json"}, filter...)...)
	if err != nil {
		t.Fatal(err)
	}
	var runs []jsonRun
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("runs --json: %v\n%s", err, out)
	}
	return runs
}

func onlyRun(t *testing.T, db string) jsonRun {
	t.Helper()
	runs := listRunsJSON(t, db)
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	return runs[0]
}

// checkHonestProvenance checks that the energy figures say what this
// machine could really measure.
func checkHonestProvenance(t *testing.T, r jsonRun) {
	t.Helper()
	_, raplErr := meter.OpenRAPL(meter.HostFS)
	comps := map[string]string{}
	for _, e := range r.Energy {
		comps[e.Component] = e.Provenance
		switch e.Provenance {
		case "measured-counter", "integrated-power":
		case "model-estimate":
			if e.Component == "cpu" && !strings.Contains(e.Method, "fallback estimate") {
				t.Errorf("cpu estimate not labelled as fallback: %s", e.Method)
			}
		default:
			t.Errorf("%s: unknown provenance %q", e.Component, e.Provenance)
		}
	}
	notes := strings.Join(r.Notes, "\n")
	if raplErr != nil {
		if comps["cpu"] != "model-estimate" || !strings.Contains(notes, "CPU/DRAM energy not measured") {
			t.Errorf("no readable RAPL here, yet cpu is %q; notes:\n%s", comps["cpu"], notes)
		}
	} else if comps["cpu"] != "measured-counter" {
		t.Errorf("RAPL is readable here, yet cpu is %q", comps["cpu"])
	}
	if _, ok := comps["gpu"]; !ok && !strings.Contains(notes, "no GPU measured") {
		t.Errorf("no GPU figure and no note saying so:\n%s", notes)
	}
}

func TestRunCPUBoundChild(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, nil, "run", "--db", db, "--experiment", "cpu", "--param", "n=1", "--country", "FR", "--pue", "1.3", "--",
		"sh", "-c", `i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo '{"step":100,"val_acc":0.71}' >> "$GREENAI_METRICS"; exit 3`)
	if res.code != 3 {
		t.Fatalf("exit %d, want the child's 3\n%s", res.code, res.stderr)
	}
	for _, s := range []string{"exit status 3", "energy", "provenance", "PUE 1.30", "country FR"} {
		if s == "provenance" {
			s = "model-estimate"
		}
		if !strings.Contains(res.stderr, s) {
			t.Errorf("summary lacks %q:\n%s", s, res.stderr)
		}
	}
	r := onlyRun(t, db)
	if !r.Complete || r.Status != "finished" || r.ExitCode == nil || *r.ExitCode != 3 || r.End == nil {
		t.Errorf("record: %+v", r)
	}
	if r.CPUSeconds <= 0 || r.WallSeconds <= 0 || r.PeakRSSBytes == 0 || r.PUE != 1.3 || r.CarbonG <= 0 || r.Experiment != "cpu" {
		t.Errorf("measurements: %+v", r)
	}
	if len(r.Metrics) != 1 || r.Metrics[0]["val_acc"] != 0.71 {
		t.Errorf("metrics %v", r.Metrics)
	}
	checkHonestProvenance(t, r)
}

func TestRunChildKilled(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, nil, "run", "--db", db, "--", "sh", "-c", "kill -KILL $$")
	if res.code != 128+9 {
		t.Fatalf("exit %d, want 137\n%s", res.code, res.stderr)
	}
	r := onlyRun(t, db)
	if !r.Complete || r.Status != "signaled" || r.Signal != "SIGKILL" || *r.ExitCode != 137 {
		t.Errorf("record: %+v", r)
	}
	checkHonestProvenance(t, r)
}

// startWhenReady starts greenai on a child that touches a file when it
// is ready for signals, and waits for that file.
func startWhenReady(t *testing.T, db, script string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := greenai(t, nil, "run", "--db", db, "--", "sh", "-c", script, ready)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			return cmd, &errb
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("child never got ready:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunGreenaiInterrupted(t *testing.T) {
	tests := []struct {
		name, script string
		sig          syscall.Signal
		code         int
	}{
		// The child dies of the forwarded signal.
		{"SIGINT", `touch "$0"; exec sleep 60`, syscall.SIGINT, 128 + 2},
		// The child catches it and exits cleanly, as a training script
		// saving a checkpoint would.
		{"SIGTERM caught", `trap 'exit 5' TERM; touch "$0"; while :; do sleep 0.05; done`, syscall.SIGTERM, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "runs.db")
			cmd, errb := startWhenReady(t, db, tc.script)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Fatalf("exit %d, want %d\n%s", got, tc.code, errb)
			}
			r := onlyRun(t, db)
			want := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[tc.sig]
			if !r.Complete || r.Status != "interrupted" || r.InterruptedBy != want || *r.ExitCode != tc.code {
				t.Errorf("record: %+v", r)
			}
			checkHonestProvenance(t, r)
		})
	}
}

func TestRunGreenaiKilledLeavesIncomplete(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	cmd, _ := startWhenReady(t, db, `touch "$0"; exec sleep 1`)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	r := onlyRun(t, db)
	if r.Complete || r.Status != "started" || r.ExitCode != nil || r.End != nil {
		t.Errorf("record: %+v", r)
	}
	out, _, err := runCLI(t, "runs", "--db", db)
	if err != nil || !strings.Contains(out, "incomplete") {
		t.Errorf("runs does not show the run incomplete (%v):\n%s", err, out)
	}
}

func TestRunConcurrent(t *testing.T) {
	targets := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "runs.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresURL(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			db := targets[name](t)
			const n = 10
			var wg sync.WaitGroup
			codes := make([]int, n)
			errs := make([]string, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					cmd := greenai(t, []string{"GREENAI_DB=" + db}, "run", "--experiment", "conc", "--checkpoint", "50ms", "--interval", "20ms",
						"--trial", fmt.Sprint(i), "--", "sh", "-c", fmt.Sprintf("sleep 0.3; exit %d", i))
					var errb bytes.Buffer
					cmd.Stderr = &errb
					_ = cmd.Run()
					codes[i], errs[i] = cmd.ProcessState.ExitCode(), errb.String()
				}(i)
			}
			wg.Wait()
			for i, c := range codes {
				if c != i || strings.Contains(errs[i], "spooled") || strings.Contains(errs[i], "warning") {
					t.Errorf("run %d: exit %d\n%s", i, c, errs[i])
				}
			}
			runs := listRunsJSON(t, db, "--experiment", "conc")
			seen := map[int]bool{}
			for _, r := range runs {
				if r.Complete && r.ExitCode != nil {
					seen[*r.ExitCode] = true
				}
			}
			if len(runs) != n || len(seen) != n {
				t.Errorf("%d records, %d distinct complete ones; want %d", len(runs), len(seen), n)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "no command"},
		{[]string{"run", "--param", "novalue", "--", "true"}, "KEY=VALUE"},
		{[]string{"run", "--pue", "0.5", "--", "true"}, "PUE"},
		{[]string{"run", "--pue", "x", "--", "true"}, "not a number"},
		{[]string{"run", "--country", "Atlantis", "--", "true"}, "unknown country"},
		{[]string{"run", "--spec", "x", "--", "true"}, "--model"},
		{[]string{"run", "--interval", "0s", "--", "true"}, "positive"},
		{[]string{"run", "--nope", "--", "true"}, "nope"},
	}
	for _, tc := range tests {
		_, _, err := runCLI(t, tc.args...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want usage error with %q", tc.args, err, tc.want)
		}
	}
}

func TestRunListIntensities(t *testing.T) {
	out, _, err := runCLI(t, "run", "--list-intensities")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"DE", "aws:eu-west-1", "Our World in Data", "2023", "[1] JP"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q", s)
		}
	}
	// The source is named once, not once per country a region uses.
	if n := strings.Count(out, "Our World in Data"); n != 1 {
		t.Errorf("the source is named %d times:\n%s", n, out)
	}
}

func TestRunCommandNotFound(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, nil, "run", "--db", db, "--", "/nonexistent/cmd")
	if res.code != 127 {
		t.Fatalf("exit %d, want 127\n%s", res.code, res.stderr)
	}
	if r := onlyRun(t, db); r.Status != "failed" || !r.Complete {
		t.Errorf("record: %+v", r)
	}
}

func TestRunFlagsAfterCommandBelongToIt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, nil, "run", "--db", db, "sh", "-c", `[ "$1" = "--db" ]`, "x", "--db")
	if res.code != 0 {
		t.Fatalf("exit %d: the command's own flags were not passed on\n%s", res.code, res.stderr)
	}
}

// A run whose FPO cannot be computed is refused before the command starts:
// nothing runs and nothing is recorded.
func TestRunChecksModelAndSpecFirst(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake.onnx")
	if err := os.WriteFile(fake, []byte("not a model\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join("..", "..", "testdata", "models", "resnet18.onnx")
	if _, err := os.Stat(good); err != nil {
		t.Skipf("no small model: %v", err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fake model", []string{"--model", fake}, "fake.onnx"},
		{"missing model", []string{"--model", filepath.Join(dir, "nosuch.onnx")}, "nosuch.onnx"},
		{"missing spec", []string{"--model", good, "--spec", filepath.Join(dir, "nosuch.yaml")}, "nosuch.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "runs.db")
			marker := filepath.Join(t.TempDir(), "ran")
			args := append(append([]string{"run", "--db", db}, tc.args...), "--", "touch", marker)
			res := runGreenai(t, nil, args...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) || !strings.Contains(res.stderr, "nothing was run") {
				t.Errorf("exit %d, stderr %q: want a failure naming %s", res.code, res.stderr, tc.want)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the command ran")
			}
			if runs := listRunsJSON(t, db); len(runs) != 0 {
				t.Errorf("%d run(s) recorded", len(runs))
			}
		})
	}
}

// A command that cannot start is reported first, before the summary.
func TestRunStartFailureCauseFirst(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, nil, "run", "--db", db, "--", "nosuchcommand-greenai")
	cause := strings.Index(res.stderr, "cannot start nosuchcommand-greenai")
	summary := strings.Index(res.stderr, "greenai: run ")
	if res.code != 127 || cause < 0 || summary < 0 || cause > summary {
		t.Errorf("exit %d, stderr:\n%s\nwant the cause before the summary", res.code, res.stderr)
	}
	if strings.Count(res.stderr, "executable file not found") != 1 {
		t.Errorf("cause printed %d times:\n%s", strings.Count(res.stderr, "executable file not found"), res.stderr)
	}
}

package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRunPrometheus scrapes a live run's /metrics: power, energy, CPU time
// and the step counters move while the command runs.
func TestRunPrometheus(t *testing.T) {
	node := newFakeNode(t, 0, 0)
	db := filepath.Join(t.TempDir(), "runs.db")
	goFile := filepath.Join(t.TempDir(), "go")
	script := `for i in 5 6 7; do echo "{\"step\": $i, \"loss\": 1}" >> "$GREENAI_METRICS"; done; ` +
		`j=0; while [ $j -lt 20000 ]; do j=$((j+1)); done; while [ ! -e "$GO" ]; do sleep 0.02; done`
	cmd := greenai(t, []string{"GREENAI_SYSFS=" + node.sys, "CUDA_VISIBLE_DEVICES=", "SLURM_JOB_ID=", "TORCHELASTIC_RUN_ID=", "GO=" + goFile},
		"run", "--db", db, "--experiment", "prom", "--interval", "50ms", "--metrics-addr", "127.0.0.1:0", "--quiet", "--", "sh", "-c", script)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	urlRe := regexp.MustCompile(`metrics of run (\S+) at (http://\S+/metrics)`)
	var runID, url string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
			runID, url = m[1], m[2]
			break
		}
	}
	if url == "" {
		t.Fatal("greenai did not say where its metrics are")
	}
	go io.Copy(io.Discard, stderr)

	cpuMoved := regexp.MustCompile(`greenai_run_cpu_seconds\{[^}]*\} (0\.0*[1-9]|[1-9])`)
	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if cpuMoved.MatchString(body) && regexp.MustCompile(`greenai_run_step_lines\{[^}]*\} 3\n`).MatchString(body) || time.Now().After(deadline) {
				break
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{
		`greenai_run_step{experiment="prom",host="`,
		`run_id="` + runID + `"`,
		`greenai_run_power_watts{`,
		`greenai_run_energy_total_joules{`,
		`greenai_run_energy_joules{component="cpu",device="package-0",experiment="prom"`,
		`provenance="measured-counter"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	if !regexp.MustCompile(`greenai_run_step\{[^}]*\} 7\n`).MatchString(body) {
		t.Errorf("step gauge is not 7:\n%s", body)
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if r := onlyRun(t, db); r.ID != runID {
		t.Errorf("record %s, metrics labelled %s", r.ID, runID)
	}
	// The server is gone with the run.
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Error("metrics still served after the run")
	}
}

func TestRunMetricsAddrTaken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	marker := filepath.Join(t.TempDir(), "ran")
	res := runGreenai(t, nil, "run", "--db", db, "--metrics-addr", "256.0.0.1:1", "--", "touch", marker)
	if res.code == 0 || !strings.Contains(res.stderr, "--metrics-addr") || !strings.Contains(res.stderr, "nothing was run") {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command ran")
	}
}

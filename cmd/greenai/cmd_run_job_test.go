package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/store/storetest"
	"github.com/greenai/greenai/internal/tfevents"
	"github.com/greenai/greenai/tracker"
)

// fakeNode is one simulated node's sysfs: a RAPL package and its DRAM
// subzone, with counters the test sets.
type fakeNode struct{ sys string }

func newFakeNode(t *testing.T, pkgUJ, dramUJ uint64) fakeNode {
	t.Helper()
	n := fakeNode{sys: t.TempDir()}
	for zone, name := range map[string]string{"intel-rapl:0": "package-0", "intel-rapl:0/intel-rapl:0:0": "dram"} {
		dir := filepath.Join(n.sys, "class", "powercap", filepath.FromSlash(zone))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]string{"name": name, "max_energy_range_uj": "262143328850"} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The kernel lists subzones also at the top of the class directory.
	if err := os.Symlink("intel-rapl:0/intel-rapl:0:0", filepath.Join(n.sys, "class", "powercap", "intel-rapl:0:0")); err != nil {
		t.Fatal(err)
	}
	n.set(t, pkgUJ, dramUJ)
	return n
}

// set writes both counters atomically (rename), as the kernel's reads are.
func (n fakeNode) set(t *testing.T, pkgUJ, dramUJ uint64) {
	t.Helper()
	for zone, v := range map[string]uint64{"intel-rapl:0": pkgUJ, "intel-rapl:0/intel-rapl:0:0": dramUJ} {
		p := filepath.Join(n.sys, "class", "powercap", filepath.FromSlash(zone), "energy_uj")
		if err := os.WriteFile(p+".tmp", []byte(strconv.FormatUint(v, 10)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			t.Fatal(err)
		}
	}
}

// launchers are the ways the simulated job's ranks learn who they are:
// each gives a rank's environment and the job and node keys greenai
// should make of it.
var launchers = []struct {
	name string
	job  string
	env  func(node, local, rank int) []string
	node func(node int) string
}{
	{"slurm", "slurm:4242", func(node, local, rank int) []string {
		return []string{"SLURM_JOB_ID=4242", "SLURM_PROCID=" + strconv.Itoa(rank), "SLURM_NODEID=" + strconv.Itoa(node),
			"SLURM_LOCALID=" + strconv.Itoa(local), "SLURMD_NODENAME=simnode" + strconv.Itoa(node), "SLURM_NTASKS_PER_NODE=4"}
	}, func(node int) string { return fmt.Sprintf("simnode%d#%d", node, node) }},
	{"torchrun", "torchelastic:sim42", func(node, local, rank int) []string {
		return []string{"TORCHELASTIC_RUN_ID=sim42", "RANK=" + strconv.Itoa(rank), "LOCAL_RANK=" + strconv.Itoa(local),
			"GROUP_RANK=" + strconv.Itoa(node), "LOCAL_WORLD_SIZE=4"}
	}, func(node int) string { return fmt.Sprintf("%s#%d", meter.Hostname(), node) }},
	// Open MPI gives no node index: simulated nodes on one host are told
	// apart by GREENAI_NODE, as a real cluster's host names do.
	{"mpi", "mpi:77", func(node, local, rank int) []string {
		return []string{"OMPI_MCA_ess_base_jobid=77", "OMPI_COMM_WORLD_RANK=" + strconv.Itoa(rank),
			"OMPI_COMM_WORLD_LOCAL_RANK=" + strconv.Itoa(local), "OMPI_COMM_WORLD_LOCAL_SIZE=4", "GREENAI_NODE=mpinode" + strconv.Itoa(node)}
	}, func(node int) string { return fmt.Sprintf("mpinode%d", node) }},
}

// noLauncher clears every launcher variable the test's own environment
// might hold.
var noLauncher = []string{"SLURM_JOB_ID=", "SLURM_STEP_ID=", "SLURM_PROCID=", "SLURM_NODEID=", "SLURM_LOCALID=", "SLURMD_NODENAME=",
	"SLURM_NTASKS_PER_NODE=", "TORCHELASTIC_RUN_ID=", "RANK=", "LOCAL_RANK=", "GROUP_RANK=", "LOCAL_WORLD_SIZE=",
	"OMPI_MCA_ess_base_jobid=", "PMIX_NAMESPACE=", "OMPI_COMM_WORLD_RANK=", "OMPI_COMM_WORLD_LOCAL_RANK=",
	"OMPI_COMM_WORLD_LOCAL_SIZE=", "PBS_JOBID=", "LSB_JOBID=", "PMI_RANK=", "GREENAI_NODE="}

// TestRunDistributedJob simulates a job of 2 nodes × 4 ranks on this
// machine under Slurm, torchrun and MPI: every rank is a real greenai
// process, each simulated node has its own fake powercap tree
// (GREENAI_SYSFS), and all ranks share one real PostgreSQL store. Exactly
// one rank per node must measure the node, and the job's total must be the
// exact sum of the counters' advances.
func TestRunDistributedJob(t *testing.T) {
	for _, l := range launchers {
		t.Run(l.name, func(t *testing.T) { testDistributedJob(t, l.job, l.env, l.node) })
	}
}

func testDistributedJob(t *testing.T, jobID string, launcherEnv func(node, local, rank int) []string, nodeKey func(int) string) {
	db := storetest.PostgresURL(t)
	const nodes, perNode = 2, 4
	type counters struct{ pkg0, dram0 uint64 }
	// Distinct odd microjoule advances make any double count or omission
	// visible (wrap-around is tested in internal/meter).
	start := []counters{{1_000_000_000, 500_000_000}, {7_000_000_123, 42_000_007}}
	advance := []counters{{123_456_789, 23_456_701}, {987_654_321, 76_543_219}}
	fake := make([]fakeNode, nodes)
	for i := range fake {
		fake[i] = newFakeNode(t, start[i].pkg0, start[i].dram0)
	}
	ready, goFile := t.TempDir(), filepath.Join(t.TempDir(), "go")
	script := `touch "$READY/$$"; while [ ! -e "$GO" ]; do sleep 0.02; done; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done`

	var cmds []*bytesCmd
	for node := 0; node < nodes; node++ {
		for local := 0; local < perNode; local++ {
			rank := node*perNode + local
			env := append(append(append([]string{}, noLauncher...), launcherEnv(node, local, rank)...),
				"CUDA_VISIBLE_DEVICES=", "GREENAI_SYSFS="+fake[node].sys, "GREENAI_DB="+db, "READY="+ready, "GO="+goFile)
			c := &bytesCmd{cmd: greenai(t, env, "run", "--interval", "50ms", "--quiet", "--", "sh", "-c", script)}
			c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
			if err := c.cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, c)
		}
	}
	defer func() {
		for _, c := range cmds {
			if c.cmd.ProcessState == nil {
				_ = c.cmd.Process.Kill()
				_ = c.cmd.Wait()
			}
		}
	}()
	// Every rank's command runs, so every rank took its first sample.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ents, _ := os.ReadDir(ready)
		if len(ents) == nodes*perNode {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d ranks started", len(ents), nodes*perNode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var wantPkg, wantDRAM uint64
	for i := range fake {
		fake[i].set(t, start[i].pkg0+advance[i].pkg0, start[i].dram0+advance[i].dram0)
		wantPkg += advance[i].pkg0
		wantDRAM += advance[i].dram0
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, c := range cmds {
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("rank %d: %v\n%s", i, err, c.out.String())
		}
	}

	out, _, err := runCLI(t, "runs", "show", "--db", db, "--json", jobID)
	if err != nil {
		t.Fatal(err)
	}
	var tot tracker.GroupTotal
	if err := json.Unmarshal([]byte(out), &tot); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if tot.Runs != nodes*perNode || len(tot.Nodes) != nodes || tot.Incomplete != 0 {
		t.Fatalf("runs %d, nodes %d, incomplete %d\n%s", tot.Runs, len(tot.Nodes), tot.Incomplete, out)
	}
	near := func(got float64, wantUJ uint64) bool { return math.Abs(got-float64(wantUJ)/1e6) < 1e-6 }
	if !near(tot.ByComponent["cpu"], wantPkg) || !near(tot.ByComponent["dram"], wantDRAM) || !near(tot.EnergyJoules, wantPkg+wantDRAM) {
		t.Errorf("job energy %v J (cpu %v, dram %v), want the counters' exact advance %v J (cpu %v, dram %v)",
			tot.EnergyJoules, tot.ByComponent["cpu"], tot.ByComponent["dram"],
			float64(wantPkg+wantDRAM)/1e6, float64(wantPkg)/1e6, float64(wantDRAM)/1e6)
	}
	if len(tot.ByComponent) != 2 {
		t.Errorf("components %v: want only the measured cpu and dram (no estimate beside a node leader's counters)", tot.ByComponent)
	}
	for i, n := range tot.Nodes {
		want := float64(advance[i].pkg0+advance[i].dram0) / 1e6
		if n.Node != nodeKey(i) || n.Ranks != perNode || n.Leader == "" || math.Abs(n.Joules-want) > 1e-6 {
			t.Errorf("node %d: %+v, want %s, %d ranks, a leader, %v J", i, n, nodeKey(i), perNode, want)
		}
		if n.Share <= 0 || n.Share > 1 || n.Attributed > n.Joules+1e-9 {
			t.Errorf("node %d: share %v, attributed %v of %v J", i, n.Share, n.Attributed, n.Joules)
		}
	}

	// Exactly one leader per node; the other ranks say who measured.
	var recs []*tracker.Record
	out, _, err = runCLI(t, "runs", "--db", db, "--json", "--group", jobID)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	leaders := map[string]int{}
	for _, r := range recs {
		if r.Job == nil {
			t.Fatalf("run %s has no job", r.ID)
		}
		if r.Job.NodeLeader {
			leaders[r.Job.Node]++
			continue
		}
		if !strings.Contains(strings.Join(r.Notes, "\n"), "node leader") {
			t.Errorf("rank %s: notes do not say who measured the node: %q", r.Rank, r.Notes)
		}
	}
	if len(leaders) != nodes || leaders[nodeKey(0)] != 1 || leaders[nodeKey(1)] != 1 {
		t.Errorf("leaders per node %v, want exactly one on each", leaders)
	}

	text, _, err := runCLI(t, "runs", "show", "--db", db, jobID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("runs show JOB:\n%s", text)
	for _, s := range []string{"job " + jobID + ": 8 run(s) on 2 node(s)", nodeKey(0), nodeKey(1), "attributed to the job"} {
		if !strings.Contains(text, s) {
			t.Errorf("runs show JOB lacks %q:\n%s", s, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(line) > 80 {
			t.Errorf("line over 80 columns: %q", line)
		}
	}
}

type bytesCmd struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

// On a single machine with readable RAPL the summary shows the whole
// host's energy beside the run's share, and --idle-baseline is measured
// and reported, not subtracted.
func TestRunSharedSummaryAndBaseline(t *testing.T) {
	node := newFakeNode(t, 5_000_000, 1_000_000)
	db := filepath.Join(t.TempDir(), "runs.db")
	env := []string{"GREENAI_SYSFS=" + node.sys, "CUDA_VISIBLE_DEVICES=", "SLURM_JOB_ID=", "TORCHELASTIC_RUN_ID="}
	res := runGreenai(t, env, "run", "--db", db, "--idle-baseline", "200ms", "--interval", "50ms", "--",
		"sh", "-c", `i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done`)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "idle baseline 0.0 W, measured 0.2") || !strings.Contains(res.stderr, "not subtracted") {
		t.Errorf("summary lacks the idle baseline:\n%s", res.stderr)
	}
	out, _, err := runCLI(t, "runs", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []*tracker.Record
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("%v %d", err, len(recs))
	}
	r := recs[0]
	if r.IdleBaseline == nil || r.IdleBaseline.Seconds < 0.2 || len(r.IdleBaseline.Parts) != 2 {
		t.Errorf("baseline %+v", r.IdleBaseline)
	}
	for _, e := range r.Energy {
		if (e.Component == "cpu" || e.Component == "dram") && (e.Provenance != "measured-counter" || !strings.Contains(e.Method, "host busy CPU time")) {
			t.Errorf("%s: %+v", e.Component, e)
		}
	}
}

// A training curve drawn against kWh from a run that reported steps uses
// the energy greenai recorded at each step: the curve's points are the
// record's figures, exactly. The test asserts on the recorded data only:
// how much energy the CPU-time shares attribute to each step depends on
// the scheduler (a loaded host gives the command few clock ticks), so it
// checks relations that hold at any load, not amounts.
func TestRunStepEnergyCurve(t *testing.T) {
	node := newFakeNode(t, 0, 0)
	pkg := filepath.Join(node.sys, "class", "powercap", "intel-rapl:0", "energy_uj")
	db := filepath.Join(t.TempDir(), "runs.db")
	env := []string{"GREENAI_SYSFS=" + node.sys, "CUDA_VISIBLE_DEVICES=", "SLURM_JOB_ID=", "TORCHELASTIC_RUN_ID=", "PKG=" + pkg}
	// Each step burns CPU and 30 J on the fake package counter, then
	// reports.
	script := `for i in 1 2 3 4; do echo $((i*30000000)) > "$PKG.tmp"; mv "$PKG.tmp" "$PKG"; ` +
		`j=0; while [ $j -lt 15000 ]; do j=$((j+1)); done; sleep 0.1; ` +
		`echo "{\"step\": $i, \"loss\": $((10-i))}" >> "$GREENAI_METRICS"; done`
	res := runGreenai(t, env, "run", "--db", db, "--experiment", "curve", "--interval", "40ms", "--quiet", "--", "sh", "-c", script)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	out, _, err := runCLI(t, "runs", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []*tracker.Record
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("%v %d", err, len(recs))
	}
	r := recs[0]
	if len(r.Steps) != 4 {
		t.Fatalf("steps %+v", r.Steps)
	}
	if r.EnergyJoules <= 0 {
		t.Fatalf("the run recorded no energy from the fake package counter (120 J): %+v", r.Energy)
	}
	for i, s := range r.Steps {
		if s.Step != float64(i+1) {
			t.Errorf("step %d recorded as %v", i+1, s.Step)
		}
		if i > 0 && (s.Joules < r.Steps[i-1].Joules || s.Seconds < r.Steps[i-1].Seconds) || s.DJoules < 0 {
			t.Errorf("energy or time went down between steps: %+v", r.Steps)
		}
		if i > 0 && math.Abs(s.DJoules-(s.Joules-r.Steps[i-1].Joules)) > 1e-9*r.EnergyJoules {
			t.Errorf("step %v: energy since the step before %v J, but the figures differ by %v J", s.Step, s.DJoules, s.Joules-r.Steps[i-1].Joules)
		}
	}
	// Some energy is attributed by the last step (never a made-up zero,
	// whatever the load), and no step exceeds the run's.
	if last := r.Steps[3].Joules; last <= 0 || last > r.EnergyJoules*(1+1e-9) {
		t.Errorf("energy at the last step %v J, run %v J", last, r.EnergyJoules)
	}
	csv, _, err := runCLI(t, "report", "curves", "--runs", "--db", db, "--y", "loss", "--x", "kwh", "--csv")
	if err != nil {
		t.Fatal(err)
	}
	// The table gives each curve's last x and the x of its best point
	// (the highest loss, at step 1: the CSV holds full precision).
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 2 {
		t.Fatalf("curve CSV:\n%s", csv)
	}
	f := strings.Split(lines[1], ",")
	total, err1 := strconv.ParseFloat(f[2], 64)
	atBest, err2 := strconv.ParseFloat(f[5], 64)
	if err1 != nil || err2 != nil || f[1] != "4" {
		t.Fatalf("curve CSV:\n%s", csv)
	}
	if total != r.Steps[3].Joules/3.6e6 || atBest != r.Steps[0].Joules/3.6e6 {
		t.Errorf("curve x %v and %v kWh, records %v and %v J", total, atBest, r.Steps[3].Joules, r.Steps[0].Joules)
	}
	if !strings.Contains(r.StepsHow, "interpolated") {
		t.Errorf("steps method %q", r.StepsHow)
	}
}

// greenai runs export --tensorboard writes event files that read back
// with the run's metrics and energy per step.
func TestRunsExportTensorBoard(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, []string{"CUDA_VISIBLE_DEVICES="}, "run", "--db", db, "--experiment", "tb", "--interval", "30ms", "--quiet", "--", "sh", "-c",
		`for i in 1 2 3; do echo "{\"step\": $i, \"loss\": $i.5}" >> "$GREENAI_METRICS"; sleep 0.05; done`)
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	dir := t.TempDir()
	out, _, err := runCLI(t, "runs", "export", "--db", db, "--tensorboard", dir)
	if err != nil || !strings.Contains(out, "wrote 1 TensorBoard event file") {
		t.Fatalf("%v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "events.out.tfevents.*"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
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
	seen := map[string]int{}
	for _, s := range ev.Scalars {
		seen[s.Tag]++
		if s.Tag == "loss" && s.Value != float64(s.Step)+0.5 {
			t.Errorf("loss at step %d = %v", s.Step, s.Value)
		}
	}
	if seen["loss"] != 3 || seen["greenai/energy_kwh"] != 3 || seen["greenai/carbon_g"] != 3 {
		t.Errorf("scalars per tag %v", seen)
	}
	if _, _, err := runCLI(t, "runs", "--db", db, "--tensorboard", dir); err == nil {
		t.Error("--tensorboard without export accepted")
	}
}

// report and evp read curves and trials from the trackers: TensorBoard
// event files and an MLflow mlruns folder.
func TestReportReadsTrackers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	res := runGreenai(t, []string{"CUDA_VISIBLE_DEVICES="}, "run", "--db", db, "--experiment", "tb", "--interval", "30ms", "--quiet", "--", "sh", "-c",
		`for i in 1 2 3; do echo "{\"step\": $i, \"loss\": $((4-i))}" >> "$GREENAI_METRICS"; sleep 0.05; done`)
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	tb := t.TempDir()
	if _, _, err := runCLI(t, "runs", "export", "--db", db, "--tensorboard", tb); err != nil {
		t.Fatal(err)
	}
	csv, _, err := runCLI(t, "report", "curves", tb, "--y", "loss", "--x", "greenai/energy_kwh", "--csv")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 2 || !strings.Contains(lines[1], ",3,") {
		t.Errorf("curve from TensorBoard:\n%s", csv)
	}

	root := filepath.Join(t.TempDir(), "mlruns")
	for p, c := range map[string]string{
		"1/meta.yaml":         "experiment_id: '1'\nlifecycle_stage: active\nname: sst2\n",
		"1/a/meta.yaml":       "experiment_id: '1'\nlifecycle_stage: active\nrun_id: a\nrun_name: bert-1\n",
		"1/a/params/model":    "bert",
		"1/a/metrics/val_acc": "1700000010000 0.5 1\n1700000020000 0.9 2\n",
		"1/b/meta.yaml":       "experiment_id: '1'\nlifecycle_stage: active\nrun_id: b\nrun_name: bert-2\n",
		"1/b/params/model":    "bert",
		"1/b/metrics/val_acc": "1700000010000 0.7 1\n",
		"1/c/meta.yaml":       "experiment_id: '1'\nlifecycle_stage: active\nrun_id: c\nrun_name: cnn-1\n",
		"1/c/params/model":    "cnn",
		"1/c/metrics/val_acc": "1700000010000 0.6 1\n",
	} {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := runCLI(t, "evp", root, "--score", "val_acc", "--csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "bert") || !strings.Contains(out, "cnn") || !strings.Contains(out, "0.9") {
		t.Errorf("evp from mlruns:\n%s", out)
	}
}

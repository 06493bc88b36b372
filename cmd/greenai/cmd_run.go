package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/internal/runmetrics"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

func init() {
	register(&command{
		name:    "run",
		summary: "run a command and record what it really cost (time, energy, carbon)",
		usage:   runUsage,
		run:     runRun,
	})
}

const runUsage = `Usage: greenai run [flags] -- COMMAND [ARGS...]

Runs COMMAND as a child process and measures what it really used: elapsed
time, CPU time of the whole process tree, peak memory, and energy, turned
into carbon. Works for any program in any language (python train.py,
torchrun ..., a shell script).

Standard input, output and error are the command's. Ctrl-C, SIGTERM,
SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 reach the command, and greenai exits
with the command's exit status (128+N when it was killed by signal N).

A run record is written to the database when the run starts (marked
incomplete), every --checkpoint while it runs, and finalised when the
command ends, also when it crashes, is killed, or greenai is interrupted:
a greenai killed with SIGKILL leaves a record marked incomplete. A short
summary is printed on standard error at the end.

Meters (each figure says its provenance):
  wall, CPU, memory  wall time; user+system CPU time of the process tree
                     (wait4, and /proc sampling); peak RSS summed over the
                     tree.
  cpu, dram          RAPL powercap counters (/sys/class/powercap), chosen by
                     zone name: packages and DRAM, never psys, core or uncore;
                     MMIO copies and mirrored dies counted once; counter
                     wrap-around corrected. Host-wide counters are billed by
                     the run's share of the host's busy CPU time, so runs that
                     share a node are not billed each other's work.
                     provenance: measured-counter.
  gpu                NVML (libnvidia-ml.so.1, loaded without cgo): the total
                     energy counter (Volta and newer), else sampled power
                     integrated (integrated-power, and said so; never 0),
                     for the devices CUDA_VISIBLE_DEVICES allows. A GPU
                     shared with other processes is billed whole, and the
                     run's share (NVML per-process SM utilisation, else its
                     share of used device memory) is shown beside it.
  RAM size           the cgroup limit (v2 memory.max, v1
                     memory.limit_in_bytes) when the run is confined, else
                     the host's MemTotal.
  estimates          where no counter is readable: CPU = TDP table × CPU
                     time; RAM = 0.3725 W per GB of resident memory over
                     time. provenance: model-estimate, and said so.
Distributed jobs (Slurm, torchrun, MPI; see --group): every rank joins one
job record in the shared store (use a postgres:// --db across nodes). One
rank per node, the node leader (elected by a unique row in the store),
measures the node's RAPL counters whole; the other ranks of the node read
none and add no CPU estimate. Each GPU is measured once, by the rank that
owns it: local rank L owns device L of those CUDA_VISIBLE_DEVICES shows
(LOCAL_RANK, SLURM_LOCALID, OMPI_COMM_WORLD_LOCAL_RANK; ranks per node from
LOCAL_WORLD_SIZE, SLURM_NTASKS_PER_NODE, OMPI_COMM_WORLD_LOCAL_SIZE). "greenai
runs show JOB" gives per-node and per-GPU figures, the job total, and the
job's attributed share (the ranks' CPU time over the node's busy CPU time).

When a meter cannot be read greenai says why and how to enable it (RAPL
energy_uj is root-only since Linux 5.10); it never substitutes a guess
silently.

Carbon = energy × PUE × grid carbon intensity, from a bundled offline table
(Our World in Data 2023 country figures, CC BY 4.0, and common cloud
regions mapped to their country). No network look-ups, no IP geolocation:
without --country, --region or --carbon-intensity the world average is used
and the report says so.

The command finds in $GREENAI_METRICS a file to append JSON lines to, one
object per line, e.g. {"step":100,"val_acc":0.71}; they are stored with the
run. $GREENAI_RUN_ID holds the run's id. For every line with a "step",
greenai records the run's energy, time and FPO up to that step and since
the previous one (the record's "steps"): the energy is interpolated between
samples at the line's "timestamp" (Unix seconds) or else when greenai saw
the line; FPO is the FPO per example × the line's "examples" (cumulative
examples seen), else the run's FPO × step ÷ total steps. "greenai report
curves --runs --x kwh" then draws training curves against those figures.

Flags:
  --db PATH|URL           database: a SQLite file, or a postgres:// URL to pool
                          runs from many machines (default $GREENAI_DB, else
                          $XDG_DATA_HOME/greenai/runs.db or
                          ~/.local/share/greenai/runs.db)
  --experiment NAME       experiment the run belongs to
  --trial NAME            trial within the experiment
  --param KEY=VALUE       a hyperparameter (repeatable)
  --tag LABEL             a free label (repeatable)
  --group ID              distributed job id shared by its nodes/ranks (default:
                          detected from SLURM_JOB_ID[.SLURM_STEP_ID],
                          TORCHELASTIC_RUN_ID, PBS_JOBID, LSB_JOBID,
                          OMPI_MCA_ess_base_jobid or PMIX_NAMESPACE)
  --rank N                rank within the group (default: RANK, SLURM_PROCID,
                          OMPI_COMM_WORLD_RANK or PMI_RANK)
  --node NAME             the node this rank runs on (default $GREENAI_NODE,
                          else SLURMD_NODENAME or the host name, with
                          #SLURM_NODEID or #GROUP_RANK appended)
  --job-wait DURATION     how long a node leader keeps measuring after its own
                          command ended, for the node's other ranks (default
                          10m; 0: not at all)
  --pue F                 power usage effectiveness of the facility (default
                          $GREENAI_PUE, else 1.0); stated in every report
  --carbon-intensity G    grid carbon intensity in g CO2e/kWh (default
                          $GREENAI_CARBON_INTENSITY)
  --country CODE          country of the machine: ISO code or name (default
                          $GREENAI_COUNTRY)
  --region NAME           cloud region, e.g. aws:eu-west-1, gcp:europe-west4,
                          azure:westeurope (default $GREENAI_REGION)
  --list-intensities      print the bundled carbon intensity table and exit
  --model FILE            model file whose FPO to record (with --spec)
  --spec SPEC             input spec for the FPO of --model
  --idle-baseline D       before starting the command, measure the machine's
                          power for D (e.g. 30s) with nothing of the run going
                          on; reported beside the run (the energy the machine
                          would have drawn idle), never subtracted
  --metrics-addr ADDR     serve live Prometheus metrics at http://ADDR/metrics
                          while the run goes on (default $GREENAI_METRICS_ADDR;
                          e.g. :9464; port 0 picks a free one): power, energy
                          per component, CPU time, memory, elapsed time, step
                          (see docs/measure.md); every series is labelled with
                          run_id, host, experiment and, in a job, job, rank and
                          node. Ranks sharing a node need a port each
  --progress              show a live line of elapsed time, power and energy
  --interval DURATION     sampling period (default 1s; shortened if a RAPL
                          counter could wrap faster)
  --checkpoint DURATION   how often the record is saved during the run (default
                          30s)
  --record FILE           also write the final record as JSON to FILE (a run
                          record, version greenai.run/1, as runs show --json)
  --quiet                 no summary at the end

Environment:
  GREENAI_DB, GREENAI_PUE, GREENAI_CARBON_INTENSITY, GREENAI_COUNTRY,
  GREENAI_REGION, GREENAI_NODE, GREENAI_METRICS_ADDR
                          defaults of the flags above
  GREENAI_SYSFS DIR       read DIR in place of /sys (RAPL powercap), e.g. where
                          a container mounts the host's /sys, or a fake tree

--model and --spec are checked before the command starts: if the FPO cannot
be computed greenai stops with an error and runs and records nothing.

Examples:
  greenai run --experiment resnet --param lr=0.1 -- python train.py
  greenai run --country DE --pue 1.2 --progress -- ./train.sh
  GREENAI_DB=postgres://lab@db/greenai greenai run -- torchrun train.py
  srun -N2 --ntasks-per-node=4 greenai run --db postgres://lab@db/greenai \
      -- python train.py        # one job record: greenai runs show slurm:ID

See also "greenai runs" to list, show and export records, and
docs/measure.md for the meters, the models and their limits.
`

type runFlags struct {
	db, experiment, trial, group, rank string
	node, metricsAddr                  string
	jobWait, idleBaseline              time.Duration
	params, tags                       multiFlag
	pue, intensity, country, region    string
	listIntensities, progress, quiet   bool
	model, spec, recordFile            string
	interval, checkpoint               time.Duration
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["run"]
	fs := newFlagSet(c, stderr)
	var f runFlags
	fs.StringVar(&f.db, "db", "", "database")
	fs.StringVar(&f.experiment, "experiment", "", "experiment")
	fs.StringVar(&f.trial, "trial", "", "trial")
	fs.Var(&f.params, "param", "KEY=VALUE")
	fs.Var(&f.tags, "tag", "label")
	fs.StringVar(&f.group, "group", "", "group id")
	fs.StringVar(&f.rank, "rank", "", "rank")
	fs.StringVar(&f.node, "node", os.Getenv("GREENAI_NODE"), "node name")
	fs.DurationVar(&f.jobWait, "job-wait", 10*time.Minute, "node leader wait")
	fs.DurationVar(&f.idleBaseline, "idle-baseline", 0, "idle power measurement")
	fs.StringVar(&f.metricsAddr, "metrics-addr", os.Getenv("GREENAI_METRICS_ADDR"), "Prometheus address")
	fs.StringVar(&f.pue, "pue", os.Getenv("GREENAI_PUE"), "PUE")
	fs.StringVar(&f.intensity, "carbon-intensity", os.Getenv("GREENAI_CARBON_INTENSITY"), "g/kWh")
	fs.StringVar(&f.country, "country", os.Getenv("GREENAI_COUNTRY"), "country")
	fs.StringVar(&f.region, "region", os.Getenv("GREENAI_REGION"), "cloud region")
	fs.BoolVar(&f.listIntensities, "list-intensities", false, "print the table")
	fs.StringVar(&f.model, "model", "", "model file")
	fs.StringVar(&f.spec, "spec", "", "input spec")
	fs.BoolVar(&f.progress, "progress", false, "live line")
	fs.DurationVar(&f.interval, "interval", time.Second, "sampling period")
	fs.DurationVar(&f.checkpoint, "checkpoint", 30*time.Second, "save period")
	fs.StringVar(&f.recordFile, "record", "", "record file")
	fs.BoolVar(&f.quiet, "quiet", false, "no summary")
	argv, err := parseRunArgs(fs, args)
	if err != nil {
		return err
	}
	if f.listIntensities {
		t := report.IntensitiesTable(true)
		t.Width = termWidth()
		return t.WriteText(stdout)
	}
	if len(argv) == 0 {
		return usageError("run: no command given (greenai run [flags] -- COMMAND [ARGS...])")
	}
	if f.interval <= 0 || f.checkpoint <= 0 {
		return usageError("run: --interval and --checkpoint must be positive")
	}
	params := map[string]string{}
	for _, p := range f.params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return usageError("run: --param %q: want KEY=VALUE", p)
		}
		params[k] = v
	}
	setting, err := carbonSetting(f)
	if err != nil {
		return usageError("run: %v", err)
	}
	if f.spec != "" && f.model == "" {
		return usageError("run: --spec needs --model")
	}
	if f.jobWait < 0 {
		return usageError("run: --job-wait must not be negative")
	}
	if f.idleBaseline < 0 {
		return usageError("run: --idle-baseline must not be negative")
	}
	job := detectJob(f)
	group, rank := "", ""
	if job != nil {
		group, rank = job.ID, job.Rank
	}

	// The model and spec are checked before anything runs: a run whose
	// FPO was asked for and cannot be computed is not started.
	var fpoInfo *tracker.FPOInfo
	if f.model != "" {
		info, err := recordFPO(ctx, f.model, f.spec)
		if err != nil {
			what := "--model " + f.model
			if f.spec != "" {
				what += " --spec " + f.spec
			}
			return fmt.Errorf("run: %s: %v; nothing was run or recorded", what, err)
		}
		fpoInfo = info
	}

	hostFS := meter.HostFS
	if dir := os.Getenv(meter.EnvSysfs); dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("run: $%s=%s is not a directory", meter.EnvSysfs, dir)
		}
		hostFS = meter.WithSysfs(hostFS, dir)
	}
	found := meter.Discover(hostFS, meter.OpenNVML, os.LookupEnv)
	hw := meter.ReadHardware(meter.HostFS)
	if len(found.GPUModels) > 0 {
		hw.GPUs = found.GPUModels
	}

	target := store.Target(f.db, os.Getenv)
	var sink tracker.Sink
	// An unreachable database must not hold up the command for long: the
	// record is then spooled and imported later.
	openCtx, cancelOpen := context.WithTimeout(ctx, 15*time.Second)
	st, err := store.Open(openCtx, target)
	cancelOpen()
	if err != nil {
		fmt.Fprintf(stderr, "greenai: warning: %v; the record will be spooled\n", err)
	} else {
		defer st.Close()
		sink = st
		if n, err := st.FlushSpool(ctx, store.SpoolDir(os.Getenv)); n > 0 || err != nil {
			fmt.Fprintf(stderr, "greenai: imported %d spooled record(s) into %s (%v)\n", n, st.Where(), err)
		}
	}

	runID := tracker.NewID(time.Now())
	var exporter *runmetrics.Exporter
	if f.metricsAddr != "" {
		labels := map[string]string{"run_id": runID, "host": meter.Hostname()}
		if job != nil {
			labels["job"], labels["rank"], labels["node"] = job.ID, job.Rank, job.Node
		}
		if f.experiment != "" {
			labels["experiment"] = f.experiment
		}
		exporter, err = runmetrics.Listen(f.metricsAddr, labels)
		if err != nil {
			return fmt.Errorf("run: --metrics-addr: %v; nothing was run", err)
		}
		defer func() {
			if err := exporter.Close(); err != nil {
				fmt.Fprintf(stderr, "greenai: warning: %v\n", err)
			}
		}()
		fmt.Fprintf(stderr, "greenai: Prometheus metrics of run %s at http://%s/metrics\n", runID, exporter.Addr())
	}

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)

	cfg := tracker.Config{
		Argv: argv, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr,
		Interval: f.interval, Checkpoint: f.checkpoint,
		Signals: sigs, Forward: forwardSignal,
		Sink: sink,
		OnSaveError: func(err error) {
			fmt.Fprintf(stderr, "greenai: warning: %v (will retry at the end)\n", err)
		},
		Meters: found.Meters, Notes: found.Notes, Hardware: hw, Carbon: setting,
		Experiment: f.experiment, Trial: f.trial, Params: params, Tags: f.tags,
		Group: group, Rank: rank, Model: f.model, Spec: f.spec, FPO: recordFPO, KnownFPO: fpoInfo, Version: version,
		Job: job, JobWait: f.jobWait, IdleBaseline: f.idleBaseline,
	}
	if f.jobWait == 0 {
		cfg.JobWait = -1
	}
	if job != nil && st != nil {
		cfg.Coord = st
	}
	cfg.ID = runID
	if f.progress {
		cfg.OnProgress = progressPrinter(stderr)
	}
	if exporter != nil {
		show := cfg.OnProgress
		cfg.OnProgress = func(p tracker.Progress) {
			exporter.Update(p)
			if show != nil {
				show(p)
			}
		}
	}
	// The command is stopped by the signals forwarded to it, not by
	// greenai's own interrupt context: its record must still be written.
	rec, runErr := tracker.Run(context.WithoutCancel(ctx), cfg)
	if f.progress && isTerminal(stderr) {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if rec == nil {
		return runErr
	}
	saved := "saved to " + target
	if st != nil {
		saved = "saved to " + st.Where()
	}
	var saveErr *tracker.SaveError
	if sink == nil || errors.As(runErr, &saveErr) {
		saved = spoolRecord(rec, stderr)
	}
	if rec.Status == tracker.StatusFailed {
		// The cause comes first, then the record of the failed start.
		fmt.Fprintf(stderr, "greenai: cannot start %s: %s\n", argv[0], rec.Error)
	}
	if f.recordFile != "" {
		if err := writeJSONFile(f.recordFile, report.NewRun(rec)); err != nil {
			fmt.Fprintf(stderr, "greenai: warning: %v\n", err)
		}
	}
	if !f.quiet {
		report.WriteRunSummary(stderr, rec, saved, termWidth())
	}
	code := 1
	if rec.ExitCode != nil {
		code = *rec.ExitCode
	}
	if rec.Status == tracker.StatusFailed {
		return &exitError{code: code}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// detectJob finds the distributed job from the launcher's environment,
// overridden by --group, --rank and --node.
func detectJob(f runFlags) *tracker.Job {
	job := tracker.DetectJob(os.Getenv)
	if f.group != "" {
		if job == nil {
			job = &tracker.Job{Launcher: "flag", Node: meter.Hostname(), LocalRank: -1}
		}
		job.ID = f.group
	}
	if job == nil {
		return nil
	}
	if f.rank != "" {
		job.Rank = f.rank
	}
	if f.node != "" {
		job.Node = f.node
	}
	return job
}

// parseRunArgs parses flags up to the first non-flag argument or "--";
// everything after belongs to the command, flags included.
func parseRunArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, flagError(fs, err)
	}
	return fs.Args(), nil
}

func carbonSetting(f runFlags) (carbon.Setting, error) {
	var o carbon.Options
	if f.pue != "" {
		v, err := strconv.ParseFloat(f.pue, 64)
		if err != nil {
			return carbon.Setting{}, fmt.Errorf("--pue %q: not a number", f.pue)
		}
		o.PUE = v
	}
	if f.intensity != "" {
		v, err := strconv.ParseFloat(f.intensity, 64)
		if err != nil {
			return carbon.Setting{}, fmt.Errorf("--carbon-intensity %q: not a number", f.intensity)
		}
		o.Intensity = &v
	}
	o.Country, o.Region = f.country, f.region
	return carbon.Resolve(o)
}

// forwardSignal decides whether a signal greenai received goes on to the
// command. Ctrl-C and Ctrl-\ typed at a terminal already reach the whole
// foreground process group, the command included: forwarding them again
// would deliver them twice. Everything else (kill, a scheduler's SIGTERM)
// is forwarded.
func forwardSignal(sig os.Signal) bool {
	if sig != syscall.SIGINT && sig != syscall.SIGQUIT {
		return true
	}
	return !inForegroundOfTerminal()
}

// inForegroundOfTerminal reports whether greenai's process group is the
// foreground group of the terminal on its standard input, output or error.
func inForegroundOfTerminal() bool {
	for fd := 0; fd <= 2; fd++ {
		if pgrp, ok := terminalPgrp(uintptr(fd)); ok {
			return pgrp == syscall.Getpgrp()
		}
	}
	return false
}

// terminalPgrp returns the foreground process group of the terminal open
// on fd; ok is false when fd is not greenai's terminal.
func terminalPgrp(fd uintptr) (int, bool) {
	var pgrp int32
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp)))
	return int(pgrp), e == 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, ok = terminalPgrp(f.Fd())
	return ok
}

// progressPrinter shows the live line: rewritten in place on a terminal,
// one line every 10 s otherwise.
func progressPrinter(w io.Writer) func(tracker.Progress) {
	tty := isTerminal(w)
	var last time.Duration
	return func(p tracker.Progress) {
		line := "greenai: " + report.ProgressLine(p)
		if tty {
			fmt.Fprint(w, "\r\033[K"+line)
			return
		}
		if p.Elapsed-last >= 10*time.Second {
			last = p.Elapsed
			fmt.Fprintln(w, line)
		}
	}
}

func spoolRecord(rec *tracker.Record, stderr io.Writer) string {
	p, err := store.Spool(store.SpoolDir(os.Getenv), rec)
	if err != nil {
		fmt.Fprintf(stderr, "greenai: error: the run record could not be saved anywhere: %v\n", err)
		return "NOT SAVED"
	}
	return "the database was unreachable: record spooled to " + p + " (imported by the next greenai run or \"greenai runs import\")"
}

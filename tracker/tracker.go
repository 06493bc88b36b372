// Package tracker runs a command as a child process, samples its resource meters while it runs, and builds its run record; it is the Go API behind "greenai run".
package tracker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
)

// Sink stores run records. Save must be an idempotent upsert keyed by
// Record.ID: the tracker saves a record when the run starts (status
// "started", not complete), at checkpoints, and once finalised.
type Sink interface {
	Save(ctx context.Context, r *Record) error
}

// Progress is the state of a run at one sampling tick.
type Progress struct {
	Elapsed    time.Duration
	Watts      float64 // mean power over the last tick, all components
	Joules     float64 // energy so far, all components
	CPUSeconds float64
	RSSBytes   uint64
	// Energy is the figures so far, one per component and device.
	Energy []Energy
	// Steps counts the step lines the command reported so far; Step is
	// the largest step among them.
	Steps int
	Step  float64
}

// Config describes a run. Argv is required; zero values of the rest are
// sensible defaults.
type Config struct {
	ID     string // the run's id; "" for a new one (NewID)
	Argv   []string
	Dir    string   // working directory; "" for the current one
	Env    []string // the command's environment; nil for os.Environ()
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Interval is the sampling period (default 1 s), shortened when a
	// meter needs it (RAPL wrap-around).
	Interval time.Duration
	// Checkpoint is how often the record is saved while the run goes on
	// (default 30 s; negative: only at start and end).
	Checkpoint time.Duration
	// Signals are forwarded to the command when Forward (nil: always)
	// says so. SIGINT, SIGTERM, SIGHUP and SIGQUIT mark the run
	// interrupted.
	Signals <-chan os.Signal
	Forward func(os.Signal) bool
	// KillGrace is how long after ctx is cancelled the command gets
	// between SIGTERM and SIGKILL (default 10 s).
	KillGrace time.Duration

	OnProgress  func(Progress)
	Sink        Sink
	OnSaveError func(error) // a failed start or checkpoint save; the run goes on

	Meters   []meter.EnergyMeter
	Notes    []string // said about the meters (what is not measured and why)
	NewProc  func(pid int) meter.ProcMeter
	HostBusy func() (float64, error) // host busy CPU seconds; nil: proc/stat
	Hardware meter.Hardware
	Carbon   carbon.Setting

	Experiment, Trial string
	Params            map[string]string
	Tags              []string
	Group, Rank       string
	Model, Spec       string // for FPO
	// FPO computes the cost of Model under Spec when Model is set; nil
	// records a note that FPO was not computed.
	FPO FPOFunc
	// KnownFPO, when set, is the model's cost computed before the run
	// (the CLI checks --model and --spec before starting the command);
	// FPO is then not called.
	KnownFPO *FPOInfo

	// Job, with Coord, makes the run one rank of a distributed job: one
	// run per node measures the node's RAPL counters, each GPU is
	// measured by the rank that owns it (see Coordinator).
	Job   *Job
	Coord Coordinator
	// IdleBaseline, when positive, measures the machine's power for that
	// long before the command starts; it is reported beside the run
	// (Record.IdleBaseline), never subtracted.
	IdleBaseline time.Duration
	// JobWait is how long a node leader keeps measuring after its own
	// command ended, waiting for the node's other ranks (default 10 min;
	// negative: not at all).
	JobWait time.Duration
	Version string
	Now     func() time.Time
}

// interrupting are the signals after which a run counts as interrupted.
var interrupting = map[os.Signal]bool{
	syscall.SIGINT: true, syscall.SIGTERM: true, syscall.SIGHUP: true, syscall.SIGQUIT: true,
}

type state struct {
	cfg      Config
	rec      *Record
	start    time.Time
	busy0    float64
	busyOK   bool
	proc     meter.ProcMeter
	last     meter.ProcSample
	lastT    time.Time
	gbSec    float64 // resident memory integrated over time, GB·s
	peakRSS  uint64
	prevJ    float64
	metrics  string
	lastSave time.Time
	// covered are the components another rank of the job measures for
	// this node (no estimate is added for them).
	covered map[string]bool
	// offset is each meter figure's energy at the end of the idle
	// baseline, taken off the run's figures.
	offset map[string]float64
	// Step-level energy: the cumulative energy at each sample, and the
	// step lines as they appeared.
	points []energyPoint
	series seriesState
	steps  stepScanner
}

// Run runs the command, sampling its meters until it exits, and returns
// its finished record. The record is saved to cfg.Sink when the run
// starts, at checkpoints and at the end. The error is non-nil when the
// command could not be started or the final save failed; the record is
// returned either way.
func Run(ctx context.Context, cfg Config) (*Record, error) {
	if len(cfg.Argv) == 0 {
		return nil, errors.New("tracker: no command")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	for _, m := range cfg.Meters {
		if d := m.MaxInterval(); d > 0 && d < cfg.Interval {
			cfg.Interval = d
		}
	}
	if cfg.Checkpoint == 0 {
		cfg.Checkpoint = 30 * time.Second
	}
	if cfg.KillGrace <= 0 {
		cfg.KillGrace = 10 * time.Second
	}
	if cfg.NewProc == nil {
		cfg.NewProc = func(pid int) meter.ProcMeter { return meter.NewProcTree(meter.HostFS, pid) }
	}
	if cfg.HostBusy == nil {
		cfg.HostBusy = func() (float64, error) { return meter.HostBusySeconds(meter.HostFS) }
	}
	defer func() {
		for _, m := range cfg.Meters {
			_ = m.Close()
		}
	}()

	if cfg.JobWait == 0 {
		cfg.JobWait = 10 * time.Minute
	}
	s := &state{cfg: cfg, start: cfg.Now(), covered: map[string]bool{}}
	s.rec = s.newRecord()
	tmp, err := os.MkdirTemp("", "greenai-run-")
	if err == nil {
		defer os.RemoveAll(tmp)
		s.metrics = filepath.Join(tmp, "metrics.jsonl")
		if f, err := os.Create(s.metrics); err == nil {
			f.Close()
		}
	} else {
		s.rec.Notes = append(s.rec.Notes, "no metrics file: "+err.Error())
	}

	if cfg.KnownFPO != nil {
		s.rec.FPO = cfg.KnownFPO
	} else if cfg.Model != "" {
		s.computeFPO(ctx)
	}
	if s.rec.Job != nil {
		if cfg.Coord != nil {
			s.joinJob(ctx)
		} else {
			s.note("rank of job " + s.rec.Job.ID + " measured alone: no shared store to coordinate the node's ranks (RAPL billed by CPU-time share)")
		}
	}
	if cfg.IdleBaseline > 0 {
		if err := s.measureBaseline(ctx); err != nil {
			return nil, err
		}
	}
	s.save(ctx, false)

	cmd := exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
	cmd.Dir = cfg.Dir
	cmd.Env = cfg.Env
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "GREENAI_RUN_ID="+s.rec.ID)
	if s.metrics != "" {
		cmd.Env = append(cmd.Env, "GREENAI_METRICS="+s.metrics)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = cfg.Stdin, cfg.Stdout, cfg.Stderr

	s.busy0, err = cfg.HostBusy()
	s.busyOK = err == nil
	s.sampleMeters(s.start)
	s.points = append(s.points, energyPoint{})
	s.series = seriesState{cpu: 0, busy: s.busy0, prev: map[string]float64{}}
	s.steps.path = s.metrics
	if err := cmd.Start(); err != nil {
		return s.failStart(ctx, err)
	}
	s.proc = cfg.NewProc(cmd.Process.Pid)
	s.lastT = s.start
	s.sampleProc(s.start)

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	var kill <-chan time.Time
	ctxDone := ctx.Done()
	for {
		select {
		case <-done:
			return s.finish(ctx, cmd.ProcessState)
		case now := <-tick.C:
			s.tick(ctx, now)
		case sig := <-cfg.Signals:
			if interrupting[sig] {
				s.rec.InterruptedBy = signalName(sig)
			}
			if cfg.Forward == nil || cfg.Forward(sig) {
				_ = cmd.Process.Signal(sig)
			}
		case <-ctxDone:
			ctxDone = nil
			s.rec.InterruptedBy = "context: " + ctx.Err().Error()
			_ = cmd.Process.Signal(syscall.SIGTERM)
			kill = time.After(cfg.KillGrace)
		case <-kill:
			_ = cmd.Process.Kill()
		}
	}
}

func (s *state) newRecord() *Record {
	c := s.cfg
	dir := c.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	r := &Record{
		ID:         cmp.Or(c.ID, NewID(s.start)),
		Status:     StatusStarted,
		Command:    ShellQuote(c.Argv),
		Argv:       c.Argv,
		Dir:        dir,
		Start:      s.start.UTC(),
		Host:       meter.Hostname(),
		PID:        os.Getpid(),
		Hardware:   c.Hardware,
		Energy:     []Energy{},
		PUE:        c.Carbon.PUE,
		Carbon:     c.Carbon,
		Experiment: c.Experiment,
		Trial:      c.Trial,
		Params:     c.Params,
		Tags:       c.Tags,
		Group:      c.Group,
		Rank:       c.Rank,
		Metrics:    []json.RawMessage{},
		Notes:      append([]string{}, c.Notes...),
		Version:    c.Version,
	}
	if c.Job != nil {
		j := *c.Job
		j.GPUs = []string{}
		r.Job = &j
		r.Group, r.Rank = j.ID, j.Rank
	}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return r
}

func (s *state) computeFPO(ctx context.Context) {
	if s.cfg.FPO == nil {
		s.rec.Notes = append(s.rec.Notes, "FPO not computed: no cost calculator was given (tracker.Config.FPO is nil)")
		return
	}
	info, err := s.cfg.FPO(ctx, s.cfg.Model, s.cfg.Spec)
	if err != nil {
		s.rec.Notes = append(s.rec.Notes, "FPO not computed: "+err.Error())
		return
	}
	s.rec.FPO = info
}

func (s *state) sampleMeters(now time.Time) {
	for _, m := range s.cfg.Meters {
		_ = m.Sample(now) // a failed read keeps the energy counted so far
	}
}

func (s *state) sampleProc(now time.Time) {
	ps, err := s.proc.Sample()
	if err != nil {
		return
	}
	s.integrateRSS(now)
	s.last, s.lastT = ps, now
	s.peakRSS = max(s.peakRSS, ps.RSSBytes)
	// Meters that attribute a shared device per process (NVML) learn the
	// run's processes.
	if pl, ok := s.proc.(interface{ PIDs() []int }); ok {
		pids := pl.PIDs()
		for _, m := range s.cfg.Meters {
			if pa, ok := m.(interface{ SetPIDs([]int) }); ok {
				pa.SetPIDs(pids)
			}
		}
	}
}

// integrateRSS adds the resident memory since the last sample (held at
// the last sampled value) to the GB·s integral.
func (s *state) integrateRSS(now time.Time) {
	if dt := now.Sub(s.lastT).Seconds(); dt > 0 {
		s.gbSec += float64(s.last.RSSBytes) / 1e9 * dt
	}
	s.lastT = now
}

func (s *state) tick(ctx context.Context, now time.Time) {
	s.sampleProc(now)
	s.sampleMeters(now)
	es, _ := s.energies(s.last.CPUSeconds(), false)
	j := TotalJoules(es)
	el := now.Sub(s.start).Seconds()
	s.points = append(s.points, s.series.point(el, es, s.last.CPUSeconds(), s.cfg.HostBusy))
	s.steps.scan(el, s.start)
	if s.cfg.OnProgress != nil {
		s.cfg.OnProgress(Progress{
			Elapsed:    now.Sub(s.start),
			Watts:      meter.Power(j-s.prevJ, s.cfg.Interval),
			Joules:     j,
			CPUSeconds: s.last.CPUSeconds(),
			RSSBytes:   s.last.RSSBytes,
			Energy:     es,
			Steps:      len(s.steps.seen),
			Step:       s.steps.largest(),
		})
	}
	s.prevJ = j
	if s.cfg.Checkpoint > 0 && now.Sub(s.lastSave) >= s.cfg.Checkpoint {
		s.rec.WallSeconds = now.Sub(s.start).Seconds()
		s.rec.UserSeconds, s.rec.SystemSeconds = s.last.UserSeconds, s.last.SystemSeconds
		s.rec.CPUSeconds = s.last.CPUSeconds()
		s.rec.PeakRSSBytes = s.peakRSS
		s.setEnergy(es)
		s.rec.Metrics, _ = readMetrics(s.metrics)
		s.save(ctx, false)
	}
}

// energies composes the run's energy figures: meter readings, host-wide
// RAPL counters billed by the run's share of busy CPU time, and model
// estimates for CPU and RAM where no counter covers them.
func (s *state) energies(cpuSec float64, final bool) ([]Energy, []string) {
	var notes []string
	share := 1.0
	shareHow := "whole host billed: host CPU time unreadable"
	if busy, err := s.cfg.HostBusy(); err == nil && s.busyOK {
		if d := busy - s.busy0; d > 0 {
			share = min(cpuSec/d, 1)
			shareHow = fmt.Sprintf("billed %.1f%% = run CPU time %.4g s / host busy CPU time %.4g s", share*100, cpuSec, d)
		} else {
			shareHow = "whole host billed: no host CPU time elapsed"
		}
	}
	var out []Energy
	hasCPU, hasDRAM := false, false
	for _, m := range s.cfg.Meters {
		for _, e := range m.Energy() {
			s.takeOffset(&e)
			if e.Scope == meter.ScopeHost && s.rec.Job != nil && s.rec.Job.NodeLeader {
				// The job's one measurement of this node: kept whole;
				// SumJob attributes it by the CPU time of all the node's
				// ranks.
				e.HostJoules = e.Joules
				e.Scope = meter.ScopeNode
				e.Method += "; whole node " + s.rec.Job.Node + ", measured once for job " + s.rec.Job.ID + " by this rank (node leader)"
			} else if e.Scope == meter.ScopeHost {
				e.HostJoules, e.Share = e.Joules, share
				e.Joules *= share
				e.Scope = meter.ScopeProcess
				e.Method += "; " + shareHow
			}
			hasCPU = hasCPU || e.Component == "cpu"
			hasDRAM = hasDRAM || e.Component == "dram"
			out = append(out, e)
		}
	}
	hasCPU = hasCPU || s.covered["cpu"]
	hasDRAM = hasDRAM || s.covered["dram"]
	if !hasCPU {
		out = append(out, meter.CPUEstimate(s.cfg.Hardware, cpuSec))
		if final {
			notes = append(notes, "CPU energy is a fallback estimate (TDP table × CPU time), not a measurement")
		}
	}
	if !hasDRAM {
		out = append(out, meter.RAMEstimate(s.gbSec))
	}
	return out, notes
}

func (s *state) setEnergy(es []Energy) {
	s.rec.Energy = es
	s.rec.EnergyJoules = TotalJoules(es)
	s.rec.WholeJoules, s.rec.AttributedJoules = 0, 0
	for _, e := range es {
		s.rec.WholeJoules += WholeJoules(e)
		s.rec.AttributedJoules += AttributedJoules(e)
	}
	s.rec.CarbonG = s.cfg.Carbon.Grams(s.rec.EnergyJoules)
}

func (s *state) save(ctx context.Context, final bool) error {
	s.lastSave = s.cfg.Now()
	if s.cfg.Sink == nil {
		return nil
	}
	sctx := context.WithoutCancel(ctx)
	if !final {
		// The start and checkpoint saves must not hold up the command or
		// the sampling for long; the final save retries for as long as the
		// Sink allows.
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(sctx, 10*time.Second)
		defer cancel()
	}
	err := s.cfg.Sink.Save(sctx, s.rec)
	if err != nil && !final && s.cfg.OnSaveError != nil {
		s.cfg.OnSaveError(err)
	}
	return err
}

func (s *state) failStart(ctx context.Context, err error) (*Record, error) {
	end := s.cfg.Now().UTC()
	code := 126
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		code = 127
	}
	s.rec.End, s.rec.ExitCode = &end, &code
	s.rec.Status, s.rec.Complete = StatusFailed, true
	s.rec.Error = err.Error()
	s.setEnergy([]Energy{})
	startErr := fmt.Errorf("tracker: start %s: %w", s.cfg.Argv[0], err)
	if serr := s.save(ctx, true); serr != nil {
		return s.rec, errors.Join(startErr, &SaveError{ID: s.rec.ID, Err: serr})
	}
	return s.rec, startErr
}

func (s *state) finish(ctx context.Context, ps *os.ProcessState) (*Record, error) {
	now := s.cfg.Now()
	s.integrateRSS(now)
	s.waitForNode(ctx)
	s.sampleMeters(s.cfg.Now())
	if j := s.rec.Job; j != nil && j.NodeLeader {
		j.NodeSeconds = s.cfg.Now().Sub(s.start).Seconds()
		if busy, err := s.cfg.HostBusy(); err == nil && s.busyOK {
			j.NodeBusySeconds = busy - s.busy0
		}
	}
	r := s.rec
	end := now.UTC()
	r.End = &end
	r.WallSeconds = now.Sub(s.start).Seconds()
	r.UserSeconds, r.SystemSeconds = s.last.UserSeconds, s.last.SystemSeconds
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		u := time.Duration(ru.Utime.Nano()).Seconds()
		sy := time.Duration(ru.Stime.Nano()).Seconds()
		// wait4 covers the command and every descendant it waited for;
		// the sampled tree may also hold orphans it did not wait for.
		if u+sy >= s.last.CPUSeconds() {
			r.UserSeconds, r.SystemSeconds = u, sy
		}
		// wait4's maxrss also counts greenai's own image, which the child
		// shared until exec: use it only when no sample caught the tree.
		if s.peakRSS == 0 {
			s.peakRSS = uint64(ru.Maxrss) * 1024
			r.Notes = append(r.Notes, "peak RSS from wait4 (no /proc sample): an upper bound that may include greenai's own memory")
		}
	}
	r.CPUSeconds = r.UserSeconds + r.SystemSeconds
	r.PeakRSSBytes = s.peakRSS
	if b := r.IdleBaseline; b != nil {
		b.JoulesOverRun = b.Watts * r.WallSeconds
	}
	es, notes := s.energies(r.CPUSeconds, true)
	s.setEnergy(es)
	r.Notes = append(r.Notes, notes...)
	s.points = append(s.points, s.series.point(r.WallSeconds, es, r.CPUSeconds, s.cfg.HostBusy))
	scaleSeries(s.points, r.EnergyJoules)
	s.steps.scan(r.WallSeconds, s.start)
	if len(s.steps.seen) > 0 {
		total, _ := strconv.ParseFloat(r.Params["total_steps"], 64)
		r.Steps, r.StepsHow = buildSteps(s.steps.seen, s.points, r.FPO, total)
		r.StepsHow = "energy up to each step: the run's energy interpolated between samples (every " + s.cfg.Interval.String() +
			") at the step line's \"timestamp\", else when greenai first saw the line; " +
			"each interval bills RAPL by its own CPU-time share, and the series is scaled to the run's energy_joules" + ifNot(r.StepsHow, "; FPO: ")
	}

	code := ps.ExitCode()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
		r.Signal = signalName(ws.Signal())
	}
	r.ExitCode = &code
	switch {
	case r.InterruptedBy != "":
		r.Status = StatusInterrupted
	case r.Signal != "":
		r.Status = StatusSignaled
	default:
		r.Status = StatusFinished
	}
	var skipped int
	r.Metrics, skipped = readMetrics(s.metrics)
	if skipped > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d line(s) of $GREENAI_METRICS were skipped (not one JSON object per line, or past the limit of %d)", skipped, MaxMetrics))
	}
	r.Complete = true
	if err := s.save(ctx, true); err != nil {
		return r, &SaveError{ID: r.ID, Err: err}
	}
	return r, nil
}

// SaveError reports that the final record could not be saved to the Sink.
type SaveError struct {
	ID  string
	Err error
}

func (e *SaveError) Error() string { return fmt.Sprintf("tracker: save run %s: %v", e.ID, e.Err) }

func (e *SaveError) Unwrap() error { return e.Err }

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM",
	syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
}

func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if n, ok := signalNames[s]; ok {
			return n
		}
		return fmt.Sprintf("signal %d", int(s))
	}
	return sig.String()
}

// ifNot returns prefix+s, or "" when s is empty.
func ifNot(s, prefix string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

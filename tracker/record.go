package tracker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
)

// Energy is one energy figure with its provenance (see meter.Energy).
type Energy = meter.Energy

// Hardware describes the host of a run.
type Hardware = meter.Hardware

// Provenance values of Energy.Provenance.
const (
	MeasuredCounter = meter.MeasuredCounter
	IntegratedPower = meter.IntegratedPower
	ModelEstimate   = meter.ModelEstimate
)

// Status values of Record.Status.
const (
	StatusStarted     = "started"     // written at the start; still so if greenai died
	StatusFinished    = "finished"    // the command exited by itself (any exit code)
	StatusSignaled    = "signaled"    // the command was killed by a signal nobody forwarded
	StatusInterrupted = "interrupted" // greenai was interrupted and forwarded the signal
	StatusFailed      = "failed"      // the command could not be started
)

// Record is everything greenai knows about one run.
type Record struct {
	// Schema is the document version, "greenai.run/1", in the records
	// greenai runs --json writes (see package report); empty in a stored
	// record.
	Schema   string `json:"version,omitempty"`
	ID       string `json:"id"`
	Status   string `json:"status"`
	Complete bool   `json:"complete"` // false until the run was finalised

	Command string     `json:"command"` // shell-quoted argv
	Argv    []string   `json:"argv"`
	Dir     string     `json:"dir"`
	Start   time.Time  `json:"start"`
	End     *time.Time `json:"end"`
	// ExitCode is the command's exit status, 128+N when killed by signal N
	// (as shells report it); null while the run is incomplete.
	ExitCode      *int   `json:"exit_code"`
	Signal        string `json:"signal,omitempty"`         // the signal that killed the command
	InterruptedBy string `json:"interrupted_by,omitempty"` // the signal greenai received and forwarded
	Error         string `json:"error,omitempty"`

	Host     string   `json:"host"`
	PID      int      `json:"pid"` // greenai's process id on Host
	Hardware Hardware `json:"hardware"`

	WallSeconds   float64 `json:"wall_seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	UserSeconds   float64 `json:"user_seconds"`
	SystemSeconds float64 `json:"system_seconds"`
	PeakRSSBytes  uint64  `json:"peak_rss_bytes"`

	Energy       []Energy `json:"energy"`
	EnergyJoules float64  `json:"energy_joules"`
	// WholeJoules is the energy of the whole host and devices the run
	// used (RAPL before the run's share, GPUs whole); AttributedJoules is
	// the run's share of it (RAPL by CPU time, GPUs by the driver's
	// per-process figures where it gives them). See each figure's method.
	WholeJoules      float64 `json:"whole_joules"`
	AttributedJoules float64 `json:"attributed_joules"`
	// IdleBaseline is the machine's power measured before the command
	// started (--idle-baseline), reported beside the run, never subtracted.
	IdleBaseline *IdleBaseline `json:"idle_baseline,omitempty"`
	CarbonG      float64       `json:"carbon_g"`
	PUE          float64       `json:"pue"`
	// Carbon is the full carbon accounting (intensity, its source, PUE).
	Carbon carbon.Setting `json:"carbon"`

	Experiment string            `json:"experiment"`
	Trial      string            `json:"trial"`
	Params     map[string]string `json:"params"`
	Tags       []string          `json:"tags"`
	Group      string            `json:"group,omitempty"` // distributed job this run is one node/rank of
	Rank       string            `json:"rank,omitempty"`
	// Job is set when the run is one rank of a distributed job.
	Job *Job `json:"job,omitempty"`

	// Metrics are the JSON objects the command appended to $GREENAI_METRICS.
	Metrics []json.RawMessage `json:"metrics"`
	// Steps is the energy, FPO and time up to each step the command
	// reported, and since the step before; StepsHow says how they were
	// obtained.
	Steps    []Step `json:"steps,omitempty"`
	StepsHow string `json:"steps_method,omitempty"`
	// FPO is the hardware-agnostic cost of the model, when a model and
	// spec were given and Config.FPO computes it.
	FPO *FPOInfo `json:"fpo"`

	// Notes say what was not measured, and why, in words.
	Notes   []string `json:"notes"`
	Version string   `json:"greenai_version,omitempty"`
}

// FPOInfo is the floating-point-operation cost of a model, as computed by
// greenai's cost calculator.
type FPOInfo struct {
	Model         string  `json:"model"`
	Spec          string  `json:"spec,omitempty"`
	TotalFPO      float64 `json:"total_fpo"`
	PerExampleFPO float64 `json:"per_example_fpo"`
	MACs          float64 `json:"macs"`
	Source        string  `json:"source"` // what computed it, e.g. "greenai cost 0.1.0"
}

// FPOFunc computes the FPO of a model file under a spec (spec may be "").
// The tracker does not link a cost calculator itself (it would pull in the
// whole model-reading stack); the caller passes one in Config.FPO.
type FPOFunc func(ctx context.Context, model, spec string) (*FPOInfo, error)

// NewID returns a sortable, practically unique run id:
// UTC time to the second and 32 random bits.
func NewID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// ShellQuote joins argv as a POSIX shell would need it typed.
func ShellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// WholeJoules is the whole-host or whole-device energy of a figure: its
// HostJoules when the run was billed a share, else its Joules.
func WholeJoules(e Energy) float64 {
	if e.HostJoules > 0 {
		return e.HostJoules
	}
	return e.Joules
}

// AttributedJoules is the run's part of a figure: a RAPL figure billed by
// CPU-time share already is; a whole device with a per-process share is
// billed by it; anything else is the run's whole.
func AttributedJoules(e Energy) float64 {
	if e.Scope == meter.ScopeDevice && e.Share > 0 {
		return e.Joules * e.Share
	}
	return e.Joules
}

// TotalJoules sums energy figures.
func TotalJoules(es []Energy) float64 {
	t := 0.0
	for _, e := range es {
		t += e.Joules
	}
	return t
}

package board

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Counter counts submitted models.
type Counter interface {
	Count(ctx context.Context, req CountRequest) (*Counted, error)
}

// InProcess counts in the calling process, with no limits: for trusted
// models (tests, the demo board, admin tools).
type InProcess struct{}

// Count implements Counter.
func (InProcess) Count(ctx context.Context, req CountRequest) (*Counted, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Count(req)
}

// Subprocess counts each model in a child process (Argv, normally the
// greenai binary re-executed with its hidden count subcommand) that limits
// its own address space, and kills it after Timeout: a hostile model can
// only take its own child down.
type Subprocess struct {
	Argv []string
	// Env is added to the child's environment.
	Env []string
	// Timeout bounds one count (default 2 minutes).
	Timeout time.Duration
	// MemoryBytes bounds the child's address space beyond the model file's
	// size (default 2 GiB).
	MemoryBytes int64
}

// EnvCountMemory passes the memory limit to the child.
const EnvCountMemory = "GREENAI_COUNT_MEMORY"

// ErrLimit marks a count stopped by its time or memory limit.
var ErrLimit = errors.New("count stopped at its limit")

// Count implements Counter.
func (s *Subprocess) Count(ctx context.Context, req CountRequest) (*Counted, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	mem := s.MemoryBytes
	if mem <= 0 {
		mem = 2 << 30
	}
	if fi, err := os.Stat(req.Model); err == nil {
		mem += 2 * fi.Size() // the file is read whole, and decoded
	}
	in, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, s.Argv[0], s.Argv[1:]...)
	cmd.Env = append(append(os.Environ(), s.Env...), EnvCountMemory+"="+strconv.FormatInt(mem, 10))
	if os.Getenv("GOMAXPROCS") == "" {
		// One count is sequential work; one thread (and a one-thread
		// garbage collector) keeps a busy pool from crowding the readers.
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
	}
	cmd.Stdin = bytes.NewReader(in)
	var out, errb limitedBuffer
	out.max, errb.max = 64<<20, 64<<10
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	start := time.Now()
	err = cmd.Run()
	if cctx.Err() == context.DeadlineExceeded {
		return nil, &FieldError{Field: "model", Msg: fmt.Sprintf("counting took longer than %v and was stopped (%v)", timeout, ErrLimit)}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var res childResult
	if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil || (res.Counted == nil && res.Error == nil) {
		msg := strings.TrimSpace(errb.String())
		if strings.Contains(msg, "out of memory") || strings.Contains(msg, "cannot allocate memory") {
			return nil, &FieldError{Field: "model", Msg: fmt.Sprintf("counting needed more than %d MiB and was stopped (%v)", mem>>20, ErrLimit)}
		}
		if err == nil {
			err = errors.New("no result")
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("counting process failed after %v: %v: %s", time.Since(start).Round(time.Millisecond), err, msg)
	}
	if res.Error != nil {
		if res.Error.Field != "" {
			return nil, &FieldError{Field: res.Error.Field, Msg: res.Error.Msg}
		}
		return nil, errors.New(res.Error.Msg)
	}
	return res.Counted, nil
}

type childResult struct {
	Counted *Counted    `json:"counted,omitempty"`
	Error   *childError `json:"error,omitempty"`
}

type childError struct {
	Field string `json:"field,omitempty"`
	Msg   string `json:"msg"`
}

// ChildMain is the child side of Subprocess: it limits its own address
// space (from $GREENAI_COUNT_MEMORY), reads a CountRequest from stdin,
// counts it and writes the result to stdout. It returns the exit status.
func ChildMain(stdin io.Reader, stdout io.Writer, getenv func(string) string) int {
	LimitChild(getenv)
	var req CountRequest
	data, err := io.ReadAll(io.LimitReader(stdin, MaxManifestBytes))
	enc := json.NewEncoder(stdout)
	if err == nil {
		err = json.Unmarshal(data, &req)
	}
	if err != nil {
		_ = enc.Encode(childResult{Error: &childError{Msg: "reading the count request: " + err.Error()}})
		return 1
	}
	c, err := Count(req)
	if err != nil {
		ce := &childError{Msg: err.Error()}
		var fe *FieldError
		if errors.As(err, &fe) {
			ce.Field, ce.Msg = fe.Field, fe.Msg
		}
		_ = enc.Encode(childResult{Error: ce})
		return 1
	}
	if err := enc.Encode(childResult{Counted: c}); err != nil {
		return 1
	}
	return 0
}

// LimitChild lowers this process's CPU priority (nice 10) and applies the
// memory limit in $GREENAI_COUNT_MEMORY to it: an address-space limit (RLIMIT_AS, with headroom for the Go
// runtime's own reservations), so that an allocation beyond it fails and
// the process dies, and a matching soft limit for the garbage collector.
func LimitChild(getenv func(string) string) {
	lowerPriority()
	v := getenv(EnvCountMemory)
	n, err := strconv.ParseInt(v, 10, 64)
	if v == "" || err != nil || n <= 0 {
		return
	}
	lim := uint64(n) + 1<<30
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: lim, Max: lim})
	debug.SetMemoryLimit(n)
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// Pool bounds how many counts run at once.
type Pool struct {
	Counter Counter
	sem     chan struct{}
}

// NewPool returns a pool of n workers over c.
func NewPool(c Counter, n int) *Pool {
	if n < 1 {
		n = 1
	}
	return &Pool{Counter: c, sem: make(chan struct{}, n)}
}

// Busy is how many counts are running.
func (p *Pool) Busy() int { return len(p.sem) }

// Count waits for a free worker (or ctx) and counts.
func (p *Pool) Count(ctx context.Context, req CountRequest) (*Counted, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free counting worker: %w", ctx.Err())
	}
	defer func() { <-p.sem }()
	return p.Counter.Count(ctx, req)
}

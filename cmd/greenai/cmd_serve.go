package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/board/demo"
	"github.com/greenai/greenai/board/server"
	"github.com/greenai/greenai/internal/store"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve an efficiency leaderboard (web pages and a JSON API)",
		usage:   serveUsage,
		run:     runServe,
	})
}

// countChild is the hidden subcommand that counts one submitted model in
// a child process of greenai serve (see board.Subprocess); it is not listed
// in the manual.
const countChild = "__count"

func runCountChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: greenai __count < REQUEST.json (internal: run by greenai serve)")
		return usageError("__count takes no arguments")
	}
	if code := board.ChildMain(os.Stdin, stdout, os.Getenv); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

const serveUsage = `usage: greenai serve [flags]

Serves efficiency leaderboards: boards ranked by their metric beside the
FPO per inference, training FPO, the whole price tag (E·D·H), parameters,
energy and carbon; "best under a budget" filters, the metric-versus-FPO
Pareto front, an entry page per result with its efficiency card, and an SVG
badge. Every view is also JSON and CSV; see docs/leaderboard.md for the API
and the submission bundle format.

The server counts each submitted model itself (the engine of greenai fpo,
at the board's input shape), recomputes its price tag from the submitted
cost spec, and flags claims that disagree. Counting runs in a child
process with time and memory limits, at most --workers at once.

Pages are served from memory and rendered again, off the request path,
when an entry arrives (here, or at another replica sharing the PostgreSQL
database, which tells the others by NOTIFY); a submission's answer comes
once its board shows it. See docs/leaderboard.md.

Reading is public. Submitting needs a bearer token issued by the admin
("greenai board token issue"). Boards are created with "greenai board
create". On SIGTERM or SIGINT the server stops accepting, finishes the
submissions in flight (each is one transaction) and exits.

Try it:  greenai serve --demo   (then open http://localhost:8080)

Flags (environment variables in brackets):
  --addr ADDR            listen address (default :8080) [GREENAI_BOARD_ADDR]
  --db PATH|URL          the database: a SQLite file or a postgres:// URL, so
                         several replicas can share one [GREENAI_BOARD_DB];
                         default: the per-user board.db beside runs.db
  --data DIR             scratch directory for uploads being counted (default:
                         the per-user data directory's board-uploads); partial
                         uploads left by a killed server are removed at start
  --demo                 seed the ImageNet demo board (torchvision models with
                         their published top-1); without --db, in a temporary
                         database removed at exit
  --base-url URL         the public URL, for the entry URLs the API returns
                         (behind a reverse proxy) [GREENAI_BOARD_URL]
  --max-model-bytes N    largest model file accepted (default 1G; K, M, G are
                         binary here: 1G = 2^30 bytes)
  --workers N            counts at once (default: the number of CPUs)
  --count-timeout D      time limit of one count (default 2m)
  --count-memory N       memory limit of one count, beyond the model file
                         (default 2G)
  --upload-timeout D     time limit for receiving one submission (default 5m)
  --rate N               submissions per minute per token (default 30)
  --burst N              burst of submissions per token (default 10)
  --grace D              how long shutdown waits for submissions in flight
                         (default 3m)
  --pprof-addr ADDR      also serve Go's profiler (net/http/pprof) on ADDR, a
                         private address such as 127.0.0.1:6060 (default: off)
  --log-format F         text (default) or json [GREENAI_LOG_FORMAT]
  --log-level L          debug, info (default), warn or error

Endpoints: / (boards), /boards/NAME[.json|.csv], /boards/NAME/pareto.svg,
/entries/ID[.json|.csv], /entries/ID/badge.svg, /submit (web form),
/api/v1/... (JSON), /healthz, /metrics (Prometheus).
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if os.Getenv("GOGC") == "" {
		// main collects at 50% for the batch commands' peak memory; a
		// server's live heap is small (cached pages, entry summaries) and
		// its allocation rate high, so Go's default costs readers less.
		debug.SetGCPercent(100)
	}
	c := commands["serve"]
	fs := newFlagSet(c, stderr)
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	addr := fs.String("addr", env("GREENAI_BOARD_ADDR", ":8080"), "")
	db := fs.String("db", os.Getenv("GREENAI_BOARD_DB"), "")
	data := fs.String("data", "", "")
	demoFlag := fs.Bool("demo", false, "")
	baseURL := fs.String("base-url", os.Getenv("GREENAI_BOARD_URL"), "")
	maxModel := fs.String("max-model-bytes", "1G", "")
	workers := fs.Int("workers", runtime.NumCPU(), "")
	countTimeout := fs.Duration("count-timeout", 2*time.Minute, "")
	countMem := fs.String("count-memory", "2G", "")
	uploadTimeout := fs.Duration("upload-timeout", 5*time.Minute, "")
	ratePer := fs.Float64("rate", 30, "")
	burst := fs.Int("burst", 10, "")
	grace := fs.Duration("grace", 3*time.Minute, "")
	logFormat := fs.String("log-format", env("GREENAI_LOG_FORMAT", "text"), "")
	logLevel := fs.String("log-level", "info", "")
	pprofAddr := fs.String("pprof-addr", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("serve takes no arguments (got %q)", pos[0])
	}
	maxBytes, err := parseBytes(*maxModel)
	if err != nil {
		return usageError("--max-model-bytes: %v", err)
	}
	memBytes, err := parseBytes(*countMem)
	if err != nil {
		return usageError("--count-memory: %v", err)
	}
	if *workers < 1 {
		return usageError("--workers: want at least 1 (got %d)", *workers)
	}
	// The server would replace a zero or negative limit by its default:
	// refuse it rather than ignore the flag.
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--count-timeout", *countTimeout}, {"--upload-timeout", *uploadTimeout}} {
		if d.v <= 0 {
			return usageError("%s: want a positive duration such as 2m (got %v)", d.flag, d.v)
		}
	}
	if *ratePer <= 0 || *burst < 1 {
		return usageError("--rate and --burst must be positive")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	var h slog.Handler
	switch *logFormat {
	case "text":
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return usageError("--log-format %q: want text or json", *logFormat)
	}
	log := slog.New(h)
	target := *db
	if target == "" {
		if *demoFlag {
			dir, err := os.MkdirTemp("", "greenai-demo-board-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			target = filepath.Join(dir, "board.db")
		} else {
			target = filepath.Join(store.DataDir(os.Getenv), "board.db")
		}
	}
	if *data == "" {
		*data = filepath.Join(store.DataDir(os.Getenv), "board-uploads")
		if *demoFlag && *db == "" {
			*data = filepath.Join(filepath.Dir(target), "uploads")
		}
	}
	st, err := board.Open(ctx, target)
	if err != nil {
		return err
	}
	defer st.Close()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("serve: cannot find the greenai binary to count models in a child process: %w", err)
	}
	counter := &board.Subprocess{Argv: []string{exe, countChild}, Timeout: *countTimeout, MemoryBytes: memBytes}
	if *demoFlag {
		tok, n, err := demo.Seed(ctx, st, board.InProcess{}, demo.Board(), demo.Models(), demo.ImageNet)
		if err != nil {
			return fmt.Errorf("serve --demo: %w", err)
		}
		log.Info("demo board seeded", "board", demo.Board().Name, "entries", n)
		fmt.Fprintf(stderr, "demo submit token (shown once): %s\n", tok)
	}
	srv, err := server.New(server.Config{Store: st, Counter: counter, Workers: *workers, DataDir: *data, MaxModelBytes: maxBytes,
		UploadTimeout: *uploadTimeout, RatePerMinute: *ratePer, Burst: *burst, BaseURL: *baseURL, Logger: log})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *pprofAddr != "" {
		pl, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("serve: --pprof-addr: %w", err)
		}
		defer pl.Close()
		go func() { _ = http.Serve(pl, pprofMux()) }()
		log.Info("profiler", "addr", pl.Addr().String())
	}
	log.Info("serving", "addr", l.Addr().String(), "db", st.Where(), "workers", *workers)
	shown := l.Addr().String()
	if strings.HasPrefix(*addr, ":") {
		shown = "localhost" + *addr
	}
	fmt.Fprintf(stderr, "greenai leaderboard on http://%s/\n", shown)
	err = srv.Serve(ctx, l, *grace)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// pprofMux serves net/http/pprof's handlers (not on the public listener).
func pprofMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}

// parseBytes reads a size such as 512M or 2G (binary: 1G = 2^30) or a
// plain number of bytes.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	if n := len(s); n > 0 {
		switch strings.ToUpper(s[n-1:]) {
		case "K":
			mult = 1 << 10
		case "M":
			mult = 1 << 20
		case "G":
			mult = 1 << 30
		case "T":
			mult = 1 << 40
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("%q: want a positive size such as 512M or 2G", s)
	}
	return v * mult, nil
}

// Package server serves greenai leaderboards: HTML pages (html/template, embedded assets, usable without JavaScript), a JSON/CSV API, submissions with bearer tokens, /healthz and Prometheus /metrics.
package server

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/greenai/greenai/board"
)

//go:embed assets templates
var files embed.FS

// Config configures a Server. Zero fields take the defaults in brackets.
type Config struct {
	Store *board.Store
	// Counter counts submitted models (board.Subprocess in production).
	Counter board.Counter
	// Workers bounds the counts running at once [2].
	Workers int
	// DataDir holds uploads while they are counted [os.TempDir()/greenai-board].
	DataDir string
	// MaxModelBytes bounds an uploaded model file [1 GiB].
	MaxModelBytes int64
	// UploadTimeout bounds reading one submission's body, against slow
	// clients [5 min].
	UploadTimeout time.Duration
	// CountTimeout is how long a submission waits for a free counting
	// worker [2 min]; the count itself is bounded by the Counter.
	CountWait time.Duration
	// RatePerMinute and Burst limit submissions per token [30, 10].
	RatePerMinute float64
	Burst         int
	// BaseURL is the public URL of the server, for the URLs in API
	// answers [taken from the request].
	BaseURL string
	// CacheTTL is how long a rendered board page is reused [1 s]; the
	// server's own submissions invalidate it at once. Negative disables.
	CacheTTL time.Duration
	Logger   *slog.Logger
	// Registry receives the server's metrics [a new registry with the Go
	// and process collectors].
	Registry *prometheus.Registry
}

// Server is a leaderboard web server.
type Server struct {
	cfg   Config
	st    *board.Store
	pool  *board.Pool
	log   *slog.Logger
	tmpl  map[string]*template.Template
	mux   *http.ServeMux
	reg   *prometheus.Registry
	cache *pageCache // board views: short-lived, invalidated by submissions
	// entryCache holds entry pages: entries never change, so only its
	// bound on staleness (maxStale) and its size evict them.
	entryCache *pageCache
	limits     sync.Map // token id → *rate.Limiter
	closing    atomic.Bool

	mRequests   *prometheus.CounterVec
	mDuration   *prometheus.HistogramVec
	mSubmission *prometheus.CounterVec
	mCount      prometheus.Histogram
}

// New returns a server; it removes upload files left by a previous
// process that died mid-submission.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.Counter == nil {
		return nil, errors.New("server: no counter")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(os.TempDir(), "greenai-board")
	}
	if cfg.MaxModelBytes <= 0 {
		cfg.MaxModelBytes = 1 << 30
	}
	if cfg.UploadTimeout <= 0 {
		cfg.UploadTimeout = 5 * time.Minute
	}
	if cfg.CountWait <= 0 {
		cfg.CountWait = 2 * time.Minute
	}
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = 30
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 10
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{cfg: cfg, st: cfg.Store, pool: board.NewPool(cfg.Counter, cfg.Workers), log: cfg.Logger, reg: cfg.Registry, cache: newPageCache(cfg.CacheTTL, 64, cfg.Logger), entryCache: newPageCache(entryTTL(cfg.CacheTTL), 1024, cfg.Logger)}
	if err := s.sweepUploads(); err != nil {
		return nil, err
	}
	var err error
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	s.metrics()
	s.routes()
	return s, nil
}

func (s *Server) uploadDir() string { return filepath.Join(s.cfg.DataDir, "uploads") }

// sweepUploads removes partial uploads: an upload is only ever a
// temporary file, removed when its submission is committed or rejected,
// so any file there at start belongs to a process that died.
func (s *Server) sweepUploads() error {
	dir := s.uploadDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("server: upload directory: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("server: upload directory: %w", err)
	}
	n := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".part") {
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				n++
			}
		}
	}
	if n > 0 {
		s.log.Info("removed partial uploads of an earlier process", "count", n, "dir", dir)
	}
	return nil
}

func (s *Server) metrics() {
	s.mRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "greenai_board_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	s.mDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "greenai_board_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"})
	s.mSubmission = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "greenai_board_submissions_total", Help: "Submissions by outcome (created, duplicate, rejected, failed)."}, []string{"outcome"})
	s.mCount = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "greenai_board_count_duration_seconds", Help: "Time to count one submitted model.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)})
	busy := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "greenai_board_count_workers_busy", Help: "Counting workers in use."}, func() float64 { return float64(s.pool.Busy()) })
	for _, c := range []prometheus.Collector{s.mRequests, s.mDuration, s.mSubmission, s.mCount, busy} {
		if err := s.reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err)
			}
		}
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(files, "assets")
	m.Handle("GET /static/", s.wrap("static", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static)))))
	m.Handle("GET "+fontPath, s.wrapF("font", s.handleFont))
	m.Handle("GET /{$}", s.wrapF("index", s.handleIndex))
	m.Handle("GET /boards/{name}", s.wrapF("board", s.handleBoard))
	m.Handle("GET /boards/{name}/pareto.svg", s.wrapF("pareto", s.handlePareto))
	m.Handle("GET /entries/{id}", s.wrapF("entry", s.handleEntry))
	m.Handle("GET /entries/{id}/badge.svg", s.wrapF("badge", s.handleBadge))
	m.Handle("GET /entries/{id}/evp.svg", s.wrapF("evp", s.handleEVP))
	m.Handle("GET /entries/{id}/curves.svg", s.wrapF("curves", s.handleCurves))
	m.Handle("GET /entries/{id}/ops.csv", s.wrapF("ops", s.handleOpsCSV))
	m.Handle("GET /submit", s.wrapF("submit_form", s.handleSubmitForm))
	m.Handle("POST /submit", s.wrapF("submit_form_post", s.handleSubmitFormPost))
	m.Handle("GET /api/v1/boards", s.wrapF("api_boards", s.handleAPIBoards))
	m.Handle("GET /api/v1/boards/{name}", s.wrapF("api_board", s.handleAPIBoard))
	m.Handle("GET /api/v1/boards/{name}/entries", s.wrapF("api_entries", s.handleAPIEntries))
	m.Handle("GET /api/v1/entries/{id}", s.wrapF("api_entry", s.handleAPIEntry))
	m.Handle("POST /api/v1/submissions", s.wrapF("api_submit", s.handleAPISubmit))
	m.Handle("GET /healthz", s.wrapF("healthz", s.handleHealthz))
	m.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	m.Handle("/", s.wrapF("not_found", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &httpError{code: http.StatusNotFound, msg: "no such page: " + r.URL.Path})
	}))
	s.mux = m
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// HTTPServer returns an http.Server with the timeouts the leaderboard
// needs: headers within 10 s (slowloris), ordinary request bodies within
// 30 s (submissions get UploadTimeout), answers within 60 s (submissions:
// upload + count).
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve serves on l until ctx is done, then shuts down gracefully: it
// stops accepting, rejects new submissions, and waits up to grace for the
// ones in flight to finish (each is one transaction: committed whole or
// not at all).
func (s *Server) Serve(ctx context.Context, l net.Listener, grace time.Duration) error {
	hs := s.HTTPServer(l.Addr().String())
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.Watch(wctx)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	s.log.Info("shutting down: finishing in-flight requests", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("shut down")
	return nil
}

// Watch keeps the cached pages fresh with the entries other replicas add
// to a shared PostgreSQL database (see board.Store.Watch), until ctx is
// done; Serve runs it. Without notifications (SQLite, or while the
// listening connection is down) the cache's TTL bounds the staleness.
func (s *Server) Watch(ctx context.Context) {
	_ = s.st.Watch(ctx, func(b string) {
		if b == "" {
			s.cache.invalidateAll()
			return
		}
		s.cache.invalidate("")
		s.cache.invalidate(b)
	}, func(msg string, err error) { s.log.Warn(msg, "err", err) })
}

// statusWriter records the status code.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) wrapF(route string, f http.HandlerFunc) http.Handler { return s.wrap(route, f) }

// Security headers of every answer (shared: net/http does not modify
// header values).
var (
	hdrNoSniff  = []string{"nosniff"}
	hdrCSP      = []string{"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"}
	hdrReferrer = []string{"same-origin"}
)

// wrap adds security headers, panic recovery, logs and metrics. It is on
// every read's path, so it allocates little: the route's metrics are
// looked up once, and debug logs are built only when enabled.
func (s *Server) wrap(route string, h http.Handler) http.Handler {
	dur := s.mDuration.WithLabelValues(route)
	var codes sync.Map // status code → prometheus.Counter
	counter := func(code int) prometheus.Counter {
		if c, ok := codes.Load(code); ok {
			return c.(prometheus.Counter)
		}
		c := s.mRequests.WithLabelValues(route, strconv.Itoa(code))
		codes.Store(code, c)
		return c
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		hd := w.Header()
		hd["X-Content-Type-Options"] = hdrNoSniff
		hd["Content-Security-Policy"] = hdrCSP
		hd["Referrer-Policy"] = hdrReferrer
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "route", route, "path", r.URL.Path, "panic", fmt.Sprint(p))
				if sw.code == 0 {
					s.fail(sw, r, &httpError{code: http.StatusInternalServerError, msg: "internal error"})
				}
			}
			d := time.Since(start)
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			counter(code).Inc()
			dur.Observe(d.Seconds())
			lvl := slog.LevelDebug
			if code >= 500 {
				lvl = slog.LevelError
			} else if r.Method != http.MethodGet || code >= 400 {
				lvl = slog.LevelInfo
			}
			if s.log.Enabled(r.Context(), lvl) {
				s.log.Log(r.Context(), lvl, "request", "method", r.Method, "path", r.URL.Path, "route", route, "code", code, "ms", float64(d.Microseconds())/1000, "remote", r.RemoteAddr)
			}
		}()
		h.ServeHTTP(sw, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) limiter(tokenID string) *rate.Limiter {
	if l, ok := s.limits.Load(tokenID); ok {
		return l.(*rate.Limiter)
	}
	l, _ := s.limits.LoadOrStore(tokenID, rate.NewLimiter(rate.Limit(s.cfg.RatePerMinute/60), s.cfg.Burst))
	return l.(*rate.Limiter)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.st.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "{\"status\":\"unavailable\",\"error\":%q}\n", "database: "+err.Error())
		return
	}
	if s.closing.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"shutting down"}`)
		return
	}
	fmt.Fprintln(w, `{"status":"ok"}`)
}

// entryTTL: entries never change, so their pages never age (unless caching
// is off).
func entryTTL(board time.Duration) time.Duration {
	if board < 0 {
		return board
	}
	return 0
}

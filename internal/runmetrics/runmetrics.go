// Package runmetrics exposes a running "greenai run" to Prometheus: live power, energy, CPU time and step counters, through the official client library.
package runmetrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/greenai/greenai/tracker"
)

// Exporter serves the metrics of one run at /metrics.
type Exporter struct {
	reg     *prometheus.Registry
	srv     *http.Server
	ln      net.Listener
	mu      sync.Mutex
	energy  *prometheus.GaugeVec
	power   prometheus.Gauge
	total   prometheus.Gauge
	cpu     prometheus.Gauge
	rss     prometheus.Gauge
	elapsed prometheus.Gauge
	step    prometheus.Gauge
	steps   prometheus.Gauge
	done    chan struct{}
	// serveErr is why serving stopped early, if it did.
	serveErr error
}

// Listen binds addr (":9464", "127.0.0.1:0") and serves the run's metrics
// there until Close. labels (run_id, and job, rank, node for a distributed
// job's rank) go on every series, so that many runs can be scraped into
// one Prometheus.
func Listen(addr string, labels map[string]string) (*Exporter, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	reg := prometheus.NewRegistry()
	cl := prometheus.Labels(labels)
	g := func(name, help string) prometheus.Gauge {
		m := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: cl})
		reg.MustRegister(m)
		return m
	}
	e := &Exporter{reg: reg, ln: ln, done: make(chan struct{})}
	e.energy = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "greenai_run_energy_joules",
		Help: "Energy of the run so far per component and device, in joules (RAPL billed by the run's CPU-time share; see provenance).", ConstLabels: cl},
		[]string{"component", "device", "provenance"})
	reg.MustRegister(e.energy)
	e.total = g("greenai_run_energy_total_joules", "Energy of the run so far, all components, in joules.")
	e.power = g("greenai_run_power_watts", "Mean power of the run over the last sampling interval, all components, in watts.")
	e.cpu = g("greenai_run_cpu_seconds", "User+system CPU time of the run's process tree so far, in seconds.")
	e.rss = g("greenai_run_resident_memory_bytes", "Resident memory of the run's process tree, in bytes.")
	e.elapsed = g("greenai_run_elapsed_seconds", "Time since the run started, in seconds.")
	e.step = g("greenai_run_step", "The largest step the command reported in $GREENAI_METRICS.")
	e.steps = g("greenai_run_step_lines", "Number of step lines the command reported in $GREENAI_METRICS.")
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(e.done)
		// Serve returns only when the listener fails or Close shuts it
		// down; either way the run itself goes on, so the error is kept
		// for Close to report.
		if err := e.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.mu.Lock()
			e.serveErr = err
			e.mu.Unlock()
		}
	}()
	return e, nil
}

// Addr is the address the exporter listens on.
func (e *Exporter) Addr() string { return e.ln.Addr().String() }

// Update sets the series from one sampling tick.
func (e *Exporter) Update(p tracker.Progress) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.power.Set(p.Watts)
	e.total.Set(p.Joules)
	e.cpu.Set(p.CPUSeconds)
	e.rss.Set(float64(p.RSSBytes))
	e.elapsed.Set(p.Elapsed.Seconds())
	e.step.Set(p.Step)
	e.steps.Set(float64(p.Steps))
	for _, en := range p.Energy {
		e.energy.WithLabelValues(en.Component, en.Device, string(en.Provenance)).Set(en.Joules)
	}
}

// Close stops serving.
func (e *Exporter) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.serveErr != nil {
		return fmt.Errorf("metrics: serving stopped during the run: %w", e.serveErr)
	}
	return err
}

// Command boardload is the leaderboard's load benchmark: concurrent readers and submitters against a running "greenai serve", then a check that every accepted submission is stored exactly once.
//
// bench/board.sh starts PostgreSQL and the server and runs it; see
// bench/README.md for the results.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/greenai/greenai/board"
)

type sample struct {
	route string
	d     time.Duration
	code  int // 0 = transport error
}

type recorder struct {
	mu sync.Mutex
	s  []sample
}

func (r *recorder) add(route string, d time.Duration, code int) {
	r.mu.Lock()
	r.s = append(r.s, sample{route, d, code})
	r.mu.Unlock()
}

func main() {
	server := flag.String("server", "http://127.0.0.1:8080", "the leaderboard")
	boardName := flag.String("board", "imagenet-top1", "the board to read and submit to")
	tokens := flag.String("tokens", "", "file with one submit token per line (one per submitter)")
	model := flag.String("model", "testdata/models/resnet18.onnx", "the model the submitters send")
	readers := flag.Int("readers", 200, "concurrent readers")
	submitters := flag.Int("submitters", 20, "concurrent submitters")
	dur := flag.Duration("duration", 60*time.Second, "how long")
	think := flag.Duration("think", 0, "pause between a reader's requests (0: none, a closed loop)")
	gz := flag.Bool("gzip", true, "readers ask for gzip as browsers do; bodies are read as sent, not inflated, so that this process spends little of the CPU it shares with the server (-gzip=false: identity encoding)")
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for the server's /healthz before starting")
	flag.Parse()
	if err := waitHealthy(*server, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "boardload:", err)
		os.Exit(1)
	}
	if err := run(*server, *boardName, *tokens, *model, *readers, *submitters, *dur, *think, *gz); err != nil {
		fmt.Fprintln(os.Stderr, "boardload:", err)
		os.Exit(1)
	}
}

func run(server, boardName, tokensFile, model string, readers, submitters int, dur, think time.Duration, gz bool) error {
	data, err := os.ReadFile(tokensFile)
	if err != nil {
		return err
	}
	toks := strings.Fields(string(data))
	if len(toks) < submitters {
		return fmt.Errorf("%d tokens for %d submitters", len(toks), submitters)
	}
	modelBytes, err := os.ReadFile(model)
	if err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConns: readers + submitters + 10, MaxIdleConnsPerHost: readers + submitters + 10, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	before, err := entries(client, server, boardName)
	if err != nil {
		return err
	}
	var ids []string
	for _, e := range before {
		ids = append(ids, e.ID)
	}
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	// Readers: mostly the board page, some JSON, some entry pages.
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for ctx.Err() == nil {
				route, path := "board page", "/boards/"+boardName
				switch x := r.IntN(10); {
				case x == 0:
					route, path = "board JSON (top 100)", "/boards/"+boardName+".json?sort=fpo&limit=100"
				case x == 1 && len(ids) > 0:
					route, path = "entry page", "/entries/"+ids[r.IntN(len(ids))]
				case x == 2:
					route, path = "board page, sorted by FPO", "/boards/"+boardName+"?sort=fpo"
				}
				get(ctx, client, rec, route, server+path, gz)
				if think > 0 {
					time.Sleep(think)
				}
			}
		}(i)
	}
	// Submitters: each sends distinct bundles; a failed send is resent with
	// the same submission id (as greenai submit does).
	type accepted struct{ subID, entryID, token string }
	var acc []accepted
	var accMu sync.Mutex
	var rejected, lost atomic.Int64
	for i := 0; i < submitters; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				subID := fmt.Sprintf("load-%d-%d-%d", time.Now().UnixNano(), i, n)
				var res *board.SubmitResult
				var err error
				for attempt := 0; attempt < 5; attempt++ {
					res, err = submit(client, rec, server, toks[i], boardName, subID, modelBytes)
					if err == nil || !retryable(err) {
						break
					}
					time.Sleep(200 * time.Millisecond)
				}
				if err != nil {
					if retryable(err) {
						lost.Add(1)
					} else {
						rejected.Add(1)
					}
					fmt.Fprintf(os.Stderr, "submitter %d: %v\n", i, err)
					continue
				}
				accMu.Lock()
				acc = append(acc, accepted{subID, res.ID, toks[i]})
				accMu.Unlock()
			}
		}(i)
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)

	// Check: every accepted submission stored once, nothing extra. Board
	// views are cached (stale ones served while a refresh runs): wait for
	// the cache, then read twice.
	time.Sleep(2 * time.Second)
	if _, err := entries(client, server, boardName); err != nil {
		return err
	}
	time.Sleep(time.Second)
	after, err := entries(client, server, boardName)
	if err != nil {
		return err
	}
	unreadable := 0
	for _, a := range acc {
		resp, err := client.Get(server + "/api/v1/entries/" + a.entryID)
		if err != nil || resp.StatusCode != 200 {
			unreadable++
		}
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	stored := map[string]int{}
	for _, e := range after {
		stored[e.ID]++
	}
	missing, dup := 0, 0
	seen := map[string]bool{}
	for _, a := range acc {
		if stored[a.entryID] != 1 {
			missing++
		}
		if seen[a.entryID] {
			dup++
		}
		seen[a.entryID] = true
	}
	extra := len(after) - len(before) - len(acc)

	p50, p99 := report(rec, elapsed)
	fmt.Printf("\nsubmissions: %d accepted, %d rejected (4xx), %d lost after retries; board entries %d → %d\n", len(acc), rejected.Load(), lost.Load(), len(before), len(after))
	fmt.Printf("consistency: %d accepted but not stored once, %d duplicate entry ids, %d entries beyond the accepted, %d accepted but unreadable\n", missing, dup, extra, unreadable)
	var fivexx int
	for _, s := range rec.s {
		if s.code >= 500 || s.code == 0 {
			fivexx++
		}
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("this load generator used %.1f s of CPU (user %.1f, system %.1f) in %.0f s\n",
		tv(ru.Utime)+tv(ru.Stime), tv(ru.Utime), tv(ru.Stime), elapsed.Seconds())
	met := p99 < 100*time.Millisecond
	fmt.Printf("\nSUMMARY  board page: p50 %s, p99 %s (bar p99 < 100 ms: %s) | 5xx or transport errors: %d | submissions accepted %d, lost %d, duplicated %d, not stored once %d\n",
		ms(p50), ms(p99), map[bool]string{true: "met", false: "NOT MET"}[met], fivexx, len(acc), lost.Load(), dup, missing)
	if missing > 0 || dup > 0 || extra != 0 || fivexx > 0 || lost.Load() > 0 || unreadable > 0 {
		return fmt.Errorf("FAILED: %d 5xx/transport errors, %d missing, %d duplicates, %d extra, %d lost", fivexx, missing, dup, extra, lost.Load())
	}
	if !met {
		return fmt.Errorf("FAILED: board page p99 %s, the bar is 100 ms", ms(p99))
	}
	return nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// waitHealthy polls the server's /healthz until it answers 200.
func waitHealthy(server string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(server + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/healthz after %v: %v", server, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type httpErr struct{ code int }

func (e *httpErr) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

func retryable(err error) bool {
	var he *httpErr
	if errors.As(err, &he) {
		return he.code >= 500 || he.code == 429
	}
	return true // transport errors
}

func get(ctx context.Context, c *http.Client, rec *recorder, route, url string, gz bool) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip") // read as sent: no inflating here
	}
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			rec.add(route, time.Since(t0), 0)
		}
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil && ctx.Err() != nil {
		return // cut off at the end of the run
	}
	rec.add(route, time.Since(t0), resp.StatusCode)
}

func submit(c *http.Client, rec *recorder, server, token, boardName, subID string, model []byte) (*board.SubmitResult, error) {
	man := &board.Manifest{Format: board.BundleFormat, Version: board.BundleVersion, SubmissionID: subID, Board: boardName,
		Model: "resnet18-load", Metrics: map[string]float64{"top1": 60 + rand.Float64()*20}, Claimed: board.Claimed{FPO: 3.6e9}}
	js, _ := json.Marshal(man)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	pw, _ := mw.CreateFormFile("manifest", "manifest.json")
	pw.Write(js)
	fw, _ := mw.CreateFormFile("model", "resnet18.onnx")
	fw.Write(model)
	mw.Close()
	req, _ := http.NewRequest("POST", server+"/api/v1/submissions", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		rec.add("submission", time.Since(t0), 0)
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rec.add("submission", time.Since(t0), resp.StatusCode)
	if resp.StatusCode != 201 && resp.StatusCode != 200 {
		return nil, fmt.Errorf("%w: %s", &httpErr{resp.StatusCode}, body)
	}
	var res board.SubmitResult
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

type entryJSON struct {
	ID string `json:"id"`
}

func entries(c *http.Client, server, boardName string) ([]entryJSON, error) {
	resp, err := c.Get(server + "/api/v1/boards/" + boardName + "/entries")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("entries: HTTP %d", resp.StatusCode)
	}
	var out struct{ Entries []entryJSON }
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Entries, err
}

// report prints the latency table and returns the board page's p50 and
// p99.
func report(rec *recorder, elapsed time.Duration) (p50, p99 time.Duration) {
	by := map[string][]sample{}
	for _, s := range rec.s {
		by[s.route] = append(by[s.route], s)
	}
	var routes []string
	for r := range by {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Printf("%-26s %8s %7s %8s %8s %8s %8s  %s\n", "route", "requests", "req/s", "p50", "p90", "p99", "max", "status codes")
	for _, r := range routes {
		ss := by[r]
		ds := make([]time.Duration, len(ss))
		codes := map[int]int{}
		for i, s := range ss {
			ds[i] = s.d
			codes[s.code]++
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		at := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
		q := func(p float64) string { return fmt.Sprintf("%.1fms", float64(at(p).Microseconds())/1000) }
		if r == "board page" {
			p50, p99 = at(0.5), at(0.99)
		}
		var cs []string
		for c, n := range codes {
			name := fmt.Sprint(c)
			if c == 0 {
				name = "transport-error"
			}
			cs = append(cs, fmt.Sprintf("%s×%d", name, n))
		}
		sort.Strings(cs)
		fmt.Printf("%-26s %8d %7.0f %8s %8s %8s %8s  %s\n", r, len(ss), float64(len(ss))/elapsed.Seconds(), q(0.5), q(0.9), q(0.99), q(1), strings.Join(cs, " "))
	}
	return p50, p99
}

package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/internal/store/storetest"
)

// A submission's answer comes after its board's cached pages show it: the
// submitter's next read has it, though the cache would keep pages for an
// hour.
func TestFreshAfterSubmission(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CacheTTL = time.Hour })
	pages := []string{"/boards/imagenet", "/boards/imagenet?sort=fpo", "/boards/imagenet.json", "/boards/imagenet.csv", "/api/v1/boards/imagenet/entries", "/"}
	for _, p := range pages {
		if a := e.get(p); a.code != 200 || strings.Contains(a.body, "fresh-net") {
			t.Fatalf("GET %s before: %d", p, a.code)
		}
	}
	for i, name := range []string{"fresh-net", "fresher-net"} {
		man := manifest(func(m map[string]any) { m["model"] = name })
		if a := e.submit(man, readFile(t, modelFile(t, "alexnet"))); a.code != 201 {
			t.Fatalf("submit: %d %s", a.code, a.body)
		}
		for _, p := range pages {
			a := e.get(p)
			want := name
			if p == "/" {
				want = []string{`<td class="num">1</td>`, `<td class="num">2</td>`}[i]
			}
			if a.code != 200 || !strings.Contains(a.body, want) {
				t.Errorf("GET %s right after submission %d: %d, %q missing", p, i+1, a.code, want)
			}
		}
	}
}

// Cached pages carry an ETag (answered 304 when the client has the page)
// and are sent gzip-compressed to clients that take it.
func TestCachedPageEncodings(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CacheTTL = time.Hour })
	for i := 0; i < 3; i++ {
		man := manifest(func(m map[string]any) { m["model"] = "net-" + string(rune('a'+i)) })
		if a := e.submit(man, readFile(t, modelFile(t, "alexnet"))); a.code != 201 {
			t.Fatalf("submit: %d %s", a.code, a.body)
		}
	}
	tr := &http.Transport{DisableCompression: true}
	c := &http.Client{Transport: tr}
	get := func(hdr ...string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", e.ts.URL+"/boards/imagenet", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, plain := get()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || resp.Header.Get("Content-Encoding") != "" || !bytes.Contains(plain, []byte("net-c")) {
		t.Fatalf("plain GET: %d, ETag %q, encoding %q", resp.StatusCode, etag, resp.Header.Get("Content-Encoding"))
	}
	if resp.Header.Get("Content-Length") != strconv.Itoa(len(plain)) {
		t.Errorf("Content-Length %q for %d bytes", resp.Header.Get("Content-Length"), len(plain))
	}
	resp, gz := get("Accept-Encoding", "gzip, deflate")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") != etag || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip GET: encoding %q, ETag %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if unz, _ := io.ReadAll(zr); !bytes.Equal(unz, plain) || len(gz) >= len(plain) {
		t.Errorf("gzip body: %d bytes, inflates to the page: %v", len(gz), bytes.Equal(unz, plain))
	}
	if resp, _ := get("Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	if resp, b := get("If-None-Match", `"x", `+etag); resp.StatusCode != 304 || len(b) != 0 {
		t.Errorf("If-None-Match with the ETag: %d, %d bytes", resp.StatusCode, len(b))
	}
	if resp, _ := get("If-None-Match", `"other"`); resp.StatusCode != 200 {
		t.Errorf("If-None-Match with another ETag: %d", resp.StatusCode)
	}
	// A new entry changes the page, so its ETag.
	if a := e.submit(manifest(nil), readFile(t, modelFile(t, "alexnet"))); a.code != 201 {
		t.Fatal(a.body)
	}
	if resp, _ := get("If-None-Match", etag); resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("after a submission: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
}

// Readers of a stale page never wait for its render and do not each
// render it: one round re-renders the group, however many readers and
// invalidations come in meanwhile; waitFresh waits for it.
func TestPageCacheRefresh(t *testing.T) {
	c := newPageCache(time.Hour, 8, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var renders atomic.Int64
	var version atomic.Int64
	release := make(chan struct{})
	var blocking atomic.Bool
	render := func(ctx context.Context) ([]byte, string, error) {
		renders.Add(1)
		if blocking.Load() {
			<-release
		}
		return []byte("v" + strconv.Itoa(int(version.Load()))), "text/plain", nil
	}
	ctx := context.Background()
	p, err := c.fill(ctx, "b", "k", render)
	if err != nil || string(p.body) != "v0" {
		t.Fatalf("fill: %v %q", err, p.body)
	}
	if p := c.get("b", "k"); p == nil || string(p.body) != "v0" || renders.Load() != 1 {
		t.Fatalf("hit rendered again (%d renders)", renders.Load())
	}
	version.Store(1)
	blocking.Store(true)
	gen := c.invalidate("b")
	// 200 readers while the refresh is held: all get the old page at once.
	var wg sync.WaitGroup
	var stale atomic.Int64
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if p := c.get("b", "k"); p != nil && string(p.body) == "v0" {
				stale.Add(1)
			}
		}()
	}
	wg.Wait()
	if stale.Load() != 200 {
		t.Errorf("%d of 200 readers got the stale page without waiting", stale.Load())
	}
	for i := 0; i < 10; i++ {
		c.invalidate("b") // a burst of submissions
	}
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if err := c.waitFresh(wctx, "b", gen); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waitFresh returned while the render was held: %v", err)
	}
	cancel()
	blocking.Store(false)
	close(release)
	if err := c.waitFresh(ctx, "b", c.invalidate("b")); err != nil {
		t.Fatal(err)
	}
	if p := c.get("b", "k"); p == nil || string(p.body) != "v1" {
		t.Errorf("after waitFresh: %v", p)
	}
	if n := renders.Load(); n > 4 {
		t.Errorf("%d renders for 1 fill, 12 invalidations and 200 readers; want at most 4 (rounds coalesce)", n)
	}
	// Another group is untouched.
	if p := c.get("other", "k"); p != nil {
		t.Error("group other has a page")
	}
}

// With several replicas on one PostgreSQL database, a replica shows
// another's new entry at once (LISTEN/NOTIFY), although its cache would
// keep pages for an hour.
func TestReplicasNotified(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *board.Store {
		st, err := board.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	b := &board.Board{Name: "imagenet", Title: "ImageNet top-1", Metric: "top1", Unit: "%", Higher: true, Inputs: map[string]string{"*": "1x3x224x224"}}
	if err := stA.CreateBoard(ctx, b); err != nil {
		t.Fatal(err)
	}
	tok, _, err := stA.IssueToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	serve := func(st *board.Store) *httptest.Server {
		srv, err := New(Config{Store: st, Counter: board.InProcess{}, DataDir: filepath.Join(t.TempDir(), "data"), CacheTTL: time.Hour,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		go srv.Watch(wctx)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		return ts
	}
	tsA, tsB := serve(stA), serve(stB)
	get := func(ts *httptest.Server, p string) string {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if strings.Contains(get(tsB, "/boards/imagenet"), "replica-net") {
		t.Fatal("entry before submission")
	}
	time.Sleep(300 * time.Millisecond) // B's LISTEN is up
	man := manifest(func(m map[string]any) { m["model"] = "replica-net" })
	bd, ct := body([2]string{"manifest", string(man)}, [2]string{"model", readFile(t, modelFile(t, "alexnet"))})
	req, _ := http.NewRequest("POST", tsA.URL+"/api/v1/submissions", bd)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("submit to A: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(get(tsB, "/boards/imagenet"), "replica-net") {
		if time.Now().After(deadline) {
			t.Fatal("replica B does not show replica A's entry after 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pages that fail (no such board) leave no group behind: requests for
// made-up names cannot grow the cache.
func TestPageCacheNoGroupForErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CacheTTL = time.Hour })
	for i := 0; i < 50; i++ {
		if a := e.get("/boards/nope-" + strconv.Itoa(i)); a.code != 404 {
			t.Fatalf("GET a made-up board: %d", a.code)
		}
	}
	e.get("/boards/imagenet")
	e.srv.cache.mu.Lock()
	n := len(e.srv.cache.groups)
	e.srv.cache.mu.Unlock()
	if n != 1 {
		t.Errorf("%d cache groups after 50 made-up boards and one real one, want 1", n)
	}
}

// Aged pages are rendered again only when read since their last render;
// pages nobody reads for maxStale are dropped.
func TestPageCacheAgesOnlyReadPages(t *testing.T) {
	c := newPageCache(20*time.Millisecond, 8, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var renders atomic.Int64
	render := func(ctx context.Context) ([]byte, string, error) {
		renders.Add(1)
		return []byte("x"), "text/plain", nil
	}
	ctx := context.Background()
	for _, k := range []string{"read", "unread"} {
		if _, err := c.fill(ctx, "b", k, render); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(40 * time.Millisecond)
	if p := c.get("b", "read"); p == nil { // aged: served, and a round starts
		t.Fatal("aged page not served")
	}
	deadline := time.Now().Add(2 * time.Second)
	for renders.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if n := renders.Load(); n != 3 {
		t.Errorf("%d renders: want 2 fills and 1 refresh of the page that was read", n)
	}
}

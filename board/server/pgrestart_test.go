package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenai/greenai/board"
)

// pgCluster is a PostgreSQL cluster of this test's own (so that restarting
// it disturbs no other test), made with the binaries in $GREENAI_TEST_PG_BIN
// (set by scripts/test.sh).
type pgCluster struct {
	t          *testing.T
	bin, dir   string
	port       int
	asPostgres bool
}

func newPGCluster(t *testing.T) *pgCluster {
	bin := os.Getenv("GREENAI_TEST_PG_BIN")
	if bin == "" {
		if os.Getenv("GREENAI_REQUIRE_POSTGRES") == "1" {
			t.Fatal("GREENAI_TEST_PG_BIN is not set but GREENAI_REQUIRE_POSTGRES=1 (scripts/test.sh sets it)")
		}
		t.Skip("GREENAI_TEST_PG_BIN not set: no PostgreSQL binaries to start a cluster with")
	}
	dir, err := os.MkdirTemp("", "greenai-board-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCluster{t: t, bin: bin, dir: dir, asPostgres: os.Getuid() == 0}
	if c.asPostgres {
		if err := exec.Command("chown", "postgres:", dir).Run(); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "greenai", "--auth=trust", "-E", "UTF8")
	c.start()
	t.Cleanup(func() {
		c.pgctl("-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	return c
}

func (c *pgCluster) run(name string, args ...string) {
	c.t.Helper()
	argv := append([]string{filepath.Join(c.bin, name)}, args...)
	if c.asPostgres {
		argv = append([]string{"runuser", "-u", "postgres", "--"}, argv...)
	}
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func (c *pgCluster) pgctl(args ...string) {
	c.run("pg_ctl", append([]string{"-D", filepath.Join(c.dir, "data"), "-w", "-t", "60"}, args...)...)
}

func (c *pgCluster) start() {
	c.pgctl("-l", filepath.Join(c.dir, "log"), "-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", c.port, c.dir), "start")
}

func (c *pgCluster) url() string {
	return "postgres://greenai@127.0.0.1:" + strconv.Itoa(c.port) + "/postgres?sslmode=disable"
}

// TestPostgresRestart restarts PostgreSQL under readers and a submitter:
// the server recovers by itself (no restart, no reopening), and a
// submission made while the database was down is stored once it is back.
func TestPostgresRestart(t *testing.T) {
	t.Run("uncached", func(t *testing.T) { testPostgresRestart(t, false) })
	// With the page cache (as greenai serve runs) and the replica
	// listener: readers get the last pages while the database is down,
	// and the new entry shows once it is back.
	t.Run("cached", func(t *testing.T) { testPostgresRestart(t, true) })
}

func testPostgresRestart(t *testing.T, cached bool) {
	pg := newPGCluster(t)
	ctx := context.Background()
	st, err := board.Open(ctx, pg.url())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.CreateBoard(ctx, &board.Board{Name: "imagenet", Metric: "top1", Higher: true, Inputs: map[string]string{"*": "1x3x224x224"}})
	tok, _, err := st.IssueToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	ttl := time.Duration(-1)
	if cached {
		ttl = 0 // the default
	}
	srv, err := New(Config{Store: st, Counter: board.InProcess{}, DataDir: t.TempDir(), CacheTTL: ttl, RatePerMinute: 6000, Burst: 100,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if cached {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go srv.Watch(wctx)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &env{t: t, st: st, srv: srv, ts: ts, token: tok}
	if a := e.submit(manifest(nil), readFile(t, modelFile(t, "resnet18"))); a.code != 201 {
		t.Fatalf("submit before the restart: %d %s", a.code, a.body)
	}
	// Readers all along.
	stop := make(chan struct{})
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(ts.URL + "/boards/imagenet.json")
				if err == nil && resp.StatusCode == 200 {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	pg.pgctl("-m", "fast", "stop")
	// A submission while the database is down: it waits and retries.
	got := make(chan answer, 1)
	go func() { got <- e.submit(manifest(nil), readFile(t, modelFile(t, "resnet18"))) }()
	time.Sleep(1500 * time.Millisecond)
	if h := e.get("/healthz"); h.code != 503 {
		t.Errorf("healthz with the database down: %d, want 503", h.code)
	}
	pg.start()
	a := <-got
	if a.code != 201 {
		t.Errorf("submission made while PostgreSQL was down: %d %s", a.code, a.body)
	}
	before := ok.Load()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if ok.Load() == before {
		t.Errorf("reads did not recover after the restart")
	}
	if h := e.get("/healthz"); h.code != 200 {
		t.Errorf("healthz after the restart: %d", h.code)
	}
	if n, _ := st.Count(ctx, "imagenet"); n != 2 {
		t.Errorf("%d entries after the restart, want 2", n)
	}
	if js := e.get("/boards/imagenet.json"); strings.Count(js.body, `"rank"`) != 2 {
		t.Errorf("the board view after the restart does not show both entries:\n%s", js.body)
	}
	if cached && failed.Load() > 0 {
		t.Errorf("%d reads failed while the database was down; the cache should have served them", failed.Load())
	}
	t.Logf("reads: %d ok, %d failed (while the database was down)", ok.Load(), failed.Load())
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/greenai/greenai/internal/store/storetest"
	"github.com/greenai/greenai/tracker"
)

type backend struct {
	name   string
	target func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "sub", "runs.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

func forEachBackend(t *testing.T, f func(t *testing.T, target string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.target(t)) })
	}
}

func open(t *testing.T, target string) *Store {
	t.Helper()
	s, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func record(id, exp string, start time.Time, complete bool) *tracker.Record {
	r := &tracker.Record{
		ID: id, Status: tracker.StatusStarted, Command: "python train.py", Argv: []string{"python", "train.py"},
		Start: start.UTC(), Host: "h", PID: 1, Experiment: exp,
		Params: map[string]string{"lr": "0.1"}, Tags: []string{"baseline"},
		Energy: []tracker.Energy{{Component: "cpu", Joules: 12.5, Provenance: tracker.MeasuredCounter, Scope: "process"}},
	}
	if complete {
		end := start.Add(time.Minute).UTC()
		code := 0
		r.End, r.ExitCode, r.Complete, r.Status = &end, &code, true, tracker.StatusFinished
		r.EnergyJoules, r.CarbonG, r.PUE = 12.5, 0.001, 1
	}
	return r
}

func TestSaveGetList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target)
		t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		if err := s.Save(ctx, record("20240501T120000-aaaa0001", "resnet", t0, false)); err != nil {
			t.Fatal(err)
		}
		r2 := record("20240502T120000-bbbb0002", "bert", t0.Add(24*time.Hour), true)
		r2.Tags, r2.Group = []string{"ablation"}, "slurm:7"
		for _, r := range []*tracker.Record{record("20240501T120000-aaaa0001", "resnet", t0, true), r2,
			record("20240503T120000-cccc0003", "resnet", t0.Add(48*time.Hour), true)} {
			if err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// A stale incomplete save never replaces a complete record.
		if err := s.Save(ctx, record("20240501T120000-aaaa0001", "resnet", t0, false)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "20240501T120000-aaaa")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Complete || *got.ExitCode != 0 || got.Energy[0].Joules != 12.5 || got.Params["lr"] != "0.1" {
			t.Errorf("got %+v", got)
		}
		if _, err := s.Get(ctx, "2024050"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
			t.Errorf("ambiguous prefix: %v", err)
		}
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing id: %v", err)
		}
		tests := []struct {
			f    Filter
			want []string
		}{
			{Filter{}, []string{"aaaa0001", "bbbb0002", "cccc0003"}},
			{Filter{Experiment: "resnet"}, []string{"aaaa0001", "cccc0003"}},
			{Filter{Tags: []string{"baseline"}}, []string{"aaaa0001", "cccc0003"}},
			{Filter{Tags: []string{"lr=0.1", "ablation"}}, []string{"bbbb0002"}},
			{Filter{Tags: []string{"lr=0.2"}}, nil},
			{Filter{Group: "slurm:7"}, []string{"bbbb0002"}},
			{Filter{Since: t0.Add(time.Hour)}, []string{"bbbb0002", "cccc0003"}},
			{Filter{Until: t0.Add(25 * time.Hour)}, []string{"aaaa0001", "bbbb0002"}},
			{Filter{Limit: 2}, []string{"bbbb0002", "cccc0003"}},
		}
		for _, tc := range tests {
			recs, err := s.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.ID[len(r.ID)-8:])
			}
			if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%+v: got %v, want %v", tc.f, ids, tc.want)
			}
		}
	})
}

// TestConcurrentWriters has ten writers, each with its own connection
// pool as separate greenai processes would, save a started record,
// checkpoints and a final record at once. None may be lost.
func TestConcurrentWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		const writers = 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		t0 := time.Now()
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s, err := Open(ctx, target)
				if err != nil {
					errs <- err
					return
				}
				defer s.Close()
				id := fmt.Sprintf("run-%02d", i)
				for step := 0; step < 4; step++ {
					if err := s.Save(ctx, record(id, "conc", t0.Add(time.Duration(i)*time.Second), false)); err != nil {
						errs <- err
						return
					}
				}
				if err := s.Save(ctx, record(id, "conc", t0.Add(time.Duration(i)*time.Second), true)); err != nil {
					errs <- err
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		recs, err := open(t, target).List(ctx, Filter{Experiment: "conc"})
		if err != nil {
			t.Fatal(err)
		}
		complete := 0
		for _, r := range recs {
			if r.Complete {
				complete++
			}
		}
		if len(recs) != writers || complete != writers {
			t.Errorf("%d records, %d complete; want %d of each", len(recs), complete, writers)
		}
	})
}

// TestLockedSQLite holds the write lock of the database from another
// connection; a save must wait for it instead of failing.
func TestLockedSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s := open(t, path)
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(300*time.Millisecond, func() {
		_, _ = conn.ExecContext(context.Background(), "COMMIT")
	})
	defer release.Stop()
	if err := s.Save(context.Background(), record("locked-1", "x", time.Now(), true)); err != nil {
		t.Fatalf("save under a held lock: %v", err)
	}
	if _, err := s.Get(context.Background(), "locked-1"); err != nil {
		t.Fatal(err)
	}
}

func TestSpoolImport(t *testing.T) {
	dir := t.TempDir()
	r := record("spooled-1", "x", time.Now(), true)
	p, err := Spool(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "spooled-1.json" {
		t.Errorf("spooled to %s", p)
	}
	s := open(t, filepath.Join(t.TempDir(), "runs.db"))
	n, err := s.FlushSpool(context.Background(), dir)
	if err != nil || n != 1 {
		t.Fatalf("flushed %d: %v", n, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("spooled file not removed after import")
	}
	if got, err := s.Get(context.Background(), "spooled-1"); err != nil || !got.Complete {
		t.Errorf("imported %v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{}"), 0o644)
	if _, err := s.Import(context.Background(), []string{bad}, ""); err == nil {
		t.Error("imported a file without a record")
	}
}

func TestTarget(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"/x/runs.db", map[string]string{"GREENAI_DB": "postgres://h/db"}, "/x/runs.db"},
		{"", map[string]string{"GREENAI_DB": "postgres://h/db"}, "postgres://h/db"},
		{"", map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"}, "/data/greenai/runs.db"},
		{"", map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/share/greenai/runs.db"},
		{"", map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/greenai/runs.db"},
	}
	for _, tc := range tests {
		if got := Target(tc.flag, env(tc.env)); got != tc.want {
			t.Errorf("Target(%q, %v) = %s, want %s", tc.flag, tc.env, got, tc.want)
		}
	}
	if !IsPostgres("postgresql://x") || IsPostgres("/tmp/postgres://x") {
		t.Error("IsPostgres")
	}
	if got := redact("postgres://u:secret@h:5432/db"); got != "postgres://u:***@h:5432/db" {
		t.Errorf("redact: %s", got)
	}
}

// sqliteBusy returns the error SQLite gives a write while another
// connection holds an exclusive lock and no busy timeout is set.
func sqliteBusy(t *testing.T) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx := context.Background()
	if _, err := holder.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.ExecContext(ctx, "INSERT INTO t VALUES (1)")
	if err == nil {
		t.Fatal("a write under an exclusive lock succeeded")
	}
	return fmt.Errorf("save: %w", err)
}

func TestRetryable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		err  error
		want bool
	}{
		{sqliteBusy(t), true},
		{errors.New("database is locked (5) (SQLITE_BUSY)"), false}, // only the driver's code counts
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "57P03"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{fmt.Errorf("dial: %w", refused), true},
		{fmt.Errorf("exec: %w", syscall.EPIPE), true},
		{errors.New("syntax error"), false},
	}
	for _, tc := range tests {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("retryable(%v) = %v", tc.err, got)
		}
	}
}

// TestNewerSchema: a database that records a newer schema version is
// refused with an error that says so; the current one opens again.
func TestNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s := open(t, path)
	s.Close()
	if s, err := Open(context.Background(), path); err != nil {
		t.Fatalf("reopening: %v", err)
	} else {
		s.Close()
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE greenai_meta SET v = '99' WHERE k = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(context.Background(), path)
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Version != 99 || !strings.Contains(err.Error(), "newer than this greenai's 1") {
		t.Errorf("opening a version-99 database: %v", err)
	}
}

func TestRebind(t *testing.T) {
	s := &Store{pg: true}
	if got := s.rebind("a = ? AND b = ?"); got != "a = $1 AND b = $2" {
		t.Errorf("rebind: %s", got)
	}
}

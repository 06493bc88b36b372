// Package store keeps run records in an embedded SQLite database or a shared PostgreSQL one, safe under concurrent writers and brief locks.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/greenai/greenai/tracker"
)

// Store is a database of run records. It implements tracker.Sink.
type Store struct {
	db    *sql.DB
	pg    bool
	where string
	// RetryFor bounds how long a write retries while the database is
	// locked or unreachable (default 60 s).
	RetryFor time.Duration
}

// EnvDB is the environment variable naming the database: a postgres:// URL
// or a SQLite file path.
const EnvDB = "GREENAI_DB"

// DefaultPath is the per-user SQLite database:
// $XDG_DATA_HOME/greenai/runs.db, or ~/.local/share/greenai/runs.db.
func DefaultPath(getenv func(string) string) string {
	return filepath.Join(DataDir(getenv), "runs.db")
}

// DataDir is greenai's per-user data directory.
func DataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "greenai")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home == "" {
		home = os.TempDir()
	}
	return filepath.Join(home, ".local", "share", "greenai")
}

// Target chooses the database: the --db flag, else $GREENAI_DB, else the
// per-user default.
func Target(flagDB string, getenv func(string) string) string {
	if flagDB != "" {
		return flagDB
	}
	if v := getenv(EnvDB); v != "" {
		return v
	}
	return DefaultPath(getenv)
}

// IsPostgres reports whether target is a PostgreSQL URL.
func IsPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Open opens (and creates if needed) the database at target: a
// postgres:// URL or a SQLite file path.
func Open(ctx context.Context, target string) (*Store, error) {
	s := &Store{RetryFor: 60 * time.Second}
	var err error
	if IsPostgres(target) {
		s.pg = true
		s.where = redact(target)
		s.db, err = sql.Open("pgx", target)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", s.where, err)
		}
		s.db.SetMaxOpenConns(4)
	} else {
		if target == "" {
			return nil, errors.New("store: empty database path")
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, fmt.Errorf("store: create directory of %s: %w", target, err)
		}
		s.where = target
		// busy_timeout first, so the WAL switch itself waits for a lock.
		dsn := "file:" + target + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
		s.db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", target, err)
		}
		s.db.SetMaxOpenConns(1)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Where names the database for people (passwords removed).
func (s *Store) Where() string { return s.where }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func redact(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return u[:scheme+3] + user + ":***" + u[at:]
	}
	return u
}

// schemaVersion is the version of the tables below, recorded in
// greenai_meta. Open refuses a database of a newer version.
const schemaVersion = 1

const createMeta = `CREATE TABLE IF NOT EXISTS greenai_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`

var schema = []string{
	createMeta,
	`CREATE TABLE IF NOT EXISTS runs (
		id TEXT PRIMARY KEY,
		status TEXT NOT NULL,
		complete INTEGER NOT NULL,
		start_ns BIGINT NOT NULL,
		end_ns BIGINT,
		experiment TEXT NOT NULL,
		trial TEXT NOT NULL,
		grp TEXT NOT NULL,
		host TEXT NOT NULL,
		pid INTEGER NOT NULL,
		command TEXT NOT NULL,
		exit_code INTEGER,
		energy_j DOUBLE PRECISION NOT NULL,
		carbon_g DOUBLE PRECISION NOT NULL,
		record TEXT NOT NULL,
		updated_ns BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS runs_start ON runs (start_ns)`,
	`CREATE INDEX IF NOT EXISTS runs_experiment ON runs (experiment)`,
	`CREATE INDEX IF NOT EXISTS runs_grp ON runs (grp)`,
	`CREATE TABLE IF NOT EXISTS run_labels (
		run_id TEXT NOT NULL,
		label TEXT NOT NULL,
		PRIMARY KEY (run_id, label)
	)`,
	// One row per distributed job, node and counter ("rapl", "gpu:UUID"):
	// the run that measures it (see Claim).
	`CREATE TABLE IF NOT EXISTS job_claims (
		job TEXT NOT NULL,
		node TEXT NOT NULL,
		what TEXT NOT NULL,
		run_id TEXT NOT NULL,
		rank TEXT NOT NULL,
		claimed_ns BIGINT NOT NULL,
		PRIMARY KEY (job, node, what)
	)`,
	`INSERT INTO greenai_meta (k, v) VALUES ('schema_version', '` + strconv.Itoa(schemaVersion) + `') ON CONFLICT (k) DO NOTHING`,
}

func (s *Store) migrate(ctx context.Context) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.pg {
			// Concurrent CREATE TABLE IF NOT EXISTS races in PostgreSQL.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7304290517)`); err != nil {
				return err
			}
		}
		if err := s.checkVersion(ctx, tx); err != nil {
			return err
		}
		for _, q := range schema {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	var ve *VersionError
	if errors.As(err, &ve) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: create schema in %s: %w", s.where, err)
	}
	return nil
}

// VersionError reports a database written by a newer greenai, whose
// tables this one may misread.
type VersionError struct {
	Where         string
	Version, Want int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("store: %s has schema version %d, newer than this greenai's %d: use a newer greenai, or another database (--db)", e.Where, e.Version, e.Want)
}

// checkVersion reads the schema version a database records, if any, and
// fails for one newer than schemaVersion (or one that is not a number).
func (s *Store) checkVersion(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, createMeta); err != nil {
		return err
	}
	var v string
	err := tx.QueryRowContext(ctx, `SELECT v FROM greenai_meta WHERE k = 'schema_version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // a new database
	}
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("store: %s records schema version %q, not a number", s.where, v)
	}
	if n > schemaVersion {
		return &VersionError{Where: s.where, Version: n, Want: schemaVersion}
	}
	return nil
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ….
func (s *Store) rebind(q string) string {
	if !s.pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// inTx runs f in a transaction, retrying the whole transaction with
// jittered back-off while the database is locked, busy or unreachable.
func (s *Store) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	deadline := time.Now().Add(s.RetryFor)
	wait := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, f)
		if err == nil || !retryable(err) || time.Now().After(deadline) {
			if err != nil && attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait/2 + rand.N(wait)):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

func (s *Store) tryTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// retryable reports errors worth retrying: SQLite busy/locked (by the
// driver's result code; extended codes such as SQLITE_BUSY_SNAPSHOT carry
// the primary one in their low byte), PostgreSQL serialization failures,
// deadlocks, lock timeouts, too many connections, a server starting or
// shutting down, and failed or broken connections.
func retryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03", "53300", "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return true
		}
		return false
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	for _, target := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, driver.ErrBadConn, sql.ErrConnDone} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Save implements tracker.Sink: an upsert of the record by id. A record
// already marked complete is never replaced by an incomplete one.
func (s *Store) Save(ctx context.Context, r *tracker.Record) error {
	js, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: encode run %s: %w", r.ID, err)
	}
	var endNS sql.NullInt64
	if r.End != nil {
		endNS = sql.NullInt64{Int64: r.End.UnixNano(), Valid: true}
	}
	var code sql.NullInt64
	if r.ExitCode != nil {
		code = sql.NullInt64{Int64: int64(*r.ExitCode), Valid: true}
	}
	complete := 0
	if r.Complete {
		complete = 1
	}
	q := s.rebind(`INSERT INTO runs (id, status, complete, start_ns, end_ns, experiment, trial, grp, host, pid, command, exit_code, energy_j, carbon_g, record, updated_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, complete = excluded.complete, end_ns = excluded.end_ns,
			exit_code = excluded.exit_code, energy_j = excluded.energy_j, carbon_g = excluded.carbon_g,
			record = excluded.record, updated_ns = excluded.updated_ns
		WHERE runs.complete = 0 OR excluded.complete = 1`)
	labels := Labels(r)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, q, r.ID, r.Status, complete, r.Start.UnixNano(), endNS, r.Experiment, r.Trial,
			r.Group, r.Host, r.PID, r.Command, code, r.EnergyJoules, r.CarbonG, string(js), time.Now().UnixNano()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM run_labels WHERE run_id = ?`), r.ID); err != nil {
			return err
		}
		for _, l := range labels {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO run_labels (run_id, label) VALUES (?, ?) ON CONFLICT DO NOTHING`), r.ID, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save run %s to %s: %w", r.ID, s.where, err)
	}
	return nil
}

// Labels are the strings a tag filter matches: the run's tags and its
// parameters as key=value.
func Labels(r *tracker.Record) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	for _, t := range r.Tags {
		add(t)
	}
	for k, v := range r.Params {
		add(k + "=" + v)
	}
	return out
}

// Filter selects runs. Zero fields select everything.
type Filter struct {
	Experiment string
	Tags       []string // each must equal a tag or a key=value parameter
	Group      string
	Since      time.Time // start at or after
	Until      time.Time // start before
	Limit      int       // the latest Limit runs; 0 for all
}

// List returns the runs matching f, oldest first.
func (s *Store) List(ctx context.Context, f Filter) ([]*tracker.Record, error) {
	var where []string
	var args []any
	if f.Experiment != "" {
		where, args = append(where, "experiment = ?"), append(args, f.Experiment)
	}
	if f.Group != "" {
		where, args = append(where, "grp = ?"), append(args, f.Group)
	}
	for _, t := range f.Tags {
		where = append(where, "EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = runs.id AND l.label = ?)")
		args = append(args, t)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "start_ns >= ?"), append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where, args = append(where, "start_ns < ?"), append(args, f.Until.UnixNano())
	}
	q := "SELECT record FROM runs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY start_ns DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	recs, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs, nil
}

// ErrNotFound reports a run id that matches no run.
var ErrNotFound = errors.New("no such run")

// Get returns the run with the given id or unique id prefix.
func (s *Store) Get(ctx context.Context, id string) (*tracker.Record, error) {
	if id == "" {
		return nil, fmt.Errorf("store: get run: %w", ErrNotFound)
	}
	recs, err := s.query(ctx, "SELECT record FROM runs WHERE id = ? ORDER BY id", id)
	if err == nil && len(recs) == 0 {
		pat := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(id) + "%"
		recs, err = s.query(ctx, `SELECT record FROM runs WHERE id LIKE ? ESCAPE '\' ORDER BY id LIMIT 2`, pat)
	}
	switch {
	case err != nil:
		return nil, err
	case len(recs) == 0:
		return nil, fmt.Errorf("store: run %q: %w", id, ErrNotFound)
	case len(recs) > 1:
		return nil, fmt.Errorf("store: run id prefix %q is ambiguous (%s, %s, …)", id, recs[0].ID, recs[1].ID)
	}
	return recs[0], nil
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]*tracker.Record, error) {
	var out []*tracker.Record
	err := retryRead(ctx, func() error {
		out = nil
		rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var js string
			if err := rows.Scan(&js); err != nil {
				return err
			}
			r := new(tracker.Record)
			if err := json.Unmarshal([]byte(js), r); err != nil {
				return fmt.Errorf("decode run record: %w", err)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: read runs from %s: %w", s.where, err)
	}
	return out, nil
}

func retryRead(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = f(); err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(50*(i+1)) * time.Millisecond):
		}
	}
	return err
}

package board

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/greenai/greenai/internal/store"
)

// Store keeps boards, tokens and entries in the same database as the run
// records (internal/store): SQLite by default, PostgreSQL for postgres://
// URLs, so that several server replicas can share one database.
type Store struct {
	rs     *store.Store
	db     *sql.DB
	target string
	self   string // this Store's name in notifications, to skip its own

	sumMu sync.Mutex
	sums  map[string]*summaries // by board: entries are never changed or removed, so they are read once
}

// summaries are the entry summaries of one board read so far.
type summaries struct {
	mu   sync.Mutex
	byID map[string]bool
	list []summaryRow // by created_ns, id
}

type summaryRow struct {
	ns int64
	e  *Entry
}

// Errors of the store.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrBadToken = errors.New("unknown or revoked token")
)

var boardSchema = []string{
	`CREATE TABLE IF NOT EXISTS board_boards (
		name TEXT PRIMARY KEY,
		doc TEXT NOT NULL,
		created_ns BIGINT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS board_tokens (
		id TEXT PRIMARY KEY,
		hash TEXT NOT NULL UNIQUE,
		submitter TEXT NOT NULL,
		created_ns BIGINT NOT NULL,
		revoked_ns BIGINT
	)`,
	`CREATE TABLE IF NOT EXISTS board_entries (
		id TEXT PRIMARY KEY,
		board TEXT NOT NULL,
		token_id TEXT NOT NULL,
		submission_id TEXT NOT NULL,
		created_ns BIGINT NOT NULL,
		summary TEXT NOT NULL,
		detail TEXT NOT NULL,
		UNIQUE (token_id, submission_id)
	)`,
	`CREATE INDEX IF NOT EXISTS board_entries_board ON board_entries (board, created_ns)`,
	`INSERT INTO greenai_meta (k, v) VALUES ('board_schema_version', '1') ON CONFLICT (k) DO NOTHING`,
}

// Open opens (creating if needed) the store at target: a SQLite path or a
// postgres:// URL.
func Open(ctx context.Context, target string) (*Store, error) {
	rs, err := store.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	s := &Store{rs: rs, db: rs.DB(), target: target, self: randomHex(8), sums: map[string]*summaries{}}
	if rs.Postgres() {
		// Readers of a busy board share the pool; pgx reconnects lost
		// connections on the next use.
		s.db.SetMaxOpenConns(32)
		s.db.SetMaxIdleConns(32)
		s.db.SetConnMaxIdleTime(5 * time.Minute)
	}
	err = rs.InTx(ctx, func(tx *sql.Tx) error {
		if rs.Postgres() {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7304290518)`); err != nil {
				return err
			}
		}
		for _, q := range boardSchema {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		rs.Close()
		return nil, fmt.Errorf("board store: create schema in %s: %w", rs.Where(), err)
	}
	return s, nil
}

// Where names the database for people (no password).
func (s *Store) Where() string { return s.rs.Where() }

// Postgres reports whether the store is PostgreSQL.
func (s *Store) Postgres() bool { return s.rs.Postgres() }

// Close closes the database.
func (s *Store) Close() error { return s.rs.Close() }

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) q(q string) string { return s.rs.Rebind(q) }

func (s *Store) read(ctx context.Context, f func() error) error {
	if err := store.RetryRead(ctx, f); err != nil {
		return fmt.Errorf("board store: read %s: %w", s.Where(), err)
	}
	return nil
}

// CreateBoard adds a board (after validating it).
func (s *Store) CreateBoard(ctx context.Context, b *Board) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if b.Created.IsZero() {
		b.Created = time.Now().UTC()
	}
	doc, _ := json.Marshal(b)
	var exists bool
	err := s.rs.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO board_boards (name, doc, created_ns) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`), b.Name, string(doc), b.Created.UnixNano())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		exists = n == 0
		return nil
	})
	if err != nil {
		return fmt.Errorf("board store: create board %s: %w", b.Name, err)
	}
	if exists {
		return fmt.Errorf("board %s: %w", b.Name, ErrExists)
	}
	return nil
}

// Boards lists the boards by name.
func (s *Store) Boards(ctx context.Context) ([]*Board, error) {
	var out []*Board
	err := s.read(ctx, func() error {
		out = nil
		rows, err := s.db.QueryContext(ctx, `SELECT doc FROM board_boards ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				return err
			}
			b := new(Board)
			if err := json.Unmarshal([]byte(doc), b); err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// Board returns one board.
func (s *Store) Board(ctx context.Context, name string) (*Board, error) {
	var doc string
	err := s.read(ctx, func() error {
		return s.db.QueryRowContext(ctx, s.q(`SELECT doc FROM board_boards WHERE name = ?`), name).Scan(&doc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("board %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	b := new(Board)
	if err := json.Unmarshal([]byte(doc), b); err != nil {
		return nil, fmt.Errorf("board store: decode board %s: %w", name, err)
	}
	return b, nil
}

// TokenPrefix starts every token, so that a leaked one is recognisable.
const TokenPrefix = "gai_"

// HashToken is how tokens are stored: the hex SHA-256 of the secret.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// IssueToken makes a token for a submitter. The secret is returned once
// and never stored.
func (s *Store) IssueToken(ctx context.Context, submitter string) (secret string, t *Token, err error) {
	submitter = strings.TrimSpace(submitter)
	if submitter == "" {
		return "", nil, &FieldError{Field: "submitter", Msg: "missing: name the person or group the token is for"}
	}
	if err := checkText("submitter", submitter, 200); err != nil {
		return "", nil, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t = &Token{ID: randomHex(6), Submitter: submitter, Created: time.Now().UTC()}
	err = s.rs.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO board_tokens (id, hash, submitter, created_ns) VALUES (?, ?, ?, ?)`), t.ID, HashToken(secret), t.Submitter, t.Created.UnixNano())
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("board store: issue token: %w", err)
	}
	return secret, t, nil
}

// RevokeToken revokes a token by id; it cannot submit any more.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	var n int64
	err := s.rs.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE board_tokens SET revoked_ns = ? WHERE id = ? AND revoked_ns IS NULL`), time.Now().UnixNano(), id)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return fmt.Errorf("board store: revoke token %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("token %q (or not revocable: already revoked): %w", id, ErrNotFound)
	}
	return nil
}

// Tokens lists the tokens (never their secrets).
func (s *Store) Tokens(ctx context.Context) ([]*Token, error) {
	var out []*Token
	err := s.read(ctx, func() error {
		out = nil
		rows, err := s.db.QueryContext(ctx, `SELECT id, submitter, created_ns, revoked_ns FROM board_tokens ORDER BY created_ns, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Token
			var c int64
			var r sql.NullInt64
			if err := rows.Scan(&t.ID, &t.Submitter, &c, &r); err != nil {
				return err
			}
			t.Created = time.Unix(0, c).UTC()
			if r.Valid {
				rt := time.Unix(0, r.Int64).UTC()
				t.Revoked = &rt
			}
			out = append(out, &t)
		}
		return rows.Err()
	})
	return out, err
}

// Authenticate returns the live token with this secret.
func (s *Store) Authenticate(ctx context.Context, secret string) (*Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, ErrBadToken
	}
	var t Token
	var c int64
	var r sql.NullInt64
	err := s.read(ctx, func() error {
		return s.db.QueryRowContext(ctx, s.q(`SELECT id, submitter, created_ns, revoked_ns FROM board_tokens WHERE hash = ?`), HashToken(secret)).Scan(&t.ID, &t.Submitter, &c, &r)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	if r.Valid {
		return nil, ErrBadToken
	}
	t.Created = time.Unix(0, c).UTC()
	return &t, nil
}

// NewEntryID returns a sortable, practically unique entry id.
func NewEntryID(t time.Time) string {
	return t.UTC().Format("20060102t150405") + "-" + randomHex(4)
}

// AddEntry stores an entry in one transaction. When the token already
// submitted an entry with the same submission id, nothing is written and
// that entry is returned with created false.
func (s *Store) AddEntry(ctx context.Context, e *Entry, tokenID string) (stored *Entry, created bool, err error) {
	if e.ID == "" {
		e.ID = NewEntryID(e.Created)
	}
	detail, err := json.Marshal(e)
	if err != nil {
		return nil, false, err
	}
	summary, _ := json.Marshal(e.summary())
	err = s.rs.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO board_entries (id, board, token_id, submission_id, created_ns, summary, detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token_id, submission_id) DO NOTHING`),
			e.ID, e.Board, tokenID, e.SubmissionID, e.Created.UnixNano(), string(summary), string(detail))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		if created && s.rs.Postgres() {
			// Delivered at commit to every replica's Watch.
			if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, s.self+" "+e.Board); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("board store: add entry: %w", err)
	}
	if created {
		return e, true, nil
	}
	old, err := s.EntryBySubmission(ctx, tokenID, e.SubmissionID)
	return old, false, err
}

// EntryBySubmission finds the entry a token made with a submission id.
func (s *Store) EntryBySubmission(ctx context.Context, tokenID, submissionID string) (*Entry, error) {
	return s.entry(ctx, `SELECT detail FROM board_entries WHERE token_id = ? AND submission_id = ?`, tokenID, submissionID)
}

// Entry returns one entry in full (runs and trials included).
func (s *Store) Entry(ctx context.Context, id string) (*Entry, error) {
	return s.entry(ctx, `SELECT detail FROM board_entries WHERE id = ?`, id)
}

func (s *Store) entry(ctx context.Context, q string, args ...any) (*Entry, error) {
	var doc string
	err := s.read(ctx, func() error { return s.db.QueryRowContext(ctx, s.q(q), args...).Scan(&doc) })
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("entry: %w", ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	e := new(Entry)
	if err := json.Unmarshal([]byte(doc), e); err != nil {
		return nil, fmt.Errorf("board store: decode entry: %w", err)
	}
	return e, nil
}

// Entries returns the summaries of a board's entries, oldest first (no
// runs, trials or per-operator breakdown). Entries never change once
// stored, so the store keeps the summaries it has read: a call lists the
// board's entry ids and decodes only the entries it has not seen. The
// entries returned are shared: callers must not modify them.
func (s *Store) Entries(ctx context.Context, board string) ([]*Entry, error) {
	s.sumMu.Lock()
	sm := s.sums[board]
	if sm == nil {
		sm = &summaries{byID: map[string]bool{}}
		s.sums[board] = sm
	}
	s.sumMu.Unlock()
	sm.mu.Lock()
	defer sm.mu.Unlock()
	var fresh []summaryRow
	err := s.read(ctx, func() error {
		fresh = nil
		from, missing, err := s.unseen(ctx, board, sm.byID)
		if err != nil || missing == 0 {
			return err
		}
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, created_ns, summary FROM board_entries WHERE board = ? AND created_ns >= ? ORDER BY created_ns, id`), board, from)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, doc string
			var ns int64
			if err := rows.Scan(&id, &ns, &doc); err != nil {
				return err
			}
			if sm.byID[id] {
				continue
			}
			e := new(Entry)
			if err := json.Unmarshal([]byte(doc), e); err != nil {
				return fmt.Errorf("decode entry %s: %w", id, err)
			}
			fresh = append(fresh, summaryRow{ns, e})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		for _, r := range fresh {
			sm.byID[r.e.ID] = true
		}
		sm.list = append(sm.list, fresh...)
		sort.SliceStable(sm.list, func(i, j int) bool {
			a, b := sm.list[i], sm.list[j]
			return a.ns < b.ns || a.ns == b.ns && a.e.ID < b.e.ID
		})
	}
	out := make([]*Entry, len(sm.list))
	for i, r := range sm.list {
		out[i] = r.e
	}
	return out, nil
}

// unseen lists the board's entry ids and returns how many are not in seen
// and the smallest created_ns among those.
func (s *Store) unseen(ctx context.Context, board string, seen map[string]bool) (from int64, missing int, err error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, created_ns FROM board_entries WHERE board = ?`), board)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var ns int64
		if err := rows.Scan(&id, &ns); err != nil {
			return 0, 0, err
		}
		if !seen[id] {
			if missing == 0 || ns < from {
				from = ns
			}
			missing++
		}
	}
	return from, missing, rows.Err()
}

// Count returns the number of entries (of one board, or all for "").
func (s *Store) Count(ctx context.Context, board string) (int, error) {
	var n int
	err := s.read(ctx, func() error {
		if board == "" {
			return s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM board_entries`).Scan(&n)
		}
		return s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM board_entries WHERE board = ?`), board).Scan(&n)
	})
	return n, err
}

// summary is the entry without its bulky parts.
func (e *Entry) summary() *Entry {
	c := *e
	c.Runs, c.Trials, c.Spec = nil, nil, nil
	if e.Counted != nil {
		cc := *e.Counted
		cc.ByOp, cc.Warnings, cc.Notes, cc.Doc = nil, nil, nil, nil
		if cc.Price != nil {
			p := *cc.Price
			p.Text, p.Full = "", nil
			cc.Price = &p
		}
		c.Counted = &cc
	}
	return &c
}

// notifyChannel is the PostgreSQL channel on which AddEntry announces a
// new entry; the payload is the adding Store's random name and the
// board's name, separated by a space.
const notifyChannel = "greenai_board_entries"

// Watch calls changed with a board's name whenever another process (or
// Store) sharing this PostgreSQL database adds an entry to it
// (LISTEN/NOTIFY; this Store's own entries are skipped), and with
// "" after its connection was lost and made again (notifications may have
// been missed meanwhile). It reconnects by itself and returns when ctx is
// done. On SQLite there is nothing to listen to: it returns nil at once
// (a SQLite database has one server).
func (s *Store) Watch(ctx context.Context, changed func(board string), log func(msg string, err error)) error {
	if !s.rs.Postgres() {
		return nil
	}
	delay := 100 * time.Millisecond
	for lost := false; ; lost = true {
		err := s.listen(ctx, func() {
			delay = 100 * time.Millisecond
			if lost {
				changed("")
			}
		}, changed)
		if ctx.Err() != nil {
			return nil
		}
		log("listening for other replicas' entries failed; retrying", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		if delay *= 2; delay > 5*time.Second {
			delay = 5 * time.Second
		}
	}
}

func (s *Store) listen(ctx context.Context, listening func(), changed func(string)) error {
	conn, err := pgx.Connect(ctx, s.target)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		from, board, ok := strings.Cut(n.Payload, " ")
		if ok && from != s.self {
			changed(board)
		}
	}
}

package store

import (
	"context"
	"database/sql"
)

// The methods in this file let other stores (the leaderboard's) keep their
// own tables in the same database as the run records, with the same
// connection handling, placeholder rewriting and retry rules.

// DB is the underlying database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Postgres reports whether the store is a PostgreSQL database.
func (s *Store) Postgres() bool { return s.pg }

// Rebind turns ? placeholders into the database's own ($1, $2, … for
// PostgreSQL).
func (s *Store) Rebind(q string) string { return s.rebind(q) }

// InTx runs f in one transaction, retrying the whole transaction with
// jittered back-off while the database is locked, busy or unreachable (for
// up to RetryFor).
func (s *Store) InTx(ctx context.Context, f func(*sql.Tx) error) error { return s.inTx(ctx, f) }

// RetryRead runs a read, retrying it while the database is busy or
// unreachable.
func RetryRead(ctx context.Context, f func() error) error { return retryRead(ctx, f) }

// Retryable reports whether err is a transient database error (busy,
// locked, serialization failure, lost connection) worth retrying.
func Retryable(err error) bool { return retryable(err) }

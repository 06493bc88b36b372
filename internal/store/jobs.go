package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/greenai/greenai/tracker"
)

// Claim implements tracker.Coordinator: the first run to insert the row
// (job, node, what) holds it; the primary key makes the election atomic on
// both SQLite and PostgreSQL, across processes and machines. A holder whose
// run is complete and ended before start is stale (the job id was reused,
// e.g. torchrun's default run id) and is replaced by run.
func (s *Store) Claim(ctx context.Context, job, node, what, run, rank string, start time.Time) (string, string, error) {
	var holder, holderRank string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		holder, holderRank = "", ""
		res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO job_claims (job, node, what, run_id, rank, claimed_ns) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (job, node, what) DO NOTHING`), job, node, what, run, rank, time.Now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			holder, holderRank = run, rank
			return nil
		}
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT run_id, rank FROM job_claims WHERE job = ? AND node = ? AND what = ?`),
			job, node, what).Scan(&holder, &holderRank); err != nil {
			return err
		}
		if holder == run {
			return nil
		}
		var complete int
		var endNS sql.NullInt64
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT complete, end_ns FROM runs WHERE id = ?`), holder).Scan(&complete, &endNS)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the holder has not saved its record yet: it is alive
		}
		if err != nil {
			return err
		}
		if complete == 1 && endNS.Valid && endNS.Int64 < start.UnixNano() {
			res, err := tx.ExecContext(ctx, s.rebind(`UPDATE job_claims SET run_id = ?, rank = ?, claimed_ns = ? WHERE job = ? AND node = ? AND what = ? AND run_id = ?`),
				run, rank, time.Now().UnixNano(), job, node, what, holder)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err == nil && n == 1 {
				holder, holderRank = run, rank
				return nil
			}
			// Another new run took the stale claim first.
			return tx.QueryRowContext(ctx, s.rebind(`SELECT run_id, rank FROM job_claims WHERE job = ? AND node = ? AND what = ?`),
				job, node, what).Scan(&holder, &holderRank)
		}
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("store: claim %s of job %s node %s in %s: %w", what, job, node, s.where, err)
	}
	return holder, holderRank, nil
}

// NodeRuns implements tracker.Coordinator: the records of job's runs on
// node.
func (s *Store) NodeRuns(ctx context.Context, job, node string) ([]*tracker.Record, error) {
	recs, err := s.List(ctx, Filter{Group: job})
	if err != nil {
		return nil, err
	}
	var out []*tracker.Record
	for _, r := range recs {
		if tracker.NodeKey(r) == node {
			out = append(out, r)
		}
	}
	return out, nil
}

package board

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/greenai/greenai/internal/store/storetest"
)

func TestStore(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "b.db")
			if kind == "postgres" {
				target = storetest.PostgresURL(t)
			}
			ctx := context.Background()
			st, err := Open(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// Opening again (a second replica) migrates nothing twice.
			st2, err := Open(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			b := &Board{Name: "imagenet", Metric: "top1", Higher: true, Inputs: map[string]string{"*": "1x3x224x224"}}
			if err := st.CreateBoard(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := st2.CreateBoard(ctx, b); !errors.Is(err, ErrExists) {
				t.Errorf("create twice: %v", err)
			}
			if _, err := st.Board(ctx, "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing board: %v", err)
			}
			secret, tok, err := st.IssueToken(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := st2.Authenticate(ctx, secret); err != nil || got.ID != tok.ID || got.Submitter != "alice" {
				t.Errorf("authenticate: %v %v", got, err)
			}
			if _, err := st.Authenticate(ctx, secret+"x"); !errors.Is(err, ErrBadToken) {
				t.Errorf("wrong secret: %v", err)
			}
			// Concurrent submissions from two replicas, each sent twice.
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				for _, s := range []*Store{st, st2} {
					wg.Add(1)
					go func(i int, s *Store) {
						defer wg.Done()
						e := &Entry{Board: "imagenet", Model: fmt.Sprint("m", i), Metric: float64(i), Created: time.Now(), SubmissionID: fmt.Sprint("sub-", i),
							Counted: &Counted{FPO: float64(i + 1), ByOp: []OpCount{{Op: "Conv", FPO: 1}}}}
						if _, _, err := s.AddEntry(ctx, e, tok.ID); err != nil {
							t.Error(err)
						}
					}(i, s)
				}
			}
			wg.Wait()
			es, err := st.Entries(ctx, "imagenet")
			if err != nil || len(es) != 20 {
				t.Fatalf("entries: %d %v, want 20 (no duplicates)", len(es), err)
			}
			if es[0].Counted.ByOp != nil {
				t.Errorf("summaries carry the per-operator breakdown")
			}
			full, err := st2.Entry(ctx, es[0].ID)
			if err != nil || len(full.Counted.ByOp) != 1 {
				t.Errorf("entry: %v %v", full, err)
			}
			if err := st.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := st2.Authenticate(ctx, secret); !errors.Is(err, ErrBadToken) {
				t.Errorf("revoked: %v", err)
			}
			ts, _ := st.Tokens(ctx)
			if len(ts) != 1 || ts[0].Revoked == nil {
				t.Errorf("tokens: %v", ts)
			}
		})
	}
}

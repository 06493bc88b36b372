package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestClaim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		t0 := time.Now()
		// Eight ranks race for one node's counters: exactly one wins
		// and all agree on it.
		const n = 8
		holders := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s, err := Open(ctx, target)
				if err != nil {
					t.Error(err)
					return
				}
				defer s.Close()
				run := "run-" + string(rune('a'+i))
				h, _, err := s.Claim(ctx, "slurm:1", "n0", "rapl", run, string(rune('0'+i)), t0)
				if err != nil {
					t.Error(err)
				}
				holders[i] = h
			}(i)
		}
		wg.Wait()
		for _, h := range holders {
			if h == "" || h != holders[0] {
				t.Fatalf("holders %v: want one agreed holder", holders)
			}
		}
		s := open(t, target)
		// Another node and another counter are separate elections.
		if h, _, _ := s.Claim(ctx, "slurm:1", "n1", "rapl", "run-x", "9", t0); h != "run-x" {
			t.Errorf("node n1 holder %q", h)
		}
		// A holder whose run finished before a new run started is stale
		// (job id reused): the new run takes over.
		old := record("old", "", t0.Add(-time.Hour), true)
		if err := s.Save(ctx, old); err != nil {
			t.Fatal(err)
		}
		if h, _, _ := s.Claim(ctx, "torchelastic:none", "n0", "rapl", "old", "0", old.Start); h != "old" {
			t.Fatalf("holder %q", h)
		}
		if h, r, _ := s.Claim(ctx, "torchelastic:none", "n0", "rapl", "new", "3", t0); h != "new" || r != "3" {
			t.Errorf("stale claim not taken over: %q %q", h, r)
		}
		// A live holder is not replaced.
		if h, _, _ := s.Claim(ctx, "torchelastic:none", "n0", "rapl", "newer", "4", t0.Add(time.Second)); h != "new" {
			t.Errorf("live claim replaced by %q", h)
		}
	})
}

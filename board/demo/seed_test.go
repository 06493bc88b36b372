package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/greenai/greenai/board"
)

func TestSeedAll(t *testing.T) {
	ctx := context.Background()
	st, err := board.Open(ctx, filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, n, err := Seed(ctx, st, board.InProcess{}, Board(), Models(), ImageNet)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d in %v", n, time.Since(start))
}

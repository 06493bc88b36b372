package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/greenai/greenai/tracker"
)

// SpoolDir is where records wait that could not be saved to the database.
func SpoolDir(getenv func(string) string) string {
	return filepath.Join(DataDir(getenv), "spool")
}

// Spool writes r to dir as ID.json atomically (a temporary file renamed
// into place), so a record survives an unreachable database.
func Spool(dir string, r *tracker.Record) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("store: spool run %s: %w", r.ID, err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("store: spool run %s: %w", r.ID, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-"+r.ID+"-*")
	if err != nil {
		return "", fmt.Errorf("store: spool run %s: %w", r.ID, err)
	}
	_, werr := f.Write(js)
	serr := f.Sync()
	cerr := f.Close()
	final := filepath.Join(dir, r.ID+".json")
	if werr == nil && serr == nil && cerr == nil {
		werr = os.Rename(f.Name(), final)
	}
	if werr != nil || serr != nil || cerr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("store: spool run %s: %v", r.ID, firstErr(werr, serr, cerr))
	}
	return final, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Import saves the record files (JSON, as Spool or "greenai runs --json"
// of one run write them) and removes those under removeDir once saved.
// It returns how many were saved.
func (s *Store) Import(ctx context.Context, files []string, removeDir string) (int, error) {
	n := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return n, fmt.Errorf("store: import: %w", err)
		}
		var r tracker.Record
		if err := json.Unmarshal(b, &r); err != nil || r.ID == "" {
			return n, fmt.Errorf("store: import %s: not a run record (%v)", p, err)
		}
		if err := s.Save(ctx, &r); err != nil {
			return n, err
		}
		n++
		if removeDir != "" && filepath.Dir(p) == filepath.Clean(removeDir) {
			os.Remove(p)
		}
	}
	return n, nil
}

// FlushSpool imports every record waiting in dir.
func (s *Store) FlushSpool(ctx context.Context, dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, nil // nothing spooled
	}
	var files []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return s.Import(ctx, files, dir)
}

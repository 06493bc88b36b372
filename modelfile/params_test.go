package modelfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops" // every operator's rule
)

// A graph built from a config holds each shared weight once, so params
// looks for no copies and reports none as unchecked (its initializers have
// no values to compare).
func TestBuiltGraphHasNoPossibleCopies(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(p, []byte(llama2_7B.config()), 0o644)
	m, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := shape.Infer(m.Graph, shape.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := params.Count(res)
	if st.Params != llama2_7BParams || st.UncheckedElements != 0 || st.DuplicateElements != 0 {
		t.Errorf("params %d, unchecked %d, duplicates %d", st.Params, st.UncheckedElements, st.DuplicateElements)
	}
}

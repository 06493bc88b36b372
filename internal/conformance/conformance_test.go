package conformance

import (
	"fmt"
	"path/filepath"
	"testing"
)

// fakeT records how Require ends a test.
type fakeT struct {
	testing.TB
	failed, skipped string
}

// The methods Require calls; the embedded nil TB panics on any other.
func (f *fakeT) Helper()                        {}
func (f *fakeT) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }
func (f *fakeT) Skipf(format string, a ...any)  { f.skipped = fmt.Sprintf(format, a...) }

// TestRequireMissingSuite: without the suite, Require skips, or fails when
// GREENAI_REQUIRE_CONFORMANCE is set.
func TestRequireMissingSuite(t *testing.T) {
	saved := Root
	defer func() { Root = saved }()
	Root = filepath.Join(t.TempDir(), "absent")

	t.Setenv(EnvRequire, "")
	f := &fakeT{}
	Require(f)
	if f.failed != "" || f.skipped == "" {
		t.Errorf("not required: failed %q, skipped %q; want a skip", f.failed, f.skipped)
	}

	t.Setenv(EnvRequire, "1")
	f = &fakeT{}
	Require(f)
	if f.failed == "" || f.skipped != "" {
		t.Errorf("required: failed %q, skipped %q; want a failure", f.failed, f.skipped)
	}
}

package examples

import (
	"os"
	"strings"
	"testing"
)

// TestREADMESaysFirstBuildIsSilent: the README's set-up commands warn that
// the first go run and the test command compile silently for minutes on a
// fresh machine (issue 11, onboarding), right after the set-up block.
func TestREADMESaysFirstBuildIsSilent(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(b)), " ")
	setup, _, _ := strings.Cut(readme, "## ")
	for _, want := range []string{"silent for one to four minutes", "compiles", "not a hang", "bash scripts/test.sh"} {
		if !strings.Contains(setup, want) {
			t.Errorf("the README's opening (before the first section) does not say %q", want)
		}
	}
}

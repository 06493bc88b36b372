package fpo_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/shape"
)

// TestEveryShapeRuleHasACostRule: every operator that shape inference knows
// must have a cost rule, so nothing inferred goes uncounted.
func TestEveryShapeRuleHasACostRule(t *testing.T) {
	seen := map[string]bool{}
	var missing []string
	for _, op := range shape.Registered() {
		k := op.Domain + "/" + op.Type
		if seen[k] {
			continue
		}
		seen[k] = true
		if fpo.LookupRule(op.Domain, op.Type) == nil {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d operators have a shape rule but no cost rule:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

package registry

import (
	"reflect"
	"testing"
)

func TestVersionedLookup(t *testing.T) {
	tb := New[string]("test rule")
	tb.RegisterSince("", 13, "v13", "Slice")
	tb.RegisterSince("ai.onnx", 1, "v1", "Slice")
	tb.RegisterSince("", 10, "v10", "Slice")
	tb.Register("com.microsoft", "any", "Gelu", "FastGelu")
	for _, c := range []struct {
		domain, op string
		version    int64
		want       string
		ok         bool
	}{
		{"", "Slice", 0, "v13", true},  // no version: newest
		{"", "Slice", 9, "v1", true},   // greatest Since not above 9
		{"", "Slice", 10, "v10", true}, // exact
		{"ai.onnx", "Slice", 12, "v10", true},
		{"", "Slice", 30, "v13", true},
		{"com.microsoft", "Gelu", 1, "any", true},
		{"com.microsoft", "FastGelu", 0, "any", true},
		{"", "Gelu", 0, "", false},
	} {
		got, ok := tb.Lookup(c.domain, c.op, c.version)
		if got != c.want || ok != c.ok {
			t.Errorf("Lookup(%q, %q, %d) = %q, %v; want %q, %v", c.domain, c.op, c.version, got, ok, c.want, c.ok)
		}
	}
	old := New[string]("test rule")
	old.RegisterSince("", 5, "v5", "Slice")
	if got, _ := old.Lookup("", "Slice", 1); got != "v5" {
		t.Errorf("a version older than every rule takes the oldest: got %q", got)
	}
	if tb.Len() != 3 {
		t.Errorf("Len = %d, want 3 operators", tb.Len())
	}
	if got, want := tb.Keys(), []string{"/Slice", "com.microsoft/FastGelu", "com.microsoft/Gelu"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	var since []int64
	for _, e := range tb.Entries() {
		if e.Op == "Slice" {
			since = append(since, e.Since)
		}
	}
	if !reflect.DeepEqual(since, []int64{1, 10, 13}) {
		t.Errorf("Entries list Slice versions %v, want [1 10 13]", since)
	}
}

func TestDuplicatePanics(t *testing.T) {
	tb := New[int]("test rule")
	tb.RegisterSince("", 7, 1, "Add")
	tb.RegisterSince("", 13, 2, "Add")
	defer func() {
		if r := recover(); r != "test rule registered twice: /Add" {
			t.Errorf("recover() = %v", r)
		}
	}()
	tb.RegisterSince("ai.onnx", 7, 3, "Add")
}

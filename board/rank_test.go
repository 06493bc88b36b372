package board

import (
	"errors"
	"net/url"
	"testing"
)

func entry(name string, metric, fpo float64, kwh float64) *Entry {
	e := &Entry{ID: name, Model: name, Metric: metric, Counted: &Counted{FPO: fpo, MACs: fpo / 2}}
	if kwh > 0 {
		e.Energy = Measured{Runs: 1, Joules: kwh * 3.6e6, Hours: kwh}
	}
	return e
}

func names(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Model)
	}
	return out
}

func TestRankParetoBudget(t *testing.T) {
	b := &Board{Name: "b", Metric: "acc", Higher: true}
	es := []*Entry{
		entry("big", 80, 8e9, 10), entry("small", 70, 1e9, 1), entry("bad", 65, 2e9, 3), entry("mid", 76, 4e9, 0), entry("twin", 76, 4e9, 0),
	}
	rows := Rank(b, es, Query{Sort: "metric"})
	if got := names(rows); got[0] != "big" || got[4] != "bad" {
		t.Errorf("by metric: %v", got)
	}
	front := map[string]bool{}
	for _, r := range rows {
		front[r.Model] = r.Front
	}
	want := map[string]bool{"big": true, "small": true, "mid": true, "twin": true, "bad": false}
	for k, v := range want {
		if front[k] != v {
			t.Errorf("front[%s] = %v, want %v", k, front[k], v)
		}
	}
	if r := Rank(b, es, Query{Sort: "fpo"}); names(r)[0] != "small" {
		t.Errorf("by fpo: %v", names(r))
	}
	if r := Rank(b, es, Query{Sort: "per_fpo"}); names(r)[0] != "small" {
		t.Errorf("by per_fpo: %v", names(r))
	}
	// Best under a budget of 5 GFPO: mid/twin (tied rank 1), big excluded.
	r := Rank(b, es, Query{Sort: "metric", MaxFPO: 5e9})
	if len(r) != 4 || r[0].Rank != 1 || r[1].Rank != 1 || r[2].Rank != 3 {
		t.Errorf("under 5G: %v ranks %d %d %d", names(r), r[0].Rank, r[1].Rank, r[2].Rank)
	}
	// kWh budget: entries without a measurement or estimate are left out.
	if r := Rank(b, es, Query{Sort: "metric", MaxKWh: 5}); len(r) != 2 || r[0].Model != "bad" && r[0].Model != "small" {
		t.Errorf("under 5 kWh: %v", names(r))
	}
	// Lower is better.
	lb := &Board{Name: "err", Metric: "error", Higher: false}
	es2 := []*Entry{entry("a", 20, 8e9, 0), entry("b", 30, 1e9, 0), entry("c", 35, 2e9, 0)}
	r = Rank(lb, es2, Query{Sort: "metric"})
	if names(r)[0] != "a" || r[2].Front || !r[0].Front || !r[1].Front {
		t.Errorf("lower is better: %v %v", names(r), r)
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery(url.Values{"sort": {"fpo"}, "max_fpo": {"2G"}, "max_kwh": {"0.5"}, "hide_flagged": {"1"}})
	if err != nil || q.MaxFPO != 2e9 || q.MaxKWh != 0.5 || !q.HideFlagged {
		t.Errorf("%+v %v", q, err)
	}
	for _, v := range []url.Values{{"sort": {"x"}}, {"max_fpo": {"-1"}}, {"max_hours": {"NaN"}}, {"bogus": {"1"}}, {"order": {"up"}}} {
		var fe *FieldError
		if _, err := ParseQuery(v); !errors.As(err, &fe) {
			t.Errorf("%v: err = %v, want a FieldError", v, err)
		}
	}
}

func TestManifestValidate(t *testing.T) {
	good := `{"format":"greenai-bundle","version":1,"submission_id":"x1","board":"b","model":"m","metrics":{"acc":1}}`
	if _, err := ParseManifest([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ js, field string }{
		{`{"format":"greenai-bundle","version":1,"submission_id":"x1","board":"b","model":"m","metrics":{"acc":1},"cost_spec":{"cost_table":"/etc/passwd"}}`, "cost_spec.cost_table"},
		{`{"format":"greenai-bundle","version":1,"submission_id":"x1","board":"b","model":"m","metrics":{"acc":1}} {}`, "manifest"},
		{`[]`, "manifest"},
		{``, "manifest"},
		{`{"format":"greenai-bundle","version":1,"submission_id":"x1","board":"b","model":"m","metrics":{"a b":1}}`, "metrics"},
	} {
		_, err := ParseManifest([]byte(tc.js))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want field %s", tc.js, err, tc.field)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":"greenai-bundle","version":1,"submission_id":"x1","board":"b","model":"m","metrics":{"acc":1},"runs":[{"id":"r","energy":[{"joules":1,"provenance":"measured-counter"}]}],"trials":[{"score":1}]}`))
	f.Add([]byte(`{"claimed":{"fpo":1e400}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err == nil && m.Validate() != nil {
			t.Errorf("accepted a manifest that does not validate")
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	f.Add("sort=fpo&max_fpo=2G")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		_, _ = ParseQuery(v)
	})
}

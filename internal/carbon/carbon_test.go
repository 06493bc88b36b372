package carbon

import (
	"math"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		o      Options
		g, pue float64
		where  string
		err    string
	}{
		{"default", Options{}, 481, 1, "world average", ""},
		{"country code", Options{Country: "de"}, 381, 1, "country DE (Germany)", ""},
		{"alpha3", Options{Country: "FRA", PUE: 1.2}, 56, 1.2, "country FR", ""},
		{"name", Options{Country: "sweden"}, 41, 1, "country SE", ""},
		{"region", Options{Region: "aws:eu-west-3"}, 56, 1, "region aws:eu-west-3", ""},
		{"bare region", Options{Region: "europe-west4", Country: "US"}, 268, 1, "gcp:europe-west4", ""},
		{"user value wins", Options{Intensity: f(123), Region: "aws:eu-west-3"}, 123, 1.5, "set by the user", ""},
		{"unknown country", Options{Country: "Atlantis"}, 0, 0, "", "unknown country"},
		{"unknown region", Options{Region: "mars-1"}, 0, 0, "", "unknown region"},
		{"bad pue", Options{PUE: 0.5}, 0, 0, "", "PUE"},
		{"nan pue", Options{PUE: math.NaN()}, 0, 0, "", "PUE"},
		{"negative intensity", Options{Intensity: f(-1)}, 0, 0, "", "intensity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "user value wins" {
				tc.o.PUE = 1.5
			}
			s, err := Resolve(tc.o)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.GramsPerKWh != tc.g || s.PUE != tc.pue || !strings.Contains(s.Where, tc.where) {
				t.Errorf("got %+v", s)
			}
			if !strings.Contains(s.String(), "PUE") {
				t.Errorf("String() does not state the PUE: %s", s)
			}
		})
	}
}

func TestGrams(t *testing.T) {
	s := Setting{PUE: 1.5, GramsPerKWh: 400}
	if g := s.Grams(3.6e6); g != 600 { // 1 kWh × 1.5 × 400
		t.Errorf("Grams = %v, want 600", g)
	}
}

func TestTableSourced(t *testing.T) {
	tab := Table()
	if len(tab) < 60 {
		t.Fatalf("only %d rows", len(tab))
	}
	for _, in := range tab {
		if in.Source == "" || in.Year == 0 || in.GramsPerKWh <= 0 || in.Name == "" {
			t.Errorf("row without source, year or value: %+v", in)
		}
		if !strings.Contains(in.Source, "Our World in Data") || !strings.Contains(in.Source, "CC BY 4.0") {
			t.Errorf("%s does not credit OWID: %s", in.Code, in.Source)
		}
	}
	for _, r := range regionRows {
		if _, ok := countries[r.country]; !ok {
			t.Errorf("region %s maps to missing country %s", r.code, r.country)
		}
	}
}

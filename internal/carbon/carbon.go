// Package carbon turns energy into emissions, energy × PUE × grid carbon intensity, from an offline table of country and cloud-region intensities (no network look-ups).
package carbon

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Intensity is the carbon intensity of one electricity grid.
type Intensity struct {
	Code        string  `json:"code"` // ISO 3166 alpha-2 ("DE") or provider:region ("aws:eu-central-1")
	Name        string  `json:"name"`
	GramsPerKWh float64 `json:"g_per_kwh"`
	Source      string  `json:"source"`
	Year        int     `json:"year"`
	Country     string  `json:"country,omitempty"` // for cloud regions: the country whose figure is used
}

// Setting is the carbon accounting applied to a run.
type Setting struct {
	PUE         float64 `json:"pue"`
	GramsPerKWh float64 `json:"g_per_kwh"`
	Where       string  `json:"where"`  // what the intensity stands for
	Source      string  `json:"source"` // where the number comes from
	Year        int     `json:"year,omitempty"`
}

// Options chooses a Setting. Intensity, when set, wins over Region, which
// wins over Country; with none of them the world average is used and said.
type Options struct {
	PUE       float64  // 0 means the default 1.0
	Intensity *float64 // g CO2e per kWh given by the user
	Region    string   // cloud region, "aws:eu-west-1" or "eu-west-1"
	Country   string   // ISO alpha-2 or alpha-3 code, or English name
}

// DefaultPUE is used when no PUE is given: the energy at the meters is
// taken as all the energy the facility drew. Data centres are above it
// (1.1 to 1.6 is common); every report states the PUE used.
const DefaultPUE = 1.0

// Resolve turns Options into a Setting.
func Resolve(o Options) (Setting, error) {
	s := Setting{PUE: o.PUE}
	if s.PUE == 0 {
		s.PUE = DefaultPUE
	}
	if math.IsNaN(s.PUE) || s.PUE < 1 || s.PUE > 5 {
		return Setting{}, fmt.Errorf("carbon: PUE %g out of range: a PUE is at least 1 (and rarely above 3)", o.PUE)
	}
	switch {
	case o.Intensity != nil:
		v := *o.Intensity
		if math.IsNaN(v) || v < 0 || v > 2000 {
			return Setting{}, fmt.Errorf("carbon: intensity %g g/kWh out of range 0..2000", v)
		}
		s.GramsPerKWh, s.Where, s.Source = v, "set by the user", "user value"
	case o.Region != "":
		in, err := LookupRegion(o.Region)
		if err != nil {
			return Setting{}, err
		}
		s.GramsPerKWh, s.Where, s.Source, s.Year = in.GramsPerKWh, fmt.Sprintf("region %s (%s)", in.Code, in.Name), in.Source, in.Year
	case o.Country != "":
		in, err := LookupCountry(o.Country)
		if err != nil {
			return Setting{}, err
		}
		s.GramsPerKWh, s.Where, s.Source, s.Year = in.GramsPerKWh, fmt.Sprintf("country %s (%s)", in.Code, in.Name), in.Source, in.Year
	default:
		w := countries["WORLD"]
		s.GramsPerKWh, s.Where, s.Source, s.Year = w.GramsPerKWh, "world average: location not set (use --country, --region or --carbon-intensity)", w.Source, w.Year
	}
	return s, nil
}

// Grams is the carbon in g CO2e of joules under s: kWh × PUE × intensity.
func (s Setting) Grams(joules float64) float64 {
	return joules / 3.6e6 * s.PUE * s.GramsPerKWh
}

// String states the setting in one line, as reports print it.
func (s Setting) String() string {
	src := s.Source
	if s.Year != 0 {
		src = fmt.Sprintf("%s, %d", s.Source, s.Year)
	}
	return fmt.Sprintf("%.0f g CO2e/kWh, %s [%s]; PUE %.2f", s.GramsPerKWh, s.Where, src, s.PUE)
}

// LookupCountry finds a country by ISO alpha-2 or alpha-3 code or by name.
func LookupCountry(q string) (Intensity, error) {
	k := strings.ToUpper(strings.TrimSpace(q))
	if in, ok := countries[k]; ok {
		return in, nil
	}
	if c, ok := alpha3[k]; ok {
		return countries[c], nil
	}
	for _, in := range countries {
		if strings.EqualFold(in.Name, strings.TrimSpace(q)) {
			return in, nil
		}
	}
	return Intensity{}, fmt.Errorf("carbon: unknown country %q (use an ISO code such as DE or DEU, see \"greenai run --list-intensities\", or set --carbon-intensity)", q)
}

// LookupRegion finds a cloud region, with or without its provider prefix
// when the bare name is unambiguous.
func LookupRegion(q string) (Intensity, error) {
	k := strings.ToLower(strings.TrimSpace(q))
	if in, ok := regions[k]; ok {
		return in, nil
	}
	var hits []Intensity
	for code, in := range regions {
		if _, name, _ := strings.Cut(code, ":"); name == k {
			hits = append(hits, in)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return Intensity{}, fmt.Errorf("carbon: unknown region %q (see \"greenai run --list-intensities\", or set --country or --carbon-intensity)", q)
	}
	return Intensity{}, fmt.Errorf("carbon: region %q is ambiguous, prefix the provider (aws:, gcp:, azure:)", q)
}

// Table lists every country and region of the bundled table, sorted by code.
func Table() []Intensity {
	var out []Intensity
	for _, in := range countries {
		out = append(out, in)
	}
	for _, in := range regions {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

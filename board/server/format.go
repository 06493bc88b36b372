package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/greenai/greenai/fpo"
)

// All number formatting of the pages is here, in one place.

// qty renders v with a decimal SI prefix on the unit: 3.637 GFPO, 11.69 M
// parameters ("" unit).
func qty(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	s := fpo.SI(v)
	num, prefix := s, ""
	if n := len(s); n > 0 && strings.ContainsRune("kMGTPE", rune(s[n-1])) {
		num, prefix = s[:n-1], s[n-1:]
	}
	if unit == "" {
		return num + prefix
	}
	return num + " " + prefix + unit
}

// small renders a small quantity (kWh, hours, grams) with 3 significant
// digits.
func small(v float64, unit string) string {
	if v == 0 {
		return "0 " + unit
	}
	return strconv.FormatFloat(v, 'g', 3, 64) + " " + unit
}

// metric renders a metric value as submitted (up to 6 significant digits).
func metric(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// exact renders an exact integer with thin grouping: 3,637,910,528.
func exact(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func plain(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func percent(part, whole float64) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*part/whole, 'f', 1, 64) + "%"
}

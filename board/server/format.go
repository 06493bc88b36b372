package server

import (
	"strconv"

	"github.com/greenai/greenai/units"
)

// The pages format numbers through package units (as the command line
// does); the few page-specific forms are here, in one place.

// qty renders a quantity: counts keep the prefix on the number ("3.635G
// FPO"), physical units take it ("41.4 Wh").
func qty(v float64, unit string) string { return units.Quantity(v, unit) }

// small renders energy, carbon and hours.
func small(v float64, unit string) string {
	switch unit {
	case "kWh":
		return units.Energy(v)
	case "h":
		return units.Duration(v * 3600)
	}
	return units.Quantity(v, unit)
}

// metric renders a metric value as submitted (up to 6 significant digits).
func metric(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// exact groups an exact integer's digits: 3,635,322,856.
func exact(s string) string { return units.Grouped(s) }

// plain is the shortest exact decimal form, for CSV and data attributes.
func plain(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func percent(part, whole float64) string { return units.Percent(part, whole) }

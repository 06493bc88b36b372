package board

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/greenai/greenai/report"
)

// Column is a sortable quantity of an entry.
type Column struct {
	Key   string // query value of ?sort=
	Label string
	Unit  string
	// LowerIsBetter gives the default sort order.
	LowerIsBetter bool
	Value         func(*Entry) (float64, bool)
}

func priceOf(e *Entry) *Price {
	if e.Counted == nil {
		return nil
	}
	return e.Counted.Price
}

// Columns are the sortable columns; "metric" follows the board's
// direction.
var Columns = []Column{
	{Key: "metric", Label: "metric", Value: func(e *Entry) (float64, bool) { return e.Metric, true }},
	{Key: "fpo", Label: "FPO per inference", Unit: "FPO", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) { return e.Counted.FPO, e.Counted != nil }},
	{Key: "macs", Label: "MACs per inference", Unit: "MACs", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) { return e.Counted.MACs, e.Counted != nil }},
	{Key: "train_fpo", Label: "training FPO (all trials)", Unit: "FPO", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) {
		if p := priceOf(e); p != nil {
			return p.SearchFPO, true
		}
		return 0, false
	}},
	{Key: "total_fpo", Label: "price tag (training + deployment)", Unit: "FPO", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) {
		if p := priceOf(e); p != nil {
			return p.TotalFPO, true
		}
		return 0, false
	}},
	{Key: "params", Label: "parameters", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) { return float64(e.Counted.Params), e.Counted != nil }},
	{Key: "energy", Label: "energy (measured)", Unit: "kWh", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) { return e.Energy.KWh(), e.Energy.Runs > 0 }},
	{Key: "carbon", Label: "carbon (measured runs)", Unit: "g CO2e", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) { return e.Energy.CarbonG, e.Energy.Runs > 0 }},
	{Key: "hours", Label: "training time (runs)", Unit: "h", LowerIsBetter: true, Value: func(e *Entry) (float64, bool) { return e.Energy.Hours, e.Energy.Runs > 0 }},
	{Key: "per_fpo", Label: "metric per GFPO", LowerIsBetter: false, Value: func(e *Entry) (float64, bool) {
		if e.Counted == nil || e.Counted.FPO == 0 {
			return 0, false
		}
		return e.Metric / (e.Counted.FPO / 1e9), true
	}},
	{Key: "date", Label: "submitted", LowerIsBetter: false, Value: func(e *Entry) (float64, bool) { return float64(e.Created.UnixNano()), true }},
}

// ColumnByKey finds a column.
func ColumnByKey(k string) (Column, bool) {
	for _, c := range Columns {
		if c.Key == k {
			return c, true
		}
	}
	return Column{}, false
}

// Query selects and orders a board's entries.
type Query struct {
	Sort string // a Column key (default "metric")
	// Order is "asc", "desc" or "" (the column's better-first order).
	Order string
	// Budgets (0 = none): entries above any are left out ("best under a
	// budget"). FPO is per inference; TrainFPO the price tag's training
	// FPO; KWh and Hours the measured runs' energy and wall time, or the
	// price tag's estimate when no run was submitted.
	MaxFPO, MaxTrainFPO, MaxKWh, MaxHours float64
	// Flagged false hides entries whose claims disagree with the count.
	HideFlagged bool
	Limit       int
}

// ParseQuery reads a Query from URL parameters; errors name the parameter.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	for k := range v {
		switch k {
		case "sort", "order", "max_fpo", "max_train_fpo", "max_kwh", "max_hours", "hide_flagged", "limit":
		default:
			return q, &FieldError{Field: k, Msg: "unknown query parameter (known: sort, order, max_fpo, max_train_fpo, max_kwh, max_hours, hide_flagged, limit)"}
		}
	}
	q.Sort = v.Get("sort")
	if q.Sort == "" {
		q.Sort = "metric"
	}
	if _, ok := ColumnByKey(q.Sort); !ok {
		var keys []string
		for _, c := range Columns {
			keys = append(keys, c.Key)
		}
		return q, &FieldError{Field: "sort", Msg: fmt.Sprintf("%q: want one of %s", q.Sort, strings.Join(keys, ", "))}
	}
	q.Order = v.Get("order")
	if q.Order != "" && q.Order != "asc" && q.Order != "desc" {
		return q, &FieldError{Field: "order", Msg: fmt.Sprintf("%q: want asc or desc", q.Order)}
	}
	for _, b := range []struct {
		key string
		dst *float64
	}{{"max_fpo", &q.MaxFPO}, {"max_train_fpo", &q.MaxTrainFPO}, {"max_kwh", &q.MaxKWh}, {"max_hours", &q.MaxHours}} {
		s := strings.TrimSpace(v.Get(b.key))
		if s == "" {
			continue
		}
		f, err := ParseQuantity(s)
		if err != nil || f <= 0 {
			return q, &FieldError{Field: b.key, Msg: fmt.Sprintf("%q: want a positive number such as 5e9 or 5G", s)}
		}
		*b.dst = f
	}
	switch v.Get("hide_flagged") {
	case "", "0", "false":
	case "1", "true", "on":
		q.HideFlagged = true
	default:
		return q, &FieldError{Field: "hide_flagged", Msg: "want 1 or 0"}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			return q, &FieldError{Field: "limit", Msg: fmt.Sprintf("%q: want an integer from 1 to 100000", s)}
		}
		q.Limit = n
	}
	return q, nil
}

// ParseQuantity reads a number with an optional decimal SI prefix (k, M,
// G, T, P, E): 5G = 5e9.
func ParseQuantity(s string) (float64, error) {
	mult := 1.0
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult = 1e3
		case 'M':
			mult = 1e6
		case 'G':
			mult = 1e9
		case 'T':
			mult = 1e12
		case 'P':
			mult = 1e15
		case 'E':
			mult = 1e18
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a number")
	}
	return f * mult, nil
}

// Row is one ranked entry.
type Row struct {
	*Entry
	// Rank is the position by the board's metric among the selected
	// entries (1 = best; ties share a rank).
	Rank int
	// Front is true for entries on the metric-versus-FPO Pareto front;
	// the others are dominated by a cheaper and at least as good entry.
	Front bool
}

// KWh is the energy used for the budget: measured, else the price tag's
// estimate (then estimated is true).
func (e *Entry) KWh() (kwh float64, estimated, ok bool) {
	if e.Energy.Runs > 0 && e.Energy.Joules > 0 {
		return e.Energy.KWh(), false, true
	}
	if p := priceOf(e); p != nil && p.EstimateKWh > 0 {
		return p.EstimateKWh, true, true
	}
	return 0, false, false
}

// Hours is the training time used for the budget, as KWh.
func (e *Entry) Hours() (h float64, estimated, ok bool) {
	if e.Energy.Runs > 0 && e.Energy.Hours > 0 {
		return e.Energy.Hours, false, true
	}
	if p := priceOf(e); p != nil && p.EstimateHours > 0 {
		return p.EstimateHours, true, true
	}
	return 0, false, false
}

// Rank selects, ranks and sorts entries.
func Rank(b *Board, entries []*Entry, q Query) []Row {
	var rows []Row
	for _, e := range entries {
		if e.Counted == nil {
			continue
		}
		if q.HideFlagged && len(e.Flags) > 0 {
			continue
		}
		if q.MaxFPO > 0 && e.Counted.FPO > q.MaxFPO {
			continue
		}
		if q.MaxTrainFPO > 0 {
			if p := priceOf(e); p == nil || p.SearchFPO > q.MaxTrainFPO {
				continue
			}
		}
		if q.MaxKWh > 0 {
			if k, _, ok := e.KWh(); !ok || k > q.MaxKWh {
				continue
			}
		}
		if q.MaxHours > 0 {
			if h, _, ok := e.Hours(); !ok || h > q.MaxHours {
				continue
			}
		}
		rows = append(rows, Row{Entry: e})
	}
	// Rank by metric.
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return b.Better(rows[idx[i]].Metric, rows[idx[j]].Metric) })
	for k, i := range idx {
		if k > 0 && rows[idx[k-1]].Metric == rows[i].Metric {
			rows[i].Rank = rows[idx[k-1]].Rank
		} else {
			rows[i].Rank = k + 1
		}
	}
	for _, i := range ParetoFront(b, rows) {
		rows[i].Front = true
	}
	col, _ := ColumnByKey(q.Sort)
	if col.Key == "" {
		col, _ = ColumnByKey("metric")
	}
	asc := col.LowerIsBetter
	if col.Key == "metric" {
		asc = !b.Higher
	}
	switch q.Order {
	case "asc":
		asc = true
	case "desc":
		asc = false
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, aok := col.Value(rows[i].Entry)
		c, cok := col.Value(rows[j].Entry)
		if aok != cok {
			return aok // entries without the value go last
		}
		if a == c {
			return rows[i].Rank < rows[j].Rank
		}
		if asc {
			return a < c
		}
		return a > c
	})
	if q.Limit > 0 && len(rows) > q.Limit {
		rows = rows[:q.Limit]
	}
	return rows
}

// ParetoFront returns the indices of the rows on the metric-versus-FPO
// front: no other row has fewer FPO and an equal or better metric (or
// equal FPO and a better metric). It uses report.Front.
func ParetoFront(b *Board, rows []Row) []int {
	xs, ys := make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		xs[i], ys[i] = r.Counted.FPO, r.Metric
		if !b.Higher {
			ys[i] = -r.Metric
		}
	}
	return report.Front(xs, ys)
}

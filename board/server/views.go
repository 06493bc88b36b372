package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/report"
)

// splitFormat splits "name.json" into ("name", "json").
func splitFormat(v string) (string, string) {
	for _, f := range []string{".json", ".csv"} {
		if strings.HasSuffix(v, f) {
			return strings.TrimSuffix(v, f), f[1:]
		}
	}
	return v, "html"
}

func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, code int, data map[string]any) {
	var buf bytes.Buffer
	if err := s.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// serveCached serves a page of a group (a board's name, or "" for pages
// about all boards) from the board cache; see pageCache.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, group, key string, f renderFunc) {
	s.serveCachedIn(s.cache, w, r, group, key, f)
}

func (s *Server) serveCachedIn(cache *pageCache, w http.ResponseWriter, r *http.Request, group, key string, f renderFunc) {
	var p *page
	if cache.disabled() {
		body, ctype, err := f(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p = newPage(key, f, body, ctype, 0, nil)
	} else if p = cache.get(group, key); p == nil {
		var err error
		if p, err = cache.fill(r.Context(), group, key, f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.serve(w, r)
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.serveCached(w, r, "", "index", func(ctx context.Context) ([]byte, string, error) {
		boards, err := s.st.Boards(ctx)
		if err != nil {
			return nil, "", err
		}
		type item struct {
			*board.Board
			Entries int
		}
		var items []item
		for _, b := range boards {
			n, err := s.st.Count(ctx, b.Name)
			if err != nil {
				return nil, "", err
			}
			items = append(items, item{b, n})
		}
		return s.page("index", map[string]any{"Title": "Leaderboards", "Boards": items})
	})
}

// page executes a page template.
func (s *Server) page(name string, data map[string]any) ([]byte, string, error) {
	var buf bytes.Buffer
	if err := s.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, "", fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), "text/html; charset=utf-8", nil
}

// jsonBody encodes v as indented JSON.
func jsonBody(v any) ([]byte, string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "application/json", nil
}

func (s *Server) handleAPIBoards(w http.ResponseWriter, r *http.Request) {
	s.serveCached(w, r, "", "api boards", func(ctx context.Context) ([]byte, string, error) {
		boards, err := s.st.Boards(ctx)
		if err != nil {
			return nil, "", err
		}
		if boards == nil {
			boards = []*board.Board{}
		}
		return jsonBody(map[string]any{"boards": boards})
	})
}

func (s *Server) handleAPIBoard(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.serveCached(w, r, name, "api board", func(ctx context.Context) ([]byte, string, error) {
		b, err := s.st.Board(ctx, name)
		if err != nil {
			return nil, "", err
		}
		return jsonBody(b)
	})
}

func (s *Server) handleAPIEntries(w http.ResponseWriter, r *http.Request) {
	s.boardView(w, r, r.PathValue("name"), "json")
}

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	name, format := splitFormat(r.PathValue("name"))
	s.boardView(w, r, name, format)
}

func cacheKey(r *http.Request, format string) string {
	return format + " " + r.URL.Path + "?" + r.URL.Query().Encode()
}

func (s *Server) boardView(w http.ResponseWriter, r *http.Request, name, format string) {
	q, err := board.ParseQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := s.baseURL(r)
	s.serveCached(w, r, name, cacheKey(r, format)+" "+base, func(ctx context.Context) ([]byte, string, error) {
		hq := q
		if format == "html" && hq.Limit == 0 {
			hq.Limit = pageRows // the page shows the top; ?limit= shows more
		}
		b, rows, total, err := s.ranked(ctx, name, hq)
		if err != nil {
			return nil, "", err
		}
		var buf bytes.Buffer
		switch format {
		case "json":
			return jsonBody(map[string]any{"board": b, "query": queryJSON(q), "entries": rowsJSON(base, rows)})
		case "csv":
			if err := writeRowsCSV(&buf, b, rows, base); err != nil {
				return nil, "", err
			}
			return buf.Bytes(), "text/csv; charset=utf-8", nil
		}
		data := boardPage(b, rows, q, r.URL.Query(), total)
		if len(rows) == pageRows && q.Limit == 0 {
			more := r.URL.Query()
			more.Set("limit", "100000")
			data["MoreURL"] = "/boards/" + b.Name + "?" + more.Encode()
		}
		return s.page("board", data)
	})
}

// ranked reads a board and its entries and ranks them for q; total is
// how many entries the board has.
func (s *Server) ranked(ctx context.Context, name string, q board.Query) (b *board.Board, rows []board.Row, total int, err error) {
	if b, err = s.st.Board(ctx, name); err != nil {
		return nil, nil, 0, err
	}
	entries, err := s.st.Entries(ctx, name)
	if err != nil {
		return nil, nil, 0, err
	}
	return b, board.Rank(b, entries, q), len(entries), nil
}

// pageRows is how many rows a board page shows unless ?limit= says.
const pageRows = 100

func queryJSON(q board.Query) map[string]any {
	out := map[string]any{"sort": q.Sort}
	if q.Order != "" {
		out["order"] = q.Order
	}
	for k, v := range map[string]float64{"max_fpo": q.MaxFPO, "max_train_fpo": q.MaxTrainFPO, "max_kwh": q.MaxKWh, "max_hours": q.MaxHours} {
		if v > 0 {
			out[k] = v
		}
	}
	if q.HideFlagged {
		out["hide_flagged"] = true
	}
	return out
}

// rowJSON is one entry of the board's JSON view.
type rowJSON struct {
	Rank             int          `json:"rank"`
	ParetoOptimal    bool         `json:"pareto_optimal"`
	ID               string       `json:"id"`
	URL              string       `json:"url"`
	Model            string       `json:"model"`
	Submitter        string       `json:"submitter"`
	Metric           float64      `json:"metric"`
	FPO              float64      `json:"fpo"`
	FPOExact         string       `json:"fpo_exact"`
	MACs             float64      `json:"macs"`
	MetricPerGFPO    float64      `json:"metric_per_gfpo"`
	Params           int64        `json:"params"`
	TrainFPO         *float64     `json:"train_fpo"`
	TotalFPO         *float64     `json:"total_fpo"`
	EnergyKWh        *float64     `json:"energy_kwh"`
	EnergyEstimated  bool         `json:"energy_is_estimate"`
	EnergyProvenance string       `json:"energy_provenance,omitempty"`
	CarbonG          *float64     `json:"carbon_g"`
	Hours            *float64     `json:"hours"`
	HoursEstimated   bool         `json:"hours_is_estimate"`
	Flags            []board.Flag `json:"flags"`
	Created          time.Time    `json:"created"`
}

func ptr(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func rowsJSON(base string, rows []board.Row) []rowJSON {
	out := []rowJSON{}
	for _, r := range rows {
		j := rowJSON{Rank: r.Rank, ParetoOptimal: r.Front, ID: r.ID, URL: base + "/entries/" + r.ID, Model: r.Model, Submitter: r.Submitter,
			Metric: r.Metric, FPO: r.Counted.FPO, FPOExact: r.Counted.FPOExact, MACs: r.Counted.MACs, Params: r.Counted.Params,
			Flags: r.Flags, Created: r.Created}
		if j.Flags == nil {
			j.Flags = []board.Flag{}
		}
		if r.Counted.FPO > 0 {
			j.MetricPerGFPO = r.Metric / (r.Counted.FPO / 1e9)
		}
		if p := r.Counted.Price; p != nil {
			j.TrainFPO, j.TotalFPO = &p.SearchFPO, &p.TotalFPO
		}
		k, est, ok := r.KWh()
		j.EnergyKWh, j.EnergyEstimated = ptr(k, ok), est
		if !est && ok {
			j.EnergyProvenance = r.Energy.Provenance
		}
		if r.Energy.Runs > 0 {
			j.CarbonG = &r.Energy.CarbonG
		}
		h, hest, ok := r.Hours()
		j.Hours, j.HoursEstimated = ptr(h, ok), hest
		out = append(out, j)
	}
	return out
}

func writeRowsCSV(buf *bytes.Buffer, b *board.Board, rows []board.Row, base string) error {
	cw := csv.NewWriter(buf)
	_ = cw.Write([]string{"rank", "pareto_optimal", "id", "model", "submitter", b.Metric, "fpo", "macs", "metric_per_gfpo", "params",
		"train_fpo", "total_fpo", "energy_kwh", "energy_source", "carbon_g", "hours", "hours_source", "flags", "created", "url"})
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return plain(*v)
	}
	for _, j := range rowsJSON(base, rows) {
		esrc, hsrc := "", ""
		if j.EnergyKWh != nil {
			esrc = j.EnergyProvenance
			if j.EnergyEstimated {
				esrc = "price-tag estimate"
			}
		}
		if j.Hours != nil {
			hsrc = "measured runs"
			if j.HoursEstimated {
				hsrc = "price-tag estimate"
			}
		}
		var flags []string
		for _, f := range j.Flags {
			flags = append(flags, f.Field)
		}
		_ = cw.Write([]string{strconv.Itoa(j.Rank), strconv.FormatBool(j.ParetoOptimal), j.ID, j.Model, j.Submitter, plain(j.Metric),
			j.FPOExact, plain(j.MACs), plain(j.MetricPerGFPO), strconv.FormatInt(j.Params, 10), opt(j.TrainFPO), opt(j.TotalFPO),
			opt(j.EnergyKWh), esrc, opt(j.CarbonG), opt(j.Hours), hsrc, strings.Join(flags, " "), j.Created.Format(time.RFC3339), j.URL})
	}
	cw.Flush()
	return cw.Error()
}

// Page data of a board.
type colView struct {
	Key, Label, URL, Arrow string
	Active                 bool
}

type cellRow struct {
	board.Row
	Cells map[string]*cell
}

type cell struct {
	Text  string
	Value string // raw number for client-side sorting ("" = none)
	Note  string // e.g. "estimate"
}

func boardPage(b *board.Board, rows []board.Row, q board.Query, v url.Values, total int) map[string]any {
	metricLabel := b.Metric
	if b.Unit != "" {
		metricLabel += " (" + b.Unit + ")"
	}
	keys := []struct{ key, label string }{
		{"metric", metricLabel}, {"fpo", "FPO / inference"}, {"per_fpo", b.Metric + " per GFPO"}, {"train_fpo", "training FPO"},
		{"total_fpo", "price tag (FPO)"}, {"params", "parameters"}, {"energy", "energy"}, {"carbon", "carbon"}, {"hours", "hours"},
	}
	var cols []colView
	for _, k := range keys {
		c := colView{Key: k.key, Label: k.label, Active: q.Sort == k.key}
		nv := url.Values{}
		for kk, vv := range v {
			nv[kk] = vv
		}
		nv.Set("sort", k.key)
		nv.Del("order")
		if c.Active {
			col, _ := board.ColumnByKey(k.key)
			asc := col.LowerIsBetter
			if k.key == "metric" {
				asc = !b.Higher
			}
			if q.Order != "" {
				asc = q.Order == "asc"
			}
			if asc {
				c.Arrow = "▲"
				nv.Set("order", "desc")
			} else {
				c.Arrow = "▼"
				nv.Set("order", "asc")
			}
		}
		c.URL = "?" + nv.Encode()
		cols = append(cols, c)
	}
	var crs []cellRow
	for _, r := range rows {
		crs = append(crs, cellRow{Row: r, Cells: cells(r)})
	}
	budget := q.MaxFPO > 0 || q.MaxTrainFPO > 0 || q.MaxKWh > 0 || q.MaxHours > 0
	var best *cellRow
	if budget {
		for i := range crs {
			if crs[i].Rank == 1 {
				best = &crs[i]
				break
			}
		}
	}
	enc := v.Encode()
	if enc != "" {
		enc = "?" + enc
	}
	in := func(f float64) string {
		if f == 0 {
			return ""
		}
		return plain(f)
	}
	var front []cellRow
	for _, c := range crs {
		if c.Front {
			front = append(front, c)
		}
	}
	sort.SliceStable(front, func(i, j int) bool { return front[i].Counted.FPO < front[j].Counted.FPO })
	return map[string]any{
		"Title": b.Title, "Board": b, "Cols": cols, "Rows": crs, "Query": q, "Budget": budget, "Best": best, "Total": total,
		"JSONURL": "/boards/" + b.Name + ".json" + enc, "CSVURL": "/boards/" + b.Name + ".csv" + enc, "ParetoURL": "/boards/" + b.Name + "/pareto.svg" + enc,
		"MaxFPO": in(q.MaxFPO), "MaxTrainFPO": in(q.MaxTrainFPO), "MaxKWh": in(q.MaxKWh), "MaxHours": in(q.MaxHours), "Front": front,
		"Columns": board.Columns,
	}
}

func cells(r board.Row) map[string]*cell {
	c := map[string]*cell{
		"metric": {Text: metric(r.Metric), Value: plain(r.Metric)},
		"fpo":    {Text: qty(r.Counted.FPO, "FPO"), Value: plain(r.Counted.FPO), Note: qty(r.Counted.MACs, "MACs")},
		"params": {Text: qty(float64(r.Counted.Params), ""), Value: strconv.FormatInt(r.Counted.Params, 10)},
	}
	if r.Counted.FPO > 0 {
		v := r.Metric / (r.Counted.FPO / 1e9)
		c["per_fpo"] = &cell{Text: strconv.FormatFloat(v, 'g', 4, 64), Value: plain(v)}
	}
	if p := r.Counted.Price; p != nil {
		c["train_fpo"] = &cell{Text: qty(p.SearchFPO, "FPO"), Value: plain(p.SearchFPO), Note: fmt.Sprintf("%d trial(s)", p.H)}
		c["total_fpo"] = &cell{Text: qty(p.TotalFPO, "FPO"), Value: plain(p.TotalFPO)}
	}
	if k, est, ok := r.KWh(); ok {
		note := r.Energy.Provenance
		if est {
			note = "estimate"
		}
		c["energy"] = &cell{Text: small(k, "kWh"), Value: plain(k), Note: note}
	}
	if r.Energy.Runs > 0 {
		c["carbon"] = &cell{Text: small(r.Energy.CarbonG, "g CO2e"), Value: plain(r.Energy.CarbonG)}
	}
	if h, est, ok := r.Hours(); ok {
		note := "runs"
		if est {
			note = "estimate"
		}
		c["hours"] = &cell{Text: small(h, "h"), Value: plain(h), Note: note}
	}
	return c
}

func (s *Server) handleAPIEntry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.serveCachedIn(s.entryCache, w, r, "", "api entry "+id, func(ctx context.Context) ([]byte, string, error) {
		e, err := s.st.Entry(ctx, id)
		if err != nil {
			return nil, "", err
		}
		return jsonBody(e)
	})
}

// handleEntry serves an entry page. Entries never change once stored, so
// their pages are cached (in entryCache, which no submission invalidates).
func (s *Server) handleEntry(w http.ResponseWriter, r *http.Request) {
	id, format := splitFormat(r.PathValue("id"))
	base := s.baseURL(r)
	s.serveCachedIn(s.entryCache, w, r, "", "entry "+format+" "+id+" "+base, func(ctx context.Context) ([]byte, string, error) {
		return s.renderEntry(ctx, id, format, base)
	})
}

func (s *Server) renderEntry(ctx context.Context, id, format, base string) ([]byte, string, error) {
	e, err := s.st.Entry(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	switch format {
	case "json":
		return jsonBody(e)
	case "csv":
		cw := csv.NewWriter(&buf)
		_ = cw.Write([]string{"quantity", "value", "unit", "how obtained"})
		for _, c := range card(e) {
			_ = cw.Write([]string{c.What, c.Raw, c.Unit, c.How})
		}
		cw.Flush()
		return buf.Bytes(), "text/csv; charset=utf-8", nil
	}
	b, err := s.st.Board(ctx, e.Board)
	if err != nil {
		return nil, "", err
	}
	badge := base + "/entries/" + e.ID + "/badge.svg"
	data := map[string]any{
		"Title": e.Model + " on " + b.Title, "Board": b, "E": e, "Card": card(e), "HasTrials": len(e.Trials) > 0,
		"HasCurves": len(curvePoints(e)) > 0, "Badge": "/entries/" + e.ID + "/badge.svg",
		"BadgeMarkdown": fmt.Sprintf("[![%s](%s)](%s/entries/%s)", e.Model, badge, base, e.ID),
	}
	if t := opsTable(e); t != nil {
		data["Ops"] = htmlTable("ops", "ops", t)
	}
	if e.Counted != nil && e.Counted.Doc != nil {
		if t := e.Counted.Doc.ScopeTable(2); len(t.Rows) > 0 {
			data["Scopes"] = htmlTable("scopes", "ops", t)
		}
	}
	if d := costDoc(e); d != nil {
		data["Price"] = htmlTable("pricetag", "ops", d.Table())
	}
	if len(e.Trials) > 0 {
		rep, err := entryEVP(e, b)
		if err != nil {
			return nil, "", err
		}
		doc, err := report.NewEVP(rep, nil)
		if err != nil {
			return nil, "", err
		}
		data["EVP"] = htmlTable("evptable", "ops", doc.Table(nil))
	}
	if len(e.Runs) > 0 {
		// The runs as greenai runs --markdown lists them, then each run's
		// energy figures as greenai runs show gives them.
		data["Runs"] = htmlTable("runs", "runs", report.NewRuns(e.Runs).Table())
		var energy []*tableView
		for _, r := range e.Runs {
			if t := report.NewRun(r).EnergyTable(); len(t.Rows) > 0 {
				energy = append(energy, htmlTable("energy-"+r.ID, "runs energy", t))
			}
		}
		data["RunEnergy"] = energy
	}
	return s.page("entry", data)
}

// opsTable is the entry's breakdown by operator type: the fpo document's
// table (as greenai fpo prints it), or for entries stored before the
// document was kept, the same columns from the stored per-type totals.
func opsTable(e *board.Entry) *report.Table {
	c := e.Counted
	if c == nil {
		return nil
	}
	if c.Doc != nil {
		return c.Doc.OpTypeTable()
	}
	if len(c.ByOp) == 0 {
		return nil
	}
	t := &report.Table{Caption: "By operator type", Header: []string{"op", "count", "FPO", "MACs", "share"}, Align: []byte("rrrrr")}
	for _, o := range c.ByOp {
		t.AddRow(report.Text(o.Op), report.Int(o.Nodes), report.Cell{Text: qty(o.FPO, ""), Raw: plain(o.FPO)},
			report.Cell{Text: qty(o.MACs, ""), Raw: plain(o.MACs)}, report.Text(percent(o.FPO, c.FPO)))
	}
	return t
}

// costDoc is the entry's price tag as the price tag document
// (greenai.cost/1) that the server stored when it recomputed it.
func costDoc(e *board.Entry) *report.CostDoc {
	if e.Counted == nil || e.Counted.Price == nil || e.Counted.Price.Full == nil {
		return nil
	}
	js, err := json.Marshal(e.Counted.Price.Full)
	if err != nil {
		return nil
	}
	d := new(report.CostDoc)
	if json.Unmarshal(js, d) != nil || d.Version != report.CostVersion {
		return nil
	}
	return d
}

func (s *Server) handleOpsCSV(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.serveCachedIn(s.entryCache, w, r, "", "ops "+id, func(ctx context.Context) ([]byte, string, error) {
		e, err := s.st.Entry(ctx, id)
		if err != nil {
			return nil, "", err
		}
		t := opsTable(e)
		if t == nil {
			return nil, "", &httpError{code: http.StatusNotFound, msg: "entry " + id + " has no operator breakdown"}
		}
		var buf bytes.Buffer
		err = t.WriteCSV(&buf)
		return buf.Bytes(), "text/csv; charset=utf-8", err
	})
}

// cardRow is one line of an entry's efficiency card.
type cardRow struct {
	What, Value, Raw, Unit, How string
	Flag                        *board.Flag
}

func card(e *board.Entry) []cardRow {
	var out []cardRow
	flag := func(field string) *board.Flag {
		for i := range e.Flags {
			if e.Flags[i].Field == field {
				return &e.Flags[i]
			}
		}
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(e.Metrics)) {
		out = append(out, cardRow{What: k, Value: metric(e.Metrics[k]), Raw: plain(e.Metrics[k]), How: "claimed by the submitter (the server cannot check it)"})
	}
	if c := e.Counted; c != nil {
		at := strings.Join(c.Inputs, "; ")
		out = append(out,
			cardRow{What: "FPO per inference", Value: qty(c.FPO, "FPO") + " (" + exact(c.FPOExact) + ")", Raw: c.FPOExact, Unit: "FPO", How: "counted by the server: " + c.Engine + ", at " + at + withClaim(e.Claimed.FPO, "FPO"), Flag: flag("fpo")},
			cardRow{What: "MACs per inference", Value: qty(c.MACs, "MACs") + " (= " + qty(2*c.MACs, "FPO") + ")", Raw: c.MACsExact, Unit: "MACs", How: "counted by the server (multiply-accumulates of Conv, MatMul, Gemm and recurrent operators; 1 MAC = 2 FPO)" + withClaim(e.Claimed.MACs, "MACs"), Flag: flag("macs")},
			cardRow{What: "parameters", Value: qty(float64(c.Params), "") + " (" + exact(strconv.FormatInt(c.Params, 10)) + ")", Raw: strconv.FormatInt(c.Params, 10), How: fmt.Sprintf("counted by the server from %d weight tensors", c.Tensors) + withClaim(e.Claimed.Params, ""), Flag: flag("params")},
		)
		if p := c.Price; p != nil {
			out = append(out,
				cardRow{What: "E (training, per example)", Value: qty(p.ETrain, "FPO"), Raw: plain(p.ETrain), Unit: "FPO", How: "price tag recomputed by the server from the submitted cost spec (forward + backward + update)"},
				cardRow{What: "D (examples per trial)", Value: qty(p.D, ""), Raw: plain(p.D), How: "cost spec: epochs × training set size"},
				cardRow{What: "H (hyperparameter trials)", Value: strconv.FormatInt(p.H, 10), Raw: strconv.FormatInt(p.H, 10), How: "cost spec"},
				cardRow{What: "training FPO (E·D·H)", Value: qty(p.SearchFPO, "FPO"), Raw: plain(p.SearchFPO), Unit: "FPO", How: "recomputed by the server" + withClaim(e.Claimed.TrainFPO, "FPO"), Flag: flag("train_fpo")},
				cardRow{What: "price tag (training + deployment)", Value: qty(p.TotalFPO, "FPO"), Raw: plain(p.TotalFPO), Unit: "FPO", How: "recomputed by the server: search + inference over the spec's deployment"},
			)
			if p.EstimateKWh > 0 {
				out = append(out, cardRow{What: "energy of the search (estimate)", Value: small(p.EstimateKWh, "kWh"), Raw: plain(p.EstimateKWh), Unit: "kWh", How: "estimate from the FPO, " + p.EstimateDevice + " peak throughput and the spec's utilization — not a measurement"},
					cardRow{What: "time of the search (estimate)", Value: small(p.EstimateHours, "h"), Raw: plain(p.EstimateHours), Unit: "h", How: "estimate, as above"})
			}
		}
	}
	if m := e.Energy; m.Runs > 0 {
		out = append(out,
			cardRow{What: "energy (runs)", Value: small(m.KWh(), "kWh"), Raw: plain(m.KWh()), Unit: "kWh", How: fmt.Sprintf("%d submitted greenai run record(s): %s", m.Runs, m.Provenance)},
			cardRow{What: "carbon (runs)", Value: small(m.CarbonG, "g CO2e"), Raw: plain(m.CarbonG), Unit: "g CO2e", How: "run records: energy × PUE × the grid intensity each run recorded"},
			cardRow{What: "wall time (runs)", Value: small(m.Hours, "h"), Raw: plain(m.Hours), Unit: "h", How: "run records: wall-clock time, summed"},
		)
	}
	out = append(out, cardRow{What: "model file", Value: fmt.Sprintf("%s, %s bytes", e.File.Format, exact(strconv.FormatInt(e.File.Bytes, 10))), Raw: e.File.SHA256, How: "SHA-256 " + e.File.SHA256 + " (hashed by the server while receiving; the file is not kept)"})
	return out
}

func withClaim(v float64, unit string) string {
	if v == 0 {
		return ""
	}
	return "; the submitter claimed " + qty(v, unit)
}

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"sort"
	"sync"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/report"
)

// The figures are made with greenai's plotting code (internal/plot) as
// SVG. Their text names Liberation Sans with generic fallbacks (so it
// renders everywhere), and links the font at fontPath instead of embedding
// 400 kB in every figure.

const fontPath = "/static/font/LiberationSans.ttf"

var (
	fontOnce sync.Once
	fontTTF  []byte
	fontErr  error
)

func (s *Server) handleFont(w http.ResponseWriter, r *http.Request) {
	fontOnce.Do(func() { fontTTF, fontErr = plot.FontTTF() })
	if fontErr != nil {
		s.fail(w, r, fontErr)
		return
	}
	w.Header().Set("Content-Type", "font/ttf")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(fontTTF)
}

func renderSVG(f *plot.Figure) ([]byte, error) {
	f.FontURL = fontPath
	var buf bytes.Buffer
	if err := f.Render(&buf, "svg"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Server) handlePareto(w http.ResponseWriter, r *http.Request) {
	q, err := board.ParseQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	s.serveCached(w, r, name, cacheKey(r, "svg"), func(ctx context.Context) ([]byte, string, error) {
		b, rows, _, err := s.ranked(ctx, name, q)
		if err != nil {
			return nil, "", err
		}
		svg, err := paretoSVG(b, rows)
		if err != nil {
			return nil, "", err
		}
		return svg, "image/svg+xml", nil
	})
}

func paretoSVG(b *board.Board, rows []board.Row) ([]byte, error) {
	ylab := b.Metric
	p := plot.NewPanel(b.Title+": "+b.Metric+" against FPO", plot.Axis{Label: "FPO per inference", Unit: "FPO", Scale: plot.Auto}, plot.Axis{Label: ylab, Unit: b.Unit})
	var fx, fy, dx, dy []float64
	var fl, dl []string
	for _, r := range rows {
		if r.Front {
			fx, fy, fl = append(fx, r.Counted.FPO), append(fy, r.Metric), append(fl, r.Model)
		} else {
			dx, dy, dl = append(dx, r.Counted.FPO), append(dy, r.Metric), append(dl, r.Model)
		}
	}
	if len(rows) == 0 {
		// An empty board still gets a figure (with a placeholder point
		// outside any real range is worse than none): draw an empty frame.
		p.Dimmed("no entries", []float64{1}, []float64{0}, nil)
	}
	if len(fx) > 0 {
		if len(fx) > 40 {
			fl = nil
		}
		p.Points("Pareto-optimal", fx, fy, fl)
	}
	if len(dx) > 0 {
		if len(dx) > 30 {
			dl = nil // a crowd of labels reads as noise: name only the front
		}
		p.Dimmed("dominated", dx, dy, dl)
	}
	if len(fx) > 0 {
		idx := make([]int, len(fx))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(i, j int) bool { return fx[idx[i]] < fx[idx[j]] })
		sx, sy := make([]float64, len(fx)), make([]float64, len(fx))
		for k, i := range idx {
			sx[k], sy[k] = fx[i], fy[i]
		}
		p.Front(sx, sy)
	}
	return renderSVG(&plot.Figure{Panels: []*plot.Panel{p}})
}

func (s *Server) handleEVP(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.serveCachedIn(s.entryCache, w, r, "", "evp "+id, func(ctx context.Context) ([]byte, string, error) {
		return s.evpSVG(ctx, id)
	})
}

func (s *Server) evpSVG(ctx context.Context, id string) ([]byte, string, error) {
	e, err := s.st.Entry(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if len(e.Trials) == 0 {
		return nil, "", &httpError{code: http.StatusNotFound, msg: "entry " + e.ID + " has no trials, so no EVP curve"}
	}
	b, err := s.st.Board(ctx, e.Board)
	if err != nil {
		return nil, "", err
	}
	rep, err := entryEVP(e, b)
	if err != nil {
		return nil, "", err
	}
	svg, err := renderSVG(rep.Figure(evp.WithoutReplacement, plot.Auto, plot.Auto))
	if err != nil {
		return nil, "", err
	}
	return svg, "image/svg+xml", nil
}

// entryEVP is the expected validation performance of an entry's trials,
// computed as greenai evp computes it from a trials file: the score is
// the board's metric (the expected minimum where lower is better), and
// the budget is in FPO when the server priced a trial from the cost spec.
func entryEVP(e *board.Entry, b *board.Board) (*report.EVPReport, error) {
	opts := report.EVPOptions{Score: b.Metric, LowerIsBetter: !b.Higher}
	trialFPO := 0.0
	if e.Counted != nil && e.Counted.Price != nil && e.Counted.Price.TrialFPO > 0 {
		trialFPO, opts.Cost = e.Counted.Price.TrialFPO, "fpo"
	}
	trials := make([]report.Trial, len(e.Trials))
	for i, t := range e.Trials {
		trials[i] = report.Trial{Model: e.Model, Score: t.Score}
		if trialFPO > 0 {
			trials[i].Costs = map[string]float64{"fpo": trialFPO}
		}
		if t.Name != "" {
			trials[i].Params = map[string]string{"name": t.Name}
		}
	}
	return report.ComputeEVP(trials, opts)
}

type curve struct {
	name   string
	xs, ys []float64
	x      string
}

// curvePoints extracts training curves from the runs' metrics: objects
// with a step (or epoch) and numeric values; one curve per run and key,
// at most 8.
func curvePoints(e *board.Entry) []curve {
	var out []curve
	for _, r := range e.Runs {
		byKey := map[string]*curve{}
		var keys []string
		for i, raw := range r.Metrics {
			var obj map[string]any
			if json.Unmarshal(raw, &obj) != nil {
				continue
			}
			xk, x := "index", float64(i)
			for _, k := range []string{"step", "epoch", "iteration"} {
				if v, ok := obj[k].(float64); ok {
					xk, x = k, v
					break
				}
			}
			for k, v := range obj {
				f, ok := v.(float64)
				if !ok || k == xk || k == "step" || k == "epoch" || k == "time" || k == "t" || math.IsNaN(f) {
					continue
				}
				c := byKey[k]
				if c == nil {
					c = &curve{name: r.ID + " " + k, x: xk}
					byKey[k] = c
					keys = append(keys, k)
				}
				c.xs, c.ys = append(c.xs, x), append(c.ys, f)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if c := byKey[k]; len(c.xs) >= 2 && len(out) < 8 {
				out = append(out, *c)
			}
		}
	}
	return out
}

func (s *Server) handleCurves(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.serveCachedIn(s.entryCache, w, r, "", "curves "+id, func(ctx context.Context) ([]byte, string, error) {
		return s.curvesSVG(ctx, id)
	})
}

func (s *Server) curvesSVG(ctx context.Context, id string) ([]byte, string, error) {
	e, err := s.st.Entry(ctx, id)
	if err != nil {
		return nil, "", err
	}
	cs := curvePoints(e)
	if len(cs) == 0 {
		return nil, "", &httpError{code: http.StatusNotFound, msg: "entry " + e.ID + " has no training curves (no run recorded metrics with two or more points)"}
	}
	p := plot.NewPanel("Training curves", plot.Axis{Label: cs[0].x}, plot.Axis{Label: "value"})
	for _, c := range cs {
		p.Line(c.name, c.xs, c.ys, nil)
	}
	svg, err := renderSVG(&plot.Figure{Panels: []*plot.Panel{p}})
	if err != nil {
		return nil, "", err
	}
	return svg, "image/svg+xml", nil
}

var badgeTmpl = template.Must(template.New("badge").Parse(`<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="20" role="img" aria-label="{{.Left}}: {{.Right}}">
<title>{{.Left}}: {{.Right}}</title>
<rect width="{{.LW}}" height="20" fill="#555"/>
<rect x="{{.LW}}" width="{{.RW}}" height="20" fill="{{.Color}}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,Arial,Helvetica,sans-serif" font-size="11">
<text x="{{.LX}}" y="14">{{.Left}}</text>
<text x="{{.RX}}" y="14">{{.Right}}</text>
</g>
</svg>
`))

func (s *Server) handleBadge(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.serveCachedIn(s.entryCache, w, r, "", "badge "+id, func(ctx context.Context) ([]byte, string, error) {
		e, err := s.st.Entry(ctx, id)
		if err != nil {
			return nil, "", err
		}
		b, err := s.st.Board(ctx, e.Board)
		if err != nil {
			return nil, "", err
		}
		left := "greenai " + b.Name
		right := fmt.Sprintf("%s %s%s", b.Metric, metric(e.Metric), b.Unit)
		if e.Counted != nil {
			right += " · " + qty(e.Counted.FPO, "FPO")
		}
		color := "#2e7d32"
		if len(e.Flags) > 0 {
			color = "#c62828"
			right += " · claim flagged"
		}
		lw, rw := 7*len([]rune(left))+10, 7*len([]rune(right))+10
		var buf bytes.Buffer
		err = badgeTmpl.Execute(&buf, map[string]any{"W": lw + rw, "LW": lw, "RW": rw, "LX": lw / 2, "RX": lw + rw/2, "Left": left, "Right": right, "Color": color})
		return buf.Bytes(), "image/svg+xml", err
	})
}

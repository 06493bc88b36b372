package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// pageCache keeps fully rendered pages, so that a read is a map lookup and
// one write: no database query and no template on a hit. Each page also
// keeps its gzip encoding and an ETag, both made once when it is rendered.
//
// Pages belong to a group (a board's pages, or the pages about all
// boards). A submission bumps its group's generation; pages rendered
// before are then stale. A stale page is still served to readers while
// one background round per group renders the group's pages again (readers
// never wait on a render, and a burst of submissions costs one round, not
// one render each); the submitter waits for that round (waitFresh), so
// its own next read shows its entry. A page older than the TTL is also
// refreshed that way: the TTL bounds how stale a page can be after a
// change the server was not told about (another replica's submission
// when no notification arrives). A page that could not be refreshed for
// maxStale is no longer served: the reader renders it itself.
type pageCache struct {
	ttl time.Duration // 0: pages never age (entries); <0: no caching
	max int           // pages per group; the least recently read go first
	log *slog.Logger

	mu     sync.Mutex
	groups map[string]*group
	sf     singleflight.Group
	rounds atomic.Int64 // refresh rounds run (for tests and metrics)
}

type group struct {
	gen     uint64 // bumped by each invalidation
	done    uint64 // the generation the last finished round started at
	running bool
	wake    chan struct{} // closed when a round finishes
	pages   map[string]*page
}

// renderFunc renders a page from the database: its body and content type.
type renderFunc func(ctx context.Context) ([]byte, string, error)

// page is a rendered page; it is never modified once stored.
type page struct {
	key    string
	render renderFunc
	body   []byte
	gz     []byte // nil when not worth it
	hdr    pageHeaders
	gen    uint64
	at     time.Time
	hit    *atomic.Int64 // unix ns of the last read, shared by a page's versions
}

// pageHeaders are made once per page and shared by every answer (net/http
// does not modify header values).
type pageHeaders struct {
	ctype, etag, length, gzLength []string
}

var (
	hdrNoCache  = []string{"no-cache"}
	hdrVary     = []string{"Accept-Encoding"}
	hdrGzip     = []string{"gzip"}
	renderLimit = 30 * time.Second // one render, off any request's deadline
)

// maxStale is how long a page that cannot be refreshed (the database is
// down) is still served; after that readers render it themselves and see
// the error.
const maxStale = 30 * time.Second

func newPageCache(ttl time.Duration, max int, log *slog.Logger) *pageCache {
	return &pageCache{ttl: ttl, max: max, log: log, groups: map[string]*group{}}
}

func (c *pageCache) disabled() bool { return c.ttl < 0 }

func (c *pageCache) group(name string) *group {
	g := c.groups[name]
	if g == nil {
		g = &group{pages: map[string]*page{}, wake: make(chan struct{})}
		c.groups[name] = g
	}
	return g
}

func newPage(key string, render renderFunc, body []byte, ctype string, gen uint64, hit *atomic.Int64) *page {
	sum := sha256.Sum256(body)
	p := &page{key: key, render: render, body: body, gen: gen, at: time.Now(), hit: hit}
	p.hdr.ctype = []string{ctype}
	p.hdr.etag = []string{`"` + hex.EncodeToString(sum[:12]) + `"`}
	p.hdr.length = []string{strconv.Itoa(len(body))}
	if len(body) >= 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = zw.Write(body)
		if zw.Close() == nil && buf.Len() < len(body)*9/10 {
			p.gz = buf.Bytes()
			p.hdr.gzLength = []string{strconv.Itoa(len(p.gz))}
		}
	}
	if p.hit == nil { // a new page: rendered for a reader, so read now
		p.hit = new(atomic.Int64)
		p.hit.Store(p.at.UnixNano())
	}
	return p
}

// get returns the page to serve for key, or nil when the reader has to
// render it (not cached, or stale beyond maxStale). A stale page starts a
// refresh round of its group.
func (c *pageCache) get(name, key string) *page {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[name]
	if g == nil {
		return nil
	}
	p := g.pages[key]
	if p == nil {
		return nil
	}
	age := now.Sub(p.at)
	if p.gen == g.gen && (c.ttl == 0 || age <= c.ttl) {
		p.hit.Store(now.UnixNano())
		return p
	}
	c.kick(name, g)
	if age > maxStale {
		return nil
	}
	p.hit.Store(now.UnixNano())
	return p
}

// fill renders a page that get did not have, once for all the readers
// that ask for it at the same time, and stores it.
func (c *pageCache) fill(ctx context.Context, name, key string, render renderFunc) (*page, error) {
	v, err, _ := c.sf.Do(name+"\x00"+key, func() (any, error) {
		c.mu.Lock()
		var gen uint64
		if g := c.groups[name]; g != nil {
			gen = g.gen // no group is made for a page that fails (/boards/no-such-board)
		}
		c.mu.Unlock()
		// The render outlives a reader that goes away: others wait on it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), renderLimit)
		defer cancel()
		body, ctype, err := render(rctx)
		if err != nil {
			return nil, err
		}
		p := newPage(key, render, body, ctype, gen, nil)
		c.put(name, p)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*page), nil
}

// put stores p unless a newer version is there, evicting the least
// recently read page of a full group.
func (c *pageCache) put(name string, p *page) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(name)
	if old := g.pages[p.key]; old != nil {
		if old.gen > p.gen {
			return
		}
		p.hit = old.hit
	} else if len(g.pages) >= c.max {
		var lru *page
		for _, q := range g.pages {
			if lru == nil || q.hit.Load() < lru.hit.Load() {
				lru = q
			}
		}
		delete(g.pages, lru.key)
	}
	g.pages[p.key] = p
	if p.gen < g.gen {
		c.kick(name, g) // rendered from data older than the latest change
	}
}

// invalidate marks the group's pages stale and returns the generation a
// page must have to show the change.
func (c *pageCache) invalidate(name string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(name) // made even when empty: a render in flight must see the change
	g.gen++
	if len(g.pages) > 0 {
		c.kick(name, g)
	}
	return g.gen
}

// invalidateAll marks every page stale.
func (c *pageCache) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, g := range c.groups {
		g.gen++
		if len(g.pages) > 0 {
			c.kick(name, g)
		}
	}
}

// waitFresh waits until every cached page of the group shows generation
// gen (or ctx ends).
func (c *pageCache) waitFresh(ctx context.Context, name string, gen uint64) error {
	for {
		c.mu.Lock()
		g := c.groups[name]
		if g == nil || g.done >= min(gen, g.gen) || len(g.pages) == 0 && !g.running {
			c.mu.Unlock()
			return nil
		}
		c.kick(name, g)
		wake := g.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// kick starts a refresh round of the group unless one runs; c.mu is held.
func (c *pageCache) kick(name string, g *group) {
	if g.running {
		return
	}
	g.running = true
	go c.refresh(name, g)
}

// refresh renders the group's stale pages again, round after round until
// no change arrived during the last one: every page a change made stale,
// and the pages older than the TTL that were read since they were
// rendered. Pages nobody read for maxStale are dropped instead.
func (c *pageCache) refresh(name string, g *group) {
	for {
		c.mu.Lock()
		gen := g.gen
		now := time.Now()
		start := now
		var todo []*page
		for k, p := range g.pages {
			switch {
			case now.Sub(time.Unix(0, p.hit.Load())) > maxStale && c.ttl != 0:
				delete(g.pages, k)
			case p.gen != gen:
				todo = append(todo, p) // a known change: the submitter waits for it
			case c.ttl > 0 && now.Sub(p.at) > c.ttl && p.hit.Load() > p.at.UnixNano():
				// Aged, and read since it was rendered: pages nobody reads
				// are not rendered again until someone does.
				todo = append(todo, p)
			}
		}
		c.mu.Unlock()
		c.rounds.Add(1)
		failed := false
		for _, p := range todo {
			ctx, cancel := context.WithTimeout(context.Background(), renderLimit)
			body, ctype, err := p.render(ctx)
			cancel()
			if err != nil {
				failed = true
				c.log.Warn("refreshing a cached page failed; the old one is served meanwhile", "group", name, "page", p.key, "err", err)
				continue
			}
			c.put(name, newPage(p.key, p.render, body, ctype, gen, p.hit))
		}
		if failed {
			time.Sleep(time.Second) // the database is likely down: do not spin
		}
		c.mu.Lock()
		g.done = gen
		close(g.wake)
		g.wake = make(chan struct{})
		if g.gen == gen {
			g.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		// More changes came in: pace the rounds, so that a stream of
		// submissions costs at most a share of the CPU, not all of it.
		time.Sleep(minRound - time.Since(start))
	}
}

// minRound is the least time from one refresh round's start to the next.
// It bounds both the share of CPU that re-rendering takes under a stream
// of submissions and (with the render time) how long a submitter waits
// for its board to show its entry.
const minRound = 500 * time.Millisecond

// serve writes a cached page: 304 when the client has it (If-None-Match),
// the gzip encoding when the client takes it.
func (p *page) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = p.hdr.ctype
	h["Etag"] = p.hdr.etag
	h["Cache-Control"] = hdrNoCache
	h["Vary"] = hdrVary
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, p.hdr.etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.body
	if p.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h["Content-Encoding"] = hdrGzip
		h["Content-Length"] = p.hdr.gzLength
		body = p.gz
	} else {
		h["Content-Length"] = p.hdr.length
	}
	_, _ = w.Write(body)
}

// etagMatch implements If-None-Match's weak comparison against one ETag.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip (with
// a non-zero q).
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.TrimSpace(params)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

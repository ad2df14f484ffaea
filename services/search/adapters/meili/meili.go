// Package meili is the Meilisearch driver of the search index port
// (app.Index), on github.com/meilisearch/meilisearch-go.
//
// Layout: one index (primary key vendor_id) whose settings the driver owns:
// filterable kind, tags, active, vendor_id and _geo; sortable _geo and
// vendor_id; searchable name only; ranking rules with "sort" first (hits
// come in distance order, never relevance order); typo tolerance off and
// matchingStrategy "all" (a text match is every word of the text, the last
// one as a prefix, as the other drivers do).
//
// Versions: Meilisearch has no conditional write, so Upsert reads the
// stored versions of its docs (documents/fetch filtered on vendor_id), drops
// the docs that are older, writes the rest and waits for the task. That is
// exact when writes of one vendor are serialised: the indexer consumes
// Kafka partitioned by vendor id, and within a process Upserts take a lock.
// Two processes writing one vendor at once could let an older version win;
// docs/adr/0014-search-engines.md has the reasoning.
//
// Reads: Meilisearch has no search_after, and its distances are its own
// (integer metres in _geoRadius, its own Earth radius), so the driver asks
// for a slightly larger radius, computes every distance itself (haversine,
// R = 6371.0088 km) from the stored _geo, and keeps only what is inside the
// radius; a cursor becomes NOT _geoRadius(a little less than the cursor's
// distance) plus an exact (distance, vendor id) cut in Go. The driver only
// trusts the part of a window of hits that is clearly nearer than the
// window's last hit, and widens the window until it has enough, so a
// rounding of Meilisearch's own sort can never lose or repeat a hit.
//
// Every write is a task: the driver waits for it (and reports a failed task
// as an error) so an Upsert that returned is searchable.
package meili

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/slotmesh/slotmesh/services/search/adapters/engineurl"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// EarthRadiusKm is the sphere distances are measured on (as every driver).
const EarthRadiusKm = domain.EarthRadiusKm

// Index is an app.Index on Meilisearch.
type Index struct {
	ms      meilisearch.ServiceManager
	ix      meilisearch.IndexManager
	uid     string
	poll    time.Duration
	batch   int
	maxHits int
	mu      sync.Mutex // serialises Upserts (read versions, write)
}

var _ app.Index = (*Index)(nil)

// Option tunes an Index.
type Option func(*config)

type config struct {
	poll    time.Duration
	batch   int
	maxHits int
	client  *http.Client
}

// WithPoll sets how often a task is polled while waiting (default 50 ms).
func WithPoll(d time.Duration) Option { return func(c *config) { c.poll = d } }

// WithBatch sets how many docs one write carries (default 1000).
func WithBatch(n int) Option { return func(c *config) { c.batch = n } }

// WithHTTPClient sets the HTTP client (TLS settings, tests).
func WithHTTPClient(h *http.Client) Option { return func(c *config) { c.client = h } }

// WithMaxTotalHits sets the index's pagination.maxTotalHits, the deepest
// window one search may reach (default 10000).
func WithMaxTotalHits(n int) Option { return func(c *config) { c.maxHits = n } }

// DefaultIndex is the index uid when neither the URL nor the caller names
// one.
const DefaultIndex = "vendors"

// Open connects to the Meilisearch at rawURL with the API key key ("" for
// none), creates the index if it is missing, and applies the settings the
// driver needs. rawURL is SEARCH_URL's form, meili+https://host:7700/<index>
// (also meilisearch+http(s)://, meili:// for plain HTTP, meilis:// for
// HTTPS, or http(s)://); no credentials in it. uid "" takes the index from
// the URL path, else DefaultIndex.
func Open(ctx context.Context, rawURL, key, uid string, opts ...Option) (*Index, error) {
	u, uid, err := engineurl.Parse("meili", rawURL, uid, DefaultIndex,
		[]string{"meili+http", "meilisearch+http", "meili", "http"}, []string{"meili+https", "meilisearch+https", "meilis", "https"})
	if err != nil {
		return nil, err
	}
	c := configure(opts)
	mopts := []meilisearch.Option{meilisearch.WithCustomRetries([]int{429, 502, 503, 504}, 4)}
	if key != "" {
		mopts = append(mopts, meilisearch.WithAPIKey(key))
	}
	if c.client != nil {
		mopts = append(mopts, meilisearch.WithCustomClient(c.client))
	}
	ix, err := newIndex(meilisearch.New(strings.TrimSuffix(u.String(), "/"), mopts...), uid, c)
	if err != nil {
		return nil, err
	}
	if err := ix.Ensure(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// New wraps a client the caller made; it does not touch the server: call
// Ensure.
func New(ms meilisearch.ServiceManager, uid string, opts ...Option) (*Index, error) {
	return newIndex(ms, uid, configure(opts))
}

func configure(opts []Option) config {
	c := config{poll: 50 * time.Millisecond, batch: 1000, maxHits: 10000}
	for _, o := range opts {
		o(&c)
	}
	return c
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)

func newIndex(ms meilisearch.ServiceManager, uid string, c config) (*Index, error) {
	if !idRE.MatchString(uid) || len(uid) > 400 {
		return nil, fmt.Errorf("meili: bad index uid %q (a-z A-Z 0-9 - _)", uid)
	}
	return &Index{ms: ms, ix: ms.Index(uid), uid: uid, poll: c.poll, batch: max(c.batch, 1), maxHits: max(c.maxHits, 100)}, nil
}

// Settings are the index settings the driver needs.
func (ix *Index) Settings() *meilisearch.Settings {
	return &meilisearch.Settings{
		RankingRules:         []string{"sort", "words", "typo", "proximity", "attribute", "exactness"},
		SearchableAttributes: []string{"name"},
		FilterableAttributes: []string{"kind", "tags", "active", "vendor_id", "_geo"},
		SortableAttributes:   []string{"_geo", "vendor_id"},
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             false,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
		Pagination: &meilisearch.Pagination{MaxTotalHits: int64(ix.maxHits)},
	}
}

// wait waits for a task and turns a failed one into an error.
func (ix *Index) wait(ctx context.Context, what string, info *meilisearch.TaskInfo, err error) error {
	if err != nil {
		return fmt.Errorf("meili: %s: %w", what, err)
	}
	task, err := ix.ms.WaitForTask(ctx, info.TaskUID, ix.poll)
	if err != nil {
		return fmt.Errorf("meili: %s: wait for task %d: %w", what, info.TaskUID, err)
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("meili: %s: task %d %s: %w", what, info.TaskUID, task.Status, &TaskError{Code: string(task.Error.Code), Message: task.Error.Message})
	}
	return nil
}

// TaskError is why a Meilisearch task failed.
type TaskError struct {
	Code    string // e.g. index_already_exists
	Message string
}

func (e *TaskError) Error() string { return e.Code + ": " + e.Message }

// Ensure creates the index if missing and applies the settings.
func (ix *Index) Ensure(ctx context.Context) error {
	info, err := ix.ms.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: ix.uid, PrimaryKey: "vendor_id"})
	var te *TaskError
	if err := ix.wait(ctx, "create index "+ix.uid, info, err); err != nil && !(errors.As(err, &te) && te.Code == string(meilisearch.APIErrCodeIndexAlreadyExists)) {
		return err
	}
	info, err = ix.ix.UpdateSettings(ctx, ix.Settings())
	return ix.wait(ctx, "settings of "+ix.uid, info, err)
}

// Drop deletes the index (tests, and an engine being retired).
func (ix *Index) Drop(ctx context.Context) error {
	info, err := ix.ms.DeleteIndex(ctx, ix.uid)
	return ix.wait(ctx, "delete index "+ix.uid, info, err)
}

// Reset deletes every document (and so every stored version).
func (ix *Index) Reset(ctx context.Context) error {
	info, err := ix.ix.DeleteAllDocuments(ctx, nil)
	return ix.wait(ctx, "delete all documents", info, err)
}

// Count is the number of documents in the index.
func (ix *Index) Count(ctx context.Context) (int64, error) {
	st, err := ix.ix.GetStats(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("meili: stats: %w", err)
	}
	return st.NumberOfDocuments, nil
}

// document is a doc as stored.
type document struct {
	VendorID string   `json:"vendor_id"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Tags     []string `json:"tags"`
	Geo      geo      `json:"_geo"`
	Active   bool     `json:"active"`
	Version  int64    `json:"version"`
}

type geo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// quote is a Meilisearch filter string literal.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Upsert writes the docs that are newer than (or as new as) the stored ones.
func (ix *Index) Upsert(ctx context.Context, docs []app.Doc) error {
	for _, d := range docs {
		switch {
		case !idRE.MatchString(d.VendorID):
			return fmt.Errorf("meili: doc with vendor id %q (a-z A-Z 0-9 - _, up to 511 bytes)", d.VendorID)
		case !(d.Lat >= -90 && d.Lat <= 90 && d.Lng >= -180 && d.Lng <= 180):
			return fmt.Errorf("meili: doc %s: bad point %v,%v", d.VendorID, d.Lat, d.Lng)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i := 0; i < len(docs); i += ix.batch {
		if err := ix.upsert(ctx, docs[i:min(i+ix.batch, len(docs))]); err != nil {
			return err
		}
	}
	return nil
}

func (ix *Index) upsert(ctx context.Context, docs []app.Doc) error {
	// The newest of each vendor in the batch (the later one of equals).
	latest := map[string]app.Doc{}
	var order []string
	for _, d := range docs {
		old, ok := latest[d.VendorID]
		if !ok {
			order = append(order, d.VendorID)
		}
		if !ok || d.Version >= old.Version {
			latest[d.VendorID] = d
		}
	}
	if len(order) == 0 {
		return nil
	}
	stored, err := ix.versions(ctx, order)
	if err != nil {
		return err
	}
	out := make([]document, 0, len(order))
	for _, id := range order {
		d := latest[id]
		if v, ok := stored[id]; ok && v > d.Version {
			continue // a newer version is stored
		}
		tags := d.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, document{VendorID: d.VendorID, Kind: d.Kind, Name: d.Name, Tags: tags,
			Geo: geo{Lat: d.Lat, Lng: d.Lng}, Active: d.Active, Version: d.Version})
	}
	if len(out) == 0 {
		return nil
	}
	pk := "vendor_id"
	info, err := ix.ix.AddDocuments(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	return ix.wait(ctx, fmt.Sprintf("add %d documents", len(out)), info, err)
}

// versions reads the stored version of each of ids.
func (ix *Index) versions(ctx context.Context, ids []string) (map[string]int64, error) {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = quote(id)
	}
	var res meilisearch.DocumentsResult
	err := ix.ix.GetDocuments(ctx, &meilisearch.DocumentsQuery{
		Filter: "vendor_id IN [" + strings.Join(quoted, ", ") + "]",
		Fields: []string{"vendor_id", "version"},
		Limit:  int64(len(ids)),
	}, &res)
	if err != nil {
		return nil, fmt.Errorf("meili: read stored versions: %w", err)
	}
	out := make(map[string]int64, len(res.Results))
	for _, h := range res.Results {
		var d struct {
			VendorID string `json:"vendor_id"`
			Version  int64  `json:"version"`
		}
		if err := h.DecodeInto(&d); err != nil {
			return nil, fmt.Errorf("meili: stored version: %w", err)
		}
		out[d.VendorID] = d.Version
	}
	return out, nil
}

// Haversine is the great-circle distance in km, the one every engine reports
// (search/domain).
func Haversine(lat1, lng1, lat2, lng2 float64) float64 {
	return domain.DistanceKm(lat1, lng1, lat2, lng2)
}

// Slack is how far (relative, plus 2 m) Meilisearch's own distances may be
// from ours: its radius is widened, and a cursor's exclusion narrowed, by it.
const Slack = 0.005

func validQuery(q app.GeoQuery) error {
	switch {
	case !(q.RadiusKm > 0) || math.IsInf(q.RadiusKm, 0) || q.RadiusKm > 20000:
		return fmt.Errorf("%w: radius %v km", app.ErrBadQuery, q.RadiusKm)
	case q.Limit <= 0:
		return fmt.Errorf("%w: limit %d", app.ErrBadQuery, q.Limit)
	case !(q.Lat >= -90 && q.Lat <= 90 && q.Lng >= -180 && q.Lng <= 180):
		return fmt.Errorf("%w: point %v,%v", app.ErrBadQuery, q.Lat, q.Lng)
	case q.After != nil && (math.IsNaN(q.After.DistanceKm) || math.IsInf(q.After.DistanceKm, 0)):
		return fmt.Errorf("%w: cursor distance %v", app.ErrBadQuery, q.After.DistanceKm)
	}
	return nil
}

func coord(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Filter is the Meilisearch filter expression for q.
func Filter(q app.GeoQuery) string {
	parts := []string{"active = true"}
	if q.Kind != "" {
		parts = append(parts, "kind = "+quote(q.Kind))
	}
	if len(q.Tags) > 0 {
		tags := make([]string, len(q.Tags))
		for i, t := range q.Tags {
			tags[i] = quote(t)
		}
		parts = append(parts, "tags IN ["+strings.Join(tags, ", ")+"]")
	}
	outer := math.Ceil(q.RadiusKm*1000*(1+Slack) + 2)
	parts = append(parts, fmt.Sprintf("_geoRadius(%s, %s, %.0f)", coord(q.Lat), coord(q.Lng), outer))
	if q.After != nil {
		if inner := math.Floor(q.After.DistanceKm*1000*(1-Slack) - 2); inner > 0 {
			parts = append(parts, fmt.Sprintf("NOT _geoRadius(%s, %s, %.0f)", coord(q.Lat), coord(q.Lng), inner))
		}
	}
	return strings.Join(parts, " AND ")
}

// Nearest runs the query (see the package doc for how).
func (ix *Index) Nearest(ctx context.Context, q app.GeoQuery) ([]app.Hit, error) {
	if err := validQuery(q); err != nil {
		return nil, err
	}
	req := &meilisearch.SearchRequest{
		Filter:               Filter(q),
		Sort:                 []string{fmt.Sprintf("_geoPoint(%s, %s):asc", coord(q.Lat), coord(q.Lng)), "vendor_id:asc"},
		AttributesToRetrieve: []string{"vendor_id", "name", "kind", "tags", "_geo"},
		MatchingStrategy:     meilisearch.All,
	}
	text := strings.TrimSpace(q.Text)
	window := min(q.Limit+16, ix.maxHits)
	for {
		req.Limit = int64(window)
		res, err := ix.ix.Search(ctx, text, req)
		if err != nil {
			return nil, fmt.Errorf("meili: search: %w", err)
		}
		hits, err := decode(q, res.Hits)
		if err != nil {
			return nil, err
		}
		full := len(res.Hits) == window
		if full {
			// Trust only hits clearly nearer than the window's last one:
			// Meilisearch's own order may differ from ours within its
			// rounding.
			last := hits[len(hits)-1].DistanceKm
			cut := last*(1-Slack) - 0.002
			hits = slices.DeleteFunc(hits, func(h app.Hit) bool { return h.DistanceKm >= cut })
		}
		sort.SliceStable(hits, func(i, j int) bool {
			if hits[i].DistanceKm != hits[j].DistanceKm {
				return hits[i].DistanceKm < hits[j].DistanceKm
			}
			return hits[i].VendorID < hits[j].VendorID
		})
		hits = slices.DeleteFunc(hits, func(h app.Hit) bool {
			if h.DistanceKm > q.RadiusKm {
				return true
			}
			a := q.After
			return a != nil && (h.DistanceKm < a.DistanceKm || h.DistanceKm == a.DistanceKm && h.VendorID <= a.VendorID)
		})
		if len(hits) >= q.Limit || !full {
			return hits[:min(len(hits), q.Limit)], nil
		}
		if window >= ix.maxHits {
			return nil, fmt.Errorf("meili: more than %d hits within Meilisearch's rounding of one distance", ix.maxHits)
		}
		window = min(window*4, ix.maxHits)
	}
}

func decode(q app.GeoQuery, raw meilisearch.Hits) ([]app.Hit, error) {
	hits := make([]app.Hit, 0, len(raw))
	for _, h := range raw {
		var d document
		if err := h.DecodeInto(&d); err != nil {
			return nil, fmt.Errorf("meili: hit: %w", err)
		}
		if _, ok := h["_geo"]; !ok {
			return nil, fmt.Errorf("meili: hit %s has no _geo", d.VendorID)
		}
		tags := d.Tags
		if tags == nil {
			tags = []string{}
		}
		hits = append(hits, app.Hit{VendorID: d.VendorID, Name: d.Name, Kind: d.Kind, Tags: tags,
			DistanceKm: Haversine(q.Lat, q.Lng, d.Geo.Lat, d.Geo.Lng)})
	}
	return hits, nil
}

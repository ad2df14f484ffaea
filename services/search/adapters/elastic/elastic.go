// Package elastic is the Elasticsearch 8 driver of the search index port
// (app.Index), on github.com/elastic/go-elasticsearch/v8.
//
// Layout: the name the service is given (e.g. "vendors") is an alias over
// one concrete index "<name>-NNNNNN" with the mapping below. Open creates
// "<name>-000001" with the alias when the alias is missing; Reset creates
// the next one and swaps the alias to it atomically, dropping the old one,
// so a reset forgets every stored version and no writer ever sees a missing
// index. Bulk writes carry require_alias=true, so a deleted alias is an
// error rather than an auto-created index with a guessed mapping.
//
// Versions: every doc is indexed with version_type=external_gte and the
// vendor's version, so Elasticsearch itself refuses an older version (a
// version_conflict_engine_exception item, which means "a newer one is
// already stored" and is not an error) and accepts an equal one again.
//
// Reads: a bool filter (active, kind, any of tags, geo_distance arc) plus a
// match_bool_prefix on the name, sorted by _geo_distance (km, arc) then
// vendor_id; the sort values are the hit's distance and its keyset cursor
// (search_after). Writes wait for a refresh (refresh=wait_for) so a written
// doc is found by the next search. Back-pressure (429, whole request or
// per bulk item) is retried with exponential back-off.
package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/search/adapters/engineurl"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// Index is an app.Index on Elasticsearch.
type Index struct {
	es      *elasticsearch.Client
	alias   string
	refresh string
	batch   int
	retries int
	backoff func(attempt int) time.Duration
}

var _ app.Index = (*Index)(nil)

// Option tunes an Index.
type Option func(*config)

type config struct {
	refresh   string
	batch     int
	retries   int
	backoff   func(attempt int) time.Duration
	transport http.RoundTripper
}

// WithRefresh sets the bulk refresh parameter: "wait_for" (the default:
// Upsert returns once the docs are searchable), "true" (force a refresh, for
// tests) or "false" (fastest, for a bulk reindex that reads nothing back).
func WithRefresh(r string) Option { return func(c *config) { c.refresh = r } }

// WithBatch sets how many docs go in one _bulk request (default 500).
func WithBatch(n int) Option { return func(c *config) { c.batch = n } }

// WithBackoff sets the wait before retry attempt n (1, 2, ...) after a 429
// or a 502/503/504; default 100 ms doubling to 5 s, with jitter.
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(c *config) { c.backoff = f }
}

// WithRetries sets how many times a request or a bulk item rejected with
// back-pressure is retried (default 6).
func WithRetries(n int) Option { return func(c *config) { c.retries = n } }

// WithTransport sets the HTTP transport (TLS settings, tests).
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// DefaultBackoff is 100 ms doubling per attempt up to 5 s, ±25% jitter (as
// a one-sided backoff.Exp: 125 ms doubling to 6.25 s, its lower 40% drawn
// at random).
func DefaultBackoff(attempt int) time.Duration { return defaultBackoff.Next(attempt) }

var defaultBackoff = backoff.Exp{Min: 125 * time.Millisecond, Max: 6250 * time.Millisecond, Jitter: 0.4}

// DefaultIndex is the index (alias) name when neither the URL nor the
// caller names one.
const DefaultIndex = "vendors"

// Open connects to the cluster at rawURL and makes sure the alias index
// exists. rawURL is SEARCH_URL's form, elastic+https://host:9200/<index>
// (also elasticsearch+http(s)://, or plain http(s)://); no credentials in
// it. index "" takes the index from the URL path, else DefaultIndex. key is
// an Elasticsearch API key (the base64 "encoded" form) or "user:password"
// for basic auth; "" for none.
func Open(ctx context.Context, rawURL, key, index string, opts ...Option) (*Index, error) {
	u, index, err := engineurl.Parse("elastic", rawURL, index, DefaultIndex,
		[]string{"http", "elastic+http", "elasticsearch+http"}, []string{"https", "elastic+https", "elasticsearch+https"})
	if err != nil {
		return nil, err
	}
	c := configure(opts)
	cfg := elasticsearch.Config{
		Addresses:     []string{u.String()},
		RetryOnStatus: []int{429, 502, 503, 504},
		MaxRetries:    c.retries,
		RetryBackoff:  c.backoff,
		Transport:     c.transport,
	}
	if user, pass, ok := strings.Cut(key, ":"); ok {
		cfg.Username, cfg.Password = user, pass
	} else {
		cfg.APIKey = key
	}
	es, err := elasticsearch.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("elastic: %w", err)
	}
	ix, err := newIndex(es, index, c)
	if err != nil {
		return nil, err
	}
	if err := ix.Ensure(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// New wraps a client the caller configured (its retry settings are its
// own); it does not touch the cluster: call Ensure.
func New(es *elasticsearch.Client, index string, opts ...Option) (*Index, error) {
	return newIndex(es, index, configure(opts))
}

func configure(opts []Option) config {
	c := config{refresh: "wait_for", batch: 500, retries: 6, backoff: DefaultBackoff}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func newIndex(es *elasticsearch.Client, index string, c config) (*Index, error) {
	if index == "" || index != strings.ToLower(index) || strings.ContainsAny(index, `\/*?"<>| ,#:`) || strings.HasPrefix(index, "_") {
		return nil, fmt.Errorf("elastic: bad index name %q (lower case, no \\/*?\"<>| ,#: and not starting with _)", index)
	}
	return &Index{es: es, alias: index, refresh: c.refresh, batch: max(c.batch, 1), retries: c.retries, backoff: c.backoff}, nil
}

// Mapping is the index body: settings and mappings (no aliases).
const Mapping = `{
  "mappings": {
    "dynamic": "strict",
    "properties": {
      "vendor_id": {"type": "keyword"},
      "kind": {"type": "keyword"},
      "tags": {"type": "keyword"},
      "name": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
      "location": {"type": "geo_point"},
      "active": {"type": "boolean"},
      "version": {"type": "long"}
    }
  }
}`

// Error is an error answer of Elasticsearch.
type Error struct {
	Status int
	Type   string // e.g. index_not_found_exception; "" when the body had none
	Reason string
}

func (e *Error) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("elasticsearch %d: %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("elasticsearch %d %s: %s", e.Status, e.Type, e.Reason)
}

// errorBody is an error answer: {"error":{"type":..,"reason":..},"status":..}
// or, from some APIs (GET _alias), {"error":"alias [x] missing","status":404}.
type errorBody struct {
	Error  json.RawMessage `json:"error"`
	Status int             `json:"status"`
}

type cause struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

func parseError(status int, body []byte) *Error {
	e := &Error{Status: status}
	var b errorBody
	if json.Unmarshal(body, &b) != nil || len(b.Error) == 0 {
		e.Reason = strings.TrimSpace(string(body[:min(len(body), 512)]))
		return e
	}
	var s string
	if json.Unmarshal(b.Error, &s) == nil {
		e.Reason = s
		return e
	}
	var c cause
	_ = json.Unmarshal(b.Error, &c)
	e.Type, e.Reason = c.Type, c.Reason
	return e
}

// do runs one esapi call, reads the answer and returns it, or an *Error
// for a status >= 300.
func do(res *esapi.Response, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("elastic: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("elastic: read answer: %w", err)
	}
	if res.StatusCode >= 300 {
		return body, parseError(res.StatusCode, body)
	}
	return body, nil
}

func isType(err error, typ string) bool {
	var e *Error
	return errors.As(err, &e) && e.Type == typ
}

func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// concrete is the name of the n-th concrete index behind the alias.
func (ix *Index) concrete(n int) string { return fmt.Sprintf("%s-%06d", ix.alias, n) }

// current returns the concrete indexes behind the alias (none if it is
// missing).
func (ix *Index) current(ctx context.Context) ([]string, error) {
	body, err := do(ix.es.Indices.GetAlias(
		ix.es.Indices.GetAlias.WithContext(ctx),
		ix.es.Indices.GetAlias.WithName(ix.alias),
	))
	if isStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("elastic: get alias %s: %w", ix.alias, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("elastic: get alias %s: %w", ix.alias, err)
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// create makes a concrete index with the mapping, and the alias if asked.
// An index that already exists (another replica was first) is fine.
func (ix *Index) create(ctx context.Context, name string, withAlias bool) error {
	var body map[string]any
	_ = json.Unmarshal([]byte(Mapping), &body)
	if withAlias {
		body["aliases"] = map[string]any{ix.alias: map[string]any{}}
	}
	b, _ := json.Marshal(body)
	_, err := do(ix.es.Indices.Create(name,
		ix.es.Indices.Create.WithContext(ctx),
		ix.es.Indices.Create.WithBody(bytes.NewReader(b)),
	))
	if isType(err, "resource_already_exists_exception") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("elastic: create index %s: %w", name, err)
	}
	return nil
}

// Ensure creates the first concrete index and the alias if the alias is
// missing.
func (ix *Index) Ensure(ctx context.Context) error {
	names, err := ix.current(ctx)
	if err != nil || len(names) > 0 {
		return err
	}
	return ix.create(ctx, ix.concrete(1), true)
}

// Reset swaps the alias to a new empty concrete index and drops the old one.
func (ix *Index) Reset(ctx context.Context) error {
	names, err := ix.current(ctx)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return ix.create(ctx, ix.concrete(1), true)
	}
	next := 0
	for _, n := range names {
		if k, err := strconv.Atoi(strings.TrimPrefix(n, ix.alias+"-")); err == nil && strings.HasPrefix(n, ix.alias+"-") {
			next = max(next, k)
		}
	}
	next++
	if err := ix.create(ctx, ix.concrete(next), false); err != nil {
		return err
	}
	actions := []map[string]any{{"add": map[string]any{"index": ix.concrete(next), "alias": ix.alias}}}
	for _, n := range names {
		actions = append(actions, map[string]any{"remove_index": map[string]any{"index": n}})
	}
	b, _ := json.Marshal(map[string]any{"actions": actions})
	if _, err := do(ix.es.Indices.UpdateAliases(bytes.NewReader(b), ix.es.Indices.UpdateAliases.WithContext(ctx))); err != nil {
		return fmt.Errorf("elastic: swap alias %s to %s: %w", ix.alias, ix.concrete(next), err)
	}
	return nil
}

// source is a doc as stored.
type source struct {
	VendorID string   `json:"vendor_id"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Tags     []string `json:"tags"`
	Location geoPoint `json:"location"`
	Active   bool     `json:"active"`
	Version  int64    `json:"version"`
}

type geoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type action struct {
	Index actionMeta `json:"index"`
}

type actionMeta struct {
	ID          string `json:"_id"`
	Version     int64  `json:"version"`
	VersionType string `json:"version_type"`
}

// Upsert indexes docs in _bulk requests of at most the batch size.
func (ix *Index) Upsert(ctx context.Context, docs []app.Doc) error {
	for i := 0; i < len(docs); i += ix.batch {
		if err := ix.bulk(ctx, docs[i:min(i+ix.batch, len(docs))]); err != nil {
			return err
		}
	}
	return nil
}

func validDoc(d app.Doc) error {
	switch {
	case d.VendorID == "" || len(d.VendorID) > 512:
		return fmt.Errorf("elastic: doc with vendor id %q", d.VendorID)
	case d.Version < 0:
		return fmt.Errorf("elastic: doc %s: negative version %d", d.VendorID, d.Version)
	case !(d.Lat >= -90 && d.Lat <= 90 && d.Lng >= -180 && d.Lng <= 180):
		return fmt.Errorf("elastic: doc %s: bad point %v,%v", d.VendorID, d.Lat, d.Lng)
	}
	return nil
}

// BulkBody is the NDJSON _bulk body for docs.
func BulkBody(docs []app.Doc) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, d := range docs {
		if err := validDoc(d); err != nil {
			return nil, err
		}
		tags := d.Tags
		if tags == nil {
			tags = []string{}
		}
		_ = enc.Encode(action{actionMeta{ID: d.VendorID, Version: d.Version, VersionType: "external_gte"}})
		_ = enc.Encode(source{
			VendorID: d.VendorID, Kind: d.Kind, Name: d.Name, Tags: tags,
			Location: geoPoint{Lat: d.Lat, Lon: d.Lng}, Active: d.Active, Version: d.Version,
		})
	}
	return buf.Bytes(), nil
}

type bulkAnswer struct {
	Errors bool `json:"errors"`
	Items  []map[string]struct {
		ID     string `json:"_id"`
		Status int    `json:"status"`
		Error  *cause `json:"error"`
	} `json:"items"`
}

// bulk sends one batch, retrying the items rejected with back-pressure.
func (ix *Index) bulk(ctx context.Context, docs []app.Doc) error {
	for attempt := 0; ; attempt++ {
		body, err := BulkBody(docs)
		if err != nil {
			return err
		}
		res, err := do(ix.es.Bulk(bytes.NewReader(body),
			ix.es.Bulk.WithContext(ctx),
			ix.es.Bulk.WithIndex(ix.alias),
			ix.es.Bulk.WithRefresh(ix.refresh),
			ix.es.Bulk.WithRequireAlias(true),
		))
		if err != nil {
			return fmt.Errorf("elastic: bulk of %d docs: %w", len(docs), err)
		}
		var a bulkAnswer
		if err := json.Unmarshal(res, &a); err != nil {
			return fmt.Errorf("elastic: bulk answer: %w", err)
		}
		if !a.Errors {
			return nil
		}
		if len(a.Items) != len(docs) {
			return fmt.Errorf("elastic: bulk of %d docs answered %d items", len(docs), len(a.Items))
		}
		var again []app.Doc
		var errs []error
		for i, item := range a.Items {
			for _, r := range item { // one key: the action
				switch {
				case r.Error == nil:
				case r.Status == http.StatusConflict && r.Error.Type == "version_conflict_engine_exception":
					// A newer (or this) version is already stored.
				case r.Status == http.StatusTooManyRequests:
					again = append(again, docs[i])
				default:
					if len(errs) < 5 {
						errs = append(errs, fmt.Errorf("doc %s: %w", docs[i].VendorID, &Error{Status: r.Status, Type: r.Error.Type, Reason: r.Error.Reason}))
					}
				}
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("elastic: bulk: %w", errors.Join(errs...))
		}
		if len(again) == 0 {
			return nil
		}
		if attempt >= ix.retries {
			return fmt.Errorf("elastic: bulk: %d docs still rejected (429) after %d retries", len(again), ix.retries)
		}
		if !clock.Sleep(ctx, ix.backoff(attempt+1)) {
			return ctx.Err()
		}
		docs = again
	}
}

// MaxLimit is the most hits one search returns (index.max_result_window).
const MaxLimit = 10000

func validQuery(q app.GeoQuery) error {
	switch {
	case !(q.RadiusKm > 0) || math.IsInf(q.RadiusKm, 0):
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

// SearchBody is the _search body for q.
func SearchBody(q app.GeoQuery) ([]byte, error) {
	if err := validQuery(q); err != nil {
		return nil, err
	}
	point := geoPoint{Lat: q.Lat, Lon: q.Lng}
	filter := []any{map[string]any{"term": map[string]any{"active": true}}}
	if q.Kind != "" {
		filter = append(filter, map[string]any{"term": map[string]any{"kind": q.Kind}})
	}
	if len(q.Tags) > 0 {
		filter = append(filter, map[string]any{"terms": map[string]any{"tags": q.Tags}})
	}
	filter = append(filter, map[string]any{"geo_distance": map[string]any{
		"distance":      strconv.FormatFloat(q.RadiusKm, 'f', -1, 64) + "km",
		"distance_type": "arc",
		"location":      point,
	}})
	boolQ := map[string]any{"filter": filter}
	if text := strings.TrimSpace(q.Text); text != "" {
		boolQ["must"] = []any{map[string]any{"match_bool_prefix": map[string]any{
			"name": map[string]any{"query": text, "operator": "and"},
		}}}
	}
	body := map[string]any{
		"size":             min(q.Limit, MaxLimit),
		"track_total_hits": false,
		"_source":          []string{"vendor_id", "name", "kind", "tags"},
		"query":            map[string]any{"bool": boolQ},
		"sort": []any{
			map[string]any{"_geo_distance": map[string]any{
				"location": point, "order": "asc", "unit": "km", "distance_type": "arc", "mode": "min",
			}},
			map[string]any{"vendor_id": map[string]any{"order": "asc"}},
		},
	}
	if q.After != nil {
		body["search_after"] = []any{q.After.DistanceKm, q.After.VendorID}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("elastic: search body: %w", err)
	}
	return buf.Bytes(), nil
}

type searchAnswer struct {
	Hits struct {
		Hits []struct {
			ID     string          `json:"_id"`
			Source source          `json:"_source"`
			Sort   json.RawMessage `json:"sort"`
		} `json:"hits"`
	} `json:"hits"`
}

// Nearest runs the query.
func (ix *Index) Nearest(ctx context.Context, q app.GeoQuery) ([]app.Hit, error) {
	body, err := SearchBody(q)
	if err != nil {
		return nil, err
	}
	res, err := do(ix.es.Search(
		ix.es.Search.WithContext(ctx),
		ix.es.Search.WithIndex(ix.alias),
		ix.es.Search.WithBody(bytes.NewReader(body)),
	))
	if err != nil {
		return nil, fmt.Errorf("elastic: search: %w", err)
	}
	var a searchAnswer
	if err := json.Unmarshal(res, &a); err != nil {
		return nil, fmt.Errorf("elastic: search answer: %w", err)
	}
	hits := make([]app.Hit, 0, len(a.Hits.Hits))
	for _, h := range a.Hits.Hits {
		var sortValues []any
		dec := json.NewDecoder(bytes.NewReader(h.Sort))
		dec.UseNumber()
		if err := dec.Decode(&sortValues); err != nil || len(sortValues) != 2 {
			return nil, fmt.Errorf("elastic: hit %s: sort values %s", h.ID, h.Sort)
		}
		n, ok := sortValues[0].(json.Number)
		if !ok {
			return nil, fmt.Errorf("elastic: hit %s: distance %v", h.ID, sortValues[0])
		}
		d, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("elastic: hit %s: distance %v", h.ID, n)
		}
		tags := h.Source.Tags
		if tags == nil {
			tags = []string{}
		}
		id := h.Source.VendorID
		if id == "" {
			id = h.ID
		}
		hits = append(hits, app.Hit{VendorID: id, Name: h.Source.Name, Kind: h.Source.Kind, Tags: tags, DistanceKm: d})
	}
	return hits, nil
}

// Count is the number of docs behind the alias.
func (ix *Index) Count(ctx context.Context) (int64, error) {
	res, err := do(ix.es.Count(ix.es.Count.WithContext(ctx), ix.es.Count.WithIndex(ix.alias)))
	if err != nil {
		return 0, fmt.Errorf("elastic: count: %w", err)
	}
	var a struct {
		Count int64 `json:"count"`
	}
	if err := json.Unmarshal(res, &a); err != nil {
		return 0, fmt.Errorf("elastic: count answer: %w", err)
	}
	return a.Count, nil
}

// Drop deletes the alias and every concrete index behind it (tests, and an
// engine being retired).
func (ix *Index) Drop(ctx context.Context) error {
	names, err := ix.current(ctx)
	if err != nil || len(names) == 0 {
		return err
	}
	if _, err := do(ix.es.Indices.Delete(names, ix.es.Indices.Delete.WithContext(ctx))); err != nil {
		return fmt.Errorf("elastic: drop %s: %w", strings.Join(names, ","), err)
	}
	return nil
}

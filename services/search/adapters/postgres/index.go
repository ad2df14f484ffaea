// Package postgres is the search service's embedded engine and its read
// model, in the schema "search": the geo/tag Index in grid cells (ADR 0013)
// and the Store of vendors, units and holds that availability is computed
// from. Cell ids are computed in Go (services/search/domain); a lookup is
// an index-only scan of (kind, tag, level, cell) INCLUDE (vendor_id, lat, lng).
package postgres

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// Schema is the search service's Postgres schema (searchdb).
const Schema = "search"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the search service's migrations to Schema. Search emits
// no events, so it has no outbox.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pg.MigrateDir(ctx, pool, Schema, migrations, "migrations")
}

// Index implements app.Index on a pool bound to Schema.
type Index struct{ pool *pgxpool.Pool }

// NewIndex returns the index on pool (its search_path is Schema).
func NewIndex(pool *pgxpool.Pool) *Index { return &Index{pool: pool} }

var _ app.Index = (*Index)(nil)

// anyTag is the tag every findable vendor is filed under, for queries
// without tags.
const anyTag = ""

// upsertChunk is how many documents one transaction writes.
const upsertChunk = 1000

// Upsert writes docs in chunks, each in one transaction: a document whose
// version is not lower than the stored one replaces it, and its cell rows
// are rewritten (none when it is not active).
func (x *Index) Upsert(ctx context.Context, docs []app.Doc) error {
	latest := make(map[string]app.Doc, len(docs))
	for _, d := range docs {
		if d.VendorID == "" {
			return fmt.Errorf("%w: a document without vendor_id", app.ErrBadQuery)
		}
		if cur, ok := latest[d.VendorID]; !ok || d.Version >= cur.Version {
			latest[d.VendorID] = d
		}
	}
	all := make([]app.Doc, 0, len(latest))
	for _, d := range latest {
		all = append(all, d)
	}
	// One lock order for every writer: by vendor id.
	slices.SortFunc(all, func(a, b app.Doc) int { return strings.Compare(a.VendorID, b.VendorID) })
	for len(all) > 0 {
		n := min(len(all), upsertChunk)
		if err := pg.InTx(ctx, x.pool, func(tx pgx.Tx) error { return upsertDocs(ctx, tx, all[:n]) }); err != nil {
			return fmt.Errorf("search index: upsert: %w", err)
		}
		all = all[n:]
	}
	return nil
}

func upsertDocs(ctx context.Context, tx pgx.Tx, docs []app.Doc) error {
	b := &pgx.Batch{}
	for _, d := range docs {
		tags := app.NormTags(d.Tags)
		b.Queue(`
			INSERT INTO docs (vendor_id, kind, name, tags, lat, lng, active, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (vendor_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, tags = excluded.tags,
				lat = excluded.lat, lng = excluded.lng, active = excluded.active, version = excluded.version
			WHERE docs.version <= excluded.version
			RETURNING vendor_id`,
			d.VendorID, d.Kind, d.Name, tags, d.Lat, d.Lng, d.Active, d.Version)
	}
	res := tx.SendBatch(ctx, b)
	var applied []string
	var rows [][]any
	for _, d := range docs {
		var id string
		err := res.QueryRow().Scan(&id)
		if err == pgx.ErrNoRows {
			continue // a newer version is stored
		}
		if err != nil {
			_ = res.Close()
			return err
		}
		applied = append(applied, id)
		if d.Active {
			rows = appendCells(rows, d)
		}
	}
	if err := res.Close(); err != nil {
		return err
	}
	if len(applied) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM cells WHERE vendor_id = ANY($1)`, applied); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"cells"}, []string{"kind", "tag", "level", "cell", "vendor_id", "lat", "lng"},
		pgx.CopyFromRows(rows))
	return err
}

// appendCells adds a findable document's cell rows: its cell at each
// level, under each of its tags and under anyTag.
func appendCells(rows [][]any, d app.Doc) [][]any {
	tags := append([]string{anyTag}, app.NormTags(d.Tags)...)
	for _, level := range domain.Levels {
		cell := domain.Cell(level, d.Lat, d.Lng)
		for _, t := range tags {
			rows = append(rows, []any{d.Kind, t, int16(level), cell, d.VendorID, d.Lat, d.Lng})
		}
	}
	return rows
}

type cand struct {
	id string
	d  float64
}

func (c cand) after(a *app.After) bool {
	return a == nil || c.d > a.DistanceKm || (c.d == a.DistanceKm && c.id > a.VendorID)
}

// Nearest reads the cells covering growing discs around the point (the
// cell size of the radius's level, doubling up to the radius), each cell
// once, until q.Limit candidates lie within the disc read so far, then
// orders them by (distance, vendor id).
func (x *Index) Nearest(ctx context.Context, q app.GeoQuery) ([]app.Hit, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	kinds := []string{"restaurant", "hotel"}
	if q.Kind != "" {
		kinds = []string{q.Kind}
	}
	tags := app.NormTags(q.Tags)
	if len(tags) == 0 {
		tags = []string{anyTag}
	}
	text := strings.ToLower(strings.TrimSpace(q.Text))
	level := domain.LevelFor(q.RadiusKm)
	side := domain.CellKm[level]
	read := map[int64]bool{}
	pool := map[string]cand{}
	disc := side
	if q.After != nil {
		disc = max(disc, q.After.DistanceKm+side)
	}
	for {
		disc = min(disc, q.RadiusKm)
		var cells []int64
		for _, c := range domain.Cover(level, q.Lat, q.Lng, disc) {
			if !read[c] {
				read[c] = true
				cells = append(cells, c)
			}
		}
		if len(cells) > 0 {
			if err := x.readCells(ctx, kinds, tags, level, cells, text, q, pool); err != nil {
				return nil, err
			}
		}
		ready := 0
		for _, c := range pool {
			if c.d <= disc {
				ready++
			}
		}
		if ready >= q.Limit || disc >= q.RadiusKm {
			break
		}
		disc *= 2
	}
	cands := make([]cand, 0, len(pool))
	for _, c := range pool {
		if c.d <= disc {
			cands = append(cands, c)
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.id, b.id))
	})
	if len(cands) > q.Limit {
		cands = cands[:q.Limit]
	}
	return x.hits(ctx, cands)
}

func (x *Index) readCells(ctx context.Context, kinds, tags []string, level int, cells []int64, text string, q app.GeoQuery, pool map[string]cand) error {
	sql := `SELECT vendor_id, lat, lng, '' FROM cells WHERE kind = ANY($1) AND tag = ANY($2) AND level = $3 AND cell = ANY($4)`
	args := []any{kinds, tags, int16(level), cells}
	words := strings.Fields(text)
	if len(words) > 0 {
		// SQL narrows by substring; Go keeps the names where every word
		// of the text starts a word of the name.
		likes := make([]string, len(words))
		for i, w := range words {
			likes[i] = "%" + likeEscaper.Replace(w) + "%"
		}
		sql = `SELECT c.vendor_id, c.lat, c.lng, d.name FROM cells c JOIN docs d ON d.vendor_id = c.vendor_id
			WHERE c.kind = ANY($1) AND c.tag = ANY($2) AND c.level = $3 AND c.cell = ANY($4) AND lower(d.name) LIKE ALL($5)`
		args = append(args, likes)
	}
	rows, err := x.pool.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("search index: nearest: %w", err)
	}
	defer rows.Close()
	var id, name string
	var lat, lng float64
	for rows.Next() {
		if err := rows.Scan(&id, &lat, &lng, &name); err != nil {
			return fmt.Errorf("search index: nearest: %w", err)
		}
		if len(words) > 0 && !TextMatch(name, words) {
			continue
		}
		c := cand{id: id, d: domain.DistanceKm(q.Lat, q.Lng, lat, lng)}
		if c.d <= q.RadiusKm && c.after(q.After) {
			pool[id] = c
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search index: nearest: %w", err)
	}
	return nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// TextMatch reports whether every (lower-case) word is a prefix of a word
// of name, case-insensitively.
func TextMatch(name string, words []string) bool {
	nameWords := strings.Fields(strings.ToLower(name))
	for _, w := range words {
		if !slices.ContainsFunc(nameWords, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return true
}

// hits reads the shown fields of the candidates, in their order.
func (x *Index) hits(ctx context.Context, cands []cand) ([]app.Hit, error) {
	out := make([]app.Hit, 0, len(cands))
	if len(cands) == 0 {
		return out, nil
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	rows, err := x.pool.Query(ctx, `SELECT vendor_id, name, kind, tags FROM docs WHERE vendor_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("search index: hits: %w", err)
	}
	shown, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Hit, error) {
		var h app.Hit
		err := r.Scan(&h.VendorID, &h.Name, &h.Kind, &h.Tags)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("search index: hits: %w", err)
	}
	byID := make(map[string]app.Hit, len(shown))
	for _, h := range shown {
		byID[h.VendorID] = h
	}
	for _, c := range cands {
		h, ok := byID[c.id]
		if !ok {
			continue // rewritten inactive between the two reads
		}
		h.DistanceKm = c.d
		if h.Tags == nil {
			h.Tags = []string{}
		}
		out = append(out, h)
	}
	return out, nil
}

func checkQuery(q app.GeoQuery) error {
	switch {
	case q.Limit <= 0:
		return fmt.Errorf("%w: limit %d", app.ErrBadQuery, q.Limit)
	case !(q.RadiusKm > 0) || math.IsInf(q.RadiusKm, 0):
		return fmt.Errorf("%w: radius %g", app.ErrBadQuery, q.RadiusKm)
	case !(q.Lat >= -90 && q.Lat <= 90) || !(q.Lng >= -180 && q.Lng <= 180):
		return fmt.Errorf("%w: point (%g, %g)", app.ErrBadQuery, q.Lat, q.Lng)
	}
	return nil
}

// Count is how many documents the index holds.
func (x *Index) Count(ctx context.Context) (int64, error) {
	var n int64
	err := x.pool.QueryRow(ctx, `SELECT count(*) FROM docs`).Scan(&n)
	return n, err
}

// Reset empties the index (not the read model).
func (x *Index) Reset(ctx context.Context) error {
	_, err := x.pool.Exec(ctx, `TRUNCATE docs, cells`)
	return err
}

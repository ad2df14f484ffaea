// Package postgres is userdb: the user service's tables in its own schema.
package postgres

import (
	"context"
	"embed"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// Schema is the user service's Postgres schema.
const Schema = "userdb"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the user schema's migrations and the outbox's.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return outbox.MigrateService(ctx, pool, Schema, migrations, "migrations")
}

// Repo implements app.Repository.
type Repo struct{ pool *pgxpool.Pool }

// New returns a repository on pool (a pool from pg.Connect(.., Schema)).
func New(pool *pgxpool.Pool) *Repo { return &Repo{pool: pool} }

const columns = `id::text, email, name, phone, password_hash, version, created_at, updated_at`

func scan(row pgx.Row) (domain.User, error) {
	var u domain.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Phone, &u.PasswordHash, &u.Version, &u.CreatedAt, &u.UpdatedAt)
	return u, err
}

// Create inserts u and its events in one transaction.
func (r *Repo) Create(ctx context.Context, u domain.User, events ...contracts.Event) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, phone, password_hash, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			u.ID, u.Email, u.Name, u.Phone, u.PasswordHash, u.Version, u.CreatedAt, u.UpdatedAt)
		if pg.IsUniqueViolation(err, "users_email_key") {
			return apperr.E(apperr.Conflict, "email already registered").With("field", "email")
		}
		if err != nil {
			return pg.MapError(err, "user")
		}
		return outbox.Add(ctx, tx, events...)
	})
}

// Get reads a user by id.
func (r *Repo) Get(ctx context.Context, id string) (domain.User, error) {
	if !pg.IsUUID(id) {
		return domain.User{}, apperr.E(apperr.NotFound, "user not found")
	}
	u, err := scan(r.pool.QueryRow(ctx, `SELECT `+columns+` FROM users WHERE id = $1`, id))
	return u, pg.MapError(err, "user")
}

// GetByEmail reads a user by normalised email.
func (r *Repo) GetByEmail(ctx context.Context, email string) (domain.User, error) {
	u, err := scan(r.pool.QueryRow(ctx, `SELECT `+columns+` FROM users WHERE email = $1`, email))
	return u, pg.MapError(err, "user")
}

// Update loads the user FOR UPDATE, applies change and saves the user with its
// events, all in one transaction.
func (r *Repo) Update(ctx context.Context, id string, change func(*domain.User) ([]contracts.Event, error)) (domain.User, error) {
	if !pg.IsUUID(id) {
		return domain.User{}, apperr.E(apperr.NotFound, "user not found")
	}
	var out domain.User
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		u, err := scan(tx.QueryRow(ctx, `SELECT `+columns+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return pg.MapError(err, "user")
		}
		events, err := change(&u)
		if err != nil {
			return err
		}
		out = u
		if len(events) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET name = $2, phone = $3, version = $4, updated_at = $5 WHERE id = $1`,
			u.ID, u.Name, u.Phone, u.Version, u.UpdatedAt); err != nil {
			return pg.MapError(err, "user")
		}
		return outbox.Add(ctx, tx, events...)
	})
	return out, err
}

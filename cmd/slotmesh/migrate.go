package main

import (
	"context"
	"fmt"
	"io"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// migrateCmd is `slotmesh migrate`: the database and every service's
// migrations.
func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", "", `
Create the database of PG_URL if it does not exist and apply every service's migrations.
Safe to repeat: what is applied already is skipped.`, stdout, stderr)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	cfg, err := mesh.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if err := mesh.Migrate(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied to", redactURL(cfg.Base.PGURL))
	return nil
}

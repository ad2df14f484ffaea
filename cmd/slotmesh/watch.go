package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// watch is `slotmesh watch [-from-beginning] <topic>`.
func watch(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fromStart := fs.Bool("from-beginning", false, "print what the topic already holds, then follow")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: slotmesh watch [-from-beginning] <topic>")
	}
	return mesh.Watch(ctx, fs.Arg(0), *fromStart, getenv, stdout)
}

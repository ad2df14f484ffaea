package main

import (
	"context"
	"io"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// watchCmd is `slotmesh watch [-from-beginning] <topic>`.
func watchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("watch", "[-from-beginning] <topic>", `
Print the events of a Kafka topic (KAFKA_BROKERS) as they arrive, until Ctrl-C.`, stdout, stderr)
	fromStart := f.Bool("from-beginning", false, "print what the topic already holds, then follow")
	if err := f.parse(args, 1); err != nil {
		return err
	}
	return mesh.Watch(ctx, f.Arg(0), *fromStart, getenv, stdout)
}

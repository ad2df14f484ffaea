package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// natsCmd is `slotmesh nats`: the embedded nats-server (JetStream, every
// write synced) as a process of its own, for chaos runs and local
// multi-process setups. It stops on SIGINT/SIGTERM.
func natsCmd(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("nats", "[-host H] [-port P] [-dir DIR]", `
Run the embedded nats-server (JetStream, every write synced) as a process of its own, for
the chaos run and local setups of one process per service. Ctrl-C or SIGTERM stops it.`, stdout, stderr)
	host := f.String("host", "127.0.0.1", "listen host")
	port := f.Int("port", 4222, "listen port")
	dir := f.String("dir", filepath.Join(".slotmesh", "nats"), "JetStream store directory")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	srv, err := mesh.EmbeddedNATS(*host, *port, *dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nats listening on nats://%s:%d (JetStream in %s)\n", *host, *port, *dir)
	<-ctx.Done()
	srv.Shutdown()
	srv.WaitForShutdown()
	return nil
}

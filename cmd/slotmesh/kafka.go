package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// kafkaCmd is `slotmesh kafka`: the in-process Kafka-protocol broker (kfake)
// with its log under -dir, as a process of its own. Every produced batch
// and committed offset is written to the files as it arrives (fsync on
// segment roll and shutdown only, like Kafka's default), so a SIGKILL of
// this process loses nothing acknowledged; a machine crash could.
func kafkaCmd(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("kafka", "[-port P] [-dir DIR]", `
Run the in-process Kafka-protocol broker (kfake) as a process of its own, with its log
under -dir: a SIGKILL of it loses nothing acknowledged. Ctrl-C or SIGTERM stops it.`, stdout, stderr)
	port := f.Int("port", 9092, "listen port (127.0.0.1)")
	dir := f.String("dir", filepath.Join(".slotmesh", "kafka"), "log directory")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	k, err := mesh.EmbeddedKafka(*port, *dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kafka listening on 127.0.0.1:%d (log in %s)\n", *port, *dir)
	<-ctx.Done()
	k.Close()
	return nil
}

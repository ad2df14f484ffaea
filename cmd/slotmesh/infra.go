package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// natsCmd is `slotmesh nats`: the embedded nats-server (JetStream, every
// write synced) as a process of its own, for chaos runs and local
// multi-process setups. It stops on SIGINT/SIGTERM.
func natsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "listen host")
	port := fs.Int("port", 4222, "listen port")
	dir := fs.String("dir", filepath.Join(".slotmesh", "nats"), "JetStream store directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: slotmesh nats [-host H] [-port P] [-dir DIR]")
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

// kafkaCmd is `slotmesh kafka`: the in-process Kafka-protocol broker (kfake)
// with its log under -dir, as a process of its own. Every produced batch
// and committed offset is written to the files as it arrives (fsync on
// segment roll and shutdown only, like Kafka's default), so a SIGKILL of
// this process loses nothing acknowledged; a machine crash could.
func kafkaCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kafka", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 9092, "listen port (127.0.0.1)")
	dir := fs.String("dir", filepath.Join(".slotmesh", "kafka"), "log directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: slotmesh kafka [-port P] [-dir DIR]")
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

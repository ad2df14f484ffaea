package mesh

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedNATS starts a nats-server with JetStream in this process, storing
// under dir, listening on host:port. JetStream syncs every write to disk
// (sync_interval: always), as ARCHITECTURE.md asks of production.
func EmbeddedNATS(host string, port int, dir string) (*server.Server, error) {
	srv, err := server.NewServer(&server.Options{
		ServerName: "slotmesh-dev",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		SyncAlways: true,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 8 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready on %s:%d (port taken?)", host, port)
	}
	return srv, nil
}

// EmbeddedKafka starts an in-process Kafka-protocol broker (franz-go kfake)
// on 127.0.0.1:port, keeping its log under dir, so any Kafka client can
// connect. Stop it with Close.
func EmbeddedKafka(port int, dir string) (*kfake.Cluster, error) {
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.DataDir(dir),
		kfake.DefaultNumPartitions(6),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka on 127.0.0.1:%d (port taken?): %w", port, err)
	}
	return c, nil
}

package testenv

import (
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Kafka is an in-process Kafka-protocol broker (franz-go kfake) listening on
// TCP, so any Kafka client (kafka-go included) can use it. Its data lives in a
// temp dir, so Stop/Start keeps topics and offsets.
type Kafka struct {
	mu      sync.Mutex
	dir     string
	port    int
	cluster *kfake.Cluster
	Addr    string // bootstrap host:port
}

// StartKafka starts a one-broker cluster that auto-creates topics.
func StartKafka(t testing.TB) *Kafka {
	t.Helper()
	k := &Kafka{dir: t.TempDir()}
	k.Start(t)
	t.Cleanup(k.Stop)
	return k
}

// Start starts the broker (again, on the same port and data).
func (k *Kafka) Start(t testing.TB) {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(k.port),
		kfake.DataDir(k.dir),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(3),
	)
	if err != nil {
		t.Fatalf("testenv: start kfake: %v", err)
	}
	k.cluster = c
	k.Addr = c.ListenAddrs()[0]
	if k.port == 0 {
		_, p, _ := net.SplitHostPort(k.Addr)
		k.port, _ = strconv.Atoi(p)
	}
}

// Stop closes the broker; clients see connection errors until Start.
func (k *Kafka) Stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cluster != nil {
		k.cluster.Close()
		k.cluster = nil
	}
}

// Cluster is the running kfake cluster (nil while stopped).
func (k *Kafka) Cluster() *kfake.Cluster {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cluster
}

package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
)

// ReadKafka reads every message of the topics from offset 0 up to the end
// each partition had when it was asked, and returns which event ids it saw
// on which topic (a copy each). A topic that does not exist yet is empty.
func ReadKafka(ctx context.Context, broker string, topics []string) (KafkaSeen, error) {
	seen := KafkaSeen{}
	d := &kafka.Dialer{Timeout: 5 * time.Second}
	for _, topic := range topics {
		conn, err := d.DialContext(ctx, "tcp", broker)
		if err != nil {
			return nil, err
		}
		parts, err := conn.ReadPartitions(topic)
		conn.Close()
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", topic, err)
		}
		for _, p := range parts {
			if err := readPartition(ctx, d, p, seen); err != nil {
				return nil, fmt.Errorf("%s/%d: %w", topic, p.ID, err)
			}
		}
	}
	return seen, nil
}

func readPartition(ctx context.Context, d *kafka.Dialer, p kafka.Partition, seen KafkaSeen) error {
	addr := net.JoinHostPort(p.Leader.Host, strconv.Itoa(p.Leader.Port))
	conn, err := d.DialLeader(ctx, "tcp", addr, p.Topic, p.ID)
	if err != nil {
		return err
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		return err
	}
	off := first
	for off < last {
		from := off
		if _, err := conn.Seek(off, kafka.SeekAbsolute); err != nil {
			return err
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		batch := conn.ReadBatch(1, 10<<20)
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			off = m.Offset + 1
			id := ""
			for _, h := range m.Headers {
				if h.Key == contracts.HeaderEventID {
					id = string(h.Value)
				}
			}
			if id == "" {
				id = "no-event-id@" + p.Topic + "/" + strconv.Itoa(p.ID) + "/" + strconv.FormatInt(m.Offset, 10)
			}
			seen[id] = append(seen[id], p.Topic)
			if off >= last {
				break
			}
		}
		if err := batch.Close(); err != nil && off < last {
			return err
		}
		if off == from {
			return fmt.Errorf("no message at offset %d of %d", off, last)
		}
	}
	return nil
}

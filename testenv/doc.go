// Package testenv starts what slotmesh's tests need, each isolated per test:
// an embedded nats-server with JetStream, a fresh Postgres database, a Redis key
// prefix, an in-process Kafka-protocol broker (kfake). Every helper takes a
// testing.TB, registers its own Cleanup and uses random ports and t.TempDir(),
// so packages run in parallel. Each can be stopped and restarted for fault
// tests.
//
// Postgres and Redis are the machine's own servers (SLOTMESH_TEST_PG,
// SLOTMESH_TEST_REDIS); a test that cannot reach them fails and says how to
// start them (`go tool task deps`). It never skips silently.
package testenv

-- pgbench script of BenchmarkBookingMeshVsPgbench (services/booking/bench_test.go): the booking service's hold
-- transaction, adapters/postgres.HoldStatements, with pgbench variables for its parameters. Run as
-- pgbench -n -M prepared -c 16 -j 2 -T 5 -f <this file> <database>  (vendor and units made by the benchmark)
\set uid random(1, 9000000000000)
\set slot :client_id + 64 * random(0, 100000)
BEGIN;
SET LOCAL search_path = bookingdb;
INSERT INTO idempotency (user_id, key, op, request_hash) VALUES (md5(:uid::text || 'u')::uuid, 'k' || :uid, 'create', sha256(('r' || :uid)::bytea)) ON CONFLICT DO NOTHING;
SELECT u.id::text, u.name, u.capacity FROM units u WHERE u.vendor_id = '7804aac7-d397-4073-bfa3-fe8479343be0'::uuid AND u.active AND u.capacity >= 2 AND NOT (u.id = ANY('{}'::uuid[]::uuid[])) AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.unit_id = u.id AND h.active AND h.during && tstzrange(timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min', timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min' + interval '90 min')) ORDER BY u.capacity, u.id LIMIT 1 FOR UPDATE OF u SKIP LOCKED \gset p_
INSERT INTO bookings (id, vendor_id, user_id, status, during, party_size, quantity, deposit_amount, deposit_currency, deposit_status, payment_method, expires_at, version, created_at, updated_at) VALUES (md5(:uid::text || 'b')::uuid,'7804aac7-d397-4073-bfa3-fe8479343be0'::uuid,md5(:uid::text || 'u')::uuid,'CONFIRMED',tstzrange(timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min', timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min' + interval '90 min'),2,1,0,'EUR','none','pm_card_visa',NULL,1,now(),now());
INSERT INTO holds (booking_id, unit_id, vendor_id, during, active) VALUES (md5(:uid::text || 'b')::uuid, :p_id::uuid, '7804aac7-d397-4073-bfa3-fe8479343be0'::uuid, tstzrange(timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min', timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min' + interval '90 min'), true);
INSERT INTO outbox (event_id, subject, payload) VALUES (md5(:uid::text || 'e')::uuid, 'evt.booking.booking.confirmed.v1', convert_to('{"data":{"booking":{"deposit":{"amount":0,"currency":"EUR","status":"none"},"end":"2026-11-26T11:47:27.03599588Z","id":"3aefb1b6-660b-41ae-a714-259391503844","party_size":2,"start":"2026-11-26T11:47:27.035993986Z","status":"CONFIRMED","units":[{"capacity":4,"id":"7bf92e41-236e-4050-98c2-d60776966bf7","name":"P1"}],"user_id":"2aeae39a-7cd5-448d-ae92-dc6071371f4a","vendor_id":"7804aac7-d397-4073-bfa3-fe8479343be0"}},"id":"d82fc1d8-8473-4970-9599-6ec8787708bd","type":"evt.booking.booking.confirmed.v1"}', 'UTF8'));
UPDATE idempotency SET booking_id = md5(:uid::text || 'b')::uuid WHERE user_id = md5(:uid::text || 'u')::uuid AND key = 'k' || :uid;
END;

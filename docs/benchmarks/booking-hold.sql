-- pgbench script of BenchmarkBookingMeshVsPgbench (services/booking/bench_test.go): the booking service's hold
-- transaction, adapters/postgres.HoldStatements, with pgbench variables for its parameters. Run as
-- pgbench -n -M prepared -c 16 -j 2 -T 5 -f <this file> <database>  (vendor and units made by the benchmark)
\set uid random(1, 9000000000000)
\set slot :client_id + 64 * random(0, 100000)
BEGIN;
SET LOCAL search_path = bookingdb;
INSERT INTO idempotency (user_id, key, op, request_hash) VALUES (md5(:uid::text || 'u')::uuid, 'k' || :uid, 'create', sha256(('r' || :uid)::bytea)) ON CONFLICT DO NOTHING;
SELECT u.id::text, u.name, u.capacity FROM units u WHERE u.vendor_id = '9226163f-8907-41fa-a169-c59b1fa1c6f3'::uuid AND u.active AND u.capacity >= 2 AND NOT (u.id = ANY('{}'::uuid[]::uuid[])) AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.unit_id = u.id AND h.active AND h.during && tstzrange(timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min', timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min' + interval '90 min')) ORDER BY u.capacity, u.id LIMIT 1 FOR UPDATE OF u SKIP LOCKED \gset p_
INSERT INTO bookings (id, vendor_id, user_id, status, during, party_size, quantity, deposit_amount, deposit_currency, deposit_status, payment_method, expires_at, version, created_at, updated_at) VALUES (md5(:uid::text || 'b')::uuid,'9226163f-8907-41fa-a169-c59b1fa1c6f3'::uuid,md5(:uid::text || 'u')::uuid,'CONFIRMED',tstzrange(timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min', timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min' + interval '90 min'),2,1,0,'EUR','none','pm_card_visa',NULL,1,now(),now());
INSERT INTO holds (booking_id, unit_id, vendor_id, during, active) VALUES (md5(:uid::text || 'b')::uuid, :p_id::uuid, '9226163f-8907-41fa-a169-c59b1fa1c6f3'::uuid, tstzrange(timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min', timestamptz '2030-01-01 00:00+00' + :slot * interval '90 min' + interval '90 min'), true);
INSERT INTO outbox (event_id, subject, payload) VALUES (md5(:uid::text || 'e')::uuid, 'evt.booking.booking.confirmed.v1', convert_to('{"data":{"booking":{"deposit":{"amount":0,"currency":"EUR","status":"none"},"end":"2026-11-26T07:25:31.996763483Z","id":"3a1982ea-e615-4ba2-b6a5-5999f3c20dc0","party_size":2,"start":"2026-11-26T07:25:31.996763263Z","status":"CONFIRMED","units":[{"capacity":4,"id":"3ed0a013-38d8-4352-b510-f8e9bbeb59de","name":"P1"}],"user_id":"0461888f-6a3d-4af8-a83d-64b3696dc1a3","vendor_id":"9226163f-8907-41fa-a169-c59b1fa1c6f3"}},"id":"1a7e74f4-ee61-4c57-bf48-33ea98897da4","type":"evt.booking.booking.confirmed.v1"}', 'UTF8'));
UPDATE idempotency SET booking_id = md5(:uid::text || 'b')::uuid WHERE user_id = md5(:uid::text || 'u')::uuid AND key = 'k' || :uid;
END;

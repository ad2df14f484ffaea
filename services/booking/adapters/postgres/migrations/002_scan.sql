---- tern: disable-tx ----
-- Search's reindex pages through the current bookings by id
-- (svc.booking.v1.scan): a partial index of just those, with their end so
-- the "ends in the future" test is made on the index. Built concurrently:
-- bookings is a growing table and must stay writable.
CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_current_scan ON bookings (id, upper(during))
    WHERE status IN ('BLOCKED', 'CONFIRMED');

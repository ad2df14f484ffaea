-- How far ahead a booking may start, in days (contracts/vendors:
-- DefaultBookingHorizonDays, 1..MaxBookingHorizonDays). Existing vendors take
-- the default. A constant default rewrites nothing; the check reads the
-- table once.
ALTER TABLE vendors ADD COLUMN booking_horizon_days int NOT NULL DEFAULT 365
    CONSTRAINT vendors_booking_horizon_days_check CHECK (booking_horizon_days BETWEEN 1 AND 730);

---- create above / drop below ----

ALTER TABLE vendors DROP COLUMN booking_horizon_days;

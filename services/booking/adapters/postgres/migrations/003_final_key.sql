-- The Idempotency-Key of the request that ended a booking (cancel, avail,
-- no-show): that request again answers the booking; any other asking for
-- the same end is an illegal transition (409 invalid_state). Adding a
-- nullable column without a default rewrites nothing.
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS final_key text;

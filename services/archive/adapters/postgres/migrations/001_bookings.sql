-- The final record of every finished booking: the booking as JSONB, plus the
-- columns the two access patterns (a user's, a vendor's; newest start first)
-- and Put's version check need.
CREATE TABLE bookings (
    id          text        PRIMARY KEY,
    user_id     text        NOT NULL,
    vendor_id   text        NOT NULL,
    status      text        NOT NULL,
    start_at    timestamptz NOT NULL,
    version     bigint      NOT NULL,
    data        jsonb       NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bookings_by_user ON bookings (user_id, start_at DESC, id DESC);
CREATE INDEX bookings_by_vendor ON bookings (vendor_id, start_at DESC, id DESC);

---- create above / drop below ----

DROP TABLE bookings;

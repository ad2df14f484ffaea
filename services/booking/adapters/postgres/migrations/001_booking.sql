-- bookingdata_db: the booking service's own schema.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Booking's copy of vendor facts (ADR 0005), fed by VENDOR_EVENTS.
CREATE TABLE vendors (
    id                uuid PRIMARY KEY,
    version           bigint  NOT NULL,
    kind              text    NOT NULL,
    timezone          text    NOT NULL,
    opening_hours     jsonb   NOT NULL,
    slot_minutes      int     NOT NULL,
    stay_minutes      int     NOT NULL,
    check_in          int     NOT NULL,
    check_out         int     NOT NULL,
    deposit_amount    bigint  NOT NULL,
    deposit_currency  text    NOT NULL,
    deposit_per_guest boolean NOT NULL,
    free_cancel_hours int     NOT NULL,
    active            boolean NOT NULL
);

CREATE TABLE units (
    vendor_id uuid    NOT NULL,
    id        uuid    NOT NULL,
    name      text    NOT NULL,
    capacity  int     NOT NULL,
    active    boolean NOT NULL,
    version   bigint  NOT NULL, -- the vendor version that last wrote it
    PRIMARY KEY (vendor_id, id)
);
-- Picking units: smallest capacity that fits first.
CREATE INDEX units_pick ON units (vendor_id, capacity, id) WHERE active;

CREATE TABLE bookings (
    id               uuid        PRIMARY KEY,
    vendor_id        uuid        NOT NULL,
    user_id          uuid        NOT NULL,
    status           text        NOT NULL,
    during           tstzrange   NOT NULL,
    party_size       int         NOT NULL,
    quantity         int         NOT NULL,
    deposit_amount   bigint      NOT NULL,
    deposit_currency text        NOT NULL,
    deposit_status   text        NOT NULL,
    payment_method   text        NOT NULL,
    refund_amount    bigint      NOT NULL DEFAULT 0,
    refund_reason    text        NOT NULL DEFAULT '',
    expires_at       timestamptz,
    version          bigint      NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX bookings_user ON bookings (user_id, lower(during), id);
CREATE INDEX bookings_vendor ON bookings (vendor_id, lower(during), id);
CREATE INDEX bookings_expiring ON bookings (expires_at) WHERE status = 'BLOCKED';
CREATE INDEX bookings_money_due ON bookings (updated_at) WHERE deposit_status IN ('refund_pending', 'void_pending');

-- A hold is a unit taken for a range. The exclusion constraint makes a double
-- booking impossible even if the locking logic were ever wrong.
CREATE TABLE holds (
    booking_id uuid      NOT NULL REFERENCES bookings (id),
    unit_id    uuid      NOT NULL,
    vendor_id  uuid      NOT NULL,
    during     tstzrange NOT NULL,
    active     boolean   NOT NULL,
    PRIMARY KEY (booking_id, unit_id),
    CONSTRAINT holds_no_overlap EXCLUDE USING gist (unit_id WITH =, during WITH &&) WHERE (active)
);
CREATE INDEX holds_vendor ON holds USING gist (vendor_id, during) WHERE active;

-- Idempotency keys, written in the same transaction as the booking they protect.
CREATE TABLE idempotency (
    user_id      uuid        NOT NULL,
    key          text        NOT NULL,
    op           text        NOT NULL,
    request_hash bytea       NOT NULL,
    booking_id   uuid,
    error        jsonb,      -- the first outcome, when it was an error
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

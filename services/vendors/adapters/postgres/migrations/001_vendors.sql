-- vendordb: the vendor service's own schema.
CREATE TABLE vendors (
    id                uuid        PRIMARY KEY,
    owner_id          uuid        NOT NULL,
    kind              text        NOT NULL CHECK (kind IN ('restaurant', 'hotel')),
    name              text        NOT NULL,
    timezone          text        NOT NULL,
    address           text        NOT NULL,
    lat               double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng               double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    tags              text[]      NOT NULL DEFAULT '{}',
    opening_hours     jsonb       NOT NULL DEFAULT '[]', -- [{weekday, open, close, overnight}] in minutes
    slot_minutes      int         NOT NULL DEFAULT 0,
    stay_minutes      int         NOT NULL DEFAULT 0,
    check_in          int         NOT NULL DEFAULT 0,
    check_out         int         NOT NULL DEFAULT 0,
    deposit_amount    bigint      NOT NULL CHECK (deposit_amount >= 0),
    deposit_currency  char(3)     NOT NULL,
    deposit_per       text        NOT NULL CHECK (deposit_per IN ('booking', 'guest')),
    free_cancel_hours int         NOT NULL CHECK (free_cancel_hours >= 0),
    status            text        NOT NULL CHECK (status IN ('active', 'suspended')),
    version           bigint      NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

-- Units are keyed by vendor first, so the table can be partitioned or
-- distributed (Citus) by vendor_id; every lock a booking takes is within one vendor.
CREATE TABLE units (
    vendor_id  uuid        NOT NULL REFERENCES vendors (id),
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    capacity   int         NOT NULL CHECK (capacity BETWEEN 1 AND 100),
    active     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (vendor_id, id)
);
CREATE UNIQUE INDEX units_vendor_name_key ON units (vendor_id, name);

CREATE TABLE managers (
    vendor_id uuid        NOT NULL REFERENCES vendors (id),
    user_id   uuid        NOT NULL,
    role      text        NOT NULL CHECK (role IN ('owner', 'manager')),
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (vendor_id, user_id)
);
CREATE INDEX managers_user ON managers (user_id);

-- The geo/tag index (app.Index, the "cells" design of ADR 0013): one
-- document per vendor, and for every findable one a row per (kind, tag,
-- grid level, cell) it is filed under. Tag '' files it under "any tag".
-- Cell ids are computed in Go (services/search/domain). Lookups are
-- index-only scans of cells_lookup.
CREATE TABLE docs (
    vendor_id text             PRIMARY KEY,
    kind      text             NOT NULL,
    name      text             NOT NULL,
    tags      text[]           NOT NULL,
    lat       double precision NOT NULL,
    lng       double precision NOT NULL,
    active    boolean          NOT NULL,
    version   bigint           NOT NULL
);

CREATE TABLE cells (
    kind      text             NOT NULL,
    tag       text             NOT NULL,
    level     smallint         NOT NULL,
    cell      bigint           NOT NULL,
    vendor_id text             NOT NULL,
    lat       double precision NOT NULL,
    lng       double precision NOT NULL
);

CREATE INDEX cells_lookup ON cells (kind, tag, level, cell) INCLUDE (vendor_id, lat, lng);
CREATE INDEX cells_by_vendor ON cells (vendor_id);

-- The read model availability is computed from (app.Store): each vendor's
-- profile and calendar, its units, and the holds of its current bookings.
CREATE TABLE vendors (
    vendor_id    text             PRIMARY KEY,
    version      bigint           NOT NULL,
    kind         text             NOT NULL,
    name         text             NOT NULL,
    tags         text[]           NOT NULL,
    lat          double precision NOT NULL,
    lng          double precision NOT NULL,
    active       boolean          NOT NULL,
    active_units integer          NOT NULL,
    timezone     text             NOT NULL,
    hours        jsonb            NOT NULL,
    slot_minutes integer          NOT NULL,
    stay_minutes integer          NOT NULL,
    check_in     integer          NOT NULL,
    check_out    integer          NOT NULL,
    updated_at   timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE units (
    vendor_id text    NOT NULL,
    unit_id   text    NOT NULL,
    capacity  integer NOT NULL,
    active    boolean NOT NULL,
    version   bigint  NOT NULL,
    PRIMARY KEY (vendor_id, unit_id)
);

-- The last version seen of every booking (a tombstone once final), so an
-- older event never brings back holds a newer one freed.
CREATE TABLE bookings (
    booking_id text        PRIMARY KEY,
    vendor_id  text        NOT NULL,
    version    bigint      NOT NULL,
    status     text        NOT NULL,
    end_at     timestamptz NOT NULL
);

CREATE INDEX bookings_by_end ON bookings (end_at);

-- Units taken by BLOCKED and CONFIRMED bookings.
CREATE TABLE holds (
    booking_id text      NOT NULL,
    unit_id    text      NOT NULL,
    vendor_id  text      NOT NULL,
    during     tstzrange NOT NULL,
    PRIMARY KEY (booking_id, unit_id)
);

CREATE INDEX holds_by_vendor ON holds (vendor_id, upper(during));

---- create above / drop below ----

DROP TABLE holds;
DROP TABLE bookings;
DROP TABLE units;
DROP TABLE vendors;
DROP TABLE cells;
DROP TABLE docs;

-- notification: the notification service's own schema. A delivery is one
-- message to one channel caused by one event; UNIQUE (event_id, channel) is
-- what makes a redelivered event write nothing.
CREATE TABLE deliveries (
    id              uuid        PRIMARY KEY,                 -- UUIDv7: creation order
    event_id        text        NOT NULL,
    event_type      text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('email', 'webhook', 'reminder')),
    vendor_id       text        NOT NULL,
    booking_id      text        NOT NULL DEFAULT '',
    booking_version bigint      NOT NULL DEFAULT 0,          -- the booking's version the event carried
    recipient       text        NOT NULL,                    -- email address, or the webhook URL when enqueued
    subject         text        NOT NULL,
    body            text        NOT NULL,                    -- email text, or the webhook JSON (signed as stored)
    status          text        NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'cancelled')),
    attempts        int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,                    -- pending: due then; claimed: end of the lease
    not_after       timestamptz,                             -- not sent later than this (a reminder: the start)
    last_error      text        NOT NULL DEFAULT '',
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT deliveries_event_channel_key UNIQUE (event_id, channel),
    CONSTRAINT deliveries_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

-- The sender's claim: due pending rows, oldest due first.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
-- Reminders of a booking, superseded by its later events.
CREATE INDEX deliveries_booking ON deliveries (booking_id, booking_version);
-- The operator's dead-letter list.
CREATE INDEX deliveries_dead ON deliveries (id) WHERE status = 'dead';

-- A vendor's webhook: where booking news is POSTed, and the secret that
-- signs it (kept in clear: an HMAC needs it; see ADR 0011).
CREATE TABLE webhooks (
    vendor_id  text        PRIMARY KEY,
    url        text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2000),
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

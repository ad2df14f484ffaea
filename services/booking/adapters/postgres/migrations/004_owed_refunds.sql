-- Refunds a booking owes besides its final one (a smaller party's share of
-- a per-guest deposit): written in the transaction that makes the change,
-- deleted once payment has given the money back. The sweeper asks again
-- until then, so a payment service that does not answer delays the refund
-- and never loses it.
CREATE TABLE IF NOT EXISTS owed_refunds (
    key        text        PRIMARY KEY, -- the refund's idempotency key
    booking_id uuid        NOT NULL,
    amount     bigint      NOT NULL CHECK (amount > 0),
    reason     text        NOT NULL,
    attempts   int         NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS owed_refunds_next ON owed_refunds (next_at);

-- paymentdb: the payment service's own schema. The ledger explains itself:
-- what a payment took (amount), what it gave back (refunded = the sum of its
-- succeeded refunds) and why (status, decline_code, void_requested).

-- One row per idempotency key. A key voided before any charge is a row too
-- (status voided): it records no amount, currency or method (nothing was
-- asked, nothing taken), so amount is 0 for those rows only.
CREATE TABLE payments (
    id             uuid        PRIMARY KEY,
    key            text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    booking_id     uuid        NOT NULL,
    user_id        text        NOT NULL DEFAULT '',
    amount         bigint      NOT NULL,
    refunded       bigint      NOT NULL DEFAULT 0,
    currency       text        NOT NULL,
    method         text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'voided', 'refunded')),
    decline_code   text        NOT NULL DEFAULT '',
    provider_ref   text        NOT NULL DEFAULT '',
    void_requested boolean     NOT NULL DEFAULT false,
    void_reason    text        NOT NULL DEFAULT '',
    attempts       int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- provider charge calls made
    lease_until    timestamptz NOT NULL,                                  -- the driver owns the row until then
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT payments_key_key UNIQUE (key),
    CONSTRAINT payments_amount CHECK (
        (status <> 'voided' AND amount > 0 AND currency ~ '^[A-Z]{3}$' AND method <> '')
        OR (status = 'voided' AND amount = 0 AND currency = '' AND method = '')),
    CONSTRAINT payments_refunded CHECK (refunded >= 0 AND refunded <= amount),
    CONSTRAINT payments_refunded_only_if_taken CHECK (refunded = 0 OR status IN ('succeeded', 'refunded')),
    CONSTRAINT payments_refunded_in_full CHECK (status <> 'refunded' OR refunded = amount),
    CONSTRAINT payments_taken_has_ref CHECK (status NOT IN ('succeeded', 'refunded') OR provider_ref <> ''),
    CONSTRAINT payments_failed_has_code CHECK (status <> 'failed' OR decline_code <> ''),
    CONSTRAINT payments_voided_spent CHECK (status <> 'voided' OR (void_requested AND provider_ref = ''))
);
CREATE INDEX payments_booking ON payments (booking_id, created_at);
-- The reconciler's work: pending charges, and voided keys that still hold money.
CREATE INDEX payments_pending ON payments (lease_until) WHERE status = 'pending';
CREATE INDEX payments_void_owed ON payments (lease_until) WHERE status = 'succeeded' AND void_requested;

-- Money given back. A pending refund reserves its amount (the payment's row
-- lock serialises reservations), so refunded + pending never exceeds amount.
CREATE TABLE refunds (
    id           uuid        PRIMARY KEY,
    key          text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 220),
    payment_id   uuid        NOT NULL REFERENCES payments (id),
    booking_id   uuid        NOT NULL,
    amount       bigint      NOT NULL CHECK (amount > 0),
    requested    bigint      NOT NULL CHECK (requested >= 0),  -- as asked; 0 = all that was left
    currency     text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status       text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason       text        NOT NULL DEFAULT '',
    failure_code text        NOT NULL DEFAULT '',
    provider_ref text        NOT NULL DEFAULT '',
    attempts     int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT refunds_key_key UNIQUE (key),
    CONSTRAINT refunds_given_has_ref CHECK (status <> 'succeeded' OR provider_ref <> '')
);
CREATE INDEX refunds_booking ON refunds (booking_id, created_at);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
CREATE INDEX refunds_pending ON refunds (lease_until) WHERE status = 'pending';

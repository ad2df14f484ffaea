-- Money stays exact (issue 13, ADR 0017).

-- A booking keeps the terms it was made under: the deposit rule (a rate per
-- booking-unit or per guest, in its currency) and the free-cancellation
-- window. Bookings made before this migration take them from booking's copy
-- of the vendor, the rate worked back from the deposit they hold.
ALTER TABLE bookings
    ADD COLUMN IF NOT EXISTS deposit_rate      bigint,
    ADD COLUMN IF NOT EXISTS deposit_per_guest boolean,
    ADD COLUMN IF NOT EXISTS free_cancel_hours int;
UPDATE bookings b SET
    deposit_per_guest = v.deposit_per_guest,
    free_cancel_hours = v.free_cancel_hours,
    deposit_rate = CASE WHEN v.deposit_per_guest THEN b.deposit_amount / greatest(b.party_size, 1)
                        ELSE b.deposit_amount / greatest(b.quantity, 1) END
FROM vendors v WHERE v.id = b.vendor_id AND b.deposit_rate IS NULL;
UPDATE bookings SET deposit_rate = deposit_amount / greatest(quantity, 1), deposit_per_guest = false,
    free_cancel_hours = 24 WHERE deposit_rate IS NULL;
ALTER TABLE bookings
    ALTER COLUMN deposit_rate SET NOT NULL,
    ALTER COLUMN deposit_per_guest SET NOT NULL,
    ALTER COLUMN free_cancel_hours SET NOT NULL;

-- How far ahead a vendor takes bookings (booking's copy of the vendor's setting).
ALTER TABLE vendors ADD COLUMN IF NOT EXISTS horizon_days int NOT NULL DEFAULT 365;

-- An expired hold whose expiry could not be written is tried again at
-- sweep_at (NULL: at expires_at), so one bad row never holds up the others.
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS sweep_at timestamptz;

-- One change of a booking at a time. A change (PATCH, cancel, avail,
-- no-show) is claimed under the booking's row lock before any money moves:
-- the partial unique index lets one change be open per booking, so a second
-- concurrent change is refused (409 conflict). A change ends applied (the
-- booking's to_version is what it made) or aborted (outcome says why), never
-- both. The caller's Idempotency-Key, when given, finds the change again:
-- the same request is answered as that change left the booking.
CREATE TABLE IF NOT EXISTS changes (
    id            uuid        PRIMARY KEY,
    booking_id    uuid        NOT NULL REFERENCES bookings (id),
    op            text        NOT NULL CHECK (op IN ('update', 'cancel', 'avail', 'no_show')),
    actor         text        NOT NULL, -- the user who asked
    key           text,                 -- the caller's Idempotency-Key (NULL: none given)
    request_hash  bytea       NOT NULL, -- SHA-256 of the op and its request
    state         text        NOT NULL CHECK (state IN ('open', 'applied', 'aborted')),
    from_version  bigint      NOT NULL,
    to_version    bigint,               -- the booking's version it made (applied)
    charge_key    text UNIQUE,          -- the top-up it charged, if any (its own key, never shared)
    charge_amount bigint      NOT NULL DEFAULT 0 CHECK (charge_amount >= 0),
    outcome       jsonb,                -- the error it ended with (aborted)
    expires_at    timestamptz NOT NULL, -- an open change not ended by then is aborted by the sweeper
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT changes_applied_version CHECK ((state = 'applied') = (to_version IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS changes_one_open ON changes (booking_id) WHERE state = 'open';
CREATE UNIQUE INDEX IF NOT EXISTS changes_key ON changes (booking_id, key) WHERE key IS NOT NULL;
CREATE INDEX IF NOT EXISTS changes_open_expiry ON changes (expires_at) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS changes_booking ON changes (booking_id, created_at);

-- Bookings ended before this migration answer their ending request again
-- through the change it became (their Idempotency-Key was bookings.final_key).
INSERT INTO changes (id, booking_id, op, actor, key, request_hash, state, from_version, to_version,
    expires_at, created_at, updated_at)
SELECT gen_random_uuid(), id,
    CASE status WHEN 'CANCELLED' THEN 'cancel' WHEN 'AVAILED' THEN 'avail' ELSE 'no_show' END,
    user_id::text, final_key, ''::bytea, 'applied', version - 1, version, updated_at, updated_at, updated_at
FROM bookings WHERE final_key IS NOT NULL AND status IN ('CANCELLED', 'AVAILED', 'NO_SHOW')
ON CONFLICT DO NOTHING;

-- What a booking owes and has not paid yet: a refund (split across the
-- charges the booking relies on) or a void (a charge key that must end up
-- holding nothing: an expired hold's deposit, a top-up whose change did not
-- apply). Written in the transaction that decides it, deleted once payment
-- has answered for good; until then the sweeper asks again, each row on its
-- own back-off (next_attempt_at), claimed FOR UPDATE SKIP LOCKED so
-- replicas share the work. settles: paying it settles the booking's deposit
-- status (refund_pending -> refunded, void_pending -> voided).
CREATE TABLE IF NOT EXISTS dues (
    key             text        PRIMARY KEY, -- the refund's key, or the charge key to void
    booking_id      uuid        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('refund', 'void')),
    amount          bigint      NOT NULL DEFAULT 0,
    reason          text        NOT NULL,
    settles         boolean     NOT NULL DEFAULT false,
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dues_amount CHECK ((kind = 'refund' AND amount > 0) OR (kind = 'void' AND amount = 0))
);
CREATE INDEX IF NOT EXISTS dues_next ON dues (next_attempt_at);
CREATE INDEX IF NOT EXISTS dues_booking ON dues (booking_id);

-- What was owed before this migration becomes dues: the smaller parties'
-- refunds, and the final refunds and voids bookings were waiting for.
INSERT INTO dues (key, booking_id, kind, amount, reason, attempts, next_attempt_at, created_at)
SELECT key, booking_id, 'refund', amount, reason, attempts, next_at, created_at FROM owed_refunds
ON CONFLICT DO NOTHING;
INSERT INTO dues (key, booking_id, kind, amount, reason, settles, next_attempt_at)
SELECT 'booking:' || id || ':refund', id, 'refund', refund_amount, refund_reason, true, now()
FROM bookings WHERE deposit_status = 'refund_pending' AND refund_amount > 0
ON CONFLICT DO NOTHING;
INSERT INTO dues (key, booking_id, kind, reason, settles, next_attempt_at)
SELECT 'booking:' || id || ':deposit', id, 'void', 'hold ended', true, now()
FROM bookings WHERE deposit_status = 'void_pending'
ON CONFLICT DO NOTHING;
DROP TABLE IF EXISTS owed_refunds;
DROP INDEX IF EXISTS bookings_money_due;

-- The ending request's key now lives in its change.
ALTER TABLE bookings DROP COLUMN IF EXISTS final_key;

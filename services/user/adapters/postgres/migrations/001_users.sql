-- userdb: the user service's own schema.
CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL,
    name          text        NOT NULL,
    phone         text        NOT NULL DEFAULT '',
    password_hash text        NOT NULL,
    version       bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
-- Emails are stored normalised (lower-case); the index decides concurrent sign-ups.
CREATE UNIQUE INDEX users_email_key ON users (email);

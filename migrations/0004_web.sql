-- The web layer: sessions, one-time account tokens and rate limits. All of
-- it lives in PostgreSQL so that several helpdesk processes behind one
-- address share sign-ins and limits.

-- A signed-in citizen or agent. Only a SHA-256 of the session id is kept:
-- a copy of this table does not let anyone sign in.
CREATE TABLE web_sessions (
    id_hash       bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    agent_id      integer REFERENCES agents (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (agent_id IS NULL))
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX web_sessions_agent_idx ON web_sessions (agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX web_sessions_seen_idx ON web_sessions (last_seen_at);

-- Account confirmation and password reset tokens, by SHA-256. A
-- confirmation carries the registration it confirms (nothing about the
-- user changes until the mailbox owner clicks); a reset is bound to the
-- password hash it was issued against, so a reset or a newer password
-- voids it.
CREATE TABLE account_tokens (
    token_hash     bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    kind           text NOT NULL CHECK (kind IN ('confirm_account', 'password_reset')),
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash  text NOT NULL,
    data           jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, kind);

-- Sliding-window rate limits, approximated from two fixed buckets per key
-- (the current and the previous window).
CREATE TABLE rate_limits (
    key     text NOT NULL,
    bucket  timestamptz NOT NULL,
    hits    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (key, bucket)
);
CREATE INDEX rate_limits_bucket_idx ON rate_limits (bucket);

-- Inbound mail: every message stored raw exactly once, whatever became of
-- it. The unique keys, not a look-up in Go, make re-polling, a crash
-- between commit and flag, or the same mail by IMAP and by pipe harmless.

CREATE TABLE inbound_messages (
    id           bigserial PRIMARY KEY,
    -- 'mid:' + canonical Message-ID, or 'sha256:' + hash of the raw bytes
    -- for a message without one.
    dedup_key    text NOT NULL UNIQUE,
    message_id   text,
    mailbox      text NOT NULL,
    raw          bytea NOT NULL,
    size         bigint NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    outcome      text NOT NULL DEFAULT 'pending'
                 CHECK (outcome IN ('pending', 'opened', 'forward', 'reply', 'response', 'bounce', 'ignored', 'failed')),
    note         text NOT NULL DEFAULT '',
    ticket_id    bigint REFERENCES tickets (id) ON DELETE SET NULL,
    entry_id     bigint REFERENCES entries (id) ON DELETE SET NULL
);
CREATE INDEX inbound_messages_ticket_idx ON inbound_messages (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX inbound_messages_entry_idx ON inbound_messages (entry_id) WHERE entry_id IS NOT NULL;

-- Which IMAP message (mailbox, UIDVALIDITY, UID) each stored message was.
CREATE TABLE mailbox_uids (
    mailbox       text NOT NULL,
    uid_validity  bigint NOT NULL,
    uid           bigint NOT NULL,
    inbound_id    bigint NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
    flagged       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (mailbox, uid_validity, uid)
);
CREATE INDEX mailbox_uids_unflagged_idx ON mailbox_uids (mailbox, uid_validity, uid) WHERE NOT flagged;

-- Where each polled mailbox stands.
CREATE TABLE mailbox_state (
    mailbox       text PRIMARY KEY,
    uid_validity  bigint NOT NULL,
    last_uid      bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A recipient address that routes new tickets to a help topic
-- (siks-ng@… → Aplikasi SIKS-NG).
CREATE TABLE address_routes (
    address   text PRIMARY KEY CHECK (address = lower(address)),
    topic_id  integer NOT NULL REFERENCES help_topics (id) ON DELETE CASCADE
);

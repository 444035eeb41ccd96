-- The outbox: every mail to send is a row written in the transaction of the
-- change that causes it, composed then, with its Message-ID fixed, so a
-- retry sends the same bytes and a rolled-back change sends nothing.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,
    message_id       text NOT NULL UNIQUE,
    ticket_id        bigint REFERENCES tickets (id) ON DELETE CASCADE,
    entry_id         bigint REFERENCES entries (id) ON DELETE SET NULL,
    recipient        text NOT NULL,
    sender           text NOT NULL,
    subject          text NOT NULL DEFAULT '',
    data             bytea NOT NULL,
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    locked_at        timestamptz,
    sent_at          timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_sending_idx ON outbox (locked_at) WHERE status = 'sending';
CREATE INDEX outbox_recipient_idx ON outbox (recipient, created_at);
CREATE INDEX outbox_ticket_idx ON outbox (ticket_id, id) WHERE ticket_id IS NOT NULL;

-- The order Message-IDs were recorded in is the thread's order, for the
-- References chain of the next notice.
ALTER TABLE message_ids ADD COLUMN seq bigserial;
CREATE INDEX message_ids_ticket_seq_idx ON message_ids (ticket_id, seq);
DROP INDEX message_ids_ticket_idx;

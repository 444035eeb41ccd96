-- Mail you can trust (issue 10): what was authenticated about each inbound
-- message, letters that reuse another's Message-ID, mail that became no
-- ticket but stays visible, tickets that refer to others, and notices held
-- for a digest instead of dropped.

-- The content digest (sender, subject, text, attachments) tells the same
-- letter again (a duplicate) from a different letter reusing a Message-ID
-- (stored as its own). Rows stored before this migration have none and
-- keep the old meaning: same Message-ID, same letter.
ALTER TABLE inbound_messages
    ADD COLUMN digest bytea,
    ADD COLUMN sender text NOT NULL DEFAULT '',
    ADD COLUMN subject text NOT NULL DEFAULT '',
    -- What authenticated the sender: 'dmarc', 'dkim', 'possession' (a
    -- reply naming a mail the helpdesk sent to that address) or 'none'.
    ADD COLUMN auth text NOT NULL DEFAULT 'none'
        CHECK (auth IN ('none', 'dmarc', 'dkim', 'possession')),
    ADD COLUMN auth_detail text NOT NULL DEFAULT '',
    -- Whose agents see a message that became no ticket: the department it
    -- would have gone to.
    ADD COLUMN department_id integer REFERENCES departments (id) ON DELETE SET NULL,
    -- The text alone, to see a sender repeating the same words (a loop).
    ADD COLUMN text_digest bytea;

ALTER TABLE inbound_messages DROP CONSTRAINT inbound_messages_outcome_check;
ALTER TABLE inbound_messages ADD CONSTRAINT inbound_messages_outcome_check
    CHECK (outcome IN ('pending', 'opened', 'forward', 'reply', 'response', 'note', 'bounce',
                       'ignored', 'automatic', 'unverified', 'refused', 'failed'));

CREATE INDEX inbound_messages_message_id_idx ON inbound_messages (message_id) WHERE message_id IS NOT NULL;
-- The "mail not filed" list agents open, newest first.
CREATE INDEX inbound_messages_unfiled_idx ON inbound_messages (received_at DESC, id DESC) WHERE ticket_id IS NULL;
-- The loop guard's "same text from the same sender in the last hour".
CREATE INDEX inbound_messages_sender_idx ON inbound_messages (sender, received_at) WHERE sender <> '';

-- The verdict of a mail-born entry, shown on it in the agent panel.
ALTER TABLE entries
    ADD COLUMN auth text CHECK (auth IN ('none', 'dmarc', 'dkim', 'possession')),
    ADD COLUMN auth_detail text;

-- A ticket opened for someone whose mail referred to another ticket they
-- take no part in ("refers to #N"), for an agent to merge or add them.
ALTER TABLE tickets ADD COLUMN refers_to bigint REFERENCES tickets (id) ON DELETE SET NULL;

-- Notices are never dropped by the loop guards: past a burst they are held
-- and folded into one digest mail (digest_id is that mail's row).
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed', 'held', 'digested'));
ALTER TABLE outbox ADD COLUMN digest_id bigint REFERENCES outbox (id) ON DELETE SET NULL;
CREATE INDEX outbox_held_idx ON outbox (recipient, id) WHERE status = 'held';

-- The loop guards count a recipient's mail of the last hour on every
-- notice, and suppressed rows (one per new ticket for each agent past the
-- cap) are not counted: an index without them keeps the count small.
-- hdbench: 6.6 ms per check before, 0.2 ms after.
CREATE INDEX outbox_recipient_live_idx ON outbox (recipient, created_at) WHERE status <> 'suppressed';

-- The ticket page lists a ticket's mails that did not simply go (failed,
-- suppressed, held for a digest or sent in one, delayed). They are few;
-- the outbox rows of a ticket's history are not: through outbox_ticket_idx
-- the page read every row of the ticket's mail to find none, from disk
-- at a million tickets' mail (3.5 ms a page on average in hdbench, p99
-- 93 ms). This index holds only the problems.
CREATE INDEX outbox_problems_idx ON outbox (ticket_id, id)
    WHERE status IN ('failed', 'suppressed', 'held', 'digested') OR (status = 'queued' AND attempts > 0);

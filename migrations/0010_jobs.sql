-- Scheduled jobs decide on the locked row. Escalation raises a ticket's
-- priority once per overdue episode: escalated_due_at is the due date it
-- was escalated for. A reopen gives the ticket a new due date, and so a new
-- episode, without every statement that sets due_at (a reopen by status,
-- a reopen on the owner's reply) having to clear a flag as well.
ALTER TABLE tickets ADD COLUMN escalated_due_at timestamptz;

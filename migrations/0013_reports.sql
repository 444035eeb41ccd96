-- Reports (issue 12): department leads, and the indexes a period's report
-- reads so that a month costs a month's rows, not a scan of every ticket.

-- A department's lead sees its reports; admins see every department's.
ALTER TABLE agent_departments ADD COLUMN lead boolean NOT NULL DEFAULT false;

-- Tickets opened in a period.
CREATE INDEX tickets_created_idx ON tickets (created_at);

-- The open backlog, overdue tickets included (tickets_due_idx holds only
-- those not marked yet), counted from the index alone: the backlog now,
-- and the start of a period's end backlog.
CREATE INDEX tickets_open_due_idx ON tickets (due_at) INCLUDE (created_at, department_id) WHERE status = 'open';

-- The first response of each ticket of a period, from the index alone.
CREATE INDEX entries_response_idx ON entries (ticket_id, created_at) WHERE kind = 'response';

-- Status changes (resolutions, reopenings) are a few rows among the
-- thread entries: those of a period, and those of one ticket.
CREATE INDEX entries_status_idx ON entries (created_at)
    WHERE kind = 'event' AND event IN ('status', 'reopened');
CREATE INDEX entries_status_ticket_idx ON entries (ticket_id, id)
    WHERE kind = 'event' AND event IN ('status', 'reopened');

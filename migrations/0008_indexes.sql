-- Listings without a status or department (the API's search and "all
-- tickets") sort by last update. tickets.List walks this index newest
-- first for common words; rare words go through the GIN index and never
-- reach the planner's choice (see Store.search).
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);

-- The loop guards use outbox_recipient_live_idx (0006); this one, with the
-- suppressed rows, served nothing but cost every notice an index insert.
DROP INDEX outbox_recipient_idx;

-- Listings without a status or department (the API's search, an admin's
-- "all tickets") sort by last update: without this index PostgreSQL
-- fetches every ticket matching a common word and sorts them all; with it
-- it walks the newest first and stops at a page.
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);

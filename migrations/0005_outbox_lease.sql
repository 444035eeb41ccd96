-- Which process claimed a row: a worker whose claim committed but whose
-- connection died before the answer can find and release its rows.
ALTER TABLE outbox ADD COLUMN locked_by text;

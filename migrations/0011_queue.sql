-- The queue as a worklist and search that finds people (issue 12).
--
-- Every sort of the queue walks an index in its order, one walk per
-- (department, status) pair merged by tickets.List, so a page reads about
-- as many rows as it shows whatever the size of the queue. updated_at has
-- its index since 0001 (tickets_queue_idx); these are the other columns.

-- Sort by due date: soonest first puts the overdue ones on top.
CREATE INDEX tickets_queue_due_idx ON tickets (department_id, status, due_at, id);

-- Sort by number, in numeric order: 6 digits before 7.
CREATE INDEX tickets_queue_number_idx ON tickets (department_id, status, length(number), number);

-- Sort by priority, highest first and newest first within one. The rank
-- is a function so that the index and tickets.List spell it once.
CREATE FUNCTION priority_rank(priority text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE priority WHEN 'emergency' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END $$;
CREATE INDEX tickets_queue_priority_idx ON tickets (department_id, status, priority_rank(priority) DESC, updated_at DESC, id DESC);

-- Sort by assignee: each agent's tickets newest first, merged in the
-- order of their names; also the My tickets tab in one department.
CREATE INDEX tickets_queue_assignee_idx ON tickets (department_id, status, assignee_id, updated_at DESC, id DESC);

-- The Unassigned and Overdue tabs and their counts: small in a desk that
-- keeps up, and without these a walk of the whole open queue to find them.
CREATE INDEX tickets_unassigned_idx ON tickets (department_id, updated_at DESC, id DESC)
    WHERE status = 'open' AND assignee_id IS NULL;
CREATE INDEX tickets_overdue_idx ON tickets (department_id, updated_at DESC, id DESC)
    WHERE status = 'open' AND overdue;

-- People: a search looks up the owners and collaborators it names first,
-- by the words of their name and address (the whole address, its local
-- part word by word, its domain: "yahoo.co.id"), or by phone number, and
-- then their tickets through tickets_owner_idx and the collaborators'.
-- The words are kept (a generated column: every way users are written
-- keeps it up to date) because a search naming thousands of people checks
-- each ticket's owner instead, and computing them there was the cost.
CREATE FUNCTION person_search_vector(name text, email text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_tsvector('simple'::regconfig, name || ' ' || email || ' ' || split_part(email, '@', 2) || ' ' ||
        translate(split_part(email, '@', 1), '._-+', '    ')) $$;
ALTER TABLE users ADD COLUMN search tsvector GENERATED ALWAYS AS (person_search_vector(name, email)) STORED;
CREATE INDEX users_search_idx ON users USING gin (search);

-- A phone number as digits in national form: +62 812-3456-7890 and
-- 081234567890 are the same number.
CREATE FUNCTION phone_key(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(regexp_replace(phone, '[^0-9]', '', 'g'), '^62', '0') $$;
CREATE INDEX users_phone_idx ON users (phone_key(phone)) WHERE phone <> '';

-- Saved views: an agent's named tab, filters, search and sort, shown as
-- extra tabs of their queue.
CREATE TABLE saved_views (
    id             serial PRIMARY KEY,
    agent_id       integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 60),
    tab            text NOT NULL CHECK (tab IN ('open', 'mine', 'unassigned', 'overdue', 'resolved', 'closed')),
    department_id  integer REFERENCES departments (id) ON DELETE CASCADE,
    topic_id       integer REFERENCES help_topics (id) ON DELETE CASCADE,
    query          text NOT NULL DEFAULT '',
    in_tab         boolean NOT NULL DEFAULT false,
    sort           text NOT NULL DEFAULT 'updated'
                   CHECK (sort IN ('number', 'updated', 'due', 'priority', 'status', 'assignee')),
    descending     boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_views_name_key ON saved_views (agent_id, lower(name));

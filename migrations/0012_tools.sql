-- The agent's everyday tools on a ticket (issue 12): merged tickets,
-- tickets opened for a caller, who has a ticket open, canned responses and
-- agents' signatures.

-- A ticket merged into another keeps its row (and so its number, which
-- no new ticket can take) as a closed stub pointing at the ticket that
-- now holds its thread: the old number leads there. Merges are flattened,
-- so one hop always reaches a live ticket.
ALTER TABLE tickets ADD COLUMN merged_into bigint REFERENCES tickets (id) ON DELETE SET NULL;
CREATE INDEX tickets_merged_into_idx ON tickets (merged_into) WHERE merged_into IS NOT NULL;

-- A ticket an agent opened for someone who phoned or came to the desk.
ALTER TABLE tickets DROP CONSTRAINT tickets_source_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_source_check
    CHECK (source IN ('web', 'email', 'api', 'phone', 'walkin'));
ALTER TABLE entries DROP CONSTRAINT entries_source_check;
ALTER TABLE entries ADD CONSTRAINT entries_source_check
    CHECK (source IN ('web', 'email', 'api', 'system', 'phone', 'walkin'));

-- Which agent has which ticket open, renewed by the page every ~20 s. In
-- the database, so every helpdesk process sees every agent.
CREATE TABLE ticket_presence (
    ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    agent_id   integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, agent_id)
);
CREATE INDEX ticket_presence_seen_idx ON ticket_presence (seen_at);

-- Canned responses: texts agents insert into a reply, for one department
-- or (department_id NULL) for all.
CREATE TABLE canned_responses (
    id             serial PRIMARY KEY,
    department_id  integer REFERENCES departments (id) ON DELETE CASCADE,
    title          text NOT NULL CHECK (btrim(title) <> ''),
    body           text NOT NULL CHECK (btrim(body) <> ''),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX canned_responses_department_idx ON canned_responses (department_id, lower(title));

-- The signature an agent's responses from the panel end with.
ALTER TABLE agents ADD COLUMN signature text NOT NULL DEFAULT '';

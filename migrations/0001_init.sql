-- The ticket domain: people, departments, topics, SLA, tickets and threads.
-- The database keeps the invariants: uniqueness for dedup, foreign keys,
-- CHECKs for statuses and kinds.

CREATE TABLE departments (
    id          serial PRIMARY KEY,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX departments_name_key ON departments (lower(name));

CREATE TABLE sla_plans (
    id           serial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    grace_hours  integer NOT NULL CHECK (grace_hours > 0)
);

CREATE TABLE help_topics (
    id             serial PRIMARY KEY,
    name           text NOT NULL CHECK (btrim(name) <> ''),
    description    text NOT NULL DEFAULT '',
    department_id  integer NOT NULL REFERENCES departments (id),
    sla_plan_id    integer REFERENCES sla_plans (id),
    active         boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX help_topics_name_key ON help_topics (lower(name));

-- Citizens and regional offices. Users created from mail have no password
-- until they register or reset it.
CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    email          text NOT NULL CHECK (position('@' in email) > 1),
    username       text,
    name           text NOT NULL DEFAULT '',
    address        text NOT NULL DEFAULT '',
    phone          text NOT NULL DEFAULT '',
    timezone       text NOT NULL DEFAULT 'Asia/Jakarta',
    lang           text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en')),
    password_hash  text,
    confirmed_at   timestamptz,
    bouncing_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username)) WHERE username IS NOT NULL;

CREATE TABLE agents (
    id             serial PRIMARY KEY,
    email          text NOT NULL CHECK (position('@' in email) > 1),
    name           text NOT NULL CHECK (btrim(name) <> ''),
    password_hash  text,
    is_admin       boolean NOT NULL DEFAULT false,
    active         boolean NOT NULL DEFAULT true,
    lang           text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en')),
    timezone       text NOT NULL DEFAULT 'Asia/Jakarta',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agents_email_key ON agents (lower(email));

-- The departments whose tickets an agent may see and work.
CREATE TABLE agent_departments (
    agent_id       integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    department_id  integer NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, department_id)
);

CREATE TABLE tickets (
    id                bigserial PRIMARY KEY,
    number            text NOT NULL UNIQUE CHECK (number ~ '^[1-9][0-9]{5,6}$'),
    subject           text NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'closed')),
    priority          text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'emergency')),
    department_id     integer NOT NULL REFERENCES departments (id),
    topic_id          integer REFERENCES help_topics (id),
    owner_id          bigint NOT NULL REFERENCES users (id),
    assignee_id       integer REFERENCES agents (id),
    sla_plan_id       integer REFERENCES sla_plans (id),
    due_at            timestamptz,
    overdue           boolean NOT NULL DEFAULT false,
    source            text NOT NULL CHECK (source IN ('web', 'email', 'api')),
    forwarded_by      integer REFERENCES agents (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    last_message_at   timestamptz,
    last_response_at  timestamptz,
    resolved_at       timestamptz,
    closed_at         timestamptz,
    -- Subject and every thread body, in the indonesian configuration (stems)
    -- and the simple one (mixed-language text, names, codes).
    search            tsvector NOT NULL DEFAULT ''
);
CREATE INDEX tickets_queue_idx ON tickets (department_id, status, updated_at DESC, id DESC);
CREATE INDEX tickets_status_updated_idx ON tickets (status, updated_at DESC, id DESC);
CREATE INDEX tickets_owner_idx ON tickets (owner_id, updated_at DESC);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, status, updated_at DESC) WHERE assignee_id IS NOT NULL;
CREATE INDEX tickets_due_idx ON tickets (due_at) WHERE status = 'open' AND NOT overdue;
CREATE INDEX tickets_search_idx ON tickets USING gin (search);

CREATE TABLE ticket_collaborators (
    ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id),
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_collaborators_user_idx ON ticket_collaborators (user_id);

-- The thread: messages from the owner or collaborators, agents' responses
-- and internal notes, and events (who changed what, when).
CREATE TABLE entries (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('message', 'response', 'note', 'event')),
    user_id     bigint REFERENCES users (id),
    agent_id    integer REFERENCES agents (id),
    body        text NOT NULL DEFAULT '',
    body_html   text NOT NULL DEFAULT '',
    event       text CHECK ((kind = 'event') = (event IS NOT NULL)),
    event_data  jsonb,
    source      text NOT NULL DEFAULT 'web' CHECK (source IN ('web', 'email', 'api', 'system')),
    message_id  text,
    headers     jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (user_id IS NULL OR agent_id IS NULL)
);
CREATE INDEX entries_ticket_idx ON entries (ticket_id, id);

-- Every Message-ID the helpdesk stored or sent for a ticket, for threading.
CREATE TABLE message_ids (
    message_id  text PRIMARY KEY CHECK (message_id <> ''),
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    entry_id    bigint REFERENCES entries (id) ON DELETE CASCADE
);
CREATE INDEX message_ids_ticket_idx ON message_ids (ticket_id);

-- Attachment content, stored once per SHA-256.
CREATE TABLE blobs (
    sha256  bytea PRIMARY KEY CHECK (length(sha256) = 32),
    size    bigint NOT NULL,
    data    bytea NOT NULL
);

CREATE TABLE attachments (
    id            bigserial PRIMARY KEY,
    entry_id      bigint NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    sha256        bytea NOT NULL REFERENCES blobs (sha256),
    name          text NOT NULL,
    content_type  text NOT NULL DEFAULT 'application/octet-stream',
    size          bigint NOT NULL,
    inline        boolean NOT NULL DEFAULT false,
    content_id    text
);
CREATE INDEX attachments_entry_idx ON attachments (entry_id);

-- API keys are stored as SHA-256 of the key: the keys are 256-bit random,
-- so a slow hash adds nothing.
CREATE TABLE api_keys (
    id            serial PRIMARY KEY,
    name          text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE,
    prefix        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

INSERT INTO departments (name) VALUES ('Support');
INSERT INTO sla_plans (name, grace_hours) VALUES ('Default SLA', 48);
INSERT INTO help_topics (name, description, department_id, sla_plan_id)
SELECT t.name, t.description, d.id, s.id
FROM (VALUES
    ('Aplikasi SIKS-NG', 'Semua masalah dan informasi yang ingin diperoleh dari aplikasi SIKS-NG baik versi online, offline, dan mobile.'),
    ('Bantuan Umum', 'Semua masalah, keluhan dan informasi yang ingin diperoleh terkait dengan TUSI (tugas pokok dan fungsi) Kementerian Sosial.'),
    ('Data Terpadu', 'Semua masalah, keluhan dan informasi terkait data terpadu bantuan sosial.'),
    ('Email Kemsos', 'Semua masalah, keluhan dan informasi seputar penggunaan email Kemsos, termasuk upgrade kuota, perubahan dan penghapusan.'),
    ('Internet/Jaringan', 'Semua masalah, keluhan dan informasi seputar optimalisasi internet dan jaringan di Kementerian Sosial.')
) AS t (name, description)
CROSS JOIN departments d CROSS JOIN sla_plans s
WHERE d.name = 'Support' AND s.name = 'Default SLA';

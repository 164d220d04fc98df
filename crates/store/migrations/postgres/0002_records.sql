-- Records: clients, contacts, client groups, custom fields, member profiles,
-- invitations, teams' status, projects, topics, tasks, services, per-client
-- service rates, products, organization settings; the event outbox and
-- idempotency keys. Kept in step with ../sqlite/0002_records.sql.
--
-- Money is BIGINT minor units of the row's currency; percentages are
-- hundredths (2000 = 20.00 %); dates are 'YYYY-MM-DD'; JSON is JSONB here and
-- TEXT on SQLite. Foreign keys carry org_id so no row can point into
-- another organization.

ALTER TABLE organizations ADD COLUMN settings JSONB NOT NULL DEFAULT '{}'::jsonb;

-- Member profiles live on the membership: an admin of one organization must
-- not rename a person in another.
ALTER TABLE members ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN surname TEXT;
ALTER TABLE members ADD COLUMN initials TEXT;
ALTER TABLE members ADD COLUMN phone TEXT;
ALTER TABLE members ADD COLUMN timezone TEXT;
ALTER TABLE members ADD COLUMN hourly_cost BIGINT;
ALTER TABLE members ADD COLUMN default_hourly_rate BIGINT;
UPDATE members SET name = (SELECT users.name FROM users WHERE users.id = members.user_id);

ALTER TABLE member_groups ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'archived'));
CREATE INDEX member_groups_org ON member_groups (org_id, id);

CREATE TABLE invitations (
    token_hash   BYTEA PRIMARY KEY,
    org_id       UUID NOT NULL,
    member_id    UUID NOT NULL,
    created_by   UUID,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id) ON DELETE CASCADE
);
CREATE INDEX invitations_member ON invitations (org_id, member_id);

CREATE TABLE events (
    id             UUID PRIMARY KEY,
    org_id         UUID NOT NULL REFERENCES organizations (id),
    type           TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    UUID,
    actor_type     TEXT NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
    actor_id       UUID,
    data           JSONB NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_org ON events (org_id, id);
CREATE INDEX events_org_type ON events (org_id, type, id);

CREATE TABLE idempotency_keys (
    org_id            UUID NOT NULL,
    actor_id          UUID NOT NULL,
    idempotency_key   TEXT NOT NULL,
    request_hash      BYTEA NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    response_status   BIGINT,
    response_headers  JSONB,
    response_body     BYTEA,
    created_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, actor_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE client_groups (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    initials    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE clients (
    id                  UUID PRIMARY KEY,
    org_id              UUID NOT NULL REFERENCES organizations (id),
    name                TEXT NOT NULL,
    initials            TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('company', 'person')),
    email               TEXT,
    phone               TEXT,
    vat_number          TEXT,
    company_number      TEXT,
    street              TEXT,
    postal_code         TEXT,
    city                TEXT,
    region              TEXT,
    country_code        TEXT,
    locale              TEXT,
    currency            TEXT NOT NULL,
    payment_terms_days  BIGINT,
    notes               TEXT,
    default_contact_id  UUID,
    custom_fields       JSONB NOT NULL DEFAULT '{}'::jsonb,
    status              TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    version             BIGINT NOT NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX clients_org_updated ON clients (org_id, updated_at);

CREATE TABLE client_group_members (
    org_id     UUID NOT NULL,
    client_id  UUID NOT NULL,
    group_id   UUID NOT NULL,
    PRIMARY KEY (client_id, group_id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, group_id) REFERENCES client_groups (org_id, id) ON DELETE CASCADE
);
CREATE INDEX client_group_members_group ON client_group_members (org_id, group_id);

CREATE TABLE contacts (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL REFERENCES organizations (id),
    client_id     UUID NOT NULL,
    name          TEXT NOT NULL,
    surname       TEXT,
    email         TEXT NOT NULL,
    job_title     TEXT,
    phone         TEXT,
    mobile_phone  TEXT,
    is_primary    BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id) ON DELETE CASCADE
);
CREATE INDEX contacts_client ON contacts (org_id, client_id);
CREATE UNIQUE INDEX contacts_one_primary ON contacts (client_id) WHERE is_primary;
ALTER TABLE clients ADD FOREIGN KEY (org_id, default_contact_id) REFERENCES contacts (org_id, id);

CREATE TABLE custom_fields (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations (id),
    entity      TEXT NOT NULL CHECK (entity IN ('client', 'project', 'task')),
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'boolean', 'select', 'multi_select')),
    options     JSONB NOT NULL DEFAULT '[]'::jsonb,
    required    BOOLEAN NOT NULL DEFAULT FALSE,
    visible     BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order  BIGINT NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, entity, key)
);

CREATE TABLE projects (
    id              UUID PRIMARY KEY,
    org_id          UUID NOT NULL REFERENCES organizations (id),
    client_id       UUID,
    name            TEXT NOT NULL,
    code            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('active', 'completed', 'archived')),
    billing_method  TEXT NOT NULL CHECK (billing_method IN ('hourly', 'fixed_fee', 'non_billable')),
    currency        TEXT NOT NULL,
    hourly_rate     BIGINT,
    fixed_fee       BIGINT,
    budget_minutes  BIGINT,
    budget_amount   BIGINT,
    starts_on       DATE,
    ends_on         DATE,
    notes           TEXT,
    custom_fields   JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
);
CREATE INDEX projects_client ON projects (org_id, client_id);

CREATE TABLE project_members (
    org_id      UUID NOT NULL,
    project_id  UUID NOT NULL,
    member_id   UUID NOT NULL,
    PRIMARY KEY (project_id, member_id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id) ON DELETE CASCADE
);
CREATE INDEX project_members_member ON project_members (org_id, member_id);

CREATE TABLE topics (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE tasks (
    id                UUID PRIMARY KEY,
    org_id            UUID NOT NULL REFERENCES organizations (id),
    title             TEXT NOT NULL,
    description       TEXT,
    client_id         UUID,
    project_id        UUID,
    topic_id          UUID,
    status            TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled', 'archived')),
    due_on            DATE,
    estimate_minutes  BIGINT,
    custom_fields     JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id),
    FOREIGN KEY (org_id, topic_id) REFERENCES topics (org_id, id)
);
CREATE INDEX tasks_client ON tasks (org_id, client_id);
CREATE INDEX tasks_project ON tasks (org_id, project_id);
CREATE INDEX tasks_topic ON tasks (org_id, topic_id);

CREATE TABLE task_assignees (
    org_id     UUID NOT NULL,
    task_id    UUID NOT NULL,
    member_id  UUID NOT NULL,
    PRIMARY KEY (task_id, member_id),
    FOREIGN KEY (org_id, task_id) REFERENCES tasks (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id) ON DELETE CASCADE
);
CREATE INDEX task_assignees_member ON task_assignees (org_id, member_id);

CREATE TABLE services (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL,
    description  TEXT,
    kind         TEXT NOT NULL CHECK (kind IN ('hourly', 'fixed')),
    rate         BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    vat_rate     BIGINT NOT NULL,
    rounding     BIGINT NOT NULL CHECK (rounding IN (0, 5, 15, 30)),
    status       TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE client_service_rates (
    org_id      UUID NOT NULL,
    client_id   UUID NOT NULL,
    service_id  UUID NOT NULL,
    rate        BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (client_id, service_id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, service_id) REFERENCES services (org_id, id) ON DELETE CASCADE
);

CREATE TABLE products (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL REFERENCES organizations (id),
    name          TEXT NOT NULL,
    sku           TEXT,
    description   TEXT,
    unit_price    BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    vat_rate      BIGINT NOT NULL,
    vat_category  TEXT NOT NULL CHECK (vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')),
    status        TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, sku)
);

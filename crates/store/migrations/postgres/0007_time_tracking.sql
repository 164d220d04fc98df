-- Time tracking: time entries (with running timers) and expenses with
-- receipts. Kept in step with ../sqlite/0007_time_tracking.sql.
--
-- `date` is the entry's local date in the member's (else the
-- organization's) time zone; `week` ('2026-W09') and `month` ('2026-03') are
-- derived from it when written, so reports group on plain indexed columns
-- the same way on both backends. Amounts are minor units of `currency`.

CREATE TABLE time_entries (
    id                UUID PRIMARY KEY,
    org_id            UUID NOT NULL REFERENCES organizations (id),
    member_id         UUID NOT NULL,
    client_id         UUID,
    project_id        UUID,
    task_id           UUID,
    service_id        UUID,
    date              DATE NOT NULL,
    week              TEXT NOT NULL,
    month             TEXT NOT NULL,
    started_at        TIMESTAMPTZ,
    ended_at          TIMESTAMPTZ,
    duration_seconds  BIGINT NOT NULL,
    billable          BOOLEAN NOT NULL,
    notes             TEXT,
    tags              JSONB NOT NULL DEFAULT '[]'::jsonb,
    status            TEXT NOT NULL CHECK (status IN ('running', 'completed', 'invoiced')),
    invoice_id        UUID,
    rate              BIGINT,
    rate_source       TEXT,
    currency          TEXT NOT NULL,
    billable_seconds  BIGINT NOT NULL,
    billable_amount   BIGINT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id),
    FOREIGN KEY (org_id, task_id) REFERENCES tasks (org_id, id),
    FOREIGN KEY (org_id, service_id) REFERENCES services (org_id, id)
);
-- One running timer per member, enforced by the database itself.
CREATE UNIQUE INDEX time_entries_one_running ON time_entries (org_id, member_id) WHERE status = 'running';
CREATE INDEX time_entries_date ON time_entries (org_id, date, id);
CREATE INDEX time_entries_member_date ON time_entries (org_id, member_id, date);
CREATE INDEX time_entries_client_date ON time_entries (org_id, client_id, date);
CREATE INDEX time_entries_project ON time_entries (org_id, project_id);
CREATE INDEX time_entries_task ON time_entries (org_id, task_id);
CREATE INDEX time_entries_service ON time_entries (org_id, service_id);
CREATE INDEX time_entries_updated ON time_entries (org_id, updated_at);

CREATE TABLE expenses (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL REFERENCES organizations (id),
    member_id     UUID NOT NULL,
    client_id     UUID,
    project_id    UUID,
    date          DATE NOT NULL,
    category      TEXT,
    description   TEXT,
    amount        BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    vat_rate      BIGINT NOT NULL,
    billable      BOOLEAN NOT NULL,
    reimbursable  BOOLEAN NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'invoiced')),
    invoice_id    UUID,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
);
CREATE INDEX expenses_date ON expenses (org_id, date, id);
CREATE INDEX expenses_member_date ON expenses (org_id, member_id, date);
CREATE INDEX expenses_client_date ON expenses (org_id, client_id, date);
CREATE INDEX expenses_project ON expenses (org_id, project_id);

-- Receipts are kept in the database, next to their expense: one backup,
-- one transaction, and several processes see the same file (see
-- docs/operations.md). At most 10 MB each.
CREATE TABLE expense_receipts (
    expense_id    UUID PRIMARY KEY,
    org_id        UUID NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        BYTEA NOT NULL,
    data          BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (org_id, expense_id) REFERENCES expenses (org_id, id) ON DELETE CASCADE
);

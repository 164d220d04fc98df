-- Webhooks: endpoints, their deliveries and every attempt, and the mark
-- that an event has been fanned out. Kept in step with
-- ../sqlite/0008_webhooks.sql (same tables, same columns, same indexes).
--
-- The outbox is read exactly once for fan-out: a worker sets
-- `dispatched_at` in the same transaction that writes the event's
-- deliveries. Endpoints are claimed with a lease (`lease_owner`,
-- `leased_until`): one process delivers to one endpoint at a time, in event
-- order, and a crashed process's lease simply expires.

ALTER TABLE events ADD COLUMN dispatched_at TIMESTAMPTZ;
-- No webhook existed before this migration: earlier events are not fanned out.
UPDATE events SET dispatched_at = occurred_at;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;
CREATE INDEX events_occurred ON events (occurred_at);

CREATE TABLE webhooks (
    id                          UUID PRIMARY KEY,
    org_id                      UUID NOT NULL REFERENCES organizations (id),
    url                         TEXT NOT NULL,
    description                 TEXT,
    event_types                 JSONB NOT NULL,
    enabled                     BOOLEAN NOT NULL,
    disabled_reason             TEXT,
    disabled_at                 TIMESTAMPTZ,
    secret                      TEXT NOT NULL,
    previous_secret             TEXT,
    previous_secret_expires_at  TIMESTAMPTZ,
    failing_since               TIMESTAMPTZ,
    lease_owner                 UUID,
    leased_until                TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ NOT NULL,
    updated_at                  TIMESTAMPTZ NOT NULL,
    version                     BIGINT NOT NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX webhooks_org ON webhooks (org_id, id);

CREATE TABLE webhook_deliveries (
    id               UUID PRIMARY KEY,
    org_id           UUID NOT NULL,
    webhook_id       UUID NOT NULL,
    event_id         UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    trigger          TEXT NOT NULL CHECK (trigger IN ('event', 'test', 'replay')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempt_count    BIGINT NOT NULL,
    retries_left     BIGINT NOT NULL,
    next_attempt_at  TIMESTAMPTZ,
    last_attempt_at  TIMESTAMPTZ,
    completed_at     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (org_id, webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id             UUID PRIMARY KEY,
    org_id         UUID NOT NULL,
    delivery_id    UUID NOT NULL,
    attempted_at   TIMESTAMPTZ NOT NULL,
    status_code    BIGINT,
    latency_ms     BIGINT NOT NULL,
    response_body  TEXT,
    error          TEXT,
    FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

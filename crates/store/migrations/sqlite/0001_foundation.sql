-- Foundation: instance secrets, organizations, users, members, teams,
-- sign-in sessions with rotating refresh tokens, and API key pairs.
-- Kept in step with ../postgres/0001_foundation.sql (same tables, same columns).

CREATE TABLE instance_secrets (
    name        TEXT PRIMARY KEY,
    value       BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE organizations (
    id                       BLOB PRIMARY KEY,
    name                     TEXT NOT NULL,
    plan                     TEXT NOT NULL,
    timezone                 TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    public_api_status        TEXT NOT NULL CHECK (public_api_status IN ('active', 'inactive')),
    public_api_activated_at  TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    version                  INTEGER NOT NULL
);

CREATE TABLE users (
    id             BLOB PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL
);

CREATE TABLE members (
    id          BLOB PRIMARY KEY,
    org_id      BLOB NOT NULL REFERENCES organizations (id),
    user_id     BLOB NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    status      TEXT NOT NULL CHECK (status IN ('active', 'invited', 'inactive')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE member_groups (
    id          BLOB PRIMARY KEY,
    org_id      BLOB NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE member_group_members (
    org_id     BLOB NOT NULL,
    group_id   BLOB NOT NULL,
    member_id  BLOB NOT NULL,
    PRIMARY KEY (group_id, member_id),
    FOREIGN KEY (org_id, group_id) REFERENCES member_groups (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id) ON DELETE CASCADE
);
CREATE INDEX member_group_members_member ON member_group_members (org_id, member_id);

-- One row per sign-in: the family of every refresh token rotated from it.
CREATE TABLE sessions (
    id              BLOB PRIMARY KEY,
    org_id          BLOB NOT NULL,
    member_id       BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);

-- Refresh tokens are stored as SHA-256 of the token; a spent one presented
-- again revokes its session (the whole family).
CREATE TABLE refresh_tokens (
    token_hash  BLOB PRIMARY KEY,
    session_id  BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    spent_at    TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id             BLOB PRIMARY KEY,
    org_id         BLOB NOT NULL REFERENCES organizations (id),
    name           TEXT NOT NULL,
    public_key     TEXT NOT NULL UNIQUE,
    secret_hash    BLOB NOT NULL,
    scopes         TEXT NOT NULL,
    created_by     BLOB,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    last_used_at   TEXT,
    revoked_at     TEXT,
    version        INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, created_by) REFERENCES members (org_id, id)
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

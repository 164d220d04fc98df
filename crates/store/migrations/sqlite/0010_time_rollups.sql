-- Completed and invoiced time per organization, month, client, status,
-- currency and billability, kept exact by triggers in the transaction of
-- every change to time_entries (API writes, the bulk loader, operator
-- commands alike). Time reports answer whole months that need no other
-- dimension or filter from here instead of from every entry (see
-- crates/store/src/reports.rs and docs/benchmarks.md). Kept in step with
-- ../postgres/0010_time_rollups.sql.
--
-- `client_key` is the entry's client id, or 16 zero bytes for time without
-- a client: a key column cannot be NULL and still be unique. It is a key,
-- not a reference: deleting a client is refused while entries use it.
-- Running timers are not counted (reports never count them); a row whose
-- last entry leaves is deleted.
CREATE TABLE time_rollups (
    org_id            BLOB NOT NULL,
    month             TEXT NOT NULL,
    client_key        BLOB NOT NULL,
    status            TEXT NOT NULL,
    currency          TEXT NOT NULL,
    billable          INTEGER NOT NULL,
    seconds           INTEGER NOT NULL,
    billable_seconds  INTEGER NOT NULL,
    billable_amount   INTEGER NOT NULL,
    entries           INTEGER NOT NULL,
    PRIMARY KEY (org_id, month, client_key, status, currency, billable)
) WITHOUT ROWID;

INSERT INTO time_rollups
SELECT org_id, month, COALESCE(client_id, zeroblob(16)), status, currency, billable,
       SUM(duration_seconds), SUM(billable_seconds), SUM(billable_amount), COUNT(*)
FROM time_entries
WHERE status <> 'running'
GROUP BY org_id, month, COALESCE(client_id, zeroblob(16)), status, currency, billable;

-- Every change is one signed delta (an entry in: +1 and its sums; out: -1
-- and minus them), applied in one place: a view whose INSTEAD OF trigger
-- adds the delta to its row and deletes the row once no entry is left.
CREATE VIEW time_rollup_deltas AS
SELECT org_id, month, client_key, status, currency, billable,
       seconds, billable_seconds, billable_amount, entries
FROM time_rollups WHERE 0;

CREATE TRIGGER time_rollup_deltas_apply INSTEAD OF INSERT ON time_rollup_deltas
BEGIN
    INSERT INTO time_rollups (org_id, month, client_key, status, currency, billable,
                              seconds, billable_seconds, billable_amount, entries)
    VALUES (NEW.org_id, NEW.month, NEW.client_key, NEW.status, NEW.currency, NEW.billable,
            NEW.seconds, NEW.billable_seconds, NEW.billable_amount, NEW.entries)
    ON CONFLICT (org_id, month, client_key, status, currency, billable) DO UPDATE SET
        seconds = seconds + excluded.seconds,
        billable_seconds = billable_seconds + excluded.billable_seconds,
        billable_amount = billable_amount + excluded.billable_amount,
        entries = entries + excluded.entries;
    DELETE FROM time_rollups
    WHERE org_id = NEW.org_id AND month = NEW.month AND client_key = NEW.client_key
      AND status = NEW.status AND currency = NEW.currency AND billable = NEW.billable
      AND entries = 0;
END;

CREATE TRIGGER time_rollups_insert AFTER INSERT ON time_entries
WHEN NEW.status <> 'running'
BEGIN
    INSERT INTO time_rollup_deltas
    VALUES (NEW.org_id, NEW.month, COALESCE(NEW.client_id, zeroblob(16)), NEW.status, NEW.currency,
            NEW.billable, NEW.duration_seconds, NEW.billable_seconds, NEW.billable_amount, 1);
END;

CREATE TRIGGER time_rollups_delete AFTER DELETE ON time_entries
WHEN OLD.status <> 'running'
BEGIN
    INSERT INTO time_rollup_deltas
    VALUES (OLD.org_id, OLD.month, COALESCE(OLD.client_id, zeroblob(16)), OLD.status, OLD.currency,
            OLD.billable, -OLD.duration_seconds, -OLD.billable_seconds, -OLD.billable_amount, -1);
END;

-- An update moves the old values out of their row and the new ones into
-- theirs (the same row when no key changed).
CREATE TRIGGER time_rollups_update_out
AFTER UPDATE OF month, client_id, status, currency, billable, duration_seconds,
                billable_seconds, billable_amount ON time_entries
WHEN OLD.status <> 'running'
BEGIN
    INSERT INTO time_rollup_deltas
    VALUES (OLD.org_id, OLD.month, COALESCE(OLD.client_id, zeroblob(16)), OLD.status, OLD.currency,
            OLD.billable, -OLD.duration_seconds, -OLD.billable_seconds, -OLD.billable_amount, -1);
END;

CREATE TRIGGER time_rollups_update_in
AFTER UPDATE OF month, client_id, status, currency, billable, duration_seconds,
                billable_seconds, billable_amount ON time_entries
WHEN NEW.status <> 'running'
BEGIN
    INSERT INTO time_rollup_deltas
    VALUES (NEW.org_id, NEW.month, COALESCE(NEW.client_id, zeroblob(16)), NEW.status, NEW.currency,
            NEW.billable, NEW.duration_seconds, NEW.billable_seconds, NEW.billable_amount, 1);
END;

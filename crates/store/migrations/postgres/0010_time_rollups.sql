-- Completed and invoiced time per organization, month, client, status,
-- currency and billability, kept exact by a trigger in the transaction of
-- every change to time_entries. Kept in step with
-- ../sqlite/0010_time_rollups.sql, which explains the table.
--
-- `client_key` is the entry's client id, or the nil UUID for time without a
-- client (a key column cannot be NULL and still be unique).
CREATE TABLE time_rollups (
    org_id            UUID NOT NULL,
    month             TEXT NOT NULL,
    client_key        UUID NOT NULL,
    status            TEXT NOT NULL,
    currency          TEXT NOT NULL,
    billable          BOOLEAN NOT NULL,
    seconds           BIGINT NOT NULL,
    billable_seconds  BIGINT NOT NULL,
    billable_amount   BIGINT NOT NULL,
    entries           BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, client_key, status, currency, billable)
);

INSERT INTO time_rollups
SELECT org_id, month, COALESCE(client_id, '00000000-0000-0000-0000-000000000000'::uuid), status,
       currency, billable, SUM(duration_seconds), SUM(billable_seconds), SUM(billable_amount), COUNT(*)
FROM time_entries
WHERE status <> 'running'
GROUP BY 1, 2, 3, 4, 5, 6;

-- Adds (sign 1) or removes (sign -1) one entry's time in its row.
CREATE FUNCTION time_rollups_apply(e time_entries, sign BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    client UUID := COALESCE(e.client_id, '00000000-0000-0000-0000-000000000000'::uuid);
BEGIN
    INSERT INTO time_rollups AS r (org_id, month, client_key, status, currency, billable,
                                   seconds, billable_seconds, billable_amount, entries)
    VALUES (e.org_id, e.month, client, e.status, e.currency, e.billable,
            sign * e.duration_seconds, sign * e.billable_seconds, sign * e.billable_amount, sign)
    ON CONFLICT (org_id, month, client_key, status, currency, billable) DO UPDATE SET
        seconds = r.seconds + EXCLUDED.seconds,
        billable_seconds = r.billable_seconds + EXCLUDED.billable_seconds,
        billable_amount = r.billable_amount + EXCLUDED.billable_amount,
        entries = r.entries + EXCLUDED.entries;
    IF sign < 0 THEN
        DELETE FROM time_rollups
        WHERE org_id = e.org_id AND month = e.month AND client_key = client
          AND status = e.status AND currency = e.currency AND billable = e.billable
          AND entries = 0;
    END IF;
END $$;

-- Two transactions moving entries between the same two rows in opposite
-- directions must lock those rows in one order, or they deadlock: the row
-- with the smaller key is always touched first.
CREATE FUNCTION time_rollups_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    take_out BOOLEAN := TG_OP <> 'INSERT' AND OLD.status <> 'running';
    put_in BOOLEAN := TG_OP <> 'DELETE' AND NEW.status <> 'running';
BEGIN
    IF take_out AND put_in
       AND (NEW.month, COALESCE(NEW.client_id, '00000000-0000-0000-0000-000000000000'::uuid),
            NEW.status, NEW.currency, NEW.billable)
         < (OLD.month, COALESCE(OLD.client_id, '00000000-0000-0000-0000-000000000000'::uuid),
            OLD.status, OLD.currency, OLD.billable) THEN
        PERFORM time_rollups_apply(NEW, 1);
        PERFORM time_rollups_apply(OLD, -1);
        RETURN NULL;
    END IF;
    IF take_out THEN
        PERFORM time_rollups_apply(OLD, -1);
    END IF;
    IF put_in THEN
        PERFORM time_rollups_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER time_rollups_track
AFTER INSERT OR DELETE OR UPDATE OF month, client_id, status, currency, billable, duration_seconds,
                                billable_seconds, billable_amount
ON time_entries
FOR EACH ROW EXECUTE FUNCTION time_rollups_track();

-- Indexes shaped like the hot queries (see docs/benchmarks.md). Kept in step
-- with ../sqlite/0009_query_indexes.sql.
--
-- The time-entry list filtered by member and dates walks ids in keyset
-- order: with `id` in the index, the page's ids come from the index alone
-- and only the rows of the page are read from the table. It replaces
-- (org_id, member_id, date), a prefix of it.
DROP INDEX time_entries_member_date;
CREATE INDEX time_entries_member_date_id ON time_entries (org_id, member_id, date, id);

-- Time reports over a date range read every column they group, filter and
-- sum from this index alone, never the table; with `id` last it also
-- covers the list filtered by dates (as (org_id, date, id), which it
-- replaces, did), so an entry still updates as many indexes as before.
DROP INDEX time_entries_date;
CREATE INDEX time_entries_date_report ON time_entries (
    org_id, date, status, currency, client_id, project_id, member_id, service_id, task_id,
    month, week, duration_seconds, billable_seconds, billable_amount, id
);

-- Indexes shaped like the hot queries (see docs/benchmarks.md). Kept in step
-- with ../sqlite/0009_query_indexes.sql.
--
-- The time-entry list filtered by member and dates walks ids in keyset
-- order: with `id` in the index, the page's ids come from the index alone
-- and only the rows of the page are read from the table. It replaces
-- (org_id, member_id, date), a prefix of it.
DROP INDEX time_entries_member_date;
CREATE INDEX time_entries_member_date_id ON time_entries (org_id, member_id, date, id);

-- drain_batch() (migration 0021) counts its events in groups: the events it stored are grouped
-- first by what their counter keys depend on (project, name, whether drained), and each group,
-- not each event, is expanded into its keys by event_count_keys(). Expanded per event, the keys
-- cost a batch of 5,000 over 1,000 projects 25,000 rows of a Values Scan, whose expressions
-- Postgres prepares again for every row it returns, and a sort of those 25,000 rows; grouped
-- first, about 5,000 (docs/BENCHMARKS.md, "The drain counts its events in groups"). The rest of
-- the statement, its comment in 0021 included, is as it was. A group holds at most a batch's
-- rows (DRAIN_BATCH_SIZE is at most 100,000), so its count fits an integer, whose sum is a
-- bigint (a bigint's would be a numeric).
CREATE OR REPLACE FUNCTION drain_batch(bigint, bigint, boolean)
RETURNS TABLE (rows_moved bigint, events_stored bigint, highest_id bigint, lock_given_up boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := current_setting('panel.writer', true);
BEGIN
-- Set here rather than by a SET clause, which only a superuser may give a custom setting.
PERFORM set_config('panel.writer', 'drain', true);
RETURN QUERY
WITH awake AS (
    SELECT CASE WHEN $3 THEN pg_advisory_unlock(72951015) END AS unlocked),
claimed AS (
    SELECT ctid FROM event_queue WHERE id >= $2 AND next_attempt_at <= now()
    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED),
moved AS (
    DELETE FROM event_queue q WHERE q.ctid = ANY (ARRAY(SELECT ctid FROM claimed))
    RETURNING q.id, q.event_id, q.name, q.payload, q.enqueued_at),
numbered AS (
    SELECT m.*, nextval('events_id_seq') AS event_no, clock_timestamp() AS at
    FROM (SELECT * FROM moved ORDER BY id) m),
keyed AS (
    INSERT INTO event_keys (event_id, id, created_at)
    SELECT event_id, event_no, at FROM numbered RETURNING 1),
stored AS (
    INSERT INTO events (id, event_id, name, payload, enqueued_at, created_at)
    OVERRIDING SYSTEM VALUE
    SELECT event_no, event_id, name, payload, enqueued_at, at FROM numbered
    RETURNING project_id, name, enqueued_at),
counted AS (
    INSERT INTO event_counts AS c (project_id, name, shard, n)
    SELECT k.project_id, k.name, pg_backend_pid() % 16, sum(e.n)
    FROM (SELECT project_id, name, enqueued_at IS NOT NULL AS drained, count(*)::integer AS n
          FROM stored GROUP BY 1, 2, 3) e
    CROSS JOIN LATERAL event_count_keys(e.project_id, e.name, e.drained) k
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n)
SELECT m.n, (SELECT count(*) FROM keyed), m.highest, (SELECT a.unlocked FROM awake a)
FROM (SELECT count(*) AS n, coalesce(max(id), 0) AS highest FROM moved) m;
PERFORM set_config('panel.writer', coalesce(was, ''), true);
END $$;

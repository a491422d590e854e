-- Counts the events that arrived through the outbox (drained, enqueued_at set) under the key
-- project_id -1, so /metrics can report the drain's progress as a counter without counting
-- rows. Same trigger as 0004 otherwise.
CREATE OR REPLACE FUNCTION event_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts AS c (project_id, name, shard, n)
    SELECT k.project_id, k.name, pg_backend_pid() % 16, count(*)
    FROM new_rows e
    CROSS JOIN LATERAL (VALUES (0::bigint, ''), (0, e.name), (e.project_id, ''),
                               (e.project_id, e.name),
                               (CASE WHEN e.enqueued_at IS NOT NULL THEN -1 END, ''))
               AS k (project_id, name)
    WHERE k.project_id IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

INSERT INTO event_counts (project_id, name, shard, n)
SELECT -1, '', 0, count(*) FROM events WHERE enqueued_at IS NOT NULL
HAVING count(*) > 0
ON CONFLICT (project_id, name, shard) DO UPDATE SET n = event_counts.n + excluded.n;

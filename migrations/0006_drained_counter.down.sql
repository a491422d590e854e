CREATE OR REPLACE FUNCTION event_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts AS c (project_id, name, shard, n)
    SELECT k.project_id, k.name, pg_backend_pid() % 16, count(*)
    FROM new_rows e
    CROSS JOIN LATERAL (VALUES (0::bigint, ''), (0, e.name), (e.project_id, ''),
                               (e.project_id, e.name)) AS k (project_id, name)
    WHERE k.project_id IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

DELETE FROM event_counts WHERE project_id = -1;

-- Back to migration 0004's counters: statement triggers keeping per-project and total rows of
-- deployment_counts, recounted here from deployments.
DROP TRIGGER deployments_count_insert ON deployments;
DROP TRIGGER deployments_count_update ON deployments;
DROP TRIGGER deployments_count_delete ON deployments;
DROP FUNCTION deployments_count_insert(), deployments_count_update(), deployments_count_delete(),
    deployments_recount(), project_deployments_add(bigint, text, integer),
    project_deployments_newest(bigint);
DROP TABLE project_deployments;

CREATE FUNCTION deployment_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deployment_counts AS c (project_id, status, shard, n)
    SELECT k.project_id, d.status, pg_backend_pid() % 16, count(*)
    FROM new_rows d CROSS JOIN LATERAL (VALUES (d.project_id), (0)) AS k (project_id)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION deployment_counts_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deployment_counts AS c (project_id, status, shard, n)
    SELECT k.project_id, x.status, pg_backend_pid() % 16, sum(x.delta)
    FROM (SELECT project_id, status, 1 AS delta FROM new_rows
          UNION ALL
          SELECT project_id, status, -1 FROM old_rows) x
    CROSS JOIN LATERAL (VALUES (x.project_id), (0)) AS k (project_id)
    GROUP BY 1, 2 HAVING sum(x.delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (project_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION deployment_counts_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deployment_counts AS c (project_id, status, shard, n)
    SELECT k.project_id, d.status, pg_backend_pid() % 16, -count(*)
    FROM old_rows d CROSS JOIN LATERAL (VALUES (d.project_id), (0)) AS k (project_id)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

CREATE TRIGGER deployment_counts_insert AFTER INSERT ON deployments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deployment_counts_insert();
CREATE TRIGGER deployment_counts_update AFTER UPDATE ON deployments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deployment_counts_update();
CREATE TRIGGER deployment_counts_delete AFTER DELETE ON deployments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deployment_counts_delete();

LOCK TABLE deployments IN SHARE MODE;
DELETE FROM deployment_counts;
INSERT INTO deployment_counts (project_id, status, shard, n)
SELECT k.project_id, d.status, 0, count(*)
FROM deployments d CROSS JOIN LATERAL (VALUES (d.project_id), (0)) AS k (project_id)
GROUP BY 1, 2;

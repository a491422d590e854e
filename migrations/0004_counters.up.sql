-- Exact totals for X-Total-Count that do not grow with the rows: counters kept by triggers in
-- the same transactions as the changes. Each backend adds to its own shard (its pid modulo 16),
-- so concurrent writers rarely wait on one counter row; a total is the sum over the shards.
-- project_id 0 holds the totals over every project; name '' the totals over every name.

CREATE TABLE deployment_counts (
    project_id bigint NOT NULL,
    status     text NOT NULL,
    shard      smallint NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (project_id, status, shard)
);

CREATE TABLE event_counts (
    project_id bigint NOT NULL,
    name       text NOT NULL,
    shard      smallint NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (project_id, name, shard)
);

-- Rows are locked in key order (ORDER BY), so two writers on one shard cannot deadlock.
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

-- Events are never updated or deleted.
CREATE FUNCTION event_counts_insert() RETURNS trigger
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

CREATE TRIGGER event_counts_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_counts_insert();

-- Rows that exist already are counted once, here.
INSERT INTO deployment_counts (project_id, status, shard, n)
SELECT k.project_id, d.status, 0, count(*)
FROM deployments d CROSS JOIN LATERAL (VALUES (d.project_id), (0)) AS k (project_id)
GROUP BY 1, 2;
INSERT INTO event_counts (project_id, name, shard, n)
SELECT k.project_id, k.name, 0, count(*)
FROM events e
CROSS JOIN LATERAL (VALUES (0::bigint, ''), (0, e.name), (e.project_id, ''),
                           (e.project_id, e.name)) AS k (project_id, name)
WHERE k.project_id IS NOT NULL
GROUP BY 1, 2;

GRANT SELECT, INSERT, UPDATE ON deployment_counts TO panel_project;
GRANT SELECT, INSERT, UPDATE ON event_counts TO panel_aggregator;

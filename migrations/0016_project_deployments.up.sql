-- Each project's deployments summed up in one row: how many are in each status, and the newest
-- of them. A project's flags (hasOngoingDeployment, hasLiveDeployment) and its
-- latestDeployment become one index probe of this table instead of three subqueries of
-- deployments (GET /projects/{id}'s statement: 189,619 -> 83,000 instructions, callgrind), and
-- the per-project totals of the deployment lists are read from it too.
--
-- Kept exact by row triggers on deployments, in the transaction of the change, whoever writes:
-- the service's statements, panelctl, anyone by hand. A creation adds to its project's row and
-- makes itself the newest (unless a concurrent one of that project is newer: the row lock
-- orders them, and each compares with what the other wrote); a change of status moves one
-- count to another; anything else (a row moved to another project or another time, a delete)
-- finds the project's newest again. Row triggers, not statement triggers with transition
-- tables: for a single-row write they cost half as much (callgrind, the create statement:
-- 799,558 instructions with migration 0004's two statement triggers, 814,744 with these, which
-- also keep the newest deployment). Bulk loads disable them and call deployments_recount().
--
-- deployment_counts keeps only the totals over all projects (project_id 0), still sharded by
-- backend; its per-project rows are replaced by this table.

CREATE TABLE project_deployments (
    project_id        bigint PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    -- One column per status, named as the status (fcgi/project/project.h's list).
    pending           bigint NOT NULL DEFAULT 0,
    building          bigint NOT NULL DEFAULT 0,
    deploying         bigint NOT NULL DEFAULT 0,
    done              bigint NOT NULL DEFAULT 0,
    failed            bigint NOT NULL DEFAULT 0,
    cancelled         bigint NOT NULL DEFAULT 0,
    -- The newest deployment (by created_at, then id); NULL while there is none.
    latest_id         bigint,
    latest_status     text,
    latest_created_at timestamptz
);

-- Finds pid's newest deployment again (deployments_project_created's first entry).
CREATE FUNCTION project_deployments_newest(pid bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE project_deployments s
    SET (latest_id, latest_status, latest_created_at) =
        (SELECT d.id, d.status, d.created_at FROM deployments d WHERE d.project_id = pid
         ORDER BY d.created_at DESC, d.id DESC LIMIT 1)
    WHERE s.project_id = pid
$$;

-- Adds delta deployments in status st to project pid's counts (making its row when it has
-- none yet), and to the total over all projects (this backend's shard).
CREATE FUNCTION project_deployments_add(pid bigint, st text, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOOP
        UPDATE project_deployments SET
            pending = pending + (st = 'pending')::int * delta,
            building = building + (st = 'building')::int * delta,
            deploying = deploying + (st = 'deploying')::int * delta,
            done = done + (st = 'done')::int * delta,
            failed = failed + (st = 'failed')::int * delta,
            cancelled = cancelled + (st = 'cancelled')::int * delta
        WHERE project_id = pid;
        EXIT WHEN FOUND;
        INSERT INTO project_deployments (project_id) VALUES (pid) ON CONFLICT DO NOTHING;
    END LOOP;
    INSERT INTO deployment_counts AS c (project_id, status, shard, n)
    VALUES (0, st, pg_backend_pid() % 16, delta)
    ON CONFLICT (project_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
END $$;

CREATE FUNCTION deployments_count_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    st text := NEW.status;
    did bigint := NEW.id;
    at timestamptz := NEW.created_at;
BEGIN
    -- The common case in one statement: the new row is its project's newest.
    UPDATE project_deployments SET
        pending = pending + (st = 'pending')::int,
        building = building + (st = 'building')::int,
        deploying = deploying + (st = 'deploying')::int,
        done = done + (st = 'done')::int,
        failed = failed + (st = 'failed')::int,
        cancelled = cancelled + (st = 'cancelled')::int,
        latest_id = did, latest_status = st, latest_created_at = at
    WHERE project_id = NEW.project_id
      AND (latest_id IS NULL OR (latest_created_at, latest_id) < (at, did));
    IF FOUND THEN
        INSERT INTO deployment_counts AS c (project_id, status, shard, n)
        VALUES (0, st, pg_backend_pid() % 16, 1)
        ON CONFLICT (project_id, status, shard) DO UPDATE SET n = c.n + 1;
    ELSE
        -- An older row (a bulk load, a seed), or the project's first: counted, and the newest
        -- found again (the row may have just been made).
        PERFORM project_deployments_add(NEW.project_id, st, 1);
        PERFORM project_deployments_newest(NEW.project_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION deployments_count_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    was text := OLD.status;
    st text := NEW.status;
BEGIN
    IF NEW.project_id = OLD.project_id AND NEW.created_at = OLD.created_at THEN
        -- A change of status (the only change the service makes): one count to another, and
        -- the newest's status when it is this one.
        UPDATE project_deployments SET
            pending = pending + (st = 'pending')::int - (was = 'pending')::int,
            building = building + (st = 'building')::int - (was = 'building')::int,
            deploying = deploying + (st = 'deploying')::int - (was = 'deploying')::int,
            done = done + (st = 'done')::int - (was = 'done')::int,
            failed = failed + (st = 'failed')::int - (was = 'failed')::int,
            cancelled = cancelled + (st = 'cancelled')::int - (was = 'cancelled')::int,
            latest_status = CASE WHEN latest_id = NEW.id THEN st ELSE latest_status END
        WHERE project_id = NEW.project_id;
        -- In key order, so that two transitions cannot deadlock on the shards.
        INSERT INTO deployment_counts AS c (project_id, status, shard, n)
        SELECT 0, k.status, pg_backend_pid() % 16, k.delta
        FROM (VALUES (was, -1), (st, 1)) k (status, delta)
        ORDER BY k.status
        ON CONFLICT (project_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    ELSE
        -- Moved to another project or another time (only by hand): out of the old, into the
        -- new, and both projects' newest found again.
        PERFORM project_deployments_add(OLD.project_id, was, -1);
        PERFORM project_deployments_add(NEW.project_id, st, 1);
        PERFORM project_deployments_newest(OLD.project_id);
        PERFORM project_deployments_newest(NEW.project_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION deployments_count_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM project_deployments_add(OLD.project_id, OLD.status, -1);
    PERFORM project_deployments_newest(OLD.project_id);
    RETURN NULL;
END $$;

-- Everything recounted from deployments, under a lock that keeps writers out meanwhile: for
-- the backfill below, and for bulk loads that disabled the triggers (bench/fixture.sql).
CREATE FUNCTION deployments_recount() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE deployments IN SHARE MODE;
    DELETE FROM deployment_counts WHERE project_id = 0;
    INSERT INTO deployment_counts (project_id, status, shard, n)
    SELECT 0, status, 0, count(*) FROM deployments GROUP BY status;
    DELETE FROM project_deployments;
    INSERT INTO project_deployments (project_id, pending, building, deploying, done, failed,
                                     cancelled, latest_id, latest_status, latest_created_at)
    SELECT c.project_id, c.pending, c.building, c.deploying, c.done, c.failed, c.cancelled,
           l.id, l.status, l.created_at
    FROM (SELECT project_id,
                 count(*) FILTER (WHERE status = 'pending') AS pending,
                 count(*) FILTER (WHERE status = 'building') AS building,
                 count(*) FILTER (WHERE status = 'deploying') AS deploying,
                 count(*) FILTER (WHERE status = 'done') AS done,
                 count(*) FILTER (WHERE status = 'failed') AS failed,
                 count(*) FILTER (WHERE status = 'cancelled') AS cancelled
          FROM deployments GROUP BY project_id) c
    JOIN (SELECT DISTINCT ON (project_id) project_id, id, status, created_at
          FROM deployments ORDER BY project_id, created_at DESC, id DESC) l
      USING (project_id);
END $$;
REVOKE EXECUTE ON FUNCTION deployments_recount() FROM PUBLIC;

DROP TRIGGER deployment_counts_insert ON deployments;
DROP TRIGGER deployment_counts_update ON deployments;
DROP TRIGGER deployment_counts_delete ON deployments;
DROP FUNCTION deployment_counts_insert(), deployment_counts_update(), deployment_counts_delete();

CREATE TRIGGER deployments_count_insert AFTER INSERT ON deployments
    FOR EACH ROW EXECUTE FUNCTION deployments_count_insert();
-- Only what changes a count or the newest: the service's updated_at and deployed_in do not.
CREATE TRIGGER deployments_count_update AFTER UPDATE ON deployments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.project_id IS DISTINCT FROM NEW.project_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION deployments_count_update();
CREATE TRIGGER deployments_count_delete AFTER DELETE ON deployments
    FOR EACH ROW EXECUTE FUNCTION deployments_count_delete();

SELECT deployments_recount();
DELETE FROM deployment_counts WHERE project_id <> 0;

GRANT SELECT, INSERT, UPDATE ON project_deployments TO panel_project;

-- The deployments' one-column checks become domains. Postgres 15 reads a table's CHECK
-- constraints back from their stored text (stringToNode) in every statement that writes the
-- table, before its first row: the create statement and every change of status paid for
-- parsing the four of deployments each time. A domain's constraints are read once per
-- connection (the type cache) and only prepared per statement. Instructions per create
-- statement, callgrind of a backend running it 500 times: 867 thousand with the checks, 789
-- thousand with the domains (docs/BENCHMARKS.md, "Creates: the checks read back from text").
-- The values allowed are the same, and a value outside them is refused with the same SQLSTATE
-- (23514, check_violation). The check that ties status to deployed_in names two columns, so it
-- stays on the table.
--
-- The domains get their checks only after the columns have their types: a column moved to a
-- domain that has checks is rewritten with all its indexes (3.6 s for a million deployments,
-- every index built again), to one that has none it is only relabelled, and the checks added
-- then read each row once (0.5 s for the million, the indexes kept). The checks go first, so
-- that only the one left is made again with the new types.
CREATE DOMAIN deployment_status AS text;
CREATE DOMAIN deployment_meta AS jsonb;
CREATE DOMAIN deployment_seconds AS integer;

-- The update trigger's WHEN names status: dropped while its type changes, then made again as
-- migration 0016 made it.
DROP TRIGGER deployments_count_update ON deployments;
ALTER TABLE deployments
    DROP CONSTRAINT deployments_status_check,
    DROP CONSTRAINT deployments_meta_check,
    DROP CONSTRAINT deployments_deployed_in_check,
    ALTER COLUMN status TYPE deployment_status,
    ALTER COLUMN meta TYPE deployment_meta,
    ALTER COLUMN deployed_in TYPE deployment_seconds;
CREATE TRIGGER deployments_count_update AFTER UPDATE ON deployments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.project_id IS DISTINCT FROM NEW.project_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION deployments_count_update();

ALTER DOMAIN deployment_status
    ADD CHECK (VALUE IN ('pending', 'building', 'deploying', 'done', 'failed', 'cancelled'));
ALTER DOMAIN deployment_meta ADD CHECK (jsonb_typeof(VALUE) = 'object');
ALTER DOMAIN deployment_seconds ADD CHECK (VALUE >= 0);

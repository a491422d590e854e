DROP TRIGGER deployments_count_update ON deployments;
ALTER TABLE deployments
    ALTER COLUMN status TYPE text,
    ALTER COLUMN meta TYPE jsonb,
    ALTER COLUMN deployed_in TYPE integer,
    ADD CONSTRAINT deployments_status_check
        CHECK (status IN ('pending', 'building', 'deploying', 'done', 'failed', 'cancelled')),
    ADD CONSTRAINT deployments_meta_check CHECK (jsonb_typeof(meta) = 'object'),
    ADD CONSTRAINT deployments_deployed_in_check CHECK (deployed_in >= 0);
CREATE TRIGGER deployments_count_update AFTER UPDATE ON deployments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.project_id IS DISTINCT FROM NEW.project_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION deployments_count_update();
DROP DOMAIN deployment_status, deployment_meta, deployment_seconds;

-- Revokes what 0003 granted in this database; the roles themselves are cluster-wide and may
-- serve other databases, so they are dropped only when nothing else depends on them.
REVOKE ALL ON users, projects, deployments, event_queue, events, events_dead
    FROM panel_project, panel_aggregator;
REVOKE USAGE ON SCHEMA public FROM panel_project, panel_aggregator;
DO $$
BEGIN
    EXECUTE format('ALTER ROLE panel_project IN DATABASE %I RESET ALL', current_database());
    EXECUTE format('ALTER ROLE panel_aggregator IN DATABASE %I RESET ALL', current_database());
    BEGIN
        DROP ROLE panel_project;
        DROP ROLE panel_aggregator;
    EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE NOTICE 'roles kept: other databases still use them';
    END;
END $$;

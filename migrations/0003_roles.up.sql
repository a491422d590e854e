-- The two roles the services take with SET ROLE after connecting. Each can do what its
-- service needs and nothing more: the project service cannot touch events, the aggregator
-- cannot touch projects or deployments. Roles are cluster-wide, so they may exist already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'panel_project') THEN
        CREATE ROLE panel_project NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'panel_aggregator') THEN
        CREATE ROLE panel_aggregator NOLOGIN;
    END IF;
END $$;

-- The connecting user must be a member to SET ROLE (a superuser already may).
GRANT panel_project, panel_aggregator TO CURRENT_USER;

-- Applied by the services right after SET ROLE (see common/db.c), per database.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE panel_project IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '5s');
    EXECUTE format('ALTER ROLE panel_project IN DATABASE %I SET lock_timeout = %L',
                   current_database(), '3s');
    EXECUTE format('ALTER ROLE panel_project IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_database(), '10s');
    EXECUTE format('ALTER ROLE panel_aggregator IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '15s');
    EXECUTE format('ALTER ROLE panel_aggregator IN DATABASE %I SET lock_timeout = %L',
                   current_database(), '3s');
    EXECUTE format('ALTER ROLE panel_aggregator IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_database(), '30s');
END $$;

GRANT USAGE ON SCHEMA public TO panel_project, panel_aggregator;

GRANT SELECT ON users TO panel_project;
GRANT SELECT ON projects TO panel_project;
GRANT UPDATE (url) ON projects TO panel_project;
GRANT SELECT, INSERT, UPDATE ON deployments TO panel_project;
GRANT INSERT ON event_queue TO panel_project;

GRANT SELECT, UPDATE, DELETE ON event_queue TO panel_aggregator;
GRANT SELECT, INSERT ON events TO panel_aggregator;
GRANT SELECT, INSERT ON events_dead TO panel_aggregator;

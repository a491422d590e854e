-- The services log in as their own roles: no more SET ROLE from the owner's connection, which
-- any SQL reaching it could undo with RESET ROLE. Each role owns nothing, is a member of no
-- role and holds only the grants of migrations 0003-0005; the owner keeps no membership in
-- them either. Their settings (0003's timeouts) apply at login. Passwords are not set here:
-- the embedded cluster authenticates the roles by peer on its private socket, and
-- `panelctl migrate` sets them from PROJECT_DATABASE_URL / AGGREGATOR_DATABASE_URL.
DO $$
DECLARE
    r record;
BEGIN
    -- Roles are cluster-wide and 0003 kept ones that existed: refuse any with more rights.
    FOR r IN SELECT rolname FROM pg_roles
             WHERE rolname IN ('panel_project', 'panel_aggregator')
               AND (rolsuper OR rolreplication OR rolbypassrls OR rolcreaterole OR rolcreatedb
                    OR EXISTS (SELECT FROM pg_auth_members m WHERE m.member = pg_roles.oid))
    LOOP
        RAISE EXCEPTION 'role % has more rights than its grants (superuser, replication, '
                        'bypassrls, createrole, createdb or a membership); remove them first',
                        r.rolname;
    END LOOP;
END $$;

ALTER ROLE panel_project LOGIN NOINHERIT;
ALTER ROLE panel_aggregator LOGIN NOINHERIT;

-- 0003 made the owner a member, for SET ROLE; nothing needs that any more.
REVOKE panel_project, panel_aggregator FROM CURRENT_USER;

-- No one but the owner creates objects here (Postgres 15 made this the default; a database
-- created by an older one may still allow it).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

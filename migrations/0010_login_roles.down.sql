-- Back to 0003's roles: taken with SET ROLE by the owner, never logged in as.
ALTER ROLE panel_project NOLOGIN INHERIT;
ALTER ROLE panel_aggregator NOLOGIN INHERIT;
GRANT panel_project, panel_aggregator TO CURRENT_USER;

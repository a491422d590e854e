-- The tables of the minimal create (make bench, bench/pgbench/minimal_create.sql): deployments
-- and the outbox as the project's own schema has them (columns, defaults, checks, indexes, the
-- foreign key to projects) and with the same deployments, but without any trigger, so the
-- minimal SQL pays for nothing beyond its two rows: no counters, no notification. Run as the
-- database owner after each growth of the fixture; made again from scratch each time. Holds no
-- benchmark logic (bench/run does).
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench_minimal;
DROP TABLE IF EXISTS bench_minimal.deployments, bench_minimal.event_queue;
CREATE TABLE bench_minimal.deployments (LIKE public.deployments INCLUDING ALL,
    FOREIGN KEY (project_id) REFERENCES public.projects (id));
CREATE TABLE bench_minimal.event_queue (LIKE public.event_queue INCLUDING ALL);
INSERT INTO bench_minimal.deployments SELECT * FROM public.deployments;
\o /dev/null
SELECT setval(pg_get_serial_sequence('bench_minimal.deployments', 'id'),
              (SELECT coalesce(max(id), 1) FROM bench_minimal.deployments));
\o
VACUUM (ANALYZE) bench_minimal.deployments;
GRANT USAGE ON SCHEMA bench_minimal TO panel_project;
GRANT SELECT, INSERT ON bench_minimal.deployments, bench_minimal.event_queue TO panel_project;

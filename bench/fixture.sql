-- The benchmark fixture: users, projects, deployments and events, made with generate_series.
-- Run as the database owner, after the migrations. Grows the tables to the sizes asked for and
-- never shrinks them, so `-v deployments=1000` then `-v deployments=1000000` adds 999,000 rows.
-- The events' counter trigger (migrations 0004 and 0006) stays enabled: it is statement-level
-- with a transition table, so a bulk insert costs one counter upsert per key. The deployments'
-- are row triggers (migration 0016), disabled for the bulk insert and replaced by one recount
-- (deployments_recount()), so X-Total-Count and the projects' flags stay exact. Holds no
-- benchmark logic (bench/run does).
--
--   psql -v projects=1000 -v deployments=1000 -v events=1000 -f bench/fixture.sql
--
-- With -v part=deployments or -v part=events only that table is grown, with part=base neither
-- (users and projects are always made), so bench/run can grow both at once on two connections.
-- Every project has a URL and the app secret 'bench-secret', so webhook walks never assign a
-- URL and the wrk script can sign every request the same way.
\set ON_ERROR_STOP on
\set QUIET on

INSERT INTO users (id, email, username)
SELECT i, 'bench' || i || '@example.test', 'bench_' || i
FROM generate_series(1, greatest(:projects / 10, 1)) i
ON CONFLICT (id) DO NOTHING;

INSERT INTO projects (id, name, url, owner_id, app_secret, created_at)
SELECT i, 'bench-project-' || i, 'https://bench-project-' || i || '-0badcafe.bench.example',
       1 + i % greatest(:projects / 10, 1), 'bench-secret',
       now() - interval '400 days' + i * interval '1 minute'
FROM generate_series(1, :projects) i
ON CONFLICT (id) DO NOTHING;

\o /dev/null
SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
SELECT setval(pg_get_serial_sequence('projects', 'id'), (SELECT max(id) FROM projects));
\o

\if :{?part}
\else
\set part all
\endif
SELECT :'part' NOT IN ('all', 'deployments') AS skip_deployments,
       :'part' NOT IN ('all', 'events') AS skip_events \gset

-- Deployments over the past year, spread over every project; one in six still ongoing.
\if :skip_deployments
\else
SELECT greatest(:deployments - (SELECT count(*) FROM deployments), 0) AS add_deployments \gset
ALTER TABLE deployments DISABLE TRIGGER deployments_count_insert;
INSERT INTO deployments (project_id, status, deployed_in, meta, created_at, updated_at)
SELECT 1 + i % :projects, s.status, CASE WHEN s.status = 'done' THEN 30 + i % 300 END,
       '{"branch": "main", "commitSha": "9fceb02", "trigger": "git"}',
       t.at, t.at + interval '5 minutes'
FROM generate_series(1, :add_deployments) i
CROSS JOIN LATERAL (SELECT (ARRAY['done', 'done', 'failed', 'done', 'cancelled', 'building',
                                  'done', 'failed', 'done', 'done', 'done', 'pending'])
                           [1 + i % 12] AS status) s
CROSS JOIN LATERAL (SELECT now() - interval '365 days'
                           + (i::float8 / greatest(:add_deployments, 1)) * interval '364 days'
                           AS at) t;
ALTER TABLE deployments ENABLE TRIGGER deployments_count_insert;
\o /dev/null
SELECT deployments_recount();
\o
VACUUM (ANALYZE) deployments, deployment_counts, project_deployments;
\endif

-- Events as the drain stores them: the payload of deployment_event_payload(), its projectId
-- feeding the generated project_id column that the project filter and the feed use. Each
-- lands in its month's partition, made here for the past year (the default partition would
-- take them otherwise). The trigger of the events_by_month migration registers its eventId;
-- the counting trigger is off meanwhile and events_recount() counts them all after (migration
-- 0021), as deployments are counted above.
\if :skip_events
\else
\o /dev/null
SELECT partition_month(p, month_start(now()) - i * interval '1 month')
FROM unnest(ARRAY['events', 'events_dead']::regclass[]) p, generate_series(0, 13) i;
\o
SELECT greatest(:events - (SELECT count(*) FROM events), 0) AS add_events \gset
ALTER TABLE events DISABLE TRIGGER event_counts_insert_row;
INSERT INTO events (event_id, name, payload, enqueued_at, created_at)
SELECT e.id, e.name,
       jsonb_build_object('eventId', e.id, 'occurredAt', api_time(t.at), 'source', 'webhook',
                          'projectId', 1 + i % :projects,
                          'projectName', 'bench-project-' || (1 + i % :projects),
                          'ownerId', 1 + (1 + i % :projects) % greatest(:projects / 10, 1),
                          'deploymentId', i, 'status', 'done', 'previousStatus', 'deploying',
                          'deployedIn', 42, 'meta', '{"trigger": "git"}'::jsonb,
                          'deploymentCreatedAt', api_time(t.at - interval '1 minute')),
       t.at - interval '5 milliseconds', t.at
FROM generate_series(1, :add_events) i
CROSS JOIN LATERAL (SELECT event_id_new() AS id,
                           CASE WHEN i % 3 = 0 THEN 'deployment.created'
                                ELSE 'deployment.status_changed' END AS name) e
CROSS JOIN LATERAL (SELECT now() - interval '365 days'
                           + (i::float8 / greatest(:add_events, 1)) * interval '364 days'
                           AS at) t;
ALTER TABLE events ENABLE TRIGGER event_counts_insert_row;
\o /dev/null
SELECT events_recount();
\o

VACUUM (ANALYZE) events, event_keys, event_counts;
\endif
VACUUM (ANALYZE) users, projects;

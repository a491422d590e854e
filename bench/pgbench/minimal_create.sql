-- The least POST /projects/{id}/deployment needs (issue 15's definition): one statement
-- inserting the deployment and its deployment.created row into an outbox, in the tables of
-- bench/minimal.sql (the project's own, without triggers). synchronous_commit and fsync on.
\set id random(1, :nprojects)
WITH d AS (INSERT INTO bench_minimal.deployments (project_id, meta)
           VALUES (:id, '{"branch": "main", "trigger": "git", "commitSha": "9fceb02"}')
           RETURNING id, project_id, status, meta, created_at)
INSERT INTO bench_minimal.event_queue (event_id, name, payload)
SELECT gen_random_uuid(), 'deployment.created',
       jsonb_build_object('deploymentId', d.id, 'projectId', d.project_id, 'status', d.status,
                          'meta', d.meta, 'createdAt', d.created_at)
FROM d;

-- The producer of make bench's drain simulation (bench/run), a pgbench script: each transaction
-- enqueues :per events of one project into the outbox, as the project service writes them
-- (deployment_event_payload, a fresh eventId each from event_id_new()). pgbench -R paces the
-- transactions.
\set p random(1, :nprojects)
INSERT INTO event_queue (event_id, name, payload)
SELECT x.id, 'deployment.created',
       deployment_event_payload(x.id, 'api', 'api-token', NULL, :p, 'bench-project-' || :p, 1,
                                'https://bench.example', x.i, 'pending', NULL,
                                '{"trigger": "git"}', now())
FROM (SELECT event_id_new() AS id, i FROM generate_series(1, :per) i) x;

DROP INDEX events_project;
ALTER TABLE events DROP COLUMN project_id;
ALTER TABLE events ADD COLUMN project_id bigint GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(payload -> 'projectId') = 'number'
          AND payload ->> 'projectId' ~ '^[1-9][0-9]{0,17}$'
    THEN (payload ->> 'projectId')::bigint END) STORED;
CREATE INDEX events_project ON events (project_id, id DESC) WHERE project_id IS NOT NULL;

DELETE FROM event_counts WHERE project_id > 0;
INSERT INTO event_counts (project_id, name, shard, n)
SELECT k.project_id, k.name, 0, count(*)
FROM events e CROSS JOIN LATERAL (VALUES (e.project_id, ''), (e.project_id, e.name))
     AS k (project_id, name)
WHERE e.project_id IS NOT NULL
GROUP BY 1, 2;

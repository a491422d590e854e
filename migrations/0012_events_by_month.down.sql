-- Back to one events table and one events_dead table, as migrations 0002 to 0009 left them,
-- with every kept event and id. The count of events retention removed (project_id -2) has no
-- meaning there and goes.
ALTER TABLE events RENAME TO events_partitioned;
ALTER TABLE events_dead RENAME TO events_dead_partitioned;

CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    event_id        uuid,
    idempotency_key text CHECK (idempotency_key <> '' AND length(idempotency_key) <= 255),
    name            text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    enqueued_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    project_id      bigint GENERATED ALWAYS AS (
                        CASE WHEN jsonb_typeof(payload -> 'projectId') = 'number'
                              AND payload ->> 'projectId' ~ '^[1-9][0-9]{0,18}$'
                              AND (payload ->> 'projectId')::numeric <= 9223372036854775807
                        THEN (payload ->> 'projectId')::bigint END) STORED
);
INSERT INTO events (id, event_id, idempotency_key, name, payload, enqueued_at, created_at)
OVERRIDING SYSTEM VALUE
SELECT id, event_id, idempotency_key, name, payload, enqueued_at, created_at
FROM events_partitioned;
SELECT setval(pg_get_serial_sequence('events', 'id'), last_value, is_called)
FROM events_id_seq;
-- The sequence named events_id_seq above was the partitioned table's (the new one's is
-- events_id_seq1 until the old table is gone); give the new one its usual name.
DROP TABLE events_partitioned;
ALTER SEQUENCE events_id_seq1 RENAME TO events_id_seq;
ALTER TABLE events ADD PRIMARY KEY (id), ADD UNIQUE (event_id);
CREATE UNIQUE INDEX events_idempotency_key ON events (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_project ON events (project_id, id DESC) WHERE project_id IS NOT NULL;
CREATE INDEX events_name ON events (name, id DESC);
CREATE INDEX events_created ON events (created_at);
CREATE TRIGGER event_counts_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_counts_insert();

CREATE TABLE events_dead (
    queue_id    bigint,
    event_id    uuid NOT NULL,
    name        text NOT NULL,
    payload     jsonb NOT NULL,
    enqueued_at timestamptz NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO events_dead SELECT * FROM events_dead_partitioned;
DROP TABLE events_dead_partitioned;
ALTER TABLE events_dead ADD PRIMARY KEY (queue_id);

GRANT SELECT, INSERT ON events, events_dead TO panel_aggregator;

DELETE FROM event_counts WHERE project_id = -2;
DROP FUNCTION events_maintain_now();
DROP TABLE event_keys;
DROP TABLE events_retention;
DROP FUNCTION events_maintain(timestamptz, integer, boolean);
DROP FUNCTION events_partition_forget(regclass);
DROP FUNCTION partition_month(regclass, timestamptz);
DROP FUNCTION partitions_of(regclass);
DROP FUNCTION partition_column(regclass);
DROP FUNCTION events_register_keys();
DROP FUNCTION month_start(timestamptz);

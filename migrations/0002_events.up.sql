-- The transactional outbox (event_queue), the aggregator's events and its dead letters.
-- The project service writes queue rows in the same transaction as the change they describe;
-- the drain worker moves them into events exactly once (event_id is unique there).

CREATE TABLE event_queue (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL,
    name            text NOT NULL,
    payload         jsonb NOT NULL,
    enqueued_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Failed attempts to store it, and when the drain may try again.
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
    last_error      text
);

-- Wakes the drain worker at commit; it also polls, so a lost notification only delays.
CREATE FUNCTION event_queue_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('event_queue', '');
    RETURN NULL;
END $$;
CREATE TRIGGER event_queue_notify AFTER INSERT ON event_queue
    FOR EACH STATEMENT EXECUTE FUNCTION event_queue_notify();

CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The producer's id of the event: the queue's event_id or a posted payload's eventId.
    event_id        uuid UNIQUE,
    idempotency_key text UNIQUE CHECK (idempotency_key <> '' AND length(idempotency_key) <= 255),
    name            text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    -- The project an event belongs to, when its payload names one as a positive integer.
    project_id      bigint GENERATED ALWAYS AS (
                        CASE WHEN jsonb_typeof(payload -> 'projectId') = 'number'
                              AND payload ->> 'projectId' ~ '^[1-9][0-9]{0,17}$'
                        THEN (payload ->> 'projectId')::bigint END) STORED,
    enqueued_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_project ON events (project_id, id DESC) WHERE project_id IS NOT NULL;
CREATE INDEX events_name ON events (name, id DESC);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE events_dead (
    queue_id    bigint PRIMARY KEY,
    event_id    uuid NOT NULL,
    name        text NOT NULL,
    payload     jsonb NOT NULL,
    enqueued_at timestamptz NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now()
);

-- The payload of every event about a deployment, so all producers agree on its fields.
CREATE FUNCTION deployment_event_payload(
    event_id uuid, source text, previous_status text,
    project_id bigint, project_name text, owner_id bigint, project_url text,
    deployment_id bigint, status text, deployed_in integer, meta jsonb, created_at timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_build_object(
    'eventId', event_id,
    'occurredAt', api_time(now()),
    'source', source,
    'projectId', project_id,
    'projectName', project_name,
    'projectUrl', project_url,
    'ownerId', owner_id,
    'deploymentId', deployment_id,
    'status', status,
    'previousStatus', previous_status,
    'deployedIn', deployed_in,
    'meta', meta,
    'deploymentCreatedAt', api_time(created_at));

-- Events, and the dead letters that grow with them, partitioned by month, so that retention
-- drops whole partitions instead of deleting rows (see events_maintain below; panelctl maintain
-- and the drain worker run it). Every event and id is kept by this migration.
--
-- A partitioned table's unique keys must include its partition key (created_at), so events can
-- no longer hold a unique eventId or Idempotency-Key themselves: two attempts at one event are
-- made at different times. The keys live in event_keys instead, one unpartitioned table, unique
-- over every kept event; a trigger registers an event's keys as it is inserted and skips the
-- event when a key is taken (so ON CONFLICT DO NOTHING keeps its meaning for every writer, the
-- drain, POST /events and anyone inserting by hand). Retention deletes a month's keys in the
-- transaction that drops its partition.

-- All partition bounds are UTC months; the functions below run in UTC.
CREATE FUNCTION month_start(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_trunc('month', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';

-- 1. events ------------------------------------------------------------------------------------
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER SEQUENCE events_id_seq RENAME TO events_unpartitioned_id_seq;

CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    -- The producer's id of the event: the queue's event_id or a posted payload's eventId.
    event_id        uuid,
    idempotency_key text CHECK (idempotency_key <> '' AND length(idempotency_key) <= 255),
    name            text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    enqueued_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The project an event belongs to (as in migration 0007).
    project_id      bigint GENERATED ALWAYS AS (
                        CASE WHEN jsonb_typeof(payload -> 'projectId') = 'number'
                              AND payload ->> 'projectId' ~ '^[1-9][0-9]{0,18}$'
                              AND (payload ->> 'projectId')::numeric <= 9223372036854775807
                        THEN (payload ->> 'projectId')::bigint END) STORED
) PARTITION BY RANGE (created_at);
-- Rows no month partition takes yet (a clock far ahead of the last maintenance) wait here;
-- events_maintain moves them into their month's partition when it creates it.
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- Keys of kept events: an event's eventId and Idempotency-Key, its id and created_at (which
-- name its partition, so a retry finds the first event with one partition's index probe).
CREATE TABLE event_keys (
    event_id        uuid UNIQUE,
    idempotency_key text,
    id              bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    CHECK (event_id IS NOT NULL OR idempotency_key IS NOT NULL)
);
CREATE UNIQUE INDEX event_keys_idempotency_key ON event_keys (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- 2. events_dead, by the month its rows were parked -------------------------------------------
ALTER TABLE events_dead RENAME TO events_dead_unpartitioned;
CREATE TABLE events_dead (
    queue_id    bigint NOT NULL,
    event_id    uuid NOT NULL,
    name        text NOT NULL,
    payload     jsonb NOT NULL,
    enqueued_at timestamptz NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (parked_at);
CREATE TABLE events_dead_default PARTITION OF events_dead DEFAULT;

-- 3. Partitions and retention -------------------------------------------------------------------

-- The retention of the last maintenance (panelctl maintain records EVENTS_RETENTION_DAYS),
-- which the drain's hourly maintenance applies: never chosen by the aggregator's role.
CREATE TABLE events_retention (
    only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    days          integer NOT NULL CHECK (days BETWEEN 1 AND 100000),
    maintained_at timestamptz
);
INSERT INTO events_retention (days) VALUES (400);

-- The partition column of events and events_dead.
CREATE FUNCTION partition_column(parent regclass) RETURNS name
LANGUAGE sql STABLE STRICT
RETURN (SELECT a.attname FROM pg_partitioned_table p
        JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
        WHERE p.partrelid = parent);

-- The partitions of parent with their bounds [lo, hi); NULL bounds for the default one.
CREATE FUNCTION partitions_of(parent regclass)
RETURNS TABLE (part regclass, lo timestamptz, hi timestamptz)
LANGUAGE sql STABLE STRICT SET TimeZone = 'UTC'
BEGIN ATOMIC
    SELECT c.oid::regclass,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']*)''\)'))[1]
               ::timestamptz,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1]
               ::timestamptz
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent
    ORDER BY 2 NULLS FIRST;
END;

-- Makes the partition of parent for the month that holds t, unless there is one: a table like
-- parent into which the default partition's rows of that month are moved (a direct insert into
-- a table that is not attached yet, so no trigger counts or registers them twice), then
-- attached, which takes only a SHARE UPDATE EXCLUSIVE lock on parent (reads and writes go on).
-- Returns the rows moved, or NULL when the partition existed.
CREATE FUNCTION partition_month(parent regclass, t timestamptz) RETURNS bigint
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
    lo timestamptz := month_start(t);
    hi timestamptz := month_start(t) + interval '1 month';
    part text := format('%s_%s', (SELECT relname FROM pg_class WHERE oid = parent),
                        to_char(month_start(t), 'YYYY_MM'));
    col name := partition_column(parent);
    cols text;
    deflt regclass;
    moved bigint := 0;
BEGIN
    IF EXISTS (SELECT 1 FROM partitions_of(parent) p WHERE p.lo = month_start(t)) THEN
        RETURN NULL;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   'INCLUDING GENERATED)', part, parent);
    SELECT p.part INTO deflt FROM partitions_of(parent) p WHERE p.lo IS NULL;
    IF deflt IS NOT NULL THEN
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
        FROM pg_attribute
        WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
        EXECUTE format('WITH m AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING %s) '
                       'INSERT INTO %I (%s) SELECT %s FROM m',
                       deflt, col, col, cols, part, cols, cols)
            USING lo, hi;
        GET DIAGNOSTICS moved = ROW_COUNT;
    END IF;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent, part, lo, hi);
    RETURN moved;
END $$;

-- Takes an events partition's share out of the counters of migrations 0004 and 0006 (the
-- totals by project and name go down; project_id -2 counts the events retention removed, so
-- that "events ever stored" stays a counter), then deletes its keys; the caller drops it.
CREATE FUNCTION events_partition_forget(part regclass) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    -- No writer adds to it meanwhile (its month is over; by hand, one would wait here).
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', part);
    EXECUTE format('SELECT count(*) FROM %s', part) INTO n;
    EXECUTE format(
        'INSERT INTO event_counts AS c (project_id, name, shard, n) '
        'SELECT k.project_id, k.name, pg_backend_pid() %% 16, sum(k.delta) '
        'FROM %s e CROSS JOIN LATERAL (VALUES (0::bigint, ''''::text, -1), (0, e.name, -1), '
        '    (e.project_id, '''', -1), (e.project_id, e.name, -1), (-2, '''', 1)) '
        '    AS k (project_id, name, delta) '
        'WHERE k.project_id IS NOT NULL '
        'GROUP BY 1, 2 ORDER BY 1, 2 '
        'ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n', part);
    EXECUTE format('DELETE FROM event_keys k USING %s e '
                   'WHERE k.event_id = e.event_id AND k.id = e.id', part);
    EXECUTE format('DELETE FROM event_keys k USING %s e '
                   'WHERE k.event_id IS NULL AND k.idempotency_key = e.idempotency_key '
                   '  AND k.id = e.id', part);
    RETURN n;
END $$;

-- The maintenance, one run at a time (an advisory lock): creates the partitions of events and
-- events_dead for the month of now_at and the next two, and for any month the default
-- partitions hold rows of, then drops every partition whose months all lie more than
-- retention_days before now_at, with its share of the counters and its keys, in this
-- transaction, and records retention_days for the runs to come. A run that finds another one
-- running waits for it (wait) or returns 'busy'. Returns what it did, one row per partition
-- touched. For panelctl maintain (the owner) only; the aggregator's role reaches it through
-- events_maintain_now().
CREATE FUNCTION events_maintain(now_at timestamptz, retention_days integer, wait boolean)
RETURNS TABLE (action text, part text, events bigint)
LANGUAGE plpgsql SET TimeZone = 'UTC' SET search_path = public, pg_temp AS $$
DECLARE
    parent regclass;
    deflt regclass;
    months timestamptz[];
    t timestamptz;
    n bigint;
    p record;
    gone text;
BEGIN
    IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention must be at least one day, not %', retention_days
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF wait THEN
        PERFORM pg_advisory_xact_lock(72951012);
    ELSIF NOT pg_try_advisory_xact_lock(72951012) THEN
        RETURN QUERY SELECT 'busy'::text, NULL::text, NULL::bigint;
        RETURN;
    END IF;
    -- Attaching and dropping wait for the statements running on the table; never for long.
    PERFORM set_config('lock_timeout', '3s', true);
    FOREACH parent IN ARRAY ARRAY['events'::regclass, 'events_dead'::regclass] LOOP
        months := ARRAY(SELECT month_start(now_at) + i * interval '1 month'
                        FROM generate_series(0, 2) i);
        SELECT d.part INTO deflt FROM partitions_of(parent) d WHERE d.lo IS NULL;
        IF deflt IS NOT NULL THEN
            EXECUTE format('SELECT $1 || array_agg(DISTINCT month_start(%I)) FROM %s',
                           partition_column(parent), deflt)
                INTO months USING months;
        END IF;
        FOREACH t IN ARRAY months LOOP
            n := partition_month(parent, t);
            IF n IS NOT NULL THEN
                RETURN QUERY SELECT 'created'::text,
                                    format('%s_%s', parent, to_char(t, 'YYYY_MM')), n;
            END IF;
        END LOOP;
        FOR p IN SELECT * FROM partitions_of(parent) q
                 WHERE q.hi <= now_at - retention_days * interval '1 day' LOOP
            IF parent = 'events'::regclass THEN
                n := events_partition_forget(p.part);
            ELSE
                EXECUTE format('SELECT count(*) FROM %s', p.part) INTO n;
            END IF;
            gone := p.part::text;
            EXECUTE format('DROP TABLE %s', p.part);
            RETURN QUERY SELECT 'dropped'::text, gone, n;
        END LOOP;
    END LOOP;
    UPDATE events_retention SET days = retention_days, maintained_at = clock_timestamp();
END $$;

-- What the drain worker runs every hour, as the aggregator's role, which owns nothing: the
-- maintenance with the database's clock and the recorded retention, as the owner (SECURITY
-- DEFINER), never waiting for another run. It can neither choose the clock nor the retention.
CREATE FUNCTION events_maintain_now() RETURNS TABLE (action text, part text, events bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
BEGIN ATOMIC
    SELECT m.action, m.part, m.events
    FROM events_retention r, events_maintain(now(), r.days, false) m;
END;

REVOKE EXECUTE ON FUNCTION partition_column(regclass), partitions_of(regclass),
    partition_month(regclass, timestamptz), events_partition_forget(regclass),
    events_maintain(timestamptz, integer, boolean), events_maintain_now() FROM PUBLIC;

-- 4. The rows, with their ids ----------------------------------------------------------------
-- A partition for every month that holds an event or a dead letter, this month and the next
-- two (nothing is dropped here: this migration keeps every event).
SELECT partition_month(parent, month_start(now()) + i * interval '1 month')
FROM unnest(ARRAY['events', 'events_dead']::regclass[]) parent, generate_series(0, 2) i;
SELECT partition_month('events', m)
FROM (SELECT DISTINCT month_start(created_at) AS m FROM events_unpartitioned) x;
SELECT partition_month('events_dead', m)
FROM (SELECT DISTINCT month_start(parked_at) AS m FROM events_dead_unpartitioned) x;

-- No trigger yet: the counters count these rows already, and their keys are unique already.
INSERT INTO events (id, event_id, idempotency_key, name, payload, enqueued_at, created_at)
OVERRIDING SYSTEM VALUE
SELECT id, event_id, idempotency_key, name, payload, enqueued_at, created_at
FROM events_unpartitioned;
INSERT INTO event_keys (event_id, idempotency_key, id, created_at)
SELECT event_id, idempotency_key, id, created_at FROM events_unpartitioned
WHERE event_id IS NOT NULL OR idempotency_key IS NOT NULL;
-- The next id is the one the old table would have given.
SELECT setval(pg_get_serial_sequence('events', 'id'), last_value, is_called)
FROM events_unpartitioned_id_seq;
INSERT INTO events_dead SELECT * FROM events_dead_unpartitioned;

DROP TABLE events_unpartitioned;
DROP TABLE events_dead_unpartitioned;

-- 5. Indexes, triggers, grants ------------------------------------------------------------------
-- Each index is one per partition; GET /events/{id} probes the primary key of each.
ALTER TABLE events ADD PRIMARY KEY (id, created_at);
CREATE INDEX events_project ON events (project_id, id DESC) WHERE project_id IS NOT NULL;
CREATE INDEX events_name ON events (name, id DESC);
CREATE INDEX events_created ON events (created_at);
ALTER TABLE events_dead ADD PRIMARY KEY (queue_id, parked_at);

-- Registers an event's keys as it is inserted; an event whose eventId or Idempotency-Key an
-- event holds already is not stored (the row is skipped: RETURNING and the counters never see
-- it). Waits, like a unique index, for a transaction that took the key and has not ended.
CREATE FUNCTION events_register_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_id IS NULL AND NEW.idempotency_key IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO event_keys (event_id, idempotency_key, id, created_at)
    VALUES (NEW.event_id, NEW.idempotency_key, NEW.id, NEW.created_at)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_register_keys BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_register_keys();
CREATE TRIGGER event_counts_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_counts_insert();

GRANT SELECT, INSERT ON events, event_keys, events_dead TO panel_aggregator;
GRANT EXECUTE ON FUNCTION events_maintain_now() TO panel_aggregator;

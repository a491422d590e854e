-- The drain stores its events through one function, drain_batch(), which registers their keys
-- and counts them in its own statement, and events lose their statement triggers. Those
-- triggers (the counters of 0004/0006, the keys-held check of 0018) read transition tables, so
-- Postgres copied every inserted row into a tuplestore for them, whoever inserted it. Counting
-- in the batch costs the drain's backend a median 3.5 µs less an event in batches of 5,000
-- (27.4 against 30.2 µs) and 4-5 % fewer instructions in batches of 10 and 100
-- (docs/BENCHMARKS.md, "The drain counts its own events").
--
-- Who registers and counts what:
-- - drain_batch(), run as the owner (SECURITY DEFINER) setting panel.writer = 'drain': its
--   statement registers the keys of the events it stores and adds them to event_counts;
-- - every other insert (POST /events, the drain's one-row fallback, a hand-written one): the
--   row triggers, events_register_keys (0012, 0018) and event_counts_insert_row below.
-- The triggers leave a row to drain_batch() only when both hold: panel.writer is 'drain' (which
-- any session may set) and the current user is the owner (which no service role is outside the
-- owner's functions). So no other writer can store an event uncounted or holding a key that
-- another event holds, and 0018's check after each statement has nothing left to catch.

-- The counters an event adds to (the keys of 0004 and 0006): all events, its name, its
-- project, its project and name, and the drained total (project -1) when it came through the
-- outbox. Inlined where it is used, so each use costs what the keys written out would.
CREATE FUNCTION event_count_keys(project_id bigint, name text, drained boolean)
RETURNS TABLE (project_id bigint, name text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT k.project_id, k.name
    FROM (VALUES (0::bigint, ''), (0, event_count_keys.name),
                 (event_count_keys.project_id, ''),
                 (event_count_keys.project_id, event_count_keys.name),
                 (CASE WHEN drained THEN -1 END, '')) AS k (project_id, name)
    WHERE k.project_id IS NOT NULL;
END;

-- Counts one event stored by any writer but drain_batch().
CREATE FUNCTION event_counts_insert_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts AS c (project_id, name, shard, n)
    SELECT k.project_id, k.name, pg_backend_pid() % 16, 1
    FROM event_count_keys(NEW.project_id, NEW.name, NEW.enqueued_at IS NOT NULL) k
    ORDER BY 1, 2
    ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

-- For bulk loads, which disable event_counts_insert_row as bench/fixture.sql does (a row
-- trigger's upserts would update the same few counter rows again and again in one
-- transaction, each update walking the versions the ones before it left): every event
-- counted again, with the tally of the events retention removed (project -2) kept.
CREATE FUNCTION events_recount() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE events IN SHARE MODE;
    LOCK TABLE event_counts IN EXCLUSIVE MODE;
    DELETE FROM event_counts WHERE project_id <> -2;
    INSERT INTO event_counts (project_id, name, shard, n)
    SELECT k.project_id, k.name, 0, count(*)
    FROM events e
    CROSS JOIN LATERAL event_count_keys(e.project_id, e.name, e.enqueued_at IS NOT NULL) k
    GROUP BY 1, 2;
END $$;
REVOKE EXECUTE ON FUNCTION events_recount() FROM PUBLIC;

-- The keys' row trigger (0012, 0018), now that it registers the keys of every writer but the
-- drain's batch, the drain's one-row fallback among them: its check for a key registered first
-- to this very row probes the key's unique index, where 0018's scanned the whole of event_keys
-- (a condition on id, which no index has) for every repeated key (docs/BENCHMARKS.md, "The
-- drain counts its own events").
CREATE OR REPLACE FUNCTION events_register_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_id IS NULL AND NEW.idempotency_key IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO event_keys (event_id, idempotency_key, id, created_at)
    VALUES (NEW.event_id, NEW.idempotency_key, NEW.id, NEW.created_at)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND AND NEW.event_id IS NOT NULL THEN
        PERFORM FROM event_keys k
        WHERE k.event_id = NEW.event_id AND k.id = NEW.id AND k.created_at = NEW.created_at
          AND k.idempotency_key IS NOT DISTINCT FROM NEW.idempotency_key;
    ELSIF NOT FOUND THEN
        PERFORM FROM event_keys k
        WHERE k.idempotency_key = NEW.idempotency_key AND k.event_id IS NULL
          AND k.id = NEW.id AND k.created_at = NEW.created_at;
    END IF;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER events_keys_held ON events;
DROP FUNCTION events_keys_held();
DROP TRIGGER event_counts_insert ON events;
DROP FUNCTION event_counts_insert();
DROP TRIGGER events_register_keys ON events;

-- The row triggers, for every insert but drain_batch()'s: its rows fail their WHEN clause, as
-- the current user is the owner and panel.writer is 'drain'. The owner's name is written in at
-- migration time (the role that runs migrations owns the schema); renaming it would make the
-- triggers count the drain's events a second time, so rename it only with the triggers made
-- again. Written out in each clause rather than called as a function: Postgres prepares a
-- trigger's WHEN clause again for every statement, and inlining a function there cost the
-- drain about 110,000 instructions a trigger and a batch (docs/BENCHMARKS.md, "The drain
-- counts its own events").
DO $$
DECLARE
    not_drain text := format('NOT (current_setting(%L, true) IS NOT DISTINCT FROM %L '
                             'AND current_user = %L)', 'panel.writer', 'drain', current_user);
BEGIN
    EXECUTE format('CREATE TRIGGER event_counts_insert_row AFTER INSERT ON events '
                   'FOR EACH ROW WHEN (%s) EXECUTE FUNCTION event_counts_insert_row()',
                   not_drain);
    EXECUTE format('CREATE TRIGGER events_register_keys BEFORE INSERT ON events '
                   'FOR EACH ROW WHEN ((NEW.event_id IS NOT NULL '
                   'OR NEW.idempotency_key IS NOT NULL) AND %s) '
                   'EXECUTE FUNCTION events_register_keys()', not_drain);
END $$;

-- The drain's batch, in one statement, with parameters $1 (the most rows), $2 (the least queue
-- id) and $3 (give up the drain's sleep lock first): claim the oldest due rows from id $2 on
-- (rows another worker holds are skipped, so workers share the queue), delete them, register
-- their eventIds in event_keys, store them as events, each with the id and time numbered gave
-- it, in queue order, and add them to event_counts. Running it again is harmless: it moves the
-- next rows. It returns the rows moved, the events stored, the highest id moved and whether
-- the lock was given up.
--
-- No step joins two row sets, so its cost cannot depend on what the planner guesses of them.
-- The queue is empty most of the time, and autovacuum often analyzes it so: with statistics
-- that say empty while the table has pages, every row count here is guessed at one, and a join
-- of the keys kept with the rows moved was a nested loop, 5,000 x 5,000 comparisons a batch
-- (docs/BENCHMARKS.md, "The drain's plan"). The price: an eventId that a kept event or an
-- earlier row of the batch holds makes event_keys' insert fail, and the drain stores that batch
-- one row at a time instead (drain.c), where the first by id is kept and the others are
-- dropped. The service's eventIds are version 7 UUIDs with 74 random bits (event_id_new(),
-- migration 0019), so that happens only to rows written by hand.
--
-- The claimed rows are deleted by their ctid, a Tid Scan whatever the planner guesses of the
-- claim; the rows are locked, so their versions stay where the claim found them. A row a
-- concurrent update moved after this statement's snapshot is not deleted, so not stored, and
-- waits for a later claim. The counters read the events' insert, which returns the generated
-- project_id it computed once (reading numbered instead computed it again for every key).
--
-- PL/pgSQL, so its plan is cached for the session like a prepared statement's (a SQL function
-- with SET clauses is planned at every call). test_e2e_drain EXPLAINs this statement, read
-- from the function's source, under the statistics that once made it slow.
CREATE FUNCTION drain_batch(bigint, bigint, boolean)
RETURNS TABLE (rows_moved bigint, events_stored bigint, highest_id bigint, lock_given_up boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was text := current_setting('panel.writer', true);
BEGIN
-- Set here rather than by a SET clause, which only a superuser may give a custom setting.
PERFORM set_config('panel.writer', 'drain', true);
RETURN QUERY
WITH awake AS (
    SELECT CASE WHEN $3 THEN pg_advisory_unlock(72951015) END AS unlocked),
claimed AS (
    SELECT ctid FROM event_queue WHERE id >= $2 AND next_attempt_at <= now()
    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED),
moved AS (
    DELETE FROM event_queue q WHERE q.ctid = ANY (ARRAY(SELECT ctid FROM claimed))
    RETURNING q.id, q.event_id, q.name, q.payload, q.enqueued_at),
numbered AS (
    SELECT m.*, nextval('events_id_seq') AS event_no, clock_timestamp() AS at
    FROM (SELECT * FROM moved ORDER BY id) m),
keyed AS (
    INSERT INTO event_keys (event_id, id, created_at)
    SELECT event_id, event_no, at FROM numbered RETURNING 1),
stored AS (
    INSERT INTO events (id, event_id, name, payload, enqueued_at, created_at)
    OVERRIDING SYSTEM VALUE
    SELECT event_no, event_id, name, payload, enqueued_at, at FROM numbered
    RETURNING project_id, name, enqueued_at),
counted AS (
    INSERT INTO event_counts AS c (project_id, name, shard, n)
    SELECT k.project_id, k.name, pg_backend_pid() % 16, count(*)
    FROM stored e
    CROSS JOIN LATERAL event_count_keys(e.project_id, e.name, e.enqueued_at IS NOT NULL) k
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n)
SELECT m.n, (SELECT count(*) FROM keyed), m.highest, (SELECT a.unlocked FROM awake a)
FROM (SELECT count(*) AS n, coalesce(max(id), 0) AS highest FROM moved) m;
PERFORM set_config('panel.writer', coalesce(was, ''), true);
END $$;
REVOKE EXECUTE ON FUNCTION drain_batch(bigint, bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drain_batch(bigint, bigint, boolean) TO panel_aggregator;

-- The drain takes no ids of its own any more: its batch runs as the owner, and its fallback
-- takes them from the identity default.
REVOKE USAGE ON SEQUENCE events_id_seq FROM panel_aggregator;

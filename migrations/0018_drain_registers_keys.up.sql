-- The drain registers its events' keys itself, one set-based insert into event_keys a batch,
-- instead of one plpgsql call and one INSERT statement an event in the row trigger of
-- migration 0012 (events_register_keys). 0012 added about 7 µs of Postgres CPU to the 32 that
-- each drained event cost; this takes back about 4 (docs/BENCHMARKS.md, "The drain's keys").
-- A connection that registers the keys of what it inserts says so with panel.event_keys =
-- 'statement' (the drain sets it on each connection); for its rows the row trigger is not
-- called. Two rules keep every eventId and Idempotency-Key on at most one kept event,
-- whoever inserts and whatever they set:
-- - the row trigger lets a row through whose key event_keys already gives to that very row
--   (same id), so a statement that registered its keys first stores them even without the
--   setting, where it used to skip them as duplicates;
-- - after each insert statement, every stored event with a key must hold it in event_keys (same
--   id and created_at), or the statement fails: a writer that claims to register its keys and
--   does not stores nothing, rather than a duplicate.

CREATE OR REPLACE FUNCTION events_register_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_id IS NULL AND NEW.idempotency_key IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO event_keys (event_id, idempotency_key, id, created_at)
    VALUES (NEW.event_id, NEW.idempotency_key, NEW.id, NEW.created_at)
    ON CONFLICT DO NOTHING;
    IF FOUND OR EXISTS (SELECT FROM event_keys k
                        WHERE k.id = NEW.id AND k.created_at = NEW.created_at
                          AND k.event_id IS NOT DISTINCT FROM NEW.event_id
                          AND k.idempotency_key IS NOT DISTINCT FROM NEW.idempotency_key) THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER events_register_keys ON events;
CREATE TRIGGER events_register_keys BEFORE INSERT ON events
    FOR EACH ROW
    WHEN ((NEW.event_id IS NOT NULL OR NEW.idempotency_key IS NOT NULL)
          AND current_setting('panel.event_keys', true) IS DISTINCT FROM 'statement')
    EXECUTE FUNCTION events_register_keys();

-- Raises when a row of the statement holds an eventId or Idempotency-Key that event_keys does
-- not give to it. Scalar subqueries, so that each row is one probe of event_keys' unique
-- indexes (as NOT EXISTS, Postgres would hash the whole of event_keys for every statement).
CREATE FUNCTION events_keys_held() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT n.id INTO bad FROM new_rows n
    WHERE (n.event_id IS NOT NULL
           AND (SELECT (k.id, k.created_at) FROM event_keys k WHERE k.event_id = n.event_id)
               IS DISTINCT FROM (n.id, n.created_at))
       OR (n.idempotency_key IS NOT NULL
           AND (SELECT (k.id, k.created_at) FROM event_keys k
                WHERE k.idempotency_key = n.idempotency_key)
               IS DISTINCT FROM (n.id, n.created_at))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event % was stored without its keys in event_keys', bad;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_keys_held AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_keys_held();

-- The drain takes its events' ids itself, as it registers their keys.
GRANT USAGE ON SEQUENCE events_id_seq TO panel_aggregator;

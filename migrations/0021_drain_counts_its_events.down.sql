GRANT USAGE ON SEQUENCE events_id_seq TO panel_aggregator;
DROP FUNCTION drain_batch(bigint, bigint, boolean);

DROP TRIGGER events_register_keys ON events;
CREATE TRIGGER events_register_keys BEFORE INSERT ON events
    FOR EACH ROW
    WHEN ((NEW.event_id IS NOT NULL OR NEW.idempotency_key IS NOT NULL)
          AND current_setting('panel.event_keys', true) IS DISTINCT FROM 'statement')
    EXECUTE FUNCTION events_register_keys();
DROP TRIGGER event_counts_insert_row ON events;
DROP FUNCTION event_counts_insert_row();
DROP FUNCTION events_recount();

-- As migrations 0006 and 0018 made them.
CREATE FUNCTION event_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts AS c (project_id, name, shard, n)
    SELECT k.project_id, k.name, pg_backend_pid() % 16, count(*)
    FROM new_rows e
    CROSS JOIN LATERAL (VALUES (0::bigint, ''), (0, e.name), (e.project_id, ''),
                               (e.project_id, e.name),
                               (CASE WHEN e.enqueued_at IS NOT NULL THEN -1 END, ''))
               AS k (project_id, name)
    WHERE k.project_id IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, name, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER event_counts_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_counts_insert();

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

DROP FUNCTION event_count_keys(bigint, text, boolean);

-- As migration 0018 made it.
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

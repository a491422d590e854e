REVOKE USAGE ON SEQUENCE events_id_seq FROM panel_aggregator;
DROP TRIGGER events_keys_held ON events;
DROP FUNCTION events_keys_held();
DROP TRIGGER events_register_keys ON events;
CREATE TRIGGER events_register_keys BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_register_keys();
CREATE OR REPLACE FUNCTION events_register_keys() RETURNS trigger
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

CREATE OR REPLACE FUNCTION event_queue_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    PERFORM pg_notify('event_queue', '');
    RETURN NULL;
END $$;
ALTER FUNCTION event_queue_notify() RESET search_path;

DROP TRIGGER event_queue_notify ON event_queue;
CREATE TRIGGER event_queue_notify AFTER INSERT ON event_queue
    FOR EACH STATEMENT EXECUTE FUNCTION event_queue_notify();

-- Back to migration 0008's producers: notify when no older event is ready in the queue.
CREATE OR REPLACE FUNCTION event_queue_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM event_queue q
                   WHERE q.id < (SELECT min(id) FROM new_rows) AND q.next_attempt_at <= now()) THEN
        PERFORM pg_notify('event_queue', '');
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER event_queue_notify ON event_queue;
CREATE TRIGGER event_queue_notify AFTER INSERT ON event_queue
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION event_queue_notify();

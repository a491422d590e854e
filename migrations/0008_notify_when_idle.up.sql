-- A NOTIFY serializes the commits of every transaction that sends one (Postgres takes a
-- database-wide lock from PreCommit_Notify until the commit is flushed), which halved the rate
-- of deployment creations. The drain worker needs a wake-up only when it may be asleep: when no
-- older event is ready in the queue. Otherwise it is draining already (it claims again until a
-- claim comes back empty) or a notification for the older rows is on its way; its poll covers
-- the rest. SECURITY DEFINER: the producers' role may insert queue rows but not read them.
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

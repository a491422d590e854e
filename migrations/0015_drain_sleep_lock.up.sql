-- Producers decided whether to wake the drain by reading the queue themselves (migration 0008:
-- is an older event ready?), in a plpgsql statement trigger with a transition table. Every
-- insert paid for the trigger, the transition table and a scan of event_queue's primary key
-- from its oldest entry, which walks every row the drain deleted since the last vacuum: under
-- load a create statement read 261 buffers, against 68 with an empty queue.
--
-- Now the drain says when it sleeps. It holds the advisory lock 72951015 exclusively (for its
-- session) from just before it sleeps until it wakes, and it can take the lock only when no
-- producer is between its insert and its commit, because each producer holds it shared from its
-- insert to its end. So a producer that can take it shared knows that a drain is awake and will
-- look at the queue once this transaction has ended: it sends nothing. One that cannot (a drain
-- sleeps) notifies. The test is the trigger's WHEN clause: while the drain is busy no function
-- runs at all, and no transition table is kept. See fcgi/aggregator/drain.c for the drain's
-- side. Without a drain nobody holds the lock and nothing is sent (nobody would listen).
CREATE OR REPLACE FUNCTION event_queue_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    PERFORM pg_notify('event_queue', '');
    RETURN NULL;
END $$;
ALTER FUNCTION event_queue_notify() RESET search_path;

DROP TRIGGER event_queue_notify ON event_queue;
CREATE TRIGGER event_queue_notify AFTER INSERT ON event_queue
    FOR EACH STATEMENT WHEN (NOT pg_try_advisory_xact_lock_shared(72951015))
    EXECUTE FUNCTION event_queue_notify();

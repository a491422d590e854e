DROP FUNCTION deployment_event_payload(uuid, text, text, bigint, text, bigint, text, bigint, text,
                                       integer, jsonb, timestamptz);
DROP TABLE events_dead;
DROP TABLE events;
DROP TABLE event_queue;
DROP FUNCTION event_queue_notify();

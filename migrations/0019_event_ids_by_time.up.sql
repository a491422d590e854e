-- The eventId the service gives each event when it enqueues it, now in time order. The drain
-- registers every eventId in event_keys, whose unique index takes one insert an event and
-- keeps an entry for every event kept. Drawn at random (gen_random_uuid(), a version 4 UUID),
-- each insert lands on a random leaf of that index: once the index outgrows the cache, most
-- inserts read and dirty a leaf page of their own, and the drain's rate falls as the events
-- table grows (pgbench on the drain's batch at 3.1 million events: 16,500-22,000 events/s
-- from a queue of random eventIds, 29,600-30,100 from the same queue with time-ordered ones;
-- docs/BENCHMARKS.md, "Time-ordered eventIds").
--
-- A version 7 UUID (RFC 9562): the first 48 bits are the Unix time in milliseconds, then the
-- version (7), 12 random bits, the variant (10) and 62 random bits. Ids made close in time
-- are close in the index, so the drain's inserts land on the few leaves at its newest end.
-- Two ids made in the same millisecond are equal with odds of one in 2^74 (about 10^22); the
-- time an id carries is its event's occurredAt, already in the payload. Made from gen_random_uuid()'s bytes: the time over the first six, and the version
-- bits set (a version 4 has 0100 there, a version 7 0111; set_bit counts from each byte's
-- least significant bit, so bits 52 and 53 are the 0011 of byte 6's upper half).
CREATE FUNCTION event_id_new() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN encode(set_bit(set_bit(
           overlay(uuid_send(gen_random_uuid())
                   PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)
                                              ::bigint) FROM 3)
                   FROM 1 FOR 6),
           52, 1), 53, 1), 'hex')::uuid;

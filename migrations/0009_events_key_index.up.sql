-- Most events (all the drained ones) have no Idempotency-Key; a unique index over the NULLs
-- costs every drained row an insertion for nothing. Index only the keys that exist.
ALTER TABLE events DROP CONSTRAINT events_idempotency_key_key;
CREATE UNIQUE INDEX events_idempotency_key ON events (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

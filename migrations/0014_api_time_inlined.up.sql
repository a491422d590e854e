-- api_time() was declared IMMUTABLE around to_char(), which is only STABLE. Postgres inlines
-- a SQL function into the statement that calls it only when the body is no more volatile than
-- the function says it is, so every call ran as a SQL function of its own, its body parsed and
-- planned again in each statement that used it: 83,000 instructions per call site (callgrind,
-- a backend running GET /projects/{id}'s statement), where the inlined to_char costs 12,000.
-- Declared STABLE (what it is), it is inlined, and so is deployment_event_payload() around it.
-- Its result is unchanged; nothing indexes or stores it.
ALTER FUNCTION api_time(timestamptz) STABLE;

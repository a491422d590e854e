DROP FUNCTION event_id_new();

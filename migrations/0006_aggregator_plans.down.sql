DO $$
BEGIN
    EXECUTE format('ALTER ROLE panel_aggregator IN DATABASE %I RESET plan_cache_mode',
                   current_database());
END $$;

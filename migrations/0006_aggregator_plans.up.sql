-- The aggregator's lists take optional filters in one statement each ("$1 IS NULL OR name =
-- $1"). A generic plan cannot use an index for such a filter and falls back to scanning every
-- event, so the role plans each execution for its actual parameters (a fraction of a
-- millisecond), which turns a project or name filter into an index scan. Applied by the
-- services right after SET ROLE, like the timeouts of 0003.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE panel_aggregator IN DATABASE %I SET plan_cache_mode = %L',
                   current_database(), 'force_custom_plan');
END $$;

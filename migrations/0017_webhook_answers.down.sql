ALTER TABLE webhook_deliveries
    DROP COLUMN status,
    DROP COLUMN updated_at,
    DROP COLUMN deployed_in;

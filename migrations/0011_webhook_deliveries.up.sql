-- The webhook-ids of signed deliveries the webhook accepted, per project: a delivery whose id
-- is remembered here is answered as the first one was and changes nothing. A row is written by
-- the same statement as the transition it allowed (so a refused or failed delivery leaves
-- none), lives until its expiry (the tolerance window after the later of its timestamp and its
-- acceptance), and expired rows are deleted by the statements that insert, a few at a time, so
-- the table holds about one window of deliveries without a job of its own.
CREATE TABLE webhook_deliveries (
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    webhook_id    text NOT NULL CHECK (length(webhook_id) BETWEEN 1 AND 255),
    deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    accepted_at   timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, webhook_id)
);
CREATE INDEX webhook_deliveries_expires ON webhook_deliveries (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_deliveries TO panel_project;

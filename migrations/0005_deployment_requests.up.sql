-- Idempotency keys of deployment creations: a retry with the same key within 24 hours returns
-- the first deployment. The row is written in the same statement as the deployment, and the
-- key's uniqueness makes concurrent retries wait for the first and then find it.
CREATE TABLE deployment_requests (
    idempotency_key text PRIMARY KEY
                    CHECK (idempotency_key <> '' AND length(idempotency_key) <= 255),
    project_id      bigint NOT NULL REFERENCES projects (id),
    meta            jsonb NOT NULL,
    deployment_id   bigint NOT NULL REFERENCES deployments (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deployment_requests_created ON deployment_requests (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON deployment_requests TO panel_project;
-- The creation with a key takes the deployment's id before inserting it.
GRANT USAGE ON SEQUENCE deployments_id_seq TO panel_project;

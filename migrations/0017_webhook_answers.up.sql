-- A remembered delivery is answered as the first one was, not with the deployment as it is
-- now: the row keeps what a transition changes (status, updated_at, deployed_in) as the first
-- delivery's answer gave them; the deployment's id, project, meta and creation time never
-- change, so they are read from the deployment. Rows remembered before this kept nothing, so
-- they take the deployment as it is now (what they were answered with until now).
ALTER TABLE webhook_deliveries
    ADD COLUMN status      text,
    ADD COLUMN updated_at  timestamptz,
    ADD COLUMN deployed_in integer;
UPDATE webhook_deliveries w
   SET status = d.status, updated_at = d.updated_at, deployed_in = d.deployed_in
  FROM deployments d
 WHERE d.id = w.deployment_id;
ALTER TABLE webhook_deliveries
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN updated_at SET NOT NULL;

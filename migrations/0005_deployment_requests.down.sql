REVOKE USAGE ON SEQUENCE deployments_id_seq FROM panel_project;
DROP TABLE deployment_requests;

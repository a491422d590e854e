DROP TABLE deployments;
DROP TABLE projects;
DROP TABLE users;
DROP FUNCTION api_time(timestamptz);

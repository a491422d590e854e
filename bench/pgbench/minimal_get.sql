-- The least GET /projects/{id} needs (issue 15's definition): the row and both flags, each an
-- EXISTS probe of its partial index, in the project's own schema. No latest deployment, no
-- formatting of the timestamp.
\set id random(1, :nprojects)
SELECT p.id, p.name, p.url, p.created_at,
       EXISTS (SELECT 1 FROM deployments d WHERE d.project_id = p.id
               AND d.status IN ('pending', 'building', 'deploying')),
       EXISTS (SELECT 1 FROM deployments d WHERE d.project_id = p.id AND d.status = 'done')
FROM projects p WHERE p.id = :id;

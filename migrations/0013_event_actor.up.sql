-- Who caused an event: "actor" in every deployment event's payload. For events of the API it
-- is the caller lighttpd authenticated (a JWT's sub, or "api-token" for the static token); for
-- events a webhook caused it is null, since the build system authenticates with the project's
-- app secret, not as a caller ("source": "webhook" says where it came from).
DROP FUNCTION deployment_event_payload(uuid, text, text, bigint, text, bigint, text, bigint, text,
                                       integer, jsonb, timestamptz);
CREATE FUNCTION deployment_event_payload(
    event_id uuid, source text, actor text, previous_status text,
    project_id bigint, project_name text, owner_id bigint, project_url text,
    deployment_id bigint, status text, deployed_in integer, meta jsonb, created_at timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_build_object(
    'eventId', event_id,
    'occurredAt', api_time(now()),
    'source', source,
    'actor', actor,
    'projectId', project_id,
    'projectName', project_name,
    'projectUrl', project_url,
    'ownerId', owner_id,
    'deploymentId', deployment_id,
    'status', status,
    'previousStatus', previous_status,
    'deployedIn', deployed_in,
    'meta', meta,
    'deploymentCreatedAt', api_time(created_at));

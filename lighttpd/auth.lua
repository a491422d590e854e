-- Bearer-token gate and request ids, run by mod_magnet before lighttpd does anything else with
-- a request. A request that fails the check is answered 401 here and never reaches a worker.
-- Which service a request is for follows from the port it arrived on; the tokens come from the
-- environment (PROJECT_API_TOKEN, AGGREGATOR_API_TOKEN) and are compared in constant time.
--
-- PROJECT_AUTH (project port only): "token" (the default) is all of the above. With "jwt" or
-- "token,jwt", scripts/stack sets PANEL_GATE=jwt, which also puts the authorizer pool in front
-- of the project port's pools (lighttpd/gate-jwt.conf): it answers every request this script
-- does not let through itself; what this script lets through (the exemptions, and the static
-- token in token,jwt mode) it marks with PANEL_PASSED=1 for the authorizer. Without that pool
-- nothing is passed on unchecked, whatever PROJECT_AUTH says. The caller goes into REMOTE_USER:
-- "api-token" here, a JWT's sub from the authorizer. Both are request environment (r.req_env),
-- which a client's headers can never set (they reach FastCGI as HTTP_*).

local r = lighty.r

local realm, token, mode
if r.req_attr["request.server-port"] == os.getenv("AGGREGATOR_PORT") then
	realm, token, mode = "aggregator", os.getenv("AGGREGATOR_API_TOKEN"), "token"
else
	realm, token, mode = "project", os.getenv("PROJECT_API_TOKEN"), os.getenv("PROJECT_AUTH")
end
local jwt = realm == "project" and os.getenv("PANEL_GATE") == "jwt" -- the authorizer is there

-- The authorizer's 200 makes lighttpd handle the request again from the start, this script
-- included: what this request's first pass or the authorizer decided stays decided.
if jwt and (r.req_env["REMOTE_USER"] or r.req_env["PANEL_PASSED"]) then
	return 0
end

local method = r.req_attr["request.method"]
local path = r.req_attr["uri.path"] -- decoded and normalised, as lighttpd routes it

-- The request id: the client's own when it is sane, otherwise a new one.
local rid = r.req_header["X-Request-Id"]
if not (rid and #rid <= 64 and rid:match("^[A-Za-z0-9._-]+$")) then
	local c = lighty.c
	rid = string.format("%08x%08x%08x%08x", c.rand() % 0x100000000, c.rand() % 0x100000000,
		c.rand() % 0x100000000, c.rand() % 0x100000000)
	r.req_header["X-Request-Id"] = rid
end

-- Exactly the contract's exemptions.
local read = method == "GET" or method == "HEAD"
local exempt = read and (path == "/health" or path == "/openapi.yaml")
if realm == "project" and ((method == "POST" and path == "/deployment/webhook")
		or (read and (path == "/admin" or path:sub(1, 7) == "/admin/"))) then
	exempt = true
end
if exempt then
	if jwt then
		r.req_env["PANEL_PASSED"] = "1"
	end
	return 0
end

local header = r.req_header["Authorization"]
local bearer, credential = false, nil
if header then
	local scheme, rest = header:match("^(%S+)[ \t]*(.*)$")
	bearer = scheme ~= nil and scheme:lower() == "bearer"
	credential = rest
end
if mode ~= "jwt" and bearer and token and token ~= "" and lighty.c.secret_eq(credential, token) then
	r.req_env["REMOTE_USER"] = "api-token"
	if jwt then
		r.req_env["PANEL_PASSED"] = "1"
	end
	return 0
end
-- Anything else is a JWT or nothing: the authorizer answers.
if jwt then
	return 0
end

-- RFC 6750: error="invalid_token" only when a bearer token was offered.
local challenge = 'Bearer realm="' .. realm .. '"'
local message = "a bearer token is required"
if bearer then
	challenge = challenge .. ', error="invalid_token"'
	message = "the bearer token is invalid"
end
r.resp_header["WWW-Authenticate"] = challenge
r.resp_header["Content-Type"] = "application/json"
r.resp_header["X-Request-Id"] = rid
r.resp_body:set({'{"name":"Unauthorized","message":"', message, '"}'})
return 401

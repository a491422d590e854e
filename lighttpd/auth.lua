-- Bearer-token gate and request ids, run by mod_magnet before lighttpd does anything else with
-- a request. A request that fails the check is answered 401 here and never reaches a worker.
-- Which service a request is for follows from the port it arrived on; the tokens come from the
-- environment (PROJECT_API_TOKEN, AGGREGATOR_API_TOKEN) and are compared in constant time.

local r = lighty.r
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

local realm, token
if r.req_attr["request.server-port"] == os.getenv("AGGREGATOR_PORT") then
	realm, token = "aggregator", os.getenv("AGGREGATOR_API_TOKEN")
else
	realm, token = "project", os.getenv("PROJECT_API_TOKEN")
end

-- Exactly the contract's exemptions.
local read = method == "GET" or method == "HEAD"
if read and (path == "/health" or path == "/openapi.yaml") then
	return 0
end
if realm == "project" and ((method == "POST" and path == "/deployment/webhook")
		or (read and (path == "/admin" or path:sub(1, 7) == "/admin/"))) then
	return 0
end

local header = r.req_header["Authorization"]
local bearer, credential = false, nil
if header then
	local scheme, rest = header:match("^(%S+)[ \t]*(.*)$")
	bearer = scheme ~= nil and scheme:lower() == "bearer"
	credential = rest
end
if bearer and token and token ~= "" and lighty.c.secret_eq(credential, token) then
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

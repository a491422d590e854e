-- Bearer-token gate and request ids, run by mod_magnet before lighttpd does anything else with
-- a request. A request that fails the check is answered 401 here and never reaches a worker.
-- Which service a request is for follows from the port it arrived on; the tokens come from the
-- environment (PROJECT_API_TOKEN, AGGREGATOR_API_TOKEN) and are compared in constant time.
--
-- PROJECT_AUTH (project port only): "token" (the default) is all of the above. With "jwt" or
-- "token,jwt", scripts/stack sets PANEL_GATE=jwt, which also puts the authorizer pool in front
-- of the project port's pools (lighttpd/gate-jwt.conf): it answers every request this script
-- does not let through itself. What this script lets through (the exemptions, the static token
-- in token,jwt mode, and a JWT the authorizer accepted before, see below) it marks with
-- PANEL_PASSED=1 and skips the authorizer for: it sets the request's scheme to "panel-passed",
-- which lighttpd.conf's $HTTP["scheme"] blocks answer with the pools alone. No client can give
-- a request that scheme (lighttpd takes it from the connection: http here; the pools see it as
-- REQUEST_SCHEME, which none of them reads). Without that pool nothing is passed on
-- unchecked, whatever PROJECT_AUTH says. The caller goes into REMOTE_USER: "api-token" here, a
-- JWT's sub from the authorizer. Both are request environment (r.req_env), which a client's
-- headers can never set (they reach FastCGI as HTTP_*).
--
-- Remembered acceptances: when the authorizer lets a JWT through, it says until when
-- (PANEL_JWT_UNTIL, the token's exp plus leeway), with which permissions (PANEL_JWT_PERMS: r, w)
-- and under which generation of its keys (PANEL_JWT_KEYS); this script keeps that under the
-- exact Authorization header, and a later request with the same header skips the authorizer
-- while the time is before then, its method's permission is among them and the keys are still
-- of that generation (the size of srv/jwks.generation, which the authorizer pool grows before
-- any of its processes loads new keys; lighttpd.conf turns off the stat cache, so it is read
-- anew each time). Anything else goes to the authorizer as before, which refuses or accepts:
-- this script never refuses a JWT itself. At most MAX_REMEMBERED headers; when full, all are
-- forgotten. The table lives in the script's Lua state (its global table, which mod_magnet
-- keeps from one request to the next), so a lighttpd restart forgets it too.

local r = lighty.r

local realm, token, mode
if r.req_attr["request.server-port"] == os.getenv("AGGREGATOR_PORT") then
	realm, token, mode = "aggregator", os.getenv("AGGREGATOR_API_TOKEN"), "token"
else
	realm, token, mode = "project", os.getenv("PROJECT_API_TOKEN"), os.getenv("PROJECT_AUTH")
end
local jwt = realm == "project" and os.getenv("PANEL_GATE") == "jwt" -- the authorizer is there

local MAX_REMEMBERED = 1024
local generation_file = (os.getenv("PANEL_STATE_DIR") or "") .. "/srv/jwks.generation"
local accepted = _G.panel_accepted
if not accepted then
	accepted = {n = 0, keys = false, by_header = {}}
	_G.panel_accepted = accepted
end

-- Forgets every remembered acceptance; what is remembered next is under these keys.
local function forget_all(keys)
	accepted.n, accepted.keys, accepted.by_header = 0, keys, {}
end

-- The generation of the authorizer's keys (nil when the pool shares none).
local function keys_generation()
	local st = lighty.c.stat(generation_file)
	return st and st.st_size
end

-- Lets this request on to the pools without the authorizer (see above).
local function pass()
	r.req_env["PANEL_PASSED"] = "1"
	if r.req_attr["uri.scheme"] == "http" then
		r.req_attr["uri.scheme"] = "panel-passed"
	end
	return 0
end

-- The authorizer's 200 makes lighttpd handle the request again from the start, this script
-- included: what this request's first pass or the authorizer decided stays decided.
if jwt and r.req_env["PANEL_PASSED"] then
	return pass() -- lighttpd restarted a request this script passed
end
if jwt and r.req_env["REMOTE_USER"] then
	-- The authorizer accepted this request's token: remember it, under the generation of keys
	-- it names, if that is still the current one.
	local env, header = r.req_env, r.req_header["Authorization"]
	local valid_until, keys = tonumber(env["PANEL_JWT_UNTIL"]), tonumber(env["PANEL_JWT_KEYS"])
	if header and valid_until and keys and keys == keys_generation() then
		if accepted.keys ~= keys or accepted.n >= MAX_REMEMBERED then
			forget_all(keys)
		end
		if not accepted.by_header[header] then
			accepted.n = accepted.n + 1
		end
		accepted.by_header[header] = {user = env["REMOTE_USER"], valid_until = valid_until,
			perms = env["PANEL_JWT_PERMS"] or ""}
	end
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
		return pass()
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
		return pass()
	end
	return 0
end
-- Anything else is a JWT or nothing: the authorizer answers, unless it accepted this very
-- header before and that still holds (now before exp + leeway, the method's permission, the
-- same keys).
if jwt then
	local e = header and accepted.by_header[header]
	if e then
		local now = lighty.c.hrtime()
		local keys = keys_generation()
		if keys ~= accepted.keys then
			forget_all(keys)
		elseif now < e.valid_until and e.perms:find(read and "r" or "w", 1, true) then
			r.req_env["REMOTE_USER"] = e.user
			return pass()
		elseif now >= e.valid_until then
			accepted.by_header[header] = nil
			accepted.n = accepted.n - 1
		end
	end
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

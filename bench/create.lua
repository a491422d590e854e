-- POST /projects/{id}/deployment for a project drawn from 1..BENCH_IDS, with a meta body.
-- With BENCH_RATE set, the whole run is paced to that many requests per second: each thread
-- keeps a schedule (its share of the rate, from a monotonic clock read through LuaJIT's FFI)
-- and wrk's delay() holds each request until its slot. Debian's wrk has no -R (that is wrk2).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local ids = common.num("BENCH_IDS", 1)
local rate = common.num("BENCH_RATE", 0)
local headers = {["Authorization"] = "Bearer " .. common.token,
                 ["Content-Type"] = "application/json"}
-- The service stores this as meta {"branch":"main","commitSha":"9fceb02","trigger":"git"}.
local body = '{"commitSha": "9fceb02", "branch": "main", "trigger": "git"}'

setup = common.setup
done = common.done

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval, start, sent = 0, nil, 0

function init(args)
	common.seed(thread_index)
	if rate > 0 then
		interval = 1000 * thread_count_hint / rate
	end
end

function delay()
	if interval == 0 then return 0 end
	local now = now_ms()
	if start == nil then start = now end
	local due = start + sent * interval
	sent = sent + 1
	if due <= now then return 0 end
	return math.floor(due - now)
end

function request()
	return wrk.format("POST", "/projects/" .. math.random(1, ids) .. "/deployment", headers, body)
end

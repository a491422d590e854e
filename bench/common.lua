-- Shared by the wrk scripts of make bench (bench/run sets the environment they read): the
-- bearer token, per-thread ids and random seeds, and the one report line bench/run parses.
-- Holds no scenario of its own.
local M = {}

M.token = os.getenv("BENCH_TOKEN") or ""

function M.num(name, default)
	local v = tonumber(os.getenv(name) or "")
	if v == nil then return default end
	return v
end

-- wrk's setup(): number the threads, so each seeds its own generator and owns its own ids.
local threads = 0
function M.setup(thread)
	thread:set("thread_index", threads)
	threads = threads + 1
	thread:set("thread_count_hint", M.num("BENCH_THREADS", 2))
end

function M.seed(index)
	math.randomseed(os.time() * 1000 + (index or 0) * 7919 + M.num("BENCH_SEED", 0))
end

-- wrk's done(): "BENCH requests=N duration_us=D p50_us=X p99_us=Y non2xx=Z errors=E".
-- wrk counts statuses above 399 as errors.status; socket errors and timeouts are separate.
function M.done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
		e.status, e.connect + e.read + e.write + e.timeout))
end

return M

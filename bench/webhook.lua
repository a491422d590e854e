-- POST /deployment/webhook walking pending deployments through building, deploying and done.
-- Thread i owns the ids BENCH_FIRST + i * BENCH_SPAN onwards. Requests go out in groups of
-- GROUP deployments: the group's "building" requests, then its "deploying", then its "done",
-- so two steps of one deployment are GROUP requests apart and never in flight together (a step
-- overtaking the one before would be a 409, counted as non-2xx).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local first = common.num("BENCH_FIRST", 1)
local span = common.num("BENCH_SPAN", 1)
local GROUP = 64
local steps = {"building", "deploying", "done"}
local headers = {["Authorization"] = "Bearer bench-secret",
                 ["Content-Type"] = "application/json"}
local k, base = 0, 0

setup = common.setup
done = common.done

function init(args)
	base = first + thread_index * span
end

function request()
	local id = base + (k % GROUP) + GROUP * math.floor(k / (3 * GROUP))
	local step = steps[math.floor(k / GROUP) % 3 + 1]
	k = k + 1
	return wrk.format("POST", "/deployment/webhook", headers,
	                  '{"id": ' .. id .. ', "status": "' .. step .. '"}')
end

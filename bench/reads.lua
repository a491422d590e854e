-- GET requests over varying ids and pages. BENCH_PATH is the path with {id} and {page}
-- placeholders, drawn uniformly from 1..BENCH_IDS and 1..BENCH_PAGES for each request.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local pattern = os.getenv("BENCH_PATH")
local ids = common.num("BENCH_IDS", 1)
local pages = common.num("BENCH_PAGES", 1)
local headers = {["Authorization"] = "Bearer " .. common.token}

setup = common.setup
done = common.done

function init(args)
	common.seed(thread_index)
end

function request()
	local path = pattern:gsub("{id}", tostring(math.random(1, ids)))
	path = path:gsub("{page}", tostring(math.random(1, pages)))
	return wrk.format("GET", path, headers)
end

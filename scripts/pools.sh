# The worker pools' sizes: what the environment sets, else the defaults below. Sourced by
# scripts/stack, which starts the pools, and by bench/run, which reports them; exports variables
# and defines pool_connections only.
#
# Four project workers per core for writes: each create waits for its commit's WAL flush, and
# more of them in flight share each flush (group commit). On a quiet 2-core machine 4c served
# about 8 % more creates than 2c and about 12 % fewer reads (docs/BENCHMARKS.md, "Creates: what
# the Postgres time pays for"): so reads have a pool of their own, one per core, which served
# more reads than 2 or 4 per core in alternated rounds (docs/BENCHMARKS.md, "The read pool").
cores=$(nproc 2>/dev/null || echo 2)
export PROJECT_WORKERS=${PROJECT_WORKERS:-$((4 * cores))}
export PROJECT_READ_WORKERS=${PROJECT_READ_WORKERS:-$cores}
export AGGREGATOR_WORKERS=${AGGREGATOR_WORKERS:-$cores}
export AUTHORIZER_WORKERS=${AUTHORIZER_WORKERS:-$cores}
export DRAIN_WORKERS=${DRAIN_WORKERS:-1}

# The database connections these hold, one a worker or drain for its life (the JWT authorizers
# hold none: WRITEUP.md, "The connection budget").
pool_connections() {
	echo $((PROJECT_WORKERS + PROJECT_READ_WORKERS + AGGREGATOR_WORKERS + DRAIN_WORKERS))
}

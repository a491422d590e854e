/*
 * Shared-memory request metrics. The layout is a fixed array per (route, status) and per
 * (route, latency bucket); the file name carries a fingerprint of the route table so workers
 * of another build never share a layout. Knows routes only by index and pattern.
 */
#include "metrics.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "route.h"

/* The statuses we answer; anything else is counted as "other". */
static const int statuses[] = {200, 201, 304, 400, 401, 404, 405, 409, 413, 415, 500, 503};
enum { NSTATUS = sizeof(statuses) / sizeof(statuses[0]) + 1 };

/* Upper bounds of the latency buckets, in seconds; a last bucket holds the rest (+Inf). */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
enum { NBUCKET = sizeof(bounds) / sizeof(bounds[0]) + 1 };

struct route_counters {
	uint64_t requests[NSTATUS];
	uint64_t buckets[NBUCKET];
	uint64_t micros; /* total latency, for _sum */
};

static struct {
	const char *service;
	const struct route *routes;
	size_t nroutes;
	struct route_counters *counters; /* nroutes + 1 (the last: unmatched requests) */
} m;

static uint64_t layout_fingerprint(const struct route *routes, size_t n)
{
	uint64_t h = XXH3_64bits_withSeed(&n, sizeof(n), NSTATUS * 1000 + NBUCKET);
	for (size_t i = 0; i < n; i++) {
		h = XXH3_64bits_withSeed(routes[i].method, strlen(routes[i].method), h);
		h = XXH3_64bits_withSeed(routes[i].pattern, strlen(routes[i].pattern), h);
	}
	return h;
}

void metrics_open(const char *service, const struct route *routes, size_t nroutes)
{
	size_t size = (nroutes + 1) * sizeof(struct route_counters);
	char path[512];

	m.service = service;
	m.routes = routes;
	m.nroutes = nroutes;
	snprintf(path, sizeof(path), "%s/run/metrics-%s-%016llx",
	         config_str("PANEL_STATE_DIR", "."), service,
	         (unsigned long long)layout_fingerprint(routes, nroutes));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* ftruncate only grows a new file: the contents of an existing one are kept. */
	if (fd >= 0 && ftruncate(fd, (off_t)size) == 0) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p != MAP_FAILED) {
			m.counters = p;
			return;
		}
	} else if (fd >= 0) {
		close(fd);
	}
	log_warn("metrics: cannot share %s; counting this worker's requests only", path);
	m.counters = xcalloc(nroutes + 1, sizeof(struct route_counters));
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_observe(const struct route *route, int status, double seconds)
{
	if (!m.counters)
		return;
	size_t r = route ? (size_t)(route - m.routes) : m.nroutes;
	size_t b = 0;
	while (b < NBUCKET - 1 && seconds > bounds[b])
		b++;
	struct route_counters *c = &m.counters[r];
	__atomic_fetch_add(&c->requests[status_index(status)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->micros, (uint64_t)(seconds * 1e6), __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void metrics_render(struct buf *out)
{
	if (!m.counters)
		return;
	buf_puts(out, "# HELP panel_http_requests_total Requests answered by the workers, by route "
	              "and status.\n# TYPE panel_http_requests_total counter\n");
	for (size_t r = 0; r <= m.nroutes; r++) {
		const char *method = r < m.nroutes ? m.routes[r].method : "";
		const char *route = r < m.nroutes ? m.routes[r].pattern : "unmatched";
		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t n = load(&m.counters[r].requests[s]);
			if (!n)
				continue;
			buf_printf(out,
			           "panel_http_requests_total{service=\"%s\",method=\"%s\","
			           "route=\"%s\",status=\"",
			           m.service, method, route);
			if (s < NSTATUS - 1)
				buf_printf(out, "%d", statuses[s]);
			else
				buf_puts(out, "other");
			buf_printf(out, "\"} %llu\n", (unsigned long long)n);
		}
	}
	buf_puts(out, "# HELP panel_http_request_duration_seconds Time from the request reaching a "
	              "worker to its answer being written.\n"
	              "# TYPE panel_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= m.nroutes; r++) {
		const char *method = r < m.nroutes ? m.routes[r].method : "";
		const char *route = r < m.nroutes ? m.routes[r].pattern : "unmatched";
		uint64_t cumulative = 0;
		for (size_t b = 0; b < NBUCKET; b++)
			cumulative += load(&m.counters[r].buckets[b]);
		if (!cumulative)
			continue;
		cumulative = 0;
		for (size_t b = 0; b < NBUCKET; b++) {
			cumulative += load(&m.counters[r].buckets[b]);
			buf_printf(out,
			           "panel_http_request_duration_seconds_bucket{service=\"%s\","
			           "method=\"%s\",route=\"%s\",le=\"",
			           m.service, method, route);
			if (b < NBUCKET - 1)
				buf_printf(out, "%g", bounds[b]);
			else
				buf_puts(out, "+Inf");
			buf_printf(out, "\"} %llu\n", (unsigned long long)cumulative);
		}
		buf_printf(out,
		           "panel_http_request_duration_seconds_sum{service=\"%s\",method=\"%s\","
		           "route=\"%s\"} %.6f\n"
		           "panel_http_request_duration_seconds_count{service=\"%s\",method=\"%s\","
		           "route=\"%s\"} %llu\n",
		           m.service, method, route, load(&m.counters[r].micros) / 1e6, m.service,
		           method, route, (unsigned long long)cumulative);
	}
}

void metrics_render_value(struct buf *out, const char *name, const char *type, const char *help,
                          double value)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name,
	           value);
}

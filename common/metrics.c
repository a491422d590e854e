/*
 * Shared-memory request metrics. Each service's workers map one file in $PANEL_STATE_DIR/srv:
 * a header naming the service and its routes, then counters per (route, status) and per
 * (route, latency bucket). The file name carries a fingerprint of the route table so workers
 * of another build never share a layout. Knows routes only by method and pattern.
 */
#include "metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "route.h"

/* The statuses we answer (err.h), and one more: anything else is counted as "other". */
enum { NSTATUS = ERR_NSTATUSES + 1 };

/* Upper bounds of the latency buckets, in seconds; a last bucket holds the rest (+Inf). */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
enum { NBUCKET = sizeof(bounds) / sizeof(bounds[0]) + 1 };

struct route_counters {
	uint64_t requests[NSTATUS];
	uint64_t buckets[NBUCKET];
	uint64_t micros; /* total latency, for _sum */
};

/*
 * The shared file says what it counts, so any worker of the stack can render any service's
 * file: /metrics on either port answers for every pool (the project port's activity feed is
 * served by the aggregator's).
 */
#define METRICS_MAGIC UINT64_C(0x70616e656c6d7431) /* "panelmt1" */
struct shared_route {
	char method[8];
	char pattern[96];
	struct route_counters c;
};
struct shared {
	uint64_t magic; /* written last, once the rest of the header is */
	char service[32];
	uint64_t nroutes; /* the service's routes, plus one for unmatched requests */
	struct shared_route routes[];
};

static struct {
	const struct route *routes; /* this service's table */
	size_t nroutes;
	struct shared *own; /* this service's counters */
	char dir[512];      /* where the shared files are */
} m;

static size_t shared_size(size_t nroutes)
{
	return sizeof(struct shared) + (nroutes + 1) * sizeof(struct shared_route);
}

static uint64_t layout_fingerprint(const struct route *routes, size_t n)
{
	uint64_t h = XXH3_64bits_withSeed(&n, sizeof(n), NSTATUS * 1000 + NBUCKET);
	for (size_t i = 0; i < n; i++) {
		h = XXH3_64bits_withSeed(routes[i].method, strlen(routes[i].method), h);
		h = XXH3_64bits_withSeed(routes[i].pattern, strlen(routes[i].pattern), h);
	}
	return h;
}

/* Fills the header; every worker writes the same bytes, so concurrent ones agree. */
static void describe(struct shared *sh, const char *service)
{
	if (__atomic_load_n(&sh->magic, __ATOMIC_ACQUIRE) == METRICS_MAGIC)
		return;
	snprintf(sh->service, sizeof(sh->service), "%s", service);
	sh->nroutes = m.nroutes + 1;
	for (size_t i = 0; i <= m.nroutes; i++) {
		snprintf(sh->routes[i].method, sizeof(sh->routes[i].method), "%s",
		         i < m.nroutes ? m.routes[i].method : "");
		snprintf(sh->routes[i].pattern, sizeof(sh->routes[i].pattern), "%s",
		         i < m.nroutes ? m.routes[i].pattern : "unmatched");
	}
	__atomic_store_n(&sh->magic, METRICS_MAGIC, __ATOMIC_RELEASE);
}

void metrics_open(const char *service, const struct route *routes, size_t nroutes)
{
	size_t size = shared_size(nroutes);
	char path[1024];

	m.routes = routes;
	m.nroutes = nroutes;
	snprintf(m.dir, sizeof(m.dir), "%s/srv", config_state_dir());
	snprintf(path, sizeof(path), "%s/metrics-%s-%016llx", m.dir, service,
	         (unsigned long long)layout_fingerprint(routes, nroutes));
	/* Never through a link: a planted one would have this grow and write its target. */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	/* ftruncate only grows a new file: the contents of an existing one are kept. */
	if (fd >= 0 && ftruncate(fd, (off_t)size) == 0) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p != MAP_FAILED) {
			m.own = p;
			describe(m.own, service);
			return;
		}
	} else if (fd >= 0) {
		close(fd);
	}
	log_warn("metrics: cannot share %s; counting this worker's requests only", path);
	m.own = xcalloc(1, size);
	m.dir[0] = '\0';
	describe(m.own, service);
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (err_status_at(i) == status)
			return i;
	return NSTATUS - 1;
}

void metrics_observe(const struct route *route, int status, double seconds)
{
	if (!m.own)
		return;
	size_t r = route ? (size_t)(route - m.routes) : m.nroutes;
	size_t b = 0;
	while (b < NBUCKET - 1 && seconds > bounds[b])
		b++;
	struct route_counters *c = &m.own->routes[r].c;
	__atomic_fetch_add(&c->requests[status_index(status)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->micros, (uint64_t)(seconds * 1e6), __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

enum { MAX_SERVICES = 8 };

/* Maps every shared file of the stack read-only (the own counters when none is shared). */
static size_t map_all(const struct shared **out, size_t *sizes)
{
	size_t n = 0;
	DIR *d = m.dir[0] ? opendir(m.dir) : NULL;
	struct dirent *e;

	while (d && n < MAX_SERVICES && (e = readdir(d))) {
		char path[1024];
		struct stat st;
		if (strncmp(e->d_name, "metrics-", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", m.dir, e->d_name);
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct shared)) {
			void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
			const struct shared *sh = p;
			if (p != MAP_FAILED && load(&sh->magic) == METRICS_MAGIC &&
			    sh->nroutes <= (size_t)st.st_size / sizeof(struct shared_route) &&
			    sizeof(struct shared) + sh->nroutes * sizeof(struct shared_route) <=
			        (size_t)st.st_size) {
				out[n] = sh;
				sizes[n++] = (size_t)st.st_size;
			} else if (p != MAP_FAILED) {
				munmap(p, (size_t)st.st_size);
			}
		}
		close(fd);
	}
	if (d)
		closedir(d);
	if (n == 0 && m.own) {
		out[n] = m.own;
		sizes[n++] = 0; /* not mapped here: never unmapped */
	}
	return n;
}

/* The labels of one route of one service. */
static void labels(struct buf *out, const struct shared *sh, const struct shared_route *r)
{
	buf_printf(out, "service=\"%.32s\",method=\"%.8s\",route=\"%.96s\"", sh->service, r->method,
	           r->pattern);
}

static void render_requests(struct buf *out, const struct shared *sh)
{
	for (size_t i = 0; i < sh->nroutes; i++) {
		const struct shared_route *r = &sh->routes[i];
		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t n = load(&r->c.requests[s]);
			if (!n)
				continue;
			buf_puts(out, "panel_http_requests_total{");
			labels(out, sh, r);
			if (s < NSTATUS - 1)
				buf_printf(out, ",status=\"%d\"} %llu\n", err_status_at(s),
				           (unsigned long long)n);
			else
				buf_printf(out, ",status=\"other\"} %llu\n", (unsigned long long)n);
		}
	}
}

static void render_durations(struct buf *out, const struct shared *sh)
{
	for (size_t i = 0; i < sh->nroutes; i++) {
		const struct shared_route *r = &sh->routes[i];
		uint64_t total = 0, cumulative = 0;
		for (size_t b = 0; b < NBUCKET; b++)
			total += load(&r->c.buckets[b]);
		if (!total)
			continue;
		for (size_t b = 0; b < NBUCKET; b++) {
			cumulative += load(&r->c.buckets[b]);
			buf_puts(out, "panel_http_request_duration_seconds_bucket{");
			labels(out, sh, r);
			if (b < NBUCKET - 1)
				buf_printf(out, ",le=\"%g\"} %llu\n", bounds[b],
				           (unsigned long long)cumulative);
			else
				buf_printf(out, ",le=\"+Inf\"} %llu\n",
				           (unsigned long long)cumulative);
		}
		buf_puts(out, "panel_http_request_duration_seconds_sum{");
		labels(out, sh, r);
		buf_printf(out, "} %.6f\npanel_http_request_duration_seconds_count{",
		           (double)load(&r->c.micros) / 1e6);
		labels(out, sh, r);
		buf_printf(out, "} %llu\n", (unsigned long long)cumulative);
	}
}

void metrics_render(struct buf *out)
{
	const struct shared *all[MAX_SERVICES];
	size_t sizes[MAX_SERVICES];
	size_t n = map_all(all, sizes);

	buf_puts(out,
	         "# HELP panel_http_requests_total Requests answered by the workers, by service, "
	         "route and status.\n# TYPE panel_http_requests_total counter\n");
	for (size_t i = 0; i < n; i++)
		render_requests(out, all[i]);
	buf_puts(out, "# HELP panel_http_request_duration_seconds Time from the request reaching a "
	              "worker to its answer being written.\n"
	              "# TYPE panel_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < n; i++)
		render_durations(out, all[i]);
	for (size_t i = 0; i < n; i++)
		if (sizes[i])
			munmap((void *)all[i], sizes[i]);
}

void metrics_render_value(struct buf *out, const char *name, const char *type, const char *help,
                          double value)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name,
	           value);
}

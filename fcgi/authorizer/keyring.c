/*
 * Where the authorizer's keys come from: JWT_JWKS_FILE, read at start and on each refresh, and
 * JWT_JWKS_URL, fetched with libcurl (https, or http to loopback only; no redirects, 5 s, 64 KiB
 * at most). A fetch happens at start and then only when a token names an unknown kid, at most
 * once per interval for the whole pool: the processes share the time of the last fetch and a
 * generation in a mapped file, and the fetched document in another, so one fetch serves every
 * process and a flood of bogus kids costs the issuer one request per interval.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authorizer.h"
#include "buf.h"
#include "log.h"
#include "mem.h"

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool keyring_url_allowed(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = false;
	struct in_addr v4;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "JWT_JWKS_URL is not a URL");
	} else if (strcasecmp(scheme, "https") == 0) {
		ok = true;
	} else if (strcasecmp(scheme, "http") != 0) {
		snprintf(err, errlen, "JWT_JWKS_URL must be https (or http on a loopback address)");
	} else if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	           (inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127)) {
		ok = true;
	} else {
		snprintf(err, errlen, "JWT_JWKS_URL may be http only on a loopback address");
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

static size_t collect(char *data, size_t size, size_t n, void *b)
{
	return buf_append(b, data, size * n) ? 0 : size * n;
}

/* GETs the URL into doc; returns 0, or -1 with the reason logged. */
static int fetch(struct keyring *kr, struct buf *doc)
{
	char err[CURL_ERROR_SIZE] = "", why[256];
	long status = 0;
	CURLcode rc = CURLE_FAILED_INIT;
	CURL *c = curl_easy_init();

	if (!keyring_url_allowed(kr->url, why, sizeof(why))) {
		log_error("jwks: %s", why);
		curl_easy_cleanup(c);
		return -1;
	}
	if (c) {
		bool http = strncasecmp(kr->url, "http:", 5) == 0;
		curl_easy_setopt(c, CURLOPT_URL, kr->url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, http ? "http" : "https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)JWKS_MAX_BYTES);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "panel-authorizer");
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, doc);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
	}
	kr->fetches++;
	if (rc != CURLE_OK || status != 200) {
		log_error("jwks: fetching %s failed: %s", kr->url,
		          rc != CURLE_OK ? (err[0] ? err : curl_easy_strerror(rc))
		                         : "not a 200 answer");
		return -1;
	}
	return 0;
}

/* Adds the keys of a document to set; returns 0 or -1 (logged, set unchanged). */
static int add_doc(struct jwt_keyset *set, const struct buf *doc, const char *from)
{
	char err[256];
	size_t skipped = 0;

	if (jwt_keyset_add_jwks(set, doc->data ? doc->data : "", doc->len, &skipped, err,
	                        sizeof(err))) {
		log_error("jwks: %s: %s", from, err);
		return -1;
	}
	if (skipped)
		log_info("jwks: %s: %zu keys skipped (not RS256 or ES256 signing keys)", from,
		         skipped);
	return 0;
}

static void add_file(struct jwt_keyset *set, const char *path)
{
	struct buf doc = BUF_INIT(JWKS_MAX_BYTES);

	if (buf_read_file(&doc, path))
		log_error("jwks: cannot read %s: %s", path, strerror(errno));
	else
		add_doc(set, &doc, path);
	buf_free(&doc);
}

/*
 * Makes srv/jwks.generation at least generation bytes long: auth.lua compares its size with the
 * generation each remembered acceptance was made under. A write at an offset below the end
 * changes nothing, so the size never goes back, whichever process writes last.
 */
static void publish_generation(const struct keyring *kr, uint64_t generation)
{
	if (kr->generation_fd < 0 || generation == 0)
		return;
	if (pwrite(kr->generation_fd, "", 1, (off_t)(generation - 1)) != 1)
		log_error("jwks: cannot publish generation %llu: %s",
		          (unsigned long long)generation, strerror(errno));
}

/* Reads the keys again: the file, then the URL's document (published, or this process's). */
static void reload(struct keyring *kr, uint64_t generation)
{
	struct jwt_keyset fresh = {0};

	/* Another process published it already; this repeats it in case that one died between. */
	publish_generation(kr, generation);

	if (kr->file)
		add_file(&fresh, kr->file);
	if (kr->url && kr->published[0] && access(kr->published, F_OK) == 0)
		add_file(&fresh, kr->published);
	else if (kr->url && kr->fetched.len)
		add_doc(&fresh, &kr->fetched, kr->url);
	jwt_keyset_clear(&kr->keys);
	kr->keys = fresh;
	kr->generation = generation;
	log_info("jwks: %zu keys (generation %llu)", kr->keys.n, (unsigned long long)generation);
}

/* Writes doc to path through a new file renamed over it, so readers see all or nothing. */
static int publish(const char *path, const struct buf *doc)
{
	char tmp[1100];
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, doc->data, doc->len) == (ssize_t)doc->len;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) == 0)
		return 0;
	log_error("jwks: cannot publish %s: %s", path, strerror(errno));
	unlink(tmp);
	return -1;
}

/*
 * Fetches the URL; a document we can use replaces the one the pool shares (a bad one leaves
 * the keys as they were). The generation moves after every attempt, so every process reads
 * the file again and no process waits for a fetch that failed.
 */
static void fetch_and_publish(struct keyring *kr)
{
	struct buf doc = BUF_INIT(JWKS_MAX_BYTES);
	struct jwt_keyset check = {0};

	if (kr->url && fetch(kr, &doc) == 0 && add_doc(&check, &doc, kr->url) == 0) {
		if (kr->published[0]) {
			publish(kr->published, &doc);
		} else {
			buf_free(&kr->fetched);
			kr->fetched = doc;
			doc = (struct buf)BUF_INIT(JWKS_MAX_BYTES);
		}
	}
	jwt_keyset_clear(&check);
	buf_free(&doc);
	/*
	 * The file first: auth.lua forgets what it remembered under the old keys before any
	 * process can load the new ones. Then the counter, and the file again with the value it
	 * reached (another process may have moved it meanwhile).
	 */
	publish_generation(kr, __atomic_load_n(&kr->shared->generation, __ATOMIC_ACQUIRE) + 1);
	publish_generation(kr, __atomic_add_fetch(&kr->shared->generation, 1, __ATOMIC_RELEASE));
}

/* Takes the right to fetch: true when no process fetched within the interval (and now we). */
static bool claim(struct keyring *kr)
{
	int64_t now = monotonic_ms();
	int64_t last = __atomic_load_n(&kr->shared->last_fetch_ms, __ATOMIC_ACQUIRE);

	if (last != 0 && now - last < kr->interval_ms)
		return false;
	return __atomic_compare_exchange_n(&kr->shared->last_fetch_ms, &last, now, false,
	                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void map_shared(struct keyring *kr, const char *state_dir)
{
	char path[1024] = "";
	int fd = -1;

	kr->published[0] = '\0';
	kr->generation_fd = -1;
	if (state_dir && *state_dir) {
		snprintf(path, sizeof(path), "%s/srv/jwks.state", state_dir);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	/* ftruncate only grows a new file (zeroes: never fetched); an existing one is kept. */
	if (fd >= 0 && ftruncate(fd, sizeof(struct keyring_shared)) == 0) {
		void *p = mmap(NULL, sizeof(struct keyring_shared), PROT_READ | PROT_WRITE,
		               MAP_SHARED, fd, 0);
		close(fd);
		if (p != MAP_FAILED) {
			kr->shared = p;
			snprintf(kr->published, sizeof(kr->published), "%s/srv/jwks.json",
			         state_dir);
			snprintf(path, sizeof(path), "%s/srv/jwks.generation", state_dir);
			kr->generation_fd =
			    open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (kr->generation_fd < 0)
				log_warn("jwks: cannot open %s: lighttpd remembers no token", path);
			return;
		}
	} else if (fd >= 0) {
		close(fd);
	}
	if (state_dir)
		log_warn("jwks: cannot share %s; this process fetches on its own", path);
	kr->shared = xcalloc(1, sizeof(*kr->shared));
	kr->shared_private = true;
}

size_t keyring_open(struct keyring *kr, const char *state_dir)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	map_shared(kr, state_dir);
	/* The first process to start reads the keys for the pool (and starts the interval). */
	if (__atomic_load_n(&kr->shared->generation, __ATOMIC_ACQUIRE) == 0) {
		if (claim(kr)) {
			fetch_and_publish(kr);
		} else if (kr->url) {
			/* Another process is fetching for the pool: wait for what it publishes. */
			for (int i = 0; i < 200 && __atomic_load_n(&kr->shared->generation,
			                                           __ATOMIC_ACQUIRE) == 0;
			     i++)
				usleep(50 * 1000);
		}
	}
	reload(kr, __atomic_load_n(&kr->shared->generation, __ATOMIC_ACQUIRE));
	return kr->keys.n;
}

bool keyring_sync(struct keyring *kr)
{
	uint64_t g = __atomic_load_n(&kr->shared->generation, __ATOMIC_ACQUIRE);
	if (g == kr->generation)
		return false;
	reload(kr, g);
	return true;
}

bool keyring_refresh(struct keyring *kr)
{
	if (claim(kr))
		fetch_and_publish(kr);
	return keyring_sync(kr);
}

void keyring_close(struct keyring *kr)
{
	jwt_keyset_clear(&kr->keys);
	buf_free(&kr->fetched);
	if (kr->shared_private)
		free(kr->shared);
	else
		munmap(kr->shared, sizeof(*kr->shared));
	kr->shared = NULL;
	if (kr->generation_fd >= 0)
		close(kr->generation_fd);
	kr->generation_fd = -1;
	curl_global_cleanup();
}

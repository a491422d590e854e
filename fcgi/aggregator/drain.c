/*
 * bin/aggregator-drain: moves events from event_queue into events, exactly once, in batches of
 * one statement each; falls back to row by row when a batch is refused, so a row that can never
 * be stored is retried with backoff and then parked in events_dead without holding back the
 * rest. Wakes on NOTIFY event_queue and polls at least every DRAIN_POLL_MS, reconnects by itself,
 * runs the events' maintenance at start-up and every DRAIN_MAINTAIN_SECONDS, and stops on
 * SIGTERM or SIGINT between statements. Its SQL is in db_drain.c.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "drain.h"
#include "log.h"
#include "mem.h"

struct drain {
	struct db db;
	struct drain_config cfg;
	int sigfd; /* SIGTERM and SIGINT, blocked and read from here */
	bool stopping;
	unsigned listen_gen;    /* db.gen of the connection that ran LISTEN; 0 for none */
	long failures;          /* consecutive failures, for the pause before the next try */
	struct drain_row *rows; /* the fallback's claim: cfg.batch_size rows */
	time_t maintain_at;     /* CLOCK_MONOTONIC seconds of the next maintenance; 0: at once */
	struct drain_cursor cursor; /* where claims start (drain_policy.c) */
	unsigned asleep_gen;        /* db.gen of the connection holding the sleep lock; 0: none */
	long busy_tries;            /* empty claims that missed the sleep lock since it was taken */
};

static time_t monotonic_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static int64_t monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void report_maintenance(const char *action, const char *part, int64_t rows)
{
	if (strcmp(action, "busy") == 0)
		log_debug("events maintenance: another run is under way");
	else if (strcmp(action, "dropped") == 0)
		log_info("events maintenance: dropped %s (%lld rows past the retention)", part,
		         (long long)rows);
	else
		log_info("events maintenance: %s %s (%lld rows moved in)", action, part,
		         (long long)rows);
}

/* Runs the events' maintenance when it is due (see drain_config.maintain_s). */
static void maintain_when_due(struct drain *d)
{
	time_t now = monotonic_s();

	if (d->maintain_at && now < d->maintain_at)
		return;
	enum err rc = db_drain_maintain(&d->db, report_maintenance);
	if (rc)
		log_warn("events maintenance failed; trying again in %ld s",
		         drain_maintain_delay_s(&d->cfg, false));
	d->maintain_at = now + drain_maintain_delay_s(&d->cfg, rc == ERR_OK);
}

static bool stop_requested(struct drain *d)
{
	struct signalfd_siginfo si;

	if (!d->stopping && read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info("signal %u received: stopping", si.ssi_signo);
		d->stopping = true;
	}
	return d->stopping;
}

/* Waits up to ms for the socket fd (none when -1) or a signal; true when fd is readable. */
static bool wait_for(struct drain *d, int fd, long ms)
{
	struct pollfd p[2];
	p[0] = (struct pollfd){.fd = d->sigfd, .events = POLLIN};
	p[1] = (struct pollfd){.fd = fd, .events = POLLIN};
	int n = poll(p, fd >= 0 ? 2 : 1, (int)ms);

	if (n < 0 && errno != EINTR) {
		log_error("poll failed: %s", strerror(errno));
		usleep((useconds_t)ms * 1000);
	}
	stop_requested(d);
	return n > 0 && fd >= 0 && p[1].revents;
}

/* Never loop hot on errors: 100 ms after the first failure in a row, doubling to 2 s. */
static void pause_after_failure(struct drain *d)
{
	long ms = drain_retry_delay_ms(++d->failures);

	if (d->stopping)
		return;
	log_warn("database unavailable or refusing; trying again in %ld ms", ms);
	wait_for(d, -1, ms);
}

/* A live connection that listens for NOTIFY event_queue, or ERR_UNAVAILABLE. */
static enum err ensure_listening(struct drain *d)
{
	enum err rc = db_connect(&d->db);

	if (rc || d->listen_gen == d->db.gen)
		return rc;
	rc = db_drain_listen(&d->db);
	if (rc)
		return rc;
	d->listen_gen = d->db.gen;
	log_info("connected; listening on event_queue");
	return ERR_OK;
}

/*
 * Stores one claimed row under a savepoint. A row that fails by its own fault is retried later
 * or parked; any other failure is returned, to abandon the whole transaction.
 */
static enum err fallback_row(struct drain *d, const struct drain_row *row)
{
	char sqlstate[6], error[512];
	enum err rc = db_drain_savepoint(&d->db);

	if (rc)
		return rc;
	rc = db_drain_move_one(&d->db, row->id, sqlstate, error, sizeof(error));
	if (!rc)
		return db_drain_release(&d->db);
	if (!drain_row_fault(sqlstate))
		return rc;
	rc = db_drain_rollback_to_savepoint(&d->db);
	if (rc)
		return rc;
	long attempts = row->attempts + 1;
	if (drain_should_park(&d->cfg, attempts)) {
		log_error("queue row %lld parked in events_dead after %ld attempts: %s",
		          (long long)row->id, attempts, error);
		return db_drain_park(&d->db, row->id, error);
	}
	long delay = drain_backoff_ms(&d->cfg, attempts);
	log_warn("queue row %lld not stored (attempt %ld of %ld); next try in %ld ms: %s",
	         (long long)row->id, attempts, d->cfg.max_attempts, delay, error);
	return db_drain_retry_later(&d->db, row->id, error, delay);
}

/*
 * The batch statement was refused: the same rows one by one in one transaction, so the good
 * ones go through. *handled is the number of rows claimed. On failure everything is rolled
 * back, as it is when a stop is requested midway.
 */
static enum err drain_fallback(struct drain *d, size_t *handled)
{
	size_t n = 0;
	enum err rc = db_drain_begin(&d->db);
	unsigned gen = d->db.gen;

	*handled = 0;
	if (rc)
		return rc;
	rc = db_drain_claim(&d->db, d->cfg.batch_size, d->rows, (size_t)d->cfg.batch_size, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		/* A reconnection between two statements would have left the transaction. */
		if (d->db.gen != gen || stop_requested(d))
			rc = ERR_UNAVAILABLE;
		else
			rc = fallback_row(d, &d->rows[i]);
	}
	if (!rc)
		rc = db_drain_commit(&d->db);
	if (!rc && d->db.gen != gen)
		rc = ERR_UNAVAILABLE;
	if (rc) {
		db_drain_rollback(&d->db);
		return rc;
	}
	*handled = n;
	return ERR_OK;
}

/*
 * Returns at once when notifications came in meanwhile, else after one, a signal or ms
 * milliseconds.
 */
static void wait_for_work(struct drain *d, long ms)
{
	bool notified;

	/* A statement that reconnected left a connection that does not listen yet: LISTEN first. */
	if (d->db.gen != d->listen_gen)
		return;
	if (db_drain_consume(&d->db, &notified) || notified)
		return;
	if (wait_for(d, db_drain_socket(&d->db), ms))
		db_drain_consume(&d->db, &notified);
}

/* One batch from where the cursor says, giving up the sleep lock when this connection holds it. */
static enum err batch(struct drain *d, long *moved, long *stored, char sqlstate[6])
{
	int64_t from = drain_claim_from(&d->cursor, &d->cfg, monotonic_ms()), highest;
	enum err rc = db_drain_batch(&d->db, d->cfg.batch_size, from, d->asleep_gen == d->db.gen,
	                             moved, stored, &highest, sqlstate);

	if (!rc) {
		d->asleep_gen = 0;
		drain_claimed(&d->cursor, &d->cfg, from, *moved, highest);
	}
	return rc;
}

/*
 * The queue looked empty: sleep until a notification, a signal or the poll, if no producer is
 * mid-transaction. Producers notify only a drain that holds the sleep lock (migration 0015), so
 * it is taken first and the queue looked at once more (rows committed before it was taken sent
 * nothing); when a producer holds it shared, its rows come at its commit: look again shortly.
 * Returns whether rows were moved meanwhile (*moved) or the lock could not be had, so that the
 * caller claims again; a failure is returned as it is.
 */
static enum err sleep_or_retry(struct drain *d, long *moved, long *stored, char sqlstate[6])
{
	bool asleep = false;
	enum err rc = d->asleep_gen == d->db.gen ? ERR_OK : db_drain_try_sleep(&d->db, &asleep);

	*moved = *stored = 0;
	if (rc)
		return rc;
	if (d->asleep_gen != d->db.gen && !asleep) {
		wait_for_work(d, drain_busy_wait_ms(++d->busy_tries));
		return ERR_OK;
	}
	d->busy_tries = 0;
	if (asleep) {
		d->asleep_gen = d->db.gen;
		/* Still holding the lock: the batch gives it up only when this claim was empty. */
		int64_t from = drain_claim_from(&d->cursor, &d->cfg, monotonic_ms()), highest;
		rc = db_drain_batch(&d->db, d->cfg.batch_size, from, false, moved, stored, &highest,
		                    sqlstate);
		if (rc || *moved)
			return rc;
	}
	wait_for_work(d, d->cfg.poll_ms);
	return ERR_OK;
}

static void drain_run(struct drain *d)
{
	while (!stop_requested(d)) {
		char sqlstate[6];
		long moved, stored;
		size_t handled;

		if (ensure_listening(d)) {
			pause_after_failure(d);
			continue;
		}
		maintain_when_due(d);
		enum err rc = batch(d, &moved, &stored, sqlstate);
		if (!rc && moved == 0)
			rc = sleep_or_retry(d, &moved, &stored, sqlstate);
		if (rc == ERR_UNAVAILABLE) {
			pause_after_failure(d);
			continue;
		}
		if (rc) {
			log_warn("batch refused (SQLSTATE %s); storing its rows one by one",
			         sqlstate);
			if (drain_fallback(d, &handled)) {
				pause_after_failure(d);
				continue;
			}
			d->failures = 0;
			if (handled == 0)
				wait_for_work(d, d->cfg.poll_ms);
			continue;
		}
		d->failures = 0;
		if (moved)
			log_debug("moved %ld queue rows, stored %ld events", moved, stored);
		if (moved > stored)
			log_info("%ld queued events were stored already; their rows were dropped",
			         moved - stored);
		/*
		 * Claim again until a claim comes back empty: rows committed during a batch sent
		 * no notification (producers notify only a sleeping drain).
		 */
	}
}

int main(void)
{
	static struct drain d;
	sigset_t mask;

	log_init("aggregator-drain");
	drain_config_load(&d.cfg);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (d.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		log_error("cannot set up signal handling: %s", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	d.db.url = config_service_database_url("AGGREGATOR_DATABASE_URL", "panel_aggregator");
	d.db.role = "panel_aggregator";
	d.db.app_name = "aggregator-drain";
	d.rows = xcalloc((size_t)d.cfg.batch_size, sizeof(*d.rows));
	log_info("draining event_queue: batches of %ld, %ld attempts per event, polling every %ld "
	         "ms, events maintenance every %ld s",
	         d.cfg.batch_size, d.cfg.max_attempts, d.cfg.poll_ms, d.cfg.maintain_s);

	drain_run(&d);

	db_drain_rollback(&d.db);
	db_close(&d.db);
	free(d.rows);
	close(d.sigfd);
	log_info("stopped");
	return 0;
}

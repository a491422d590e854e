/*
 * Signed webhooks end to end (Standard Webhooks, in the default WEBHOOK_AUTH=either): which
 * signatures are accepted, every way a signature or its headers can fail (401, nothing
 * changes, nothing is remembered), the tolerance window at its edges, deliveries whose
 * webhook-id the project remembers (sequential and racing copies), the remembered ids'
 * expiry, panelctl webhook-sign against openssl, and no signature in any log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "deploy.h"
#include "signing.h"

/* The deployment's status now. */
static const char *status_of(int64_t id)
{
	static char out[32];
	json_t *rows = sql("SELECT status FROM deployments WHERE id = %" PRId64, id);
	snprintf(out, sizeof(out), "%s", str(json_array_get(rows, 0), "status"));
	json_decref(rows);
	return out;
}

/* How many webhook-ids project_id remembers under id. */
static int64_t remembered(int64_t project_id, const char *id)
{
	return sql_int("SELECT count(*) FROM webhook_deliveries WHERE project_id = %" PRId64
	               " AND webhook_id = '%s'",
	               project_id, id);
}

static void assert_ok(struct reply *r, int64_t deployment, const char *status)
{
	if (r->status != 200 || num(r->json, "id") != deployment ||
	    strcmp(str(r->json, "status") ? str(r->json, "status") : "", status) != 0)
		fail_msg("expected 200 with deployment %" PRId64 " %s, got %ld %s", deployment,
		         status, r->status, r->body);
}

/* Asserts that r is a 200 with exactly the body of the first answer (status, times and all). */
static void assert_same_answer(const struct reply *r, const struct reply *first)
{
	if (r->status != 200 || !json_equal(r->json, first->json))
		fail_msg("expected the first answer, 200 %s, got %ld %s", first->body, r->status,
		         r->body);
}

/* Delivers body signed now with secret under webhook-id id; asserts 200 with deployment in status. */
static void signed_ok(const char *secret, const char *id, const char *body, int64_t deployment,
                      const char *status)
{
	struct reply r = webhook_signed(secret, id, body);
	assert_ok(&r, deployment, status);
	reply_free(&r);
}

static void a_signed_delivery_moves_the_deployment(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128];

	int64_t id = fixture_deployment(&p);
	const char *msg = unique("msg");
	signed_ok(p.secret, msg, status_body(body, id, "building"), id, "building");
	json_t *e = the_event(id, "deployment.status_changed");
	assert_string_equal(str(e, "source"), "webhook");
	assert_string_equal(str(e, "previousStatus"), "pending");
	json_decref(e);
	assert_int_equal(remembered(p.id, msg), 1);
}

/* Any v1 entry may match: rotation sends several; other versions are ignored. */
static void one_matching_entry_among_several_is_enough(void **state)
{
	(void)state;
	struct fixture_project p, other;
	const char *statuses[] = {"building", "deploying", "done"};
	char body[128], ts[24], good[64], old[64], foreign[64], header[1024];

	fixture_project(&p);
	fixture_project(&other);
	int64_t id = deploy(p.id, NULL);
	for (int at = 0; at < 3; at++) {
		const char *msg = unique("msg");
		status_body(body, id, statuses[at]);
		sign_now(ts, good, p.secret, msg, body);
		sign_entry(old, "the-previous-secret", msg, ts, body);
		sign_entry(foreign, other.secret, msg, ts, body);
		/* The good one first, in the middle, last; among wrong ones, other versions and junk. */
		const char *wrong[] = {old, foreign, "v1,bm9wZQ=="};
		char *w = header;
		size_t left = sizeof(header);
		for (int i = 0; i < 3; i++) {
			int n = snprintf(w, left, "%s%s v1a,%s ", i == at ? good : "",
			                 i == at ? " " : "", good + 3);
			w += n, left -= (size_t)n;
			n = snprintf(w, left, "%s v2,%s ", wrong[i], good + 3);
			w += n, left -= (size_t)n;
		}
		struct reply r = webhook_raw(NULL, msg, ts, header, body);
		assert_ok(&r, id, statuses[at]);
		reply_free(&r);
	}
	/* The same good signature twice is as good as once. */
	int64_t twice = deploy(p.id, NULL);
	const char *msg = unique("msg");
	status_body(body, twice, "failed");
	sign_now(ts, good, p.secret, msg, body);
	snprintf(header, sizeof(header), "%s %s", good, good);
	struct reply r = webhook_raw(NULL, msg, ts, header, body);
	assert_ok(&r, twice, "failed");
	reply_free(&r);
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 3);
}

/*
 * Every signature that does not match this exact delivery under this project's secret: 401
 * "no signature matches", the deployment unchanged, no event, the id not remembered (the same
 * id then signed right is accepted), and the answer never holds the expected signature.
 */
static void signatures_that_do_not_match_are_401(void **state)
{
	(void)state;
	struct fixture_project p, other;
	char body[128], ts[24], other_ts[24], sig[64], expected[64], header[512];

	fixture_project(&p);
	fixture_project(&other);
	int64_t id = deploy(p.id, NULL);
	int64_t others = deploy(other.id, NULL);
	const char *msg = unique("msg");
	char compact[128], noted[128], renoted[128];
	snprintf(body, sizeof(body), "{\"id\": %" PRId64 ", \"status\": \"building\"}", id);
	snprintf(compact, sizeof(compact), "{\"id\":%" PRId64 ",\"status\":\"building\"}", id);
	snprintf(noted, sizeof(noted),
	         "{\"id\": %" PRId64 ", \"status\": \"building\", \"note\": \"a\"}", id);
	snprintf(renoted, sizeof(renoted),
	         "{\"id\": %" PRId64 ", \"status\": \"building\", \"note\": \"b\"}", id);
	timestamp_from_now(ts, 0);
	snprintf(other_ts, sizeof(other_ts), "%lld", atoll(ts) - 1);
	sign_entry(expected, p.secret, msg, ts, body);

	struct {
		const char *what, *secret, *id, *ts, *signed_body, *sent_body;
	} cases[] = {
	    {"a wrong secret",                    "not-the-secret", msg,         ts,       body,    body   },
	    {"another project's secret",          other.secret,     msg,         ts,       body,    body   },
	    {"the secret with a byte more",       NULL,             msg,         ts,       body,    body   },
	    {"the body changed by one byte",      p.secret,         msg,         ts,       noted,   renoted},
	    {"white space the JSON does not see", p.secret,         msg,         ts,       compact, body   },
	    {"a trailing newline",                p.secret,         msg,         ts,       body,    NULL   },
	    {"another webhook-id",                p.secret,         "msg_other", ts,       body,    body   },
	    {"another timestamp",                 p.secret,         msg,         other_ts, body,    body   },
	};
	char longer[96], newline_body[160];
	snprintf(longer, sizeof(longer), "%sx", p.secret);
	snprintf(newline_body, sizeof(newline_body), "%s\n", body);
	cases[2].secret = longer;
	cases[5].sent_body = newline_body;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_entry(sig, cases[i].secret, cases[i].id, cases[i].ts, cases[i].signed_body);
		struct reply r = webhook_raw(NULL, msg, ts, sig, cases[i].sent_body);
		if (r.status != 401)
			fail_msg("%s: %ld %s", cases[i].what, r.status, r.body);
		assert_webhook_401(&r, "no signature matches");
		assert_null(strstr(r.body, expected + 3));
		reply_free(&r);
	}
	/* Entries that are not this delivery's v1 signature, although they hold it. */
	const char *value = expected + 3;
	const char *prefixes[] = {"", "v2,", "V1,", "v1a,", "v1,,", "v1,x", "v1;", "v1\t", "v1"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) + 3; i++) {
		if (i < sizeof(prefixes) / sizeof(prefixes[0]))
			snprintf(header, sizeof(header), "%s%s", prefixes[i], value);
		else if (i == sizeof(prefixes) / sizeof(prefixes[0]))
			snprintf(header, sizeof(header), "v1,%s=", value);
		else if (i == sizeof(prefixes) / sizeof(prefixes[0]) + 1)
			snprintf(header, sizeof(header), "v1,%.43s", value);
		else
			snprintf(header, sizeof(header), "v1,");
		struct reply r = webhook_raw(NULL, msg, ts, header, body);
		if (r.status != 401)
			fail_msg("'%s': %ld %s", header, r.status, r.body);
		assert_webhook_401(&r, "no signature matches");
		reply_free(&r);
	}
	/* Another project's secret fails even for a real deployment of that other project. */
	status_body(body, others, "building");
	sign_entry(sig, p.secret, msg, ts, body);
	struct reply r = webhook_raw(NULL, msg, ts, sig, body);
	assert_webhook_401(&r, "no signature matches");
	reply_free(&r);
	assert_string_equal(status_of(others), "pending");

	assert_string_equal(status_of(id), "pending");
	assert_int_equal(deployment_events(id, NULL), 1);
	assert_int_equal(remembered(p.id, msg), 0);
	/* Nothing was remembered: the same id, signed right, goes through. */
	status_body(body, id, "building");
	r = webhook_raw(NULL, msg, ts, expected, body);
	assert_ok(&r, id, "building");
	reply_free(&r);
}

/*
 * Delivers body signed offset seconds from now under a fresh id until the reply came back
 * within `slack` whole seconds of signing by this machine's clock (the stack's too), so that
 * the stack's idea of now is known to the second; returns that reply.
 */
static struct reply deliver_at(const struct fixture_project *p, const char *body, int64_t offset,
                               int64_t slack)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		time_t t0 = time(NULL);
		char ts[24], sig[64];
		const char *msg = unique("msg");
		snprintf(ts, sizeof(ts), "%" PRId64, (int64_t)t0 + offset);
		sign_entry(sig, p->secret, msg, ts, body);
		struct reply r = webhook_raw(NULL, msg, ts, sig, body);
		if (time(NULL) - t0 <= slack)
			return r;
		reply_free(&r);
	}
	fail_msg("no delivery came back within %" PRId64 " s of signing in 20 attempts", slack);
	return (struct reply){0};
}

/* Five minutes either way: 301 s is refused (old or ahead), 299 s is accepted. */
static void the_tolerance_window(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128];

	int64_t id = fixture_deployment(&p);
	status_body(body, id, "building");
	/* 301 s old is refused whenever the stack reads its clock; 301 s ahead only within the
	 * same second (one second later it is 300 s ahead). */
	struct reply r = deliver_at(&p, body, -301, 60);
	assert_webhook_401(&r, "timestamp outside the tolerance window");
	reply_free(&r);
	r = deliver_at(&p, body, 301, 0);
	assert_webhook_401(&r, "timestamp outside the tolerance window");
	reply_free(&r);
	assert_string_equal(status_of(id), "pending");
	assert_int_equal(deployment_events(id, NULL), 1);

	/* 299 s old is accepted when the stack reads its clock within a second of signing. */
	r = deliver_at(&p, body, -299, 1);
	assert_ok(&r, id, "building");
	reply_free(&r);
	status_body(body, id, "deploying");
	r = deliver_at(&p, body, 299, 60);
	assert_ok(&r, id, "deploying");
	reply_free(&r);
}

static void timestamps_are_unix_seconds(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128], sig[64], now[24];

	int64_t id = fixture_deployment(&p);
	status_body(body, id, "building");
	timestamp_from_now(now, 0);
	char fraction[32], exponent[32], leading[32];
	snprintf(fraction, sizeof(fraction), "%s.0", now);
	snprintf(exponent, sizeof(exponent), "%.1se9", now);
	snprintf(leading, sizeof(leading), "000%s", now);
	const char *bad[] = {"hello",       fraction, exponent, "-1",
	                     "+1700000000", "0x10",   leading,  "1 700 000 000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *msg = unique("msg");
		sign_entry(sig, p.secret, msg, bad[i], body);
		struct reply r = webhook_raw(NULL, msg, bad[i], sig, body);
		if (r.status != 401)
			fail_msg("'%s': %ld %s", bad[i], r.status, r.body);
		assert_webhook_401(&r, "webhook-timestamp must be Unix seconds");
		reply_free(&r);
	}
	assert_string_equal(status_of(id), "pending");
	assert_int_equal(deployment_events(id, NULL), 1);
}

/*
 * A delivery carrying any webhook-* header is judged as signed: each header missing is a 401
 * that names it, even with the right app secret in Authorization. A bad webhook-id is refused.
 */
static void each_missing_header_is_401(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128], ts[24], sig[64];

	int64_t id = fixture_deployment(&p);
	const char *msg = unique("msg");
	status_body(body, id, "building");
	sign_now(ts, sig, p.secret, msg, body);
	const struct {
		const char *id, *ts, *sig, *missing;
	} cases[] = {
	    {NULL, ts,   sig,  "missing header: webhook-id"                           },
	    {msg,  NULL, sig,  "missing header: webhook-timestamp"                    },
	    {msg,  ts,   NULL, "missing header: webhook-signature"                    },
	    {msg,  NULL, NULL, "missing headers: webhook-timestamp, webhook-signature"},
	    {NULL, NULL, sig,  "missing headers: webhook-id, webhook-timestamp"       },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int with_secret = 0; with_secret < 2; with_secret++) {
			struct reply r = webhook_raw(with_secret ? p.secret : NULL, cases[i].id,
			                             cases[i].ts, cases[i].sig, body);
			assert_webhook_401(&r, cases[i].missing);
			reply_free(&r);
		}
	char longest[300];
	memset(longest, 'a', 256);
	longest[256] = '\0';
	const char *bad_ids[] = {"msg.1", "\xc3\xa9t\xc3\xa9", longest};
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		sign_entry(sig, p.secret, bad_ids[i], ts, body);
		struct reply r = webhook_raw(NULL, bad_ids[i], ts, sig, body);
		assert_webhook_401(&r, "webhook-id must be");
		reply_free(&r);
	}
	assert_string_equal(status_of(id), "pending");
	assert_int_equal(deployment_events(id, NULL), 1);
}

/*
 * A delivery whose webhook-id the project remembers is answered as the first was (200 with the
 * first answer's body, although the deployment has moved on since), changes nothing and
 * writes no event: resent as it was, re-signed with a new timestamp, or carrying another
 * status. Deliveries refused (409) remember nothing; ids are the project's own.
 */
static void a_remembered_delivery_is_answered_as_the_first(void **state)
{
	(void)state;
	struct fixture_project p, q;
	char body[128], ts[24], sig[64];

	fixture_project(&p);
	fixture_project(&q);
	int64_t id = deploy(p.id, NULL);
	const char *x = unique("msg-x");
	status_body(body, id, "building");
	sign_now(ts, sig, p.secret, x, body);
	struct reply first = webhook_raw(NULL, x, ts, sig, body);
	assert_ok(&first, id, "building");
	signed_ok(p.secret, unique("msg-y"), status_body(body, id, "deploying"), id, "deploying");
	int64_t events = deployment_events(id, NULL);

	/* The first delivery again, exactly: without its id it would be a step back (409). */
	status_body(body, id, "building");
	struct reply r = webhook_raw(NULL, x, ts, sig, body);
	assert_same_answer(&r, &first);
	reply_free(&r);
	/* Re-signed, as a sender's retry is. */
	r = webhook_signed(p.secret, x, body);
	assert_same_answer(&r, &first);
	reply_free(&r);
	/* Another body under the same id is the same delivery too: nothing changes. */
	r = webhook_signed(p.secret, x, status_body(body, id, "done"));
	assert_same_answer(&r, &first);
	reply_free(&r);
	reply_free(&first);
	assert_int_equal(deployment_events(id, NULL), events);
	assert_string_equal(status_of(id), "deploying");

	/* An accepted repeat (the status it has) is remembered too, with its answer. */
	const char *z = unique("msg-z");
	first = webhook_signed(p.secret, z, status_body(body, id, "deploying"));
	assert_ok(&first, id, "deploying");
	assert_int_equal(remembered(p.id, z), 1);
	signed_ok(p.secret, unique("msg"), status_body(body, id, "done"), id, "done");
	r = webhook_signed(p.secret, z, status_body(body, id, "deploying"));
	assert_same_answer(&r, &first);
	reply_free(&r);
	reply_free(&first);
	/* A first answer that was done: a copy gives its deployedIn as the remembered id keeps it. */
	const char *done = unique("msg-done");
	int64_t live = deploy(p.id, NULL);
	first = webhook_signed(p.secret, done, status_body(body, live, "done"));
	assert_ok(&first, live, "done");
	assert_true(json_is_integer(json_object_get(first.json, "deployedIn")));
	r = webhook_signed(p.secret, done, body);
	assert_same_answer(&r, &first);
	reply_free(&r);
	reply_free(&first);

	/* A refused delivery remembers nothing: it is refused again, not answered 200. */
	const char *refused = unique("msg-refused");
	for (int i = 0; i < 2; i++) {
		r = webhook_signed(p.secret, refused, status_body(body, id, "failed"));
		assert_error(&r, 409, "Conflict");
		reply_free(&r);
	}
	assert_int_equal(remembered(p.id, refused), 0);

	/* The same id for another project is that project's own first delivery. */
	int64_t qid = deploy(q.id, NULL);
	signed_ok(q.secret, x, status_body(body, qid, "building"), qid, "building");
	assert_int_equal(remembered(q.id, x), 1);
	assert_int_equal(deployment_events(qid, "deployment.status_changed"), 1);
}

struct delivery {
	const char *secret, *id, *ts, *sig;
	char body[128];
	struct reply r;
};

static void *deliver(void *arg)
{
	struct delivery *d = arg;
	d->r =
	    webhook_raw(d->sig ? NULL : d->secret, d->sig ? d->id : NULL, d->ts, d->sig, d->body);
	return NULL;
}

/* Waits for n lock waiters (see lock_waiters) and fails when fewer come. */
static void wait_for_waiters(int64_t n)
{
	int64_t waiting = lock_waiters(n);
	if (waiting < n)
		fail_msg("%" PRId64 " of %" PRId64 " requests are waiting for a lock", waiting, n);
}

/*
 * Copies of one signed delivery racing: eight copies held at the row together make one change,
 * one event and one remembered id, and every copy answers 200 with the first one's answer.
 * Then copies racing another delivery in the row's queue (copy, a bare-secret "failed", two
 * more copies: the stack's four workers, all waiting): the first copy moves the deployment and
 * the "failed" moves it on. Which of the later copies gets the row before the "failed" is not
 * fixed (the waiters queued behind the first copy race for the row version it wrote), and it
 * does not matter: each answers exactly as the first copy did, never a 409, and no copy
 * changes anything.
 */
static void racing_copies_answer_as_the_first(void **state)
{
	(void)state;
	struct fixture_project p;
	struct delivery d[8];
	char now[24], sig[64];

	int64_t id = fixture_deployment(&p);
	move(&p, id, "deploying");
	const char *x = unique("msg-race");
	d[0] = (struct delivery){p.secret, x, now, sig, "", {0}};
	status_body(d[0].body, id, "done");
	sign_now(now, sig, p.secret, x, d[0].body);
	for (int i = 1; i < 8; i++)
		d[i] = d[0];
	race_at_row("deployments", id, 8, deliver, d, sizeof(d[0]));
	assert_ok(&d[0].r, id, "done");
	for (int i = 1; i < 8; i++)
		assert_same_answer(&d[i].r, &d[0].r);
	for (int i = 0; i < 8; i++)
		reply_free(&d[i].r);
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 2);
	assert_int_equal(project_events(p.id, "project.url_assigned"), 1);
	assert_int_equal(remembered(p.id, x), 1);

	/* Copy, another delivery, copies: queued in that order at the row's lock. */
	id = deploy(p.id, NULL);
	x = unique("msg-race");
	d[0] = (struct delivery){p.secret, x, now, sig, "", {0}};
	status_body(d[0].body, id, "building");
	sign_now(now, sig, p.secret, x, d[0].body);
	d[1] = (struct delivery){p.secret, NULL, NULL, NULL, "", {0}};
	status_body(d[1].body, id, "failed");
	for (int i = 2; i < 4; i++)
		d[i] = d[0];
	struct threads one[3];
	lock_hold_row("deployments", id);
	threads_start(&one[0], 1, deliver, &d[0], sizeof(d[0]));
	wait_for_waiters(1);
	threads_start(&one[1], 1, deliver, &d[1], sizeof(d[0]));
	wait_for_waiters(2);
	threads_start(&one[2], 2, deliver, &d[2], sizeof(d[0]));
	assert_true(lock_release(4) >= 4);
	for (int i = 0; i < 3; i++)
		threads_join(&one[i]);
	assert_ok(&d[0].r, id, "building");
	assert_ok(&d[1].r, id, "failed");
	for (int i = 2; i < 4; i++)
		assert_same_answer(&d[i].r, &d[0].r);
	for (int i = 0; i < 4; i++)
		reply_free(&d[i].r);
	assert_string_equal(status_of(id), "failed");
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 2);
	assert_int_equal(remembered(p.id, x), 1);
}

/* A transaction on a connection of its own that takes a lock, then ends when told to. */
struct side_lock {
	const char *lock_sql;
	bool release;
};

static void *side_lock_hold(void *arg)
{
	struct side_lock *s = arg;
	json_decref(sql("BEGIN"));
	json_decref(sql("%s", s->lock_sql));
	while (!__atomic_load_n(&s->release, __ATOMIC_ACQUIRE))
		usleep(10 * 1000);
	json_decref(sql("COMMIT"));
	sql_close();
	return NULL;
}

/*
 * The interleaving the re-read is for, forced: copies whose first read predates the first
 * copy's acceptance (so it cannot find the id) and that reach the row only after another
 * request has moved it on, where a new delivery would be a 409. The first copy is held at the
 * row; another connection then asks for a SHARE lock on webhook_deliveries, which waits for
 * the first copy's transaction, and the later copies, started then, read freely but queue
 * behind it at their write. Released, the first copy moves the deployment; a cancel through
 * the API (its statement does not touch webhook_deliveries) moves it on; only then do the
 * copies write: each answers exactly as the first copy did (not with the deployment as it is
 * now), changes nothing, writes no event.
 */
static void copies_finding_the_row_moved_on_answer_as_the_first(void **state)
{
	(void)state;
	struct fixture_project p;
	struct delivery d[3];
	struct threads first, side, copies;
	char now[24], sig[64], path[64];

	int64_t id = fixture_deployment(&p);
	const char *x = unique("msg-moved");
	d[0] = (struct delivery){p.secret, x, now, sig, "", {0}};
	status_body(d[0].body, id, "building");
	sign_now(now, sig, p.secret, x, d[0].body);
	d[1] = d[2] = d[0];
	struct side_lock ids = {"LOCK TABLE webhook_deliveries IN SHARE MODE", false};

	lock_hold_row("deployments", id);
	threads_start(&first, 1, deliver, &d[0], sizeof(d[0]));
	wait_for_waiters(1);
	threads_start(&side, 1, side_lock_hold, &ids, sizeof(ids));
	wait_for_waiters(2);
	threads_start(&copies, 2, deliver, &d[1], sizeof(d[0]));
	assert_true(lock_release(4) >= 4);
	threads_join(&first);
	assert_ok(&d[0].r, id, "building");
	snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", id);
	struct reply r = post(PROJECT, path, NULL);
	assert_ok(&r, id, "cancelled");
	reply_free(&r);
	__atomic_store_n(&ids.release, true, __ATOMIC_RELEASE);
	threads_join(&side);
	threads_join(&copies);
	for (int i = 1; i < 3; i++)
		assert_same_answer(&d[i].r, &d[0].r);
	for (int i = 0; i < 3; i++)
		reply_free(&d[i].r);
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 1);
	assert_int_equal(deployment_events(id, "deployment.cancelled"), 1);
	assert_string_equal(status_of(id), "cancelled");
	assert_int_equal(remembered(p.id, x), 1);
}

/*
 * A signed delivery that was allowed when it was read but finds the row moved on by the time
 * it has it (queued behind a bare-secret "failed") is a 409 and remembers nothing: the same
 * delivery again is still a 409, not a remembered 200.
 */
static void a_delivery_refused_in_a_race_remembers_nothing(void **state)
{
	(void)state;
	struct fixture_project p;
	struct delivery d[2];
	struct threads ts[2];
	char now[24], sig[64];

	int64_t id = fixture_deployment(&p);
	const char *x = unique("msg-late");
	d[0] = (struct delivery){p.secret, NULL, NULL, NULL, "", {0}};
	status_body(d[0].body, id, "failed");
	d[1] = (struct delivery){p.secret, x, now, sig, "", {0}};
	status_body(d[1].body, id, "building");
	sign_now(now, sig, p.secret, x, d[1].body);
	lock_hold_row("deployments", id);
	threads_start(&ts[0], 1, deliver, &d[0], sizeof(d[0]));
	wait_for_waiters(1);
	threads_start(&ts[1], 1, deliver, &d[1], sizeof(d[0]));
	assert_true(lock_release(2) >= 2);
	threads_join(&ts[0]);
	threads_join(&ts[1]);
	assert_ok(&d[0].r, id, "failed");
	assert_error(&d[1].r, 409, "Conflict");
	reply_free(&d[0].r);
	reply_free(&d[1].r);
	assert_int_equal(remembered(p.id, x), 0);
	struct reply r = webhook_raw(NULL, x, now, sig, d[1].body);
	assert_error(&r, 409, "Conflict");
	reply_free(&r);
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 1);
}

/*
 * Two deliveries under one webhook-id for two deployments of a project, released together
 * from their rows: the id's key makes one wait for the other, which then changes nothing. One
 * deployment moves, one event; both answer 200 with the deployment that moved.
 */
static void racing_deliveries_sharing_an_id_change_one_deployment(void **state)
{
	(void)state;
	struct fixture_project p;
	struct delivery d[2];
	char lock[160], now[24], sig[2][64];

	fixture_project(&p);
	int64_t ids[2] = {deploy(p.id, NULL), deploy(p.id, NULL)};
	const char *x = unique("msg-shared");
	timestamp_from_now(now, 0);
	for (int i = 0; i < 2; i++) {
		d[i] = (struct delivery){p.secret, x, now, sig[i], "", {0}};
		status_body(d[i].body, ids[i], "building");
		sign_entry(sig[i], p.secret, x, now, d[i].body);
	}
	snprintf(lock, sizeof(lock),
	         "SELECT 1 FROM deployments WHERE id IN (%" PRId64 ", %" PRId64 ") FOR UPDATE",
	         ids[0], ids[1]);
	lock_hold(lock);
	struct threads ts;
	threads_start(&ts, 2, deliver, d, sizeof(d[0]));
	assert_true(lock_release(2) >= 2);
	threads_join(&ts);
	int moved = strcmp(status_of(ids[0]), "building") == 0 ? 0 : 1;
	assert_string_equal(status_of(ids[moved]), "building");
	assert_string_equal(status_of(ids[1 - moved]), "pending");
	for (int i = 0; i < 2; i++) {
		assert_ok(&d[i].r, ids[moved], "building");
		reply_free(&d[i].r);
		assert_int_equal(deployment_events(ids[i], "deployment.status_changed"),
		                 i == moved ? 1 : 0);
	}
	assert_int_equal(remembered(p.id, x), 1);
}

/*
 * A remembered id lives until the tolerance window after the later of its timestamp and its
 * acceptance; then it is forgotten (a new delivery under it is judged afresh and takes it
 * over) and deleted by the deliveries that follow, ten at a time, with no job of its own.
 */
static void remembered_ids_expire_and_are_collected(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128];

	int64_t id = fixture_deployment(&p);
	/* Signed now: remembered for five minutes from its acceptance. */
	const char *fresh = unique("msg-fresh");
	signed_ok(p.secret, fresh, status_body(body, id, "building"), id, "building");
	assert_int_equal(
	    sql_int("SELECT count(*) FROM webhook_deliveries WHERE project_id = %" PRId64
	            " AND webhook_id = '%s' AND deployment_id = %" PRId64
	            " AND expires_at = accepted_at + interval '5 minutes'",
	            p.id, fresh, id),
	    1);
	/* Signed four minutes ahead: remembered until five minutes after its timestamp. */
	const char *ahead = unique("msg-ahead");
	char ts[24], sig[64];
	timestamp_from_now(ts, 240);
	status_body(body, id, "deploying");
	sign_entry(sig, p.secret, ahead, ts, body);
	struct reply r = webhook_raw(NULL, ahead, ts, sig, body);
	assert_ok(&r, id, "deploying");
	reply_free(&r);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM webhook_deliveries WHERE project_id = %" PRId64
	            " AND webhook_id = '%s' AND expires_at = to_timestamp(%s) + "
	            "interval '5 minutes'",
	            p.id, ahead, ts),
	    1);

	/* Fifteen expired ids, and one that expired but is this delivery's own. */
	json_decref(sql("DELETE FROM webhook_deliveries WHERE expires_at <= now()"));
	json_decref(sql("INSERT INTO webhook_deliveries (project_id, webhook_id, deployment_id, "
	                "accepted_at, expires_at, status, updated_at) SELECT %" PRId64
	                ", 'expired-' || i, %" PRId64 ", now() - interval '20 minutes', "
	                "now() - interval '10 minutes', 'building', now() "
	                "FROM generate_series(1, 15) i",
	                p.id, id));
	int64_t other = deploy(p.id, NULL);
	const char *old = unique("msg-old");
	json_decref(sql("INSERT INTO webhook_deliveries (project_id, webhook_id, deployment_id, "
	                "accepted_at, expires_at, status, updated_at) VALUES (%" PRId64
	                ", '%s', %" PRId64 ", now() - interval '20 minutes', "
	                "now() - interval '1 second', 'building', now())",
	                p.id, old, id));
	/* Forgotten: judged afresh, so it moves `other` instead of answering with `id`. */
	signed_ok(p.secret, old, status_body(body, other, "deploying"), other, "deploying");
	assert_int_equal(sql_int("SELECT deployment_id FROM webhook_deliveries WHERE project_id = "
	                         "%" PRId64 " AND webhook_id = '%s' AND expires_at > now()",
	                         p.id, old),
	                 other);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM webhook_deliveries WHERE expires_at <= now()"), 5);
	signed_ok(p.secret, unique("msg"), status_body(body, other, "done"), other, "done");
	assert_int_equal(
	    sql_int("SELECT count(*) FROM webhook_deliveries WHERE expires_at <= now()"), 0);
	assert_int_equal(remembered(p.id, fresh), 1);
}

/* The README's openssl pipeline and panelctl webhook-sign agree, and the stack accepts both. */
static void panelctl_signs_as_openssl_does(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128];

	int64_t id = fixture_deployment(&p);
	status_body(body, id, "building");
	assert_int_equal(
	    shell("set -e; S='%s'; B='%s'; "
	          "out=$(\"$PANEL_BIN_DIR\"/panelctl webhook-sign --secret \"$S\" --id msg_1 "
	          "--timestamp 1700000000 \"$B\"); "
	          "sig=$(printf '%%s.%%s.%%s' msg_1 1700000000 \"$B\" | "
	          "openssl dgst -sha256 -hmac \"$S\" -binary | base64); "
	          "[ \"$out\" = \"$(printf 'webhook-id: msg_1\\nwebhook-timestamp: "
	          "1700000000\\nwebhook-signature: v1,%%s' \"$sig\")\" ]",
	          p.secret, body),
	    0);
	/* As the README delivers: panelctl's headers piped into curl. */
	assert_int_equal(
	    shell("code=$(\"$PANEL_BIN_DIR\"/panelctl webhook-sign --secret '%s' --id '%s' '%s' | "
	          "curl -s -o /dev/null -w '%%{http_code}' -H @- -H 'Content-Type: "
	          "application/json' --data-binary '%s' \"$PANEL_TEST_PROJECT_URL/deployment/"
	          "webhook\"); [ \"$code\" = 200 ]",
	          p.secret, unique("msg"), body, body),
	    0);
	assert_string_equal(status_of(id), "building");
	/* It refuses what the stack would refuse, and says why. */
	assert_int_equal(shell("\"$PANEL_BIN_DIR\"/panelctl webhook-sign --secret s --id a.b '{}' "
	                       "2>&1 | grep -q 'webhook-id must be'"),
	                 0);
	assert_int_equal(shell("\"$PANEL_BIN_DIR\"/panelctl webhook-sign --secret s --id a "
	                       "--timestamp 1e9 '{}' 2>/dev/null"),
	                 1);
	assert_int_equal(shell("\"$PANEL_BIN_DIR\"/panelctl webhook-sign --id a '{}' 2>/dev/null"),
	                 2);
}

/* Neither a signature sent nor the one expected for a wrong one reaches any log. */
static void no_signature_in_any_log(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[128], ts[24], good[64], wrong[64];

	int64_t id = fixture_deployment(&p);
	const char *msg = unique("msg");
	status_body(body, id, "building");
	sign_now(ts, good, p.secret, msg, body);
	sign_entry(wrong, "not-the-secret", msg, ts, body);
	struct reply r = webhook_raw(NULL, msg, ts, wrong, body);
	assert_webhook_401(&r, "no signature matches");
	reply_free(&r);
	r = webhook_raw(NULL, msg, ts, good, body);
	assert_ok(&r, id, "building");
	reply_free(&r);
	const char *sigs[] = {good + 3, wrong + 3};
	for (int i = 0; i < 2; i++)
		if (shell("grep -rqF -- '%s' \"$PANEL_STATE_DIR\"/log", sigs[i]) == 0)
			fail_msg("a signature is in the logs: %s", sigs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_signed_delivery_moves_the_deployment),
	    cmocka_unit_test(one_matching_entry_among_several_is_enough),
	    cmocka_unit_test(signatures_that_do_not_match_are_401),
	    cmocka_unit_test(the_tolerance_window),
	    cmocka_unit_test(timestamps_are_unix_seconds),
	    cmocka_unit_test(each_missing_header_is_401),
	    cmocka_unit_test(a_remembered_delivery_is_answered_as_the_first),
	    cmocka_unit_test(racing_copies_answer_as_the_first),
	    cmocka_unit_test(copies_finding_the_row_moved_on_answer_as_the_first),
	    cmocka_unit_test(a_delivery_refused_in_a_race_remembers_nothing),
	    cmocka_unit_test(racing_deliveries_sharing_an_id_change_one_deployment),
	    cmocka_unit_test(remembered_ids_expire_and_are_collected),
	    cmocka_unit_test(panelctl_signs_as_openssl_does),
	    cmocka_unit_test(no_signature_in_any_log),
	};
	return cmocka_run_group_tests_name("e2e: signed webhooks", tests, NULL, NULL);
}

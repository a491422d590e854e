/*
 * The SQL of deployments. Every write is one statement: the change, its event rows in
 * event_queue (the transactional outbox) and, for a keyed creation, its idempotency key, so
 * they commit together or not at all. Reads are one round trip; list totals come from the
 * counters (deployment_counts over all projects, project_deployments for one: migrations 0004
 * and 0016) unless a time window needs an exact count. Nothing here decides what is allowed: the handlers and transitions.c do.
 */
#include <string.h>

#include "db_rows.h"
#include "log.h"

/* clang-format off */

/*
 * The event of a deployment d of project p, with the eventId in x.id and the caller in actor
 * (see 0002_events and 0013_event_actor). Every eventId comes from event_id_new(), a version 7
 * UUID whose order is its time (migration 0019).
 */
#define EVENT_PAYLOAD(source, actor, previous, url)                                            \
	"deployment_event_payload(x.id, " source ", " actor "::text, " previous ", p.id, "     \
	"p.name, p.owner_id, " url ", d.id, d.status, d.deployed_in, d.meta, d.created_at)"

/*
 * The project of the new deployment, and the deployment.created event of the new row d, made
 * by the caller in parameter actor.
 */
#define CREATE_PROJECT "p AS (SELECT id, name, owner_id, url FROM projects WHERE id = $1), "
#define CREATE_EVENT(actor)                                                                    \
	"e AS (INSERT INTO event_queue (event_id, name, payload) "                             \
	"      SELECT x.id, 'deployment.created', " EVENT_PAYLOAD("'api'", actor, "NULL", "p.url") \
	"      FROM d CROSS JOIN p CROSS JOIN LATERAL (SELECT event_id_new() AS id) x) "

static struct db_stmt create_stmt = DB_STMT("deployments_create",
	"WITH " CREATE_PROJECT
	"d AS (INSERT INTO deployments (project_id, meta) SELECT p.id, $2::jsonb FROM p "
	"      RETURNING *), "
	CREATE_EVENT("$3")
	"SELECT EXISTS (SELECT 1 FROM p), d.id IS NOT NULL, true, " DB_DEPLOYMENT_COLUMNS("d")
	" FROM (SELECT 1) one LEFT JOIN d ON true",
	false);

/*
 * Keys older than 24 hours mean nothing any more. Each keyed creation deletes up to ten of
 * them (not its own, which it may be taking over, and none another transaction holds), so the
 * table stays about one day of keys long without a job of its own.
 */
#define GC_EXPIRED_KEYS                                                                        \
	"gc AS (DELETE FROM deployment_requests WHERE idempotency_key IN ( "                   \
	"         SELECT idempotency_key FROM deployment_requests "                            \
	"         WHERE created_at < now() - interval '24 hours' AND idempotency_key <> $3 "   \
	"         ORDER BY created_at LIMIT 10 FOR UPDATE SKIP LOCKED)), "

/*
 * With a key: the deployment's id is taken from the sequence first, so the key's row can name
 * it in the same statement (the foreign key is checked at the end of the statement). A key
 * seen in the last 24 hours makes the insert do nothing, after waiting for the transaction that
 * wrote it; an older one is taken over. When nothing was created, the key's first deployment is
 * returned if this statement's snapshot sees it (see db_deployments_by_key for when it cannot).
 */
static struct db_stmt create_keyed_stmt = DB_STMT("deployments_create_keyed",
	"WITH " CREATE_PROJECT
	GC_EXPIRED_KEYS
	"r AS (INSERT INTO deployment_requests AS r "
	"             (idempotency_key, project_id, meta, deployment_id) "
	"      SELECT $3, p.id, $2::jsonb, nextval('deployments_id_seq') FROM p "
	"      ON CONFLICT (idempotency_key) DO UPDATE "
	"         SET project_id = excluded.project_id, meta = excluded.meta, "
	"             deployment_id = excluded.deployment_id, created_at = now() "
	"         WHERE r.created_at < now() - interval '24 hours' "
	"      RETURNING r.deployment_id), "
	"d AS (INSERT INTO deployments (id, project_id, meta) "
	"      SELECT r.deployment_id, p.id, $2::jsonb FROM r CROSS JOIN p RETURNING *), "
	CREATE_EVENT("$4")
	"SELECT EXISTS (SELECT 1 FROM p), c.* "
	"FROM (SELECT 1) one LEFT JOIN ("
	"  SELECT true AS created, true AS same, " DB_DEPLOYMENT_COLUMNS("d") " FROM d "
	"  UNION ALL "
	"  SELECT false, q.project_id = $1 AND q.meta = $2::jsonb, " DB_DEPLOYMENT_COLUMNS("x")
	"  FROM deployment_requests q JOIN deployments x ON x.id = q.deployment_id "
	"  WHERE q.idempotency_key = $3 AND NOT EXISTS (SELECT 1 FROM d)) c ON true",
	false);

/* A new statement, so a snapshot taken after the key's first request committed. */
static struct db_stmt by_key_stmt = DB_STMT("deployments_by_key",
	"SELECT q.project_id = $2 AND q.meta = $3::jsonb, " DB_DEPLOYMENT_COLUMNS("x")
	" FROM deployment_requests q JOIN deployments x ON x.id = q.deployment_id "
	"WHERE q.idempotency_key = $1",
	true);

/*
 * A page of deployments of one shape (which filters narrow the rows), so that each shape gets
 * a plan that walks its own index in order: deployments_created, deployments_project_created
 * or deployments_status_created. The parameters are the same for all: $1 the project (0 for
 * all, as in the counters), $2 the statuses, $3 and $4 the window [from, to), $5 the offset.
 * The total is the sum of the counter shards, or an exact count when a window is given.
 */
#define WINDOW DB_SQL_WINDOW("d.created_at", "$3", "$4")
/*
 * The keyset of a cursor, $6 and $7: created_at in microseconds since the epoch and the id of
 * the last deployment of the page before (NULL: from the start). A row comparison the sort
 * indexes serve as a bound, so a cursor page costs what page 1 costs.
 */
#define KEYSET                                                                                 \
	"(d.created_at, d.id) < (coalesce('epoch'::timestamptz "                               \
	"                                 + $6::bigint * interval '1 microsecond', 'infinity'), " \
	"                        coalesce($7::bigint, 9223372036854775807))"
/*
 * The rows of the page are chosen first (the inner query walks the index and skips the offset)
 * and only those are rendered, so a deep page does not format every row it skips.
 */
#define PAGE_SQL(shape, counted)                                                               \
	"SELECT t.total, t.project_found, page.* "                                             \
	"FROM (SELECT CASE WHEN $3::timestamptz IS NULL AND $4::timestamptz IS NULL "          \
	"             THEN " counted " "                                                      \
	"             ELSE (SELECT count(*) FROM deployments d "                               \
	"                   WHERE " shape " AND " WINDOW ") END AS total, "                    \
	"             EXISTS (SELECT 1 FROM projects WHERE id = $1) AS project_found) t "      \
	"LEFT JOIN LATERAL (SELECT " DB_DEPLOYMENT_COLUMNS("d")                                 \
	"                   FROM (SELECT * FROM deployments d "                                \
	"                         WHERE " shape " AND " WINDOW " AND " KEYSET                  \
	"                         ORDER BY d.created_at DESC, d.id DESC " DB_SQL_PAGE("$5") ") d " \
	"                   ORDER BY d.created_at DESC, d.id DESC) page ON true"

/*
 * The totals without a window: over all projects, the sum of the shards of deployment_counts
 * (project_id 0); for one project, its row of project_deployments, a column per status (see
 * migrations/0016_project_deployments.up.sql), of which the statuses in $2 are added up.
 */
#define COUNTED_ALL                                                                            \
	"(SELECT coalesce(sum(c.n), 0)::bigint FROM deployment_counts c "                      \
	" WHERE c.project_id = 0 AND c.status = ANY ($2::text[]))"
#define STATUS_COUNT(e, name) "CASE WHEN '" name "' = ANY ($2::text[]) THEN s." name " ELSE 0 END"
#define COUNTED_PROJECT                                                                        \
	"coalesce((SELECT " DEPLOYMENT_STATUSES(STATUS_COUNT, " + ")                           \
	"          FROM project_deployments s WHERE s.project_id = $1), 0)"

static struct db_stmt page_all_stmt =
	DB_STMT("deployments_page_all", PAGE_SQL("true", COUNTED_ALL), true);
static struct db_stmt page_project_stmt =
	DB_STMT("deployments_page_project", PAGE_SQL("d.project_id = $1", COUNTED_PROJECT), true);
static struct db_stmt page_status_stmt =
	DB_STMT("deployments_page_status", PAGE_SQL("d.status = ANY ($2::text[])", COUNTED_ALL),
		true);
static struct db_stmt page_project_status_stmt =
	DB_STMT("deployments_page_project_status",
		PAGE_SQL("d.project_id = $1 AND d.status = ANY ($2::text[])", COUNTED_PROJECT),
		true);

static struct db_stmt get_stmt = DB_STMT("deployments_get",
	"SELECT " DB_DEPLOYMENT_COLUMNS("d") " FROM deployments d WHERE d.id = $1",
	true);

/* The deployed_in of the deployment row r moving to $2 now. */
#define DEPLOYED_IN_SQL(r)                                                                     \
	"CASE WHEN $2 = " DEPLOYMENT_SQL_LIVE " "                                              \
	"     THEN floor(extract(epoch FROM now() - " r ".created_at))::integer END"

/*
 * One guarded transition. o locks the row and reads its newest version (a concurrent change
 * is waited for, then seen), so the previous status in the event is exact and, when nothing
 * changes, the answer shows the status that won. The UPDATE itself carries the guard
 * status = ANY (allowed-from set of transitions.c): of concurrent deliveries, one changes the
 * row and the others find it already moved. On done the project's URL is set only where it is
 * still NULL, so concurrent deployments of one project assign it once. remember (and its
 * guard) are the signed webhook's: see REMEMBER. actor names the caller in the events (the
 * cancel's $5; the webhook's sender is no caller). The new status $2 is text where it is set:
 * the column's type is a domain (migration 0020), and the comparisons take $2 as text.
 */
#define TRANSITION_SQL(event, source, actor, remember, remember_guard, remembered)             \
	"WITH o AS (SELECT * FROM deployments WHERE id = $1 FOR UPDATE), "                     \
	remember                                                                               \
	"u AS (UPDATE deployments d SET status = $2::text, updated_at = now(), "               \
	"             deployed_in = " DEPLOYED_IN_SQL("d") " "                                 \
	"      FROM o WHERE d.id = o.id AND d.status = ANY ($3::text[]) " remember_guard       \
	"      RETURNING d.*, o.status AS previous_status), "                                  \
	"p AS (SELECT p.id, p.name, p.owner_id, p.url "                                        \
	"      FROM projects p JOIN u ON p.id = u.project_id), "                               \
	"url AS (UPDATE projects p SET url = $4 FROM u "                                       \
	"        WHERE p.id = u.project_id AND u.status = " DEPLOYMENT_SQL_LIVE                \
	"          AND $4::text IS NOT NULL "                                                  \
	"          AND p.url IS NULL "                                                         \
	"        RETURNING p.id, p.url), "                                                     \
	"e AS (INSERT INTO event_queue (event_id, name, payload) "                             \
	"      SELECT x.id, x.name, "                                                          \
	EVENT_PAYLOAD("'" source "'", actor, "d.previous_status", "coalesce(url.url, p.url)")  \
	"      FROM u d JOIN p ON p.id = d.project_id LEFT JOIN url ON url.id = p.id "         \
	"      CROSS JOIN LATERAL (SELECT event_id_new() AS id, '" event "' AS name "          \
	"                          UNION ALL "                                                 \
	"                          SELECT event_id_new(), 'project.url_assigned' "             \
	"                          WHERE url.id IS NOT NULL) x) "                              \
	"SELECT true, " remembered ", " DB_DEPLOYMENT_COLUMNS("u") " FROM u "                  \
	"UNION ALL "                                                                           \
	"SELECT false, " remembered ", " DB_DEPLOYMENT_COLUMNS("o") " FROM o "                 \
	"WHERE NOT EXISTS (SELECT 1 FROM u)"

/*
 * A signed delivery ($5 its webhook-id, $6 its timestamp) is remembered for its project when
 * it is accepted: when the locked row may move to $2, or already is in $2 (a no-op). w runs
 * after o has the row, and the UPDATE waits for w: the unique key makes a concurrent copy of
 * the same id wait for the first one's transaction and then insert nothing, and a transition
 * happens only when w inserted. w also keeps the answer (status, updated_at and deployed_in
 * as u sets them, or as they are for a no-op), which the copies then give. A row past its
 * expiry is taken over. gc deletes up to ten expired rows (not this id's, which w may take
 * over; none another transaction holds). Without $5 (the bare secret) nothing is remembered.
 */
#define REMEMBER                                                                               \
	"w AS (INSERT INTO webhook_deliveries AS w "                                           \
	"             (project_id, webhook_id, deployment_id, expires_at, "                    \
	"              status, updated_at, deployed_in) "                                      \
	"      SELECT o.project_id, $5, o.id, "                                                \
	"             greatest(now(), to_timestamp($6::bigint)) + interval '5 minutes', $2, "  \
	"             CASE WHEN o.status = $2 THEN o.updated_at ELSE now() END, "              \
	"             CASE WHEN o.status = $2 THEN o.deployed_in "                             \
	"                  ELSE " DEPLOYED_IN_SQL("o") " END "                                 \
	"      FROM o WHERE $5::text IS NOT NULL "                                             \
	"        AND (o.status = ANY ($3::text[]) OR o.status = $2) "                          \
	"      ON CONFLICT (project_id, webhook_id) DO UPDATE "                                \
	"         SET deployment_id = excluded.deployment_id, accepted_at = now(), "           \
	"             expires_at = excluded.expires_at, status = excluded.status, "            \
	"             updated_at = excluded.updated_at, deployed_in = excluded.deployed_in "   \
	"         WHERE w.expires_at <= now() "                                                \
	"      RETURNING 1), "                                                                 \
	"gc AS (DELETE FROM webhook_deliveries WHERE (project_id, webhook_id) IN ( "           \
	"         SELECT project_id, webhook_id FROM webhook_deliveries "                      \
	"         WHERE $5::text IS NOT NULL AND expires_at <= now() AND webhook_id <> $5 "    \
	"         ORDER BY expires_at LIMIT 10 FOR UPDATE SKIP LOCKED)), "
#define REMEMBER_GUARD "AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM w)) "

static struct db_stmt cancel_stmt =
	DB_STMT("deployments_cancel",
		TRANSITION_SQL("deployment.cancelled", "api", "$5", "", "", "false"), false);
static struct db_stmt webhook_stmt =
	DB_STMT("deployments_webhook",
		TRANSITION_SQL("deployment.status_changed", "webhook", "NULL", REMEMBER, REMEMBER_GUARD,
			       "EXISTS (SELECT 1 FROM w)"),
		false);
/* clang-format on */

enum err db_status_read(const PGresult *res, int row, int col, enum deployment_status *out)
{
	const char *name = db_str(res, row, col);

	if (name && deployment_status_parse(name, out))
		return ERR_OK;
	log_error("unexpected deployment status '%.32s'", name ? name : "NULL");
	return ERR_INTERNAL;
}

enum err db_deployment_read(struct arena *a, const PGresult *res, int row, int col,
                            struct deployment_row *out, bool *present)
{
	*present = !db_isnull(res, row, col);
	if (!*present)
		return ERR_OK;
	out->id = db_int64(res, row, col);
	out->project_id = db_int64(res, row, col + 1);
	out->has_deployed_in = !db_isnull(res, row, col + 3);
	out->deployed_in = db_int64(res, row, col + 3);
	out->meta = db_arena_str(a, res, row, col + 4);
	enum err rc = db_arena_time(a, res, row, col + 5, &out->created_at, &out->created_usec);
	if (!rc)
		rc = db_arena_time(a, res, row, col + 6, &out->updated_at, NULL);
	return rc ? rc : db_status_read(res, row, col + 2, &out->status);
}

/* Reads the one deployment a statement must have returned at col of its first row. */
static enum err deployment_expected(struct arena *a, const PGresult *res, int col,
                                    struct deployment_row *out)
{
	bool present;
	enum err rc = db_deployment_read(a, res, 0, col, out, &present);

	if (!rc && !present) {
		log_error("a deployment statement returned no deployment");
		rc = ERR_INTERNAL;
	}
	return rc;
}

/* A text[] literal of the statuses in want (every status when want is NULL). */
static const char *status_array(const bool want[DEPLOYMENT_NSTATUSES], char out[128])
{
	size_t n = 0;

	out[n++] = '{';
	for (int s = 0; s < DEPLOYMENT_NSTATUSES; s++) {
		if (want && !want[s])
			continue;
		const char *name = deployment_status_name((enum deployment_status)s);
		size_t len = strlen(name);
		if (n > 1)
			out[n++] = ',';
		memcpy(out + n, name, len);
		n += len;
	}
	out[n++] = '}';
	out[n] = '\0';
	return out;
}

/*
 * The key's first deployment, read by a new statement: a snapshot taken after that request
 * committed, which the creating statement's own snapshot may predate.
 */
static enum err created_by_key(struct db *db, struct arena *a, int64_t project_id, const char *meta,
                               const char *key, enum deployment_created *outcome,
                               struct deployment_row *out)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {key, db_param_int64(idtext, project_id), meta};
	PGresult *res;
	enum err rc = db_exec(db, &by_key_stmt, 3, params, &res, NULL);

	if (rc)
		return rc;
	if (db_ntuples(res) == 0) {
		*outcome = DEPLOYMENT_KEY_UNSEEN;
	} else {
		*outcome = db_bool(res, 0, 0) ? DEPLOYMENT_REPEAT : DEPLOYMENT_KEY_TAKEN;
		rc = deployment_expected(a, res, 1, out);
	}
	db_result_free(res);
	return rc;
}

enum err db_deployments_create(struct db *db, struct arena *a, int64_t project_id, const char *meta,
                               const char *idempotency_key, const char *actor,
                               enum deployment_created *outcome, struct deployment_row *out)
{
	char idtext[DB_INT64_LEN];
	/* The caller is $3 without a key, $4 with one. */
	const char *params[] = {db_param_int64(idtext, project_id), meta,
	                        idempotency_key ? idempotency_key : actor, actor};
	PGresult *res;
	enum err rc = db_exec(db, idempotency_key ? &create_keyed_stmt : &create_stmt,
	                      idempotency_key ? 4 : 3, params, &res, NULL);
	bool present = false;

	*outcome = DEPLOYMENT_NO_PROJECT;
	if (rc)
		return rc;
	/* 0 the project exists, 1 created, 2 the same request as the key's first, 3.. the row */
	if (db_bool(res, 0, 0)) {
		rc = db_deployment_read(a, res, 0, 3, out, &present);
		*outcome = db_bool(res, 0, 1)   ? DEPLOYMENT_NEW
		           : db_bool(res, 0, 2) ? DEPLOYMENT_REPEAT
		                                : DEPLOYMENT_KEY_TAKEN;
	}
	db_result_free(res);
	if (!rc && *outcome != DEPLOYMENT_NO_PROJECT && !present)
		return created_by_key(db, a, project_id, meta, idempotency_key, outcome, out);
	return rc;
}

enum err db_deployments_page(struct db *db, struct arena *a, int64_t project_id,
                             const bool want[DEPLOYMENT_NSTATUSES], const char *from,
                             const char *to, int64_t offset, const int64_t *after,
                             struct deployment_page *out)
{
	char idtext[DB_INT64_LEN], offtext[DB_INT64_LEN], statuses[128];
	char usec[DB_INT64_LEN], last_id[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, project_id),
	                        status_array(want, statuses),
	                        from,
	                        to,
	                        db_param_int64(offtext, offset),
	                        after ? db_param_int64(usec, after[0]) : NULL,
	                        after ? db_param_int64(last_id, after[1]) : NULL};
	struct db_stmt *stmt = project_id ? (want ? &page_project_status_stmt : &page_project_stmt)
	                                  : (want ? &page_status_stmt : &page_all_stmt);
	PGresult *res;
	enum err rc = db_exec(db, stmt, 7, params, &res, NULL);

	out->total = 0;
	out->project_found = false;
	out->n = 0;
	if (rc)
		return rc;
	/* 0 the total, 1 whether the project exists, 2..8 the deployment */
	out->total = db_int64(res, 0, 0);
	out->project_found = db_bool(res, 0, 1);
	for (int i = 0; !rc && i < db_ntuples(res) && out->n < PAGE_SIZE; i++) {
		bool present;
		rc = db_deployment_read(a, res, i, 2, &out->rows[out->n], &present);
		if (!rc && present) {
			out->last_key[0] = out->rows[out->n].created_usec;
			out->last_key[1] = out->rows[out->n].id;
			out->n++;
		}
	}
	db_result_free(res);
	return rc;
}

enum err db_deployment_one(struct db *db, struct arena *a, struct db_stmt *stmt, int nparams,
                           const char *const *params, struct deployment_row *out, bool *found)
{
	PGresult *res;
	enum err rc = db_exec(db, stmt, nparams, params, &res, NULL);

	*found = false;
	if (rc)
		return rc;
	if (db_ntuples(res) == 1)
		rc = db_deployment_read(a, res, 0, 0, out, found);
	db_result_free(res);
	return rc;
}

enum err db_deployments_get(struct db *db, struct arena *a, int64_t id, struct deployment_row *out,
                            bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id)};
	return db_deployment_one(db, a, &get_stmt, 1, params, out, found);
}

enum err db_deployments_transition(struct db *db, struct arena *a, int64_t id,
                                   enum deployment_status to, enum transition_source source,
                                   const char *url, const char *actor,
                                   const struct webhook_delivery *delivery,
                                   struct deployment_transition *out)
{
	enum deployment_status from[DEPLOYMENT_NSTATUSES];
	bool want[DEPLOYMENT_NSTATUSES] = {0};
	char idtext[DB_INT64_LEN], allowed[128], tstext[DB_INT64_LEN];
	size_t n = transition_sources(to, from);
	PGresult *res;

	for (size_t i = 0; i < n; i++)
		want[from[i]] = true;
	/* $5 is the cancel's caller, or the signed delivery's id; $6 the delivery's timestamp. */
	const char *params[] = {db_param_int64(idtext, id),
	                        deployment_status_name(to),
	                        status_array(want, allowed),
	                        url,
	                        source == TRANSITION_API ? actor
	                        : delivery               ? delivery->id
	                                                 : NULL,
	                        delivery ? db_param_int64(tstext, delivery->timestamp) : NULL};
	enum err rc = source == TRANSITION_API ? db_exec(db, &cancel_stmt, 5, params, &res, NULL)
	                                       : db_exec(db, &webhook_stmt, 6, params, &res, NULL);

	out->found = out->changed = out->remembered = false;
	if (rc)
		return rc;
	/*
	 * No row: no such deployment. Else 0 whether it changed, 1 whether the signed delivery
	 * was remembered by this statement, 2.. the deployment now.
	 */
	if (db_ntuples(res) == 1) {
		out->found = true;
		out->changed = db_bool(res, 0, 0);
		out->remembered = db_bool(res, 0, 1);
		rc = deployment_expected(a, res, 2, &out->to);
	}
	db_result_free(res);
	return rc;
}

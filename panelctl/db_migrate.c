/*
 * The SQL of migrations: the advisory lock that serializes runners, the schema_migrations
 * table, checksums (computed by Postgres, so no hash code of ours), and applying or reverting
 * one migration in one transaction. What to apply and in which order is migrate.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "db_query.h"
#include "mem.h"
#include "panelctl.h"

/* Any constant; shared by every panelctl so two runners never interleave. */
static const char lock_sql[] = "SELECT pg_advisory_lock(72951011)";
static const char unlock_sql[] = "SELECT pg_advisory_unlock(72951011)";

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       "  version    text PRIMARY KEY,"
                                       "  name       text NOT NULL,"
                                       "  checksum   text NOT NULL,"
                                       "  applied_at timestamptz NOT NULL DEFAULT now())";

static const char applied_sql[] =
    "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD HH24:MI:SS UTC') FROM schema_migrations ORDER BY version";

static const char checksum_sql[] = "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')";

static const char record_sql[] =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

static const char forget_sql[] = "DELETE FROM schema_migrations WHERE version = $1";

enum err db_migrate_lock(struct db *db, char *errbuf, size_t size)
{
	return db_exec_script(db, lock_sql, errbuf, size);
}

void db_migrate_unlock(struct db *db)
{
	db_exec_script(db, unlock_sql, NULL, 0);
}

enum err db_migrate_checksum(struct db *db, const char *text, char out[65])
{
	const char *params[] = {text};
	PGresult *res;
	enum err rc = db_query(db, checksum_sql, 1, params, &res, NULL, 0);

	if (rc)
		return rc;
	snprintf(out, 65, "%s", db_str(res, 0, 0));
	db_result_free(res);
	return ERR_OK;
}

enum err db_migrate_applied(struct db *db, struct applied_migration **out, size_t *n, char *errbuf,
                            size_t size)
{
	PGresult *res;
	enum err rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_exec_script(db, create_table_sql, errbuf, size)) ||
	    (rc = db_query(db, applied_sql, 0, NULL, &res, errbuf, size)))
		return rc;
	*n = (size_t)db_ntuples(res);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct applied_migration *m = &(*out)[i];
		snprintf(m->version, sizeof(m->version), "%s", db_str(res, (int)i, 0));
		snprintf(m->name, sizeof(m->name), "%s", db_str(res, (int)i, 1));
		snprintf(m->checksum, sizeof(m->checksum), "%s", db_str(res, (int)i, 2));
		snprintf(m->applied_at, sizeof(m->applied_at), "%s", db_str(res, (int)i, 3));
	}
	db_result_free(res);
	return ERR_OK;
}

/* Runs sql and then the bookkeeping statement in one transaction; rolls back on failure. */
static enum err in_transaction(struct db *db, const char *sql, const char *bookkeeping, int nparams,
                               const char *const *params, char *errbuf, size_t size)
{
	PGresult *res = NULL;
	enum err rc;

	if ((rc = db_exec_script(db, "BEGIN", errbuf, size)) ||
	    (rc = db_exec_script(db, sql, errbuf, size)) ||
	    (rc = db_query(db, bookkeeping, nparams, params, &res, errbuf, size)) ||
	    (rc = db_exec_script(db, "COMMIT", errbuf, size)))
		db_exec_script(db, "ROLLBACK", NULL, 0);
	db_result_free(res);
	return rc;
}

enum err db_migrate_apply(struct db *db, const char *sql, const char *version, const char *name,
                          const char *checksum, char *errbuf, size_t size)
{
	const char *params[] = {version, name, checksum};
	return in_transaction(db, sql, record_sql, 3, params, errbuf, size);
}

enum err db_migrate_revert(struct db *db, const char *sql, const char *version, char *errbuf,
                           size_t size)
{
	const char *params[] = {version};
	return in_transaction(db, sql, forget_sql, 1, params, errbuf, size);
}

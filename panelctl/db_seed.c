/*
 * The SQL of the seeder: which users exist already, and inserting the missing users and
 * projects with the id sequences moved past the largest id, in one transaction. What is valid
 * is seed.c's to decide, before anything here runs.
 */
#include <stdlib.h>

#include "db_query.h"
#include "panelctl.h"

static const char insert_users_sql[] =
    "INSERT INTO users (id, email, username, created_at) "
    "SELECT id, email, username, created_at "
    "FROM jsonb_to_recordset($1::jsonb) "
    "     AS x (id bigint, email text, username text, created_at timestamptz) "
    "ON CONFLICT (id) DO NOTHING";

static const char insert_projects_sql[] =
    "INSERT INTO projects (id, name, url, owner_id, app_secret, created_at) "
    "SELECT id, name, url, user_id, app_secret, created_at "
    "FROM jsonb_to_recordset($1::jsonb) "
    "     AS x (id bigint, name text, url text, user_id bigint, app_secret text, "
    "           created_at timestamptz) "
    "ON CONFLICT (id) DO NOTHING";

static const char reset_sequences_sql[] =
    "SELECT setval(pg_get_serial_sequence('users', 'id'), "
    "              coalesce((SELECT max(id) FROM users), 1), (SELECT count(*) > 0 FROM users)), "
    "       setval(pg_get_serial_sequence('projects', 'id'), "
    "              coalesce((SELECT max(id) FROM projects), 1), "
    "              (SELECT count(*) > 0 FROM projects))";

/* The ids among $1 that are users already. */
static const char existing_users_sql[] = "SELECT id FROM users WHERE id = ANY($1::bigint[])";

enum err db_seed_existing_users(struct db *db, const char *ids, json_t *known, char *errbuf,
                                size_t size)
{
	const char *params[] = {ids};
	PGresult *res;
	enum err rc = db_query(db, existing_users_sql, 1, params, &res, errbuf, size);

	if (rc)
		return rc;
	for (int r = 0; r < db_ntuples(res); r++)
		if (json_object_set_new(known, db_str(res, r, 0), json_true()))
			rc = ERR_INTERNAL;
	db_result_free(res);
	return rc;
}

/* Runs an insert of a whole JSON array; *n is the number of rows inserted. */
static enum err insert_all(struct db *db, const char *sql, const char *rows, long *n, char *errbuf,
                           size_t size)
{
	const char *params[] = {rows};
	PGresult *res;
	enum err rc = db_query(db, sql, 1, params, &res, errbuf, size);

	if (rc)
		return rc;
	*n = db_rows_affected(res);
	db_result_free(res);
	return ERR_OK;
}

enum err db_seed_insert(struct db *db, const char *users, const char *projects, long *nusers,
                        long *nprojects, char *errbuf, size_t size)
{
	PGresult *res = NULL;
	enum err rc;

	if ((rc = db_exec_script(db, "BEGIN", errbuf, size)) ||
	    (rc = insert_all(db, insert_users_sql, users, nusers, errbuf, size)) ||
	    (rc = insert_all(db, insert_projects_sql, projects, nprojects, errbuf, size)) ||
	    (rc = db_query(db, reset_sequences_sql, 0, NULL, &res, errbuf, size)) ||
	    (rc = db_exec_script(db, "COMMIT", errbuf, size)))
		db_exec_script(db, "ROLLBACK", NULL, 0);
	db_result_free(res);
	return rc;
}

/*
 * panelctl's commands. Each takes an open database handle (webhook-sign needs none) and its own
 * arguments, prints what it did on stdout and what went wrong on stderr, and returns the process exit status:
 * 0 success, 1 refused or failed (nothing changed), 2 usage. Their SQL is in db_*.c, below.
 */
#ifndef PANELCTL_H
#define PANELCTL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct db;

/* migrate.c: migrations/NNNN_name.up.sql and .down.sql from dir. */
int migrate_up(struct db *db, const char *dir);
int migrate_rollback(struct db *db, const char *dir);
int migrate_status(struct db *db, const char *dir);

/* seed.c */
int seed_run(struct db *db, const char *projects_path, const char *users_path);

/*
 * Prints the webhook-id, webhook-timestamp (timestamp, or now when NULL) and webhook-signature
 * headers of body signed with secret (Standard Webhooks, as the webhook verifies them). Touches
 * no database.
 */
int webhook_sign(const char *secret, const char *id, const char *timestamp, const char *body);

/*
 * The events' maintenance at the time now (a timestamp Postgres reads; NULL for its clock)
 * with the given retention, which is recorded for the drain's hourly runs.
 */
int maintain_run(struct db *db, const char *now, long retention_days);

/*
 * Parses and validates the text of a users or projects seed file (label names it in messages).
 * Returns the array (new reference), or NULL after printing the file, element and field at
 * fault to stderr. Touches no database.
 */
json_t *seed_parse_users(const char *label, const char *text, size_t len);
json_t *seed_parse_projects(const char *label, const char *text, size_t len);

/*
 * The database (db_*.c). With errbuf, a failure is described there (else logged); each
 * returns ERR_OK or the outcome of the failure.
 */

/* db_migrate.c. A migration recorded in schema_migrations. */
struct applied_migration {
	char version[5];
	char name[128];
	char checksum[65];
	char applied_at[40];
};
/* Takes (waiting for it) / releases the advisory lock that serializes migration runners. */
enum err db_migrate_lock(struct db *db, char *errbuf, size_t size);
void db_migrate_unlock(struct db *db);
/* The SHA-256 of text, in hex. */
enum err db_migrate_checksum(struct db *db, const char *text, char out[65]);
/*
 * Creates schema_migrations when it is missing and reads it by version: *n migrations in *out
 * (the caller frees it).
 */
enum err db_migrate_applied(struct db *db, struct applied_migration **out, size_t *n, char *errbuf,
                            size_t size);
/* Runs sql and records the migration (apply) or forgets it (revert), in one transaction. */
enum err db_migrate_apply(struct db *db, const char *sql, const char *version, const char *name,
                          const char *checksum, char *errbuf, size_t size);
enum err db_migrate_revert(struct db *db, const char *sql, const char *version, char *errbuf,
                           size_t size);

/* db_seed.c. Adds to known (an object) a key for each of ids ("{1,2}") that is a user. */
enum err db_seed_existing_users(struct db *db, const char *ids, json_t *known, char *errbuf,
                                size_t size);
/*
 * Inserts the users and projects (JSON arrays as seed_parse_* accepted them) that are missing,
 * and moves the id sequences past the largest ids, in one transaction; *nusers and *nprojects
 * are the rows inserted.
 */
enum err db_seed_insert(struct db *db, const char *users, const char *projects, long *nusers,
                        long *nprojects, char *errbuf, size_t size);

/*
 * db_maintain.c. The events' maintenance at now (NULL: the database's clock) with the
 * retention given, waiting for a run under way; report is called for each partition it created
 * ("created", rows moved in from the default partition) or dropped ("dropped", its rows).
 */
enum err db_maintain(struct db *db, const char *now, long retention_days,
                     void (*report)(const char *action, const char *part, int64_t rows),
                     char *errbuf, size_t size);

#endif

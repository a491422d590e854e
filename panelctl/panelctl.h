/*
 * panelctl's commands. Each takes an open database handle and its own arguments, prints what it
 * did on stdout and what went wrong on stderr, and returns the process exit status:
 * 0 success, 1 refused or failed (nothing changed), 2 usage.
 */
#ifndef PANELCTL_H
#define PANELCTL_H

#include <jansson.h>
#include <stddef.h>

struct db;

int migrate_up(struct db *db, const char *dir);
int migrate_rollback(struct db *db, const char *dir);
int migrate_status(struct db *db, const char *dir);

int seed_run(struct db *db, const char *projects_path, const char *users_path);

/*
 * Parses and validates the text of a users or projects seed file (label names it in messages).
 * Returns the array (new reference), or NULL after printing the file, element and field at
 * fault to stderr. Touches no database.
 */
json_t *seed_parse_users(const char *label, const char *text, size_t len);
json_t *seed_parse_projects(const char *label, const char *text, size_t len);

#endif

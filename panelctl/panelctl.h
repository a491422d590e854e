/*
 * panelctl's commands. Each takes an open database handle and its own arguments, prints what it
 * did on stdout and what went wrong on stderr, and returns the process exit status:
 * 0 success, 1 refused or failed (nothing changed), 2 usage.
 */
#ifndef PANELCTL_H
#define PANELCTL_H

struct db;

int migrate_up(struct db *db, const char *dir);
int migrate_rollback(struct db *db, const char *dir);
int migrate_status(struct db *db, const char *dir);

int seed_run(struct db *db, const char *projects_path, const char *users_path);

#endif

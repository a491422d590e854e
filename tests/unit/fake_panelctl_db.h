/*
 * A stand-in for panelctl's database: the db_*.c functions of panelctl.h, linked into its unit
 * tests (test_panelctl_*) instead of the real ones, so migrate.c runs without Postgres. It
 * keeps schema_migrations in memory and records every script it is asked to run.
 */
#ifndef FAKE_PANELCTL_DB_H
#define FAKE_PANELCTL_DB_H

#include <stdbool.h>

#include "panelctl.h"

enum { FAKE_MAX_MIGRATIONS = 16 };

struct fake_panelctl_db {
	struct applied_migration applied[FAKE_MAX_MIGRATIONS]; /* schema_migrations, by version */
	size_t napplied;
	char ran[FAKE_MAX_MIGRATIONS * 4][64]; /* "up 0001" / "down 0001" for each script run */
	size_t nran;
	const char *fail_version; /* applying or reverting this version fails */
	int locks;                /* taken minus released */
};
extern struct fake_panelctl_db fake_db;

void fake_db_reset(void);

/* The checksum the fake computes for text (as db_migrate_checksum() does). */
void fake_checksum(const char *text, char out[65]);

#endif

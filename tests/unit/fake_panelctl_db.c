/* The fake database of panelctl's unit tests (see fake_panelctl_db.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_panelctl_db.h"
#include "mem.h"

struct fake_panelctl_db fake_db;

void fake_db_reset(void)
{
	memset(&fake_db, 0, sizeof(fake_db));
}

/* FNV-1a, four times with different seeds: any function of the whole text will do. */
void fake_checksum(const char *text, char out[65])
{
	for (int part = 0; part < 4; part++) {
		uint64_t h = UINT64_C(14695981039346656037) + (uint64_t)part;
		for (const char *p = text; *p; p++)
			h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
		snprintf(out + 16 * part, 17, "%016llx", (unsigned long long)h);
	}
}

enum err db_migrate_lock(struct db *db, char *errbuf, size_t size)
{
	(void)db, (void)errbuf, (void)size;
	fake_db.locks++;
	return ERR_OK;
}

void db_migrate_unlock(struct db *db)
{
	(void)db;
	fake_db.locks--;
}

enum err db_migrate_checksum(struct db *db, const char *text, char out[65])
{
	(void)db;
	fake_checksum(text, out);
	return ERR_OK;
}

enum err db_migrate_applied(struct db *db, struct applied_migration **out, size_t *n, char *errbuf,
                            size_t size)
{
	(void)db, (void)errbuf, (void)size;
	*n = fake_db.napplied;
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	memcpy(*out, fake_db.applied, *n * sizeof(**out));
	return ERR_OK;
}

/* Records a script; fails (nothing kept) when its version is the one to fail. */
static enum err run(const char *what, const char *version, char *errbuf, size_t size)
{
	snprintf(fake_db.ran[fake_db.nran++], sizeof(fake_db.ran[0]), "%s %s", what, version);
	if (fake_db.fail_version && strcmp(version, fake_db.fail_version) == 0) {
		snprintf(errbuf, size, "syntax error at or near \"oops\"");
		return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

static int by_version(const void *a, const void *b)
{
	return strcmp(((const struct applied_migration *)a)->version,
	              ((const struct applied_migration *)b)->version);
}

enum err db_migrate_apply(struct db *db, const char *sql, const char *version, const char *name,
                          const char *checksum, char *errbuf, size_t size)
{
	(void)db, (void)sql;
	enum err rc = run("up", version, errbuf, size);
	if (rc)
		return rc;
	struct applied_migration *m = &fake_db.applied[fake_db.napplied++];
	snprintf(m->version, sizeof(m->version), "%s", version);
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->checksum, sizeof(m->checksum), "%s", checksum);
	snprintf(m->applied_at, sizeof(m->applied_at), "2024-01-31 12:00:00 UTC");
	qsort(fake_db.applied, fake_db.napplied, sizeof(fake_db.applied[0]), by_version);
	return ERR_OK;
}

enum err db_migrate_revert(struct db *db, const char *sql, const char *version, char *errbuf,
                           size_t size)
{
	(void)db, (void)sql;
	enum err rc = run("down", version, errbuf, size);
	if (rc)
		return rc;
	for (size_t i = 0; i < fake_db.napplied; i++)
		if (strcmp(fake_db.applied[i].version, version) == 0) {
			memmove(&fake_db.applied[i], &fake_db.applied[i + 1],
			        (fake_db.napplied - i - 1) * sizeof(fake_db.applied[0]));
			fake_db.napplied--;
			break;
		}
	return ERR_OK;
}

/* The seeder's SQL is proven end to end (test_e2e_foundation); these must not be reached. */
enum err db_seed_existing_users(struct db *db, const char *ids, json_t *known, char *errbuf,
                                size_t size)
{
	(void)db, (void)ids, (void)known, (void)errbuf, (void)size;
	abort();
}

enum err db_seed_insert(struct db *db, const char *users, const char *projects, long *nusers,
                        long *nprojects, char *errbuf, size_t size)
{
	(void)db, (void)users, (void)projects, (void)nusers, (void)nprojects, (void)errbuf,
	    (void)size;
	abort();
}

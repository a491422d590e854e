/*
 * Schema migrations: plain SQL files migrations/NNNN_name.up.sql and .down.sql, applied in
 * order, each in its own transaction, recorded with the SHA-256 of the up file. Runners are
 * serialized by an advisory lock, and an applied file that was edited since is refused. Then
 * the services' login roles get the passwords of the URLs the services log in with.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "mem.h"
#include "panelctl.h"

struct migration {
	char version[5];   /* "0001" */
	char name[128];    /* "core" */
	char *up, *down;   /* file contents, owned; NULL when the file is missing */
	char checksum[65]; /* of up */
	/* From schema_migrations: */
	int applied;
	char applied_checksum[65];
	char applied_at[40];
};

struct plan {
	struct migration *items;
	size_t n;
};

/* The file's contents (owned by the caller), or NULL when it cannot be read. */
static char *read_file(const char *path)
{
	struct buf b = BUF_INIT(16 * 1024 * 1024);

	if (buf_read_file(&b, path)) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* "0001_core.up.sql" → version "0001", name "core"; 0 when the name is not a migration's. */
static int parse_file_name(const char *file, char version[5], char name[128])
{
	size_t len = strlen(file), suffix = strlen(".up.sql");

	if (len <= 5 + suffix || strcmp(file + len - suffix, ".up.sql") != 0 || file[4] != '_')
		return 0;
	for (int i = 0; i < 4; i++)
		if (file[i] < '0' || file[i] > '9')
			return 0;
	size_t nlen = len - 5 - suffix;
	if (nlen >= 128)
		return 0;
	for (size_t i = 0; i < nlen; i++) {
		char c = file[5 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	memcpy(version, file, 4);
	version[4] = '\0';
	memcpy(name, file + 5, nlen);
	name[nlen] = '\0';
	return 1;
}

static int by_version(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->version,
	              ((const struct migration *)b)->version);
}

static struct migration *plan_find(struct plan *p, const char *version)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].version, version) == 0)
			return &p->items[i];
	return NULL;
}

static struct migration *plan_add(struct plan *p, const char *version, const char *name)
{
	p->items = xrealloc(p->items, (p->n + 1) * sizeof(*p->items));
	struct migration *m = &p->items[p->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->version, sizeof(m->version), "%s", version);
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].up);
		free(p->items[i].down);
	}
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

/* Reads the directory and the table into one ordered plan. */
static int plan_load(struct db *db, const char *dir, struct plan *p)
{
	char path[4096], errbuf[512];
	struct applied_migration *applied;
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t napplied;

	memset(p, 0, sizeof(*p));
	if (!d) {
		fprintf(stderr, "panelctl: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char version[5], name[128];
		if (!parse_file_name(e->d_name, version, name))
			continue;
		if (plan_find(p, version)) {
			fprintf(stderr, "panelctl: two migrations share version %s\n", version);
			closedir(d);
			return -1;
		}
		struct migration *m = plan_add(p, version, name);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		m->up = read_file(path);
		snprintf(path, sizeof(path), "%s/%s_%s.down.sql", dir, version, name);
		m->down = read_file(path);
		if (!m->up || db_migrate_checksum(db, m->up, m->checksum)) {
			fprintf(stderr, "panelctl: cannot read %s/%s\n", dir, e->d_name);
			closedir(d);
			return -1;
		}
	}
	closedir(d);

	if (db_migrate_applied(db, &applied, &napplied, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "panelctl: cannot read schema_migrations: %s\n", errbuf);
		return -1;
	}
	for (size_t i = 0; i < napplied; i++) {
		struct migration *m = plan_find(p, applied[i].version);
		if (!m)
			m = plan_add(p, applied[i].version, applied[i].name);
		m->applied = 1;
		snprintf(m->applied_checksum, sizeof(m->applied_checksum), "%s",
		         applied[i].checksum);
		snprintf(m->applied_at, sizeof(m->applied_at), "%s", applied[i].applied_at);
	}
	free(applied);
	if (p->n > 1)
		qsort(p->items, p->n, sizeof(*p->items), by_version);
	return 0;
}

/* Refuses to go on when an applied migration's file is gone or was edited since. */
static int plan_verify(const struct plan *p)
{
	int bad = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct migration *m = &p->items[i];
		if (!m->applied)
			continue;
		if (!m->up) {
			fprintf(stderr,
			        "panelctl: migration %s_%s is applied but its file is missing\n",
			        m->version, m->name);
			bad = 1;
		} else if (strcmp(m->checksum, m->applied_checksum) != 0) {
			fprintf(stderr,
			        "panelctl: migration %s_%s was edited after it was applied "
			        "(checksum %.12s, applied %.12s); write a new migration instead\n",
			        m->version, m->name, m->checksum, m->applied_checksum);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Reports a failed migration; nothing of it was kept. */
static int failed(const struct migration *m, const char *errbuf)
{
	fprintf(stderr, "panelctl: migration %s_%s failed, nothing changed: %s\n", m->version,
	        m->name, errbuf);
	return 1;
}

/* Takes the lock and loads a verified plan; on failure releases everything. */
static int begin(struct db *db, const char *dir, struct plan *p)
{
	char errbuf[512];

	if (db_migrate_lock(db, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "panelctl: cannot take the migration lock: %s\n", errbuf);
		return -1;
	}
	if (plan_load(db, dir, p) || plan_verify(p)) {
		plan_free(p);
		db_migrate_unlock(db);
		return -1;
	}
	return 0;
}

static void end(struct db *db, struct plan *p)
{
	plan_free(p);
	db_migrate_unlock(db);
}

/*
 * Each service's role takes the password its URL (PROJECT_DATABASE_URL,
 * AGGREGATOR_DATABASE_URL) carries, when it is set and carries one: so a deployment on a
 * Postgres elsewhere sets each password in one place. A URL that logs in as anyone but the
 * service's role is refused. The embedded cluster needs none (peer authentication).
 */
static int set_role_passwords(struct db *db)
{
	static const struct {
		const char *env, *role;
	} services[] = {
	    {"PROJECT_DATABASE_URL",    "panel_project"   },
	    {"AGGREGATOR_DATABASE_URL", "panel_aggregator"},
	};
	char user[128], password[512], errbuf[512];
	int status = 0;

	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]) && !status; i++) {
		const char *url = config_str(services[i].env, NULL);
		if (!url)
			continue;
		if (!db_url_credentials(url, user, sizeof(user), password, sizeof(password))) {
			fprintf(stderr, "panelctl: %s is not a connection string or URI\n",
			        services[i].env);
			status = 1;
		} else if (strcmp(user, services[i].role) != 0) {
			fprintf(stderr, "panelctl: %s must log in as %s (it names %s)\n",
			        services[i].env, services[i].role, user[0] ? user : "no user");
			status = 1;
		} else if (password[0] && db_set_password(db, services[i].role, password, errbuf,
		                                          sizeof(errbuf))) {
			fprintf(stderr, "panelctl: cannot set the password of %s: %s\n",
			        services[i].role, errbuf);
			status = 1;
		} else if (password[0]) {
			printf("set the password of %s from %s\n", services[i].role,
			       services[i].env);
		}
	}
	explicit_bzero(password, sizeof(password));
	return status;
}

int migrate_up(struct db *db, const char *dir)
{
	struct plan p;
	int applied = 0, status = 0;

	if (begin(db, dir, &p))
		return 1;
	for (size_t i = 0; i < p.n && !status; i++) {
		struct migration *m = &p.items[i];
		char errbuf[1024];
		if (m->applied)
			continue;
		if (db_migrate_apply(db, m->up, m->version, m->name, m->checksum, errbuf,
		                     sizeof(errbuf))) {
			status = failed(m, errbuf);
			break;
		}
		printf("applied %s_%s\n", m->version, m->name);
		applied++;
	}
	if (!status && !applied)
		printf("schema is up to date\n");
	if (!status)
		status = set_role_passwords(db);
	end(db, &p);
	return status;
}

int migrate_rollback(struct db *db, const char *dir)
{
	struct plan p;
	struct migration *last = NULL;
	char errbuf[1024];
	int status = 0;

	if (begin(db, dir, &p))
		return 1;
	for (size_t i = 0; i < p.n; i++)
		if (p.items[i].applied)
			last = &p.items[i];
	if (!last) {
		printf("nothing to roll back\n");
	} else if (!last->down) {
		fprintf(stderr, "panelctl: %s/%s_%s.down.sql is missing\n", dir, last->version,
		        last->name);
		status = 1;
	} else if (db_migrate_revert(db, last->down, last->version, errbuf, sizeof(errbuf))) {
		status = failed(last, errbuf);
	} else {
		printf("rolled back %s_%s\n", last->version, last->name);
	}
	end(db, &p);
	return status;
}

int migrate_status(struct db *db, const char *dir)
{
	struct plan p;
	int pending = 0, bad = 0;

	if (db_migrate_lock(db, NULL, 0))
		return 1;
	if (plan_load(db, dir, &p)) {
		end(db, &p);
		return 1;
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct migration *m = &p.items[i];
		const char *state = "pending";
		if (m->applied && !m->up)
			state = "applied, file missing", bad = 1;
		else if (m->applied && strcmp(m->checksum, m->applied_checksum) != 0)
			state = "applied, file edited since", bad = 1;
		else if (m->applied)
			state = "applied";
		else
			pending++;
		printf("%s_%-24s %s%s%s\n", m->version, m->name, state, m->applied ? " " : "",
		       m->applied ? m->applied_at : "");
	}
	printf("%d pending\n", pending);
	end(db, &p);
	return bad;
}

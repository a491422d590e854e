/*
 * panelctl: schema migrations and seeding from the command line. Argument parsing only; the
 * commands live in migrate.c and seed.c.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "panelctl.h"

enum command { CMD_MIGRATE, CMD_ROLLBACK, CMD_STATUS, CMD_SEED };

static int usage(void)
{
	fprintf(stderr,
	        "usage: panelctl migrate | rollback | status\n"
	        "       panelctl seed [--projects FILE] [--users FILE]\n"
	        "\n"
	        "Uses DATABASE_URL (the schema's owner), or the embedded cluster when unset.\n"
	        "Migrations are read from $PANEL_MIGRATIONS (default: migrations/); migrate also\n"
	        "gives panel_project and panel_aggregator the passwords PROJECT_DATABASE_URL and\n"
	        "AGGREGATOR_DATABASE_URL carry. Seeds default to seeds/*.json.\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"migrate", "rollback", "status", "seed"};
	const char *projects = "seeds/projects.json", *users = "seeds/users.json";
	enum command cmd;
	size_t i;
	int status;

	log_init("panelctl");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (argc >= 2 && strcmp(argv[1], names[i]) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return usage();
	cmd = (enum command)i;
	for (int a = 2; a < argc; a++) {
		if (cmd == CMD_SEED && strcmp(argv[a], "--projects") == 0 && a + 1 < argc)
			projects = argv[++a];
		else if (cmd == CMD_SEED && strcmp(argv[a], "--users") == 0 && a + 1 < argc)
			users = argv[++a];
		else
			return usage();
	}

	struct db db = {.url = config_database_url(), .app_name = "panelctl"};
	if (db_connect(&db)) {
		fprintf(stderr, "panelctl: cannot connect to the database (is it running?)\n");
		return 1;
	}
	const char *dir = config_str("PANEL_MIGRATIONS", "migrations");
	switch (cmd) {
	case CMD_MIGRATE: status = migrate_up(&db, dir); break;
	case CMD_ROLLBACK: status = migrate_rollback(&db, dir); break;
	case CMD_STATUS: status = migrate_status(&db, dir); break;
	case CMD_SEED: status = seed_run(&db, projects, users); break;
	default: status = usage(); break;
	}
	db_close(&db);
	return status;
}

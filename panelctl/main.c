/*
 * panelctl: schema migrations and seeding from the command line. The commands are one table:
 * name, arguments, what it does and the function that runs it; usage is printed from it.
 * The commands themselves live in migrate.c and seed.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "panelctl.h"

/* What a command's arguments said. */
struct options {
	const char *projects, *users; /* seed files */
};

static int cmd_migrate(struct db *db, const struct options *o);
static int cmd_rollback(struct db *db, const struct options *o);
static int cmd_status(struct db *db, const struct options *o);
static int cmd_seed(struct db *db, const struct options *o);

/* clang-format off */
static const struct command {
	const char *name;
	bool files; /* takes --projects FILE and --users FILE */
	const char *help;
	int (*run)(struct db *db, const struct options *o);
} commands[] = {
	{"migrate",  false, "apply the pending migrations",                cmd_migrate},
	{"rollback", false, "undo the last applied migration",             cmd_rollback},
	{"status",   false, "list the migrations, applied or pending",     cmd_status},
	{"seed",     true,  "insert the users and projects that are missing (defaults: seeds/*.json)",
	                                                                   cmd_seed},
};
/* clang-format on */
enum { NCOMMANDS = sizeof(commands) / sizeof(commands[0]) };

static int usage(void)
{
	fprintf(stderr, "usage:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "  panelctl %s%s\n      %s\n", commands[i].name,
		        commands[i].files ? " [--projects FILE] [--users FILE]" : "",
		        commands[i].help);
	fprintf(stderr,
	        "\n"
	        "Uses DATABASE_URL (the schema's owner), or the embedded cluster when unset.\n"
	        "Migrations are read from $PANEL_MIGRATIONS (default: migrations/); migrate also\n"
	        "gives panel_project and panel_aggregator the passwords PROJECT_DATABASE_URL and\n"
	        "AGGREGATOR_DATABASE_URL carry.\n");
	return 2;
}

/* Reads the arguments after the command's name; false when they are not the command's. */
static bool parse(const struct command *cmd, int argc, char **argv, struct options *o)
{
	*o = (struct options){.projects = "seeds/projects.json", .users = "seeds/users.json"};
	for (int a = 0; a < argc; a++) {
		if (cmd->files && strcmp(argv[a], "--projects") == 0 && a + 1 < argc)
			o->projects = argv[++a];
		else if (cmd->files && strcmp(argv[a], "--users") == 0 && a + 1 < argc)
			o->users = argv[++a];
		else
			return false;
	}
	return true;
}

static const char *migrations_dir(void)
{
	return config_str("PANEL_MIGRATIONS", "migrations");
}

static int cmd_migrate(struct db *db, const struct options *o)
{
	(void)o;
	return migrate_up(db, migrations_dir());
}

static int cmd_rollback(struct db *db, const struct options *o)
{
	(void)o;
	return migrate_rollback(db, migrations_dir());
}

static int cmd_status(struct db *db, const struct options *o)
{
	(void)o;
	return migrate_status(db, migrations_dir());
}

static int cmd_seed(struct db *db, const struct options *o)
{
	return seed_run(db, o->projects, o->users);
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct options o;

	log_init("panelctl");
	json_init();
	for (size_t i = 0; argc >= 2 && i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd || !parse(cmd, argc - 2, argv + 2, &o))
		return usage();

	struct db db = {.url = config_database_url(), .app_name = "panelctl"};
	if (db_connect(&db)) {
		fprintf(stderr, "panelctl: cannot connect to the database (is it running?)\n");
		return 1;
	}
	int status = cmd->run(&db, &o);
	db_close(&db);
	return status;
}

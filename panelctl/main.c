/*
 * panelctl: schema migrations, seeding, the events' maintenance and webhook signing from the
 * command line. The commands
 * are one table: name, arguments, whether it needs the database, what it does and the function
 * that runs it; usage is printed from it, and the arguments are parsed by what it names. The
 * commands themselves live in migrate.c, seed.c, maintain.c and webhook_sign.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "panelctl.h"
#include "parse.h"

/* What a command's arguments said. */
struct options {
	const char *projects, *users;               /* seed files */
	const char *secret, *id, *timestamp, *body; /* webhook-sign */
	const char *now;                            /* maintain's clock; NULL for the database's */
	const char *wait;    /* seconds to wait for the database to accept connections first */
	long retention_days; /* maintain: EVENTS_RETENTION_DAYS */
};

/* The options a command may take (when its usage names them) and where their values go. */
static const struct {
	const char *flag;
	size_t offset;
} flags[] = {
    {"--projects",  offsetof(struct options, projects) },
    {"--users",     offsetof(struct options, users)    },
    {"--secret",    offsetof(struct options, secret)   },
    {"--id",        offsetof(struct options, id)       },
    {"--timestamp", offsetof(struct options, timestamp)},
    {"--now",       offsetof(struct options, now)      },
    {"--wait",      offsetof(struct options, wait)     },
};

static int cmd_migrate(struct db *db, const struct options *o);
static int cmd_rollback(struct db *db, const struct options *o);
static int cmd_status(struct db *db, const struct options *o);
static int cmd_seed(struct db *db, const struct options *o);
static int cmd_webhook_sign(struct db *db, const struct options *o);
static int cmd_maintain(struct db *db, const struct options *o);

#define FILES " [--projects FILE] [--users FILE]"
#define SIGN  " --secret SECRET --id ID [--timestamp T] BODY"
#define CLOCK " [--now TIMESTAMP]"
#define WAIT  " [--wait SECONDS]"

/* clang-format off */
static const struct command {
	const char *name;
	const char *args; /* its usage: the options it takes, and BODY when it takes one */
	bool database;    /* runs against DATABASE_URL (the others get no connection) */
	const char *help;
	int (*run)(struct db *db, const struct options *o);
} commands[] = {
	{"migrate",      WAIT,  true,  "apply the pending migrations",             cmd_migrate},
	{"rollback",     WAIT,  true,  "undo the last applied migration",          cmd_rollback},
	{"status",       WAIT,  true,  "list the migrations, applied or pending",  cmd_status},
	{"seed",   FILES WAIT,  true,  "insert the users and projects that are missing "
	                               "(defaults: seeds/*.json)",                 cmd_seed},
	{"webhook-sign", SIGN,  false, "print the headers of BODY signed as a build system signs "
	                               "a webhook delivery (timestamp: now)",      cmd_webhook_sign},
	{"maintain", CLOCK WAIT, true,  "make the events' monthly partitions ahead and drop the "
	                               "months past\n      EVENTS_RETENTION_DAYS (400), recorded "
	                               "for the drain's hourly runs; --now sets the\n      clock "
	                               "(a timestamp Postgres reads, e.g. 2027-01-31T00:00:00Z)",
	                                                                           cmd_maintain},
};
/* clang-format on */
enum { NCOMMANDS = sizeof(commands) / sizeof(commands[0]) };

static int usage(void)
{
	fprintf(stderr, "usage:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "  panelctl %s%s\n      %s\n", commands[i].name, commands[i].args,
		        commands[i].help);
	fprintf(stderr,
	        "\n"
	        "The commands but webhook-sign use DATABASE_URL (the schema's owner), or the\n"
	        "embedded cluster when unset.\n"
	        "Migrations are read from $PANEL_MIGRATIONS (default: migrations/); migrate also\n"
	        "gives panel_project and panel_aggregator the passwords PROJECT_DATABASE_URL and\n"
	        "AGGREGATOR_DATABASE_URL carry. --wait: first wait up to SECONDS (1 to 3600) for\n"
	        "the database to accept connections, as a container started beside it must.\n");
	return 2;
}

/* Reads the arguments after the command's name; false when they are not the command's. */
static bool parse(const struct command *cmd, int argc, char **argv, struct options *o)
{
	*o = (struct options){.projects = "seeds/projects.json", .users = "seeds/users.json"};
	for (int a = 0; a < argc; a++) {
		size_t f = 0;
		while (f < sizeof(flags) / sizeof(flags[0]) && strcmp(argv[a], flags[f].flag) != 0)
			f++;
		if (f < sizeof(flags) / sizeof(flags[0])) {
			if (!strstr(cmd->args, flags[f].flag) || a + 1 == argc)
				return false;
			*(const char **)((char *)o + flags[f].offset) = argv[++a];
		} else if (strstr(cmd->args, "BODY") && !o->body && argv[a][0] != '-') {
			o->body = argv[a];
		} else {
			return false;
		}
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

static int cmd_webhook_sign(struct db *db, const struct options *o)
{
	(void)db;
	if (!o->secret || !o->id || !o->body)
		return usage();
	return webhook_sign(o->secret, o->id, o->timestamp, o->body);
}

static int cmd_maintain(struct db *db, const struct options *o)
{
	return maintain_run(db, o->now, o->retention_days);
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
	if (!cmd->database)
		return cmd->run(NULL, &o);
	/* Read before connecting: an invalid value stops here with its message. */
	if (cmd->run == cmd_maintain)
		o.retention_days = config_long("EVENTS_RETENTION_DAYS", 400, 1, 100000);

	int64_t wait = 0;
	if (o.wait && parse_int64(o.wait, strlen(o.wait), 1, 3600, &wait) != 0)
		return usage();

	struct db db = {.url = config_database_url(), .app_name = "panelctl"};
	if (wait && !db_wait_ready(&db, (int)wait)) {
		fprintf(stderr, "panelctl: the database did not accept connections within %d s\n",
		        (int)wait);
		return 1;
	}
	if (db_connect(&db)) {
		fprintf(stderr, "panelctl: cannot connect to the database (is it running?)\n");
		return 1;
	}
	int status = cmd->run(&db, &o);
	db_close(&db);
	return status;
}

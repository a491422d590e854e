/*
 * Environment lookups with defaults and bounds. A bad setting stops the process at start-up
 * rather than surfacing as odd behaviour under load.
 */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

const char *config_str(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

long config_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	int64_t n;

	if (!v || !*v)
		return def;
	if (parse_int64(v, strlen(v), min, max, &n)) {
		log_error("%s must be an integer from %ld to %ld", name, min, max);
		exit(2);
	}
	return (long)n;
}

int config_choice(const char *name, const char *const *names, int n, int def)
{
	const char *v = getenv(name);
	char choices[256] = "";

	if (!v || !*v)
		return def;
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	for (int i = 0; i < n; i++)
		snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
		         i ? ", " : "", names[i]);
	log_error("%s must be one of %s", name, choices);
	exit(2);
}

const char *config_state_dir(void)
{
	static char state[512];
	const char *dir = config_str("PANEL_STATE_DIR", NULL);
	const char *xdg = config_str("XDG_STATE_HOME", NULL);

	if (dir)
		return dir;
	if (getuid() == 0)
		snprintf(state, sizeof(state), "/var/lib/panel");
	else if (xdg)
		snprintf(state, sizeof(state), "%s/panel", xdg);
	else
		snprintf(state, sizeof(state), "%s/.local/state/panel",
		         config_str("HOME", "/nonexistent"));
	return state;
}

/* The embedded cluster of scripts/pg-cluster, logged into as user. */
static const char *embedded_url(char *out, size_t size, const char *user)
{
	snprintf(out, size, "postgresql:///panel?host=%s/pgsock&port=%s&user=%s",
	         config_state_dir(), config_str("PANEL_PG_PORT", "54329"), user);
	return out;
}

const char *config_database_url(void)
{
	static char embedded[512];
	const char *url = config_str("DATABASE_URL", NULL);

	return url ? url : embedded_url(embedded, sizeof(embedded), "panel");
}

const char *config_service_database_url(const char *name, const char *role)
{
	static char embedded[512];
	const char *url = config_str(name, NULL);

	if (url)
		return url;
	if (config_str("DATABASE_URL", NULL)) {
		log_error("%s must be set when DATABASE_URL is: the service logs in as %s, never "
		          "as the owner",
		          name, role);
		exit(2);
	}
	return embedded_url(embedded, sizeof(embedded), role);
}

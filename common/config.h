/*
 * Process configuration from the environment, read once at start-up. The defaults are the
 * contract's; nothing here is read per request.
 */
#ifndef PANEL_CONFIG_H
#define PANEL_CONFIG_H

/* The value of name, or def when unset or empty (borrowed from the environment). */
const char *config_str(const char *name, const char *def);

/* The integer value of name in [min, max], or def when unset; exits with a log line when invalid. */
long config_long(const char *name, long def, long min, long max);

/*
 * The index in names[0..n) of name's value, or def when unset or empty; exits with a log line
 * listing the choices when the value is none of them (compared exactly).
 */
int config_choice(const char *name, const char *const *names, int n, int def);

/*
 * PANEL_STATE_DIR, or its default as scripts/state.sh has it: /var/lib/panel for root,
 * $XDG_STATE_HOME/panel (or ~/.local/state/panel) for anyone else. Static or borrowed.
 */
const char *config_state_dir(void);

/*
 * The schema owner's URL, for panelctl alone: DATABASE_URL, or when unset the embedded cluster of
 * scripts/pg-cluster as its owner (socket in $PANEL_STATE_DIR/pgsock, port $PANEL_PG_PORT,
 * default 54329). The string is static or borrowed from the environment.
 */
const char *config_database_url(void);

/*
 * The URL a service logs in with: the value of name (PROJECT_DATABASE_URL,
 * AGGREGATOR_DATABASE_URL), or when unset the embedded cluster as role. A service never falls
 * back to the owner's credentials: when DATABASE_URL is set but name is not, this logs why and
 * exits. The string is static (one per process) or borrowed from the environment.
 */
const char *config_service_database_url(const char *name, const char *role);

#endif

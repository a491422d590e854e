/*
 * The drain worker's decisions, as pure functions of its configuration and of what failed:
 * retry delays, when a row is given up on, which failures are a row's own fault. No I/O here
 * but reading the environment once, so tests/unit/test_aggregator_drain.c covers all of it.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "drain.h"

void drain_config_load(struct drain_config *cfg)
{
	cfg->batch_size = config_long("DRAIN_BATCH_SIZE", 10000, 1, 100000);
	cfg->max_attempts = config_long("DRAIN_MAX_ATTEMPTS", 5, 1, 1000);
	cfg->backoff_base_ms = config_long("DRAIN_BACKOFF_BASE_MS", 1000, 1, 86400000);
	cfg->backoff_max_ms = config_long("DRAIN_BACKOFF_MAX_MS", 300000, 1, 86400000);
	/* The contract's promise: a lost notification delays nothing by more than a second. */
	cfg->poll_ms = config_long("DRAIN_POLL_MS", 50, DRAIN_BUSY_MAX_MS, 1000);
	cfg->maintain_s = config_long("DRAIN_MAINTAIN_SECONDS", 3600, 1, 86400);
	if (cfg->backoff_max_ms < cfg->backoff_base_ms)
		cfg->backoff_max_ms = cfg->backoff_base_ms;
}

/* first, doubled for each try after the first, capped; never overflows whatever tries is. */
static long doubled(long first, long cap, long tries)
{
	long ms = first;

	for (long i = 1; i < tries && ms < cap; i++)
		ms *= 2;
	return ms < cap ? ms : cap;
}

long drain_backoff_ms(const struct drain_config *cfg, long attempts)
{
	return doubled(cfg->backoff_base_ms, cfg->backoff_max_ms, attempts);
}

bool drain_should_park(const struct drain_config *cfg, long attempts)
{
	return attempts >= cfg->max_attempts;
}

bool drain_row_fault(const char *sqlstate)
{
	return sqlstate && (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0);
}

long drain_retry_delay_ms(long failures)
{
	return doubled(100, 2000, failures);
}

long drain_maintain_delay_s(const struct drain_config *cfg, bool succeeded)
{
	return succeeded || cfg->maintain_s < 60 ? cfg->maintain_s : 60;
}

void drain_error_text(const char *sqlstate, const char *message, char *out, size_t size)
{
	static const char prefix[] = "ERROR:";

	if (!message)
		message = "";
	if (strncmp(message, prefix, sizeof(prefix) - 1) == 0)
		message += sizeof(prefix) - 1;
	message += strspn(message, " \t");
	int len = (int)strcspn(message, "\r\n");
	if (len == 0) {
		message = "unknown error";
		len = (int)strlen(message);
	}
	snprintf(out, size, "%s%s%.*s", sqlstate && *sqlstate ? sqlstate : "",
	         sqlstate && *sqlstate ? ": " : "", len, message);
}

int64_t drain_claim_from(struct drain_cursor *c, const struct drain_config *cfg, int64_t now_ms)
{
	if (c->highest == 0 || c->again || now_ms >= c->full_due_ms) {
		c->full_due_ms = now_ms + cfg->poll_ms;
		return 0;
	}
	return c->highest > DRAIN_WINDOW ? c->highest - DRAIN_WINDOW : 0;
}

void drain_claimed(struct drain_cursor *c, const struct drain_config *cfg, int64_t from, long moved,
                   int64_t highest)
{
	if (from == 0)
		c->again = moved >= cfg->batch_size;
	if (highest > c->highest)
		c->highest = highest;
}

long drain_busy_wait_ms(long tries)
{
	return doubled(1, DRAIN_BUSY_MAX_MS, tries);
}

/*
 * Structured logging: one JSON object per line on stderr, carrying the service name, the pid
 * and the current request id. Messages may hold anything (libpq text included): they are
 * escaped here. Never pass a secret to these functions.
 */
#ifndef PANEL_LOG_H
#define PANEL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/*
 * Names the process in every line (service is borrowed and must outlive the process), and
 * takes the lowest level written from LOG_LEVEL (debug, info, warn, error; default info).
 */
void log_init(const char *service);
/* Sets the request id stamped on the following lines (NULL clears it); copied. */
void log_set_request_id(const char *request_id);
/* Sets who made the request (a JWT's sub, or "api-token"), stamped likewise; copied. */
void log_set_actor(const char *actor);

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_debug(...) log_write(LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif

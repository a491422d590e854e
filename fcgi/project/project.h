/*
 * The project service: its context, its statuses, the typed rows its SQL returns, the JSON of
 * its resources and its handlers. Handlers live in one file per resource (projects.c,
 * deployments.c, webhook.c, stats.c) and never see a libpq type; all SQL, column numbers and
 * results live in the db_*.c files, which hand back the rows below.
 */
#ifndef PROJECT_H
#define PROJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "page.h"
#include "service.h"

struct arena;
struct req;
struct resp;

/*
 * How the webhook authenticates a delivery (WEBHOOK_AUTH): the app secret in Authorization,
 * a Standard Webhooks signature, or either (a delivery carrying any webhook-* header is judged
 * as signed). The names are webhook_auth_names[], in this order.
 */
enum webhook_auth { WEBHOOK_AUTH_SECRET, WEBHOOK_AUTH_SIGNED, WEBHOOK_AUTH_EITHER };
extern const char *const webhook_auth_names[3];

/* The project service's context (req->app): the common one, then its own settings. */
struct project_app {
	struct app app;
	const char *public_url_domain;  /* PUBLIC_URL_DOMAIN */
	enum webhook_auth webhook_auth; /* WEBHOOK_AUTH */
};

/*
 * Deployment statuses, the one list: in pipeline order, the unfinished ones, then done (the
 * one that is live), then the others that end a deployment. X(enum suffix, API name); SEP goes
 * between rows, so the SQL of db_*.c can quote the same names (see DEPLOYMENT_SQL_*).
 */
#define DEPLOYMENT_UNFINISHED(X, SEP)                                                              \
	X(PENDING, "pending") SEP X(BUILDING, "building") SEP X(DEPLOYING, "deploying")
#define DEPLOYMENT_LIVE(X, SEP)  X(DONE, "done")
#define DEPLOYMENT_ENDED(X, SEP) X(FAILED, "failed") SEP X(CANCELLED, "cancelled")
#define DEPLOYMENT_STATUSES(X, SEP)                                                                \
	DEPLOYMENT_UNFINISHED(X, SEP) SEP DEPLOYMENT_LIVE(X, SEP)                                  \
	SEP DEPLOYMENT_ENDED(X, SEP)

#define DEPLOYMENT_ENUM_ROW(e, name) DEPLOYMENT_##e,
enum deployment_status { DEPLOYMENT_STATUSES(DEPLOYMENT_ENUM_ROW, ) DEPLOYMENT_NSTATUSES };
#undef DEPLOYMENT_ENUM_ROW

/* The names as text: "pending, building, deploying, done, failed, cancelled", for messages. */
#define DEPLOYMENT_NAME_ROW(e, name) name
#define DEPLOYMENT_STATUS_NAMES      DEPLOYMENT_STATUSES(DEPLOYMENT_NAME_ROW, ", ")
/* The same names as SQL literals: the ongoing ones ("'pending', ...") and the live one. */
#define DEPLOYMENT_SQL_ROW(e, name)  "'" name "'"
#define DEPLOYMENT_SQL_UNFINISHED    DEPLOYMENT_UNFINISHED(DEPLOYMENT_SQL_ROW, ", ")
#define DEPLOYMENT_SQL_LIVE          DEPLOYMENT_LIVE(DEPLOYMENT_SQL_ROW, )

/* The API name of a status (static string). */
const char *deployment_status_name(enum deployment_status s);
/* Reads an API name exactly (case-sensitive); false for anything else. */
bool deployment_status_parse(const char *name, enum deployment_status *out);
/* done, failed and cancelled: nothing moves a deployment out of these. */
bool deployment_status_final(enum deployment_status s);
/*
 * Whether a deployment in status from may change to status to. The same status is never a
 * transition (the webhook answers it as a no-op), so transition_allowed(s, s) is false.
 */
bool transition_allowed(enum deployment_status from, enum deployment_status to);
/*
 * The statuses from which to may be reached, in pipeline order, written to out; returns how
 * many. The guarded UPDATE takes this set, so the database applies the same table as C.
 */
size_t transition_sources(enum deployment_status to,
                          enum deployment_status out[DEPLOYMENT_NSTATUSES]);
/*
 * Parses a status filter: one or several comma-separated status names ("done,failed").
 * Sets want[s] for each named status; false for an empty list, an empty element or an unknown
 * name (want is then unspecified).
 */
bool deployment_status_list_parse(const char *text, bool want[DEPLOYMENT_NSTATUSES]);

/*
 * Project URLs (url.c). The DNS label is the project name lowercased, with every character
 * outside a-z0-9- turned into '-', cut to PROJECT_URL_LABEL_MAX characters so that
 * "<label>-<8 hex>" fits the 63 characters of a DNS label. A label may not begin with '-', so
 * leading ones are dropped, and a name with nothing else left is labelled "app".
 */
enum { PROJECT_URL_LABEL_MAX = 63 - 9, PROJECT_URL_MAX = 512 };
/* Writes the label of name into out (NUL-terminated); a character is a UTF-8 code point. */
void project_url_label(const char *name, char out[PROJECT_URL_LABEL_MAX + 1]);
/*
 * Writes "https://<label>-<8 random lowercase hex>.<domain>" into out, the randomness from
 * getrandom(2). Returns ERR_INTERNAL (logged) when the CSPRNG fails or the URL would not fit.
 */
enum err project_url_new(const char *name, const char *domain, char out[PROJECT_URL_MAX]);

/*
 * The rows the database hands back. Their strings live in the request's arena (the db_*.c
 * functions take it), so they stay valid until the next request and nobody frees them.
 */

/* A project as the API shows it. */
struct project_row {
	int64_t id;
	const char *name;
	const char *url; /* NULL until assigned */
	int64_t owner_id;
	const char *created_at;
	bool has_ongoing, has_live;
	int64_t latest_id; /* 0 when the project has no deployment */
	enum deployment_status latest_status;
	const char *latest_created_at;
};

/* A deployment as the API shows it. */
struct deployment_row {
	int64_t id;
	int64_t project_id;
	enum deployment_status status;
	bool has_deployed_in; /* deployedIn is null until done */
	int64_t deployed_in;
	const char *meta; /* JSON object text, as the database renders it */
	const char *created_at;
	const char *updated_at;
	int64_t created_usec; /* created_at in microseconds since the epoch: a cursor's first key */
};

/* One page of a list: its rows, the list's total, and the cursor keys of its last row. */
struct project_page {
	int64_t total;
	size_t n;
	struct project_row rows[PAGE_SIZE];
};
struct deployment_page {
	int64_t total;
	bool project_found; /* the project_id filter names a project */
	size_t n;
	struct deployment_row rows[PAGE_SIZE];
	int64_t last_key[2]; /* of rows[n - 1]: created_at in microseconds, id */
};

/* The JSON of a resource (new reference), or NULL when it cannot be built (logged). */
json_t *project_to_json(const struct project_row *p);
json_t *deployment_to_json(const struct deployment_row *d);

/*
 * Answers one deployment: status, the deployment as JSON and, when location is set, its
 * Location. 500 when it cannot be rendered.
 */
enum err deployment_reply(struct resp *resp, int status, bool location,
                          const struct deployment_row *d);

/* The contract's limits on what a deployment creation may carry. */
enum { DEPLOYMENT_META_MAX = 1000 };

/*
 * The meta of a new deployment from the optional request body (NULL when none was sent): the
 * fields commitSha, branch, commitMessage and trigger that were sent, plus trigger "api" when
 * it was not. Any other field is 400 naming it. On success *meta is a new reference.
 */
enum err deployment_meta_from_body(const json_t *body, json_t **meta, struct resp *resp);

/* Handlers (see routes.c); req->app is a struct project_app. */
enum err projects_list(struct req *req, struct resp *resp);
enum err projects_get(struct req *req, struct resp *resp);
enum err deployments_create(struct req *req, struct resp *resp);
enum err deployments_list_project(struct req *req, struct resp *resp);
enum err deployments_list(struct req *req, struct resp *resp);
enum err deployments_get(struct req *req, struct resp *resp);
enum err deployments_cancel(struct req *req, struct resp *resp);
enum err webhook_post(struct req *req, struct resp *resp);
enum err stats_get(struct req *req, struct resp *resp);

/*
 * The database (db_*.c). Each function returns ERR_OK or the outcome of the failure (logged);
 * text in what it fills is owned by the arena a.
 */

/*
 * db_projects.c. A page of projects by id: the page's offset and, for a cursor, the id after
 * which it starts (NULL for none). The flags and the latest deployment come from the same
 * statement.
 */
enum err db_projects_page(struct db *db, struct arena *a, int64_t offset, const int64_t *after,
                          struct project_page *out);
/* One project; *found is false when it does not exist. */
enum err db_projects_get(struct db *db, struct arena *a, int64_t id, struct project_row *out,
                         bool *found);

/*
 * db_deployments.c. Creates a deployment of project_id with meta (JSON object text) and its
 * deployment.created event, whose actor is the caller (NULL: none); with an idempotency key (NULL for none), also records the key, or,
 * when the key was used in the last 24 hours, creates nothing and reports the key's first
 * deployment.
 */
enum deployment_created {
	DEPLOYMENT_NO_PROJECT, /* project_id does not exist */
	DEPLOYMENT_NEW,        /* created: *out is the new deployment */
	DEPLOYMENT_REPEAT,     /* the key's first request was this one: *out is its deployment */
	DEPLOYMENT_KEY_TAKEN, /* the key belongs to another project or meta: *out is its deployment */
	DEPLOYMENT_KEY_UNSEEN, /* the key's first request has not committed yet: try again */
};
enum err db_deployments_create(struct db *db, struct arena *a, int64_t project_id, const char *meta,
                               const char *idempotency_key, const char *actor,
                               enum deployment_created *outcome, struct deployment_row *out);

/*
 * A page of deployments, newest first: project_id 0 for every project; want NULL for every
 * status; from (inclusive) and to (exclusive) timestamps, NULL when not given; after NULL, or
 * the keyset {created_at in microseconds, id} of a cursor: only deployments after it. The
 * total comes from the counters, or an exact count when a time window is given.
 */
enum err db_deployments_page(struct db *db, struct arena *a, int64_t project_id,
                             const bool want[DEPLOYMENT_NSTATUSES], const char *from,
                             const char *to, int64_t offset, const int64_t *after,
                             struct deployment_page *out);
/* One deployment; *found is false when it does not exist. */
enum err db_deployments_get(struct db *db, struct arena *a, int64_t id, struct deployment_row *out,
                            bool *found);

enum transition_source { TRANSITION_API, TRANSITION_WEBHOOK };
/* A verified signed delivery: its webhook-id (borrowed) and its timestamp (Unix seconds). */
struct webhook_delivery {
	const char *id;
	int64_t timestamp;
};
struct deployment_transition {
	bool found;               /* the deployment exists */
	bool changed;             /* it moved to the status asked for, with its events */
	bool remembered;          /* the signed delivery was remembered by this statement */
	struct deployment_row to; /* the deployment as it is now (unchanged when !changed) */
};
/*
 * Moves deployment id to status to in one guarded statement: the row is locked, updated only
 * when its status is one of transition_sources(to), and the event is written with it
 * (deployment.cancelled from the API, deployment.status_changed from the webhook). On done it
 * sets deployedIn and, when url is not NULL and the project has none yet, gives the project url
 * (and writes project.url_assigned). A signed delivery (webhook only; NULL otherwise) is
 * remembered for the project in the same statement when the row may move to `to` or already is
 * there, with the answer it gets; when its id is remembered already (a copy committed
 * first), nothing changes. A
 * cancel's events name actor, the caller; the webhook's name none (its sender is no caller).
 */
enum err db_deployments_transition(struct db *db, struct arena *a, int64_t id,
                                   enum deployment_status to, enum transition_source source,
                                   const char *url, const char *actor,
                                   const struct webhook_delivery *delivery,
                                   struct deployment_transition *out);

/* db_webhook.c. What the webhook needs before it may change anything. */
struct webhook_target {
	const char *app_secret;   /* of the deployment's project: compared or a key, never shown */
	const char *project_name; /* for its URL */
	const char *project_url;  /* NULL until assigned */
	struct deployment_row deployment;
	int64_t now;     /* the database's clock (Unix seconds): the tolerance window's */
	bool remembered; /* the project remembers the signed delivery's webhook-id */
	struct deployment_row
	    first; /* then: the deployment as the first delivery's answer gave it */
};
/*
 * *found is false when the deployment does not exist. webhook_id: a signed delivery's, looked
 * up among the ids its project remembers (NULL for none).
 */
enum err db_webhook_get(struct db *db, struct arena *a, int64_t deployment_id,
                        const char *webhook_id, struct webhook_target *out, bool *found);
/*
 * The deployment a webhook-id is remembered with for the project, as the first delivery's
 * answer gave it, read by a new statement (so it sees a copy of the delivery that committed
 * meanwhile); *found is false when it is not.
 */
enum err db_webhook_remembered(struct db *db, struct arena *a, int64_t project_id,
                               const char *webhook_id, struct deployment_row *out, bool *found);

/* db_stats.c. A user's deployment statistics over their projects (see stats.c). */
struct user_stats {
	int64_t weeks, deployments, successful;
	double average, average_successful; /* per week, not rounded */
};
/* *found is false when the user does not exist. */
enum err db_stats_user(struct db *db, int64_t user_id, struct user_stats *out, bool *found);

#endif

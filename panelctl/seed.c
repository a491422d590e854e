/*
 * The seeder: reads users and projects files shaped like the assignment's sample data,
 * validates every element before writing anything, then inserts the missing rows in one
 * transaction (rows that exist stay untouched, so an assigned URL survives a re-seed) and moves
 * the id sequences past the largest id.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "panelctl.h"
#include "parse.h"

enum field_type { FIELD_ID, FIELD_TEXT, FIELD_TEXT_OR_NULL, FIELD_TIME };

struct field {
	const char *name;
	size_t max_len;
	enum field_type type;
	int unique; /* no two elements may share the value */
};

static const struct field user_fields[] = {
    {"id",         0,   FIELD_ID,   1},
    {"email",      320, FIELD_TEXT, 1},
    {"username",   200, FIELD_TEXT, 1},
    {"created_at", 0,   FIELD_TIME, 0},
};

static const struct field project_fields[] = {
    {"id",         0,    FIELD_ID,           1},
    {"name",       200,  FIELD_TEXT,         1},
    {"url",        2048, FIELD_TEXT_OR_NULL, 0},
    {"user_id",    0,    FIELD_ID,           0},
    {"app_secret", 200,  FIELD_TEXT,         0},
    {"created_at", 0,    FIELD_TIME,         0},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Describes why value is not of the field's type, or returns NULL when it is. */
static const char *field_problem(const struct field *f, const json_t *v)
{
	int64_t usec;

	switch (f->type) {
	case FIELD_ID:
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return "must be a positive integer";
		return NULL;
	case FIELD_TEXT_OR_NULL:
		if (json_is_null(v))
			return NULL;
		/* fall through */
	case FIELD_TEXT:
		if (!json_is_string(v))
			return f->type == FIELD_TEXT ? "must be a string"
			                             : "must be a string or null";
		if (json_string_length(v) == 0)
			return "must not be empty";
		if (strlen(json_string_value(v)) != json_string_length(v))
			return "must not contain NUL";
		if (json_string_length(v) > f->max_len)
			return "is too long";
		if (strcmp(f->name, "email") == 0 && !strchr(json_string_value(v), '@'))
			return "must be an email address";
		return NULL;
	case FIELD_TIME:
		if (!json_is_string(v) || parse_rfc3339(json_string_value(v), &usec))
			return "must be an RFC 3339 timestamp";
		return NULL;
	}
	return "has an unknown type";
}

/* The text a value is known by in a set of seen values ("42", "ada@example.com"). */
static void set_key(const json_t *v, char *out, size_t size)
{
	if (json_is_integer(v))
		snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(out, size, "%s", json_string_value(v));
}

/* Checks one element against the fields; prints why not and returns -1. */
static int check_element(const char *path, size_t i, json_t *el, const struct field *fields,
                         size_t nfields, json_t **seen)
{
	const char *key;
	json_t *v;
	char text[512];

	if (!json_is_object(el)) {
		fprintf(stderr, "panelctl: %s: element %zu: must be an object\n", path, i);
		return -1;
	}
	json_object_foreach(el, key, v)
	{
		size_t f = 0;
		while (f < nfields && strcmp(fields[f].name, key) != 0)
			f++;
		if (f == nfields) {
			fprintf(stderr, "panelctl: %s: element %zu: unknown field \"%s\"\n", path,
			        i, key);
			return -1;
		}
	}
	for (size_t f = 0; f < nfields; f++) {
		v = json_object_get(el, fields[f].name);
		const char *problem = v ? field_problem(&fields[f], v) : "is missing";
		if (problem) {
			fprintf(stderr, "panelctl: %s: element %zu: field \"%s\" %s\n", path, i,
			        fields[f].name, problem);
			return -1;
		}
		if (!fields[f].unique)
			continue;
		set_key(v, text, sizeof(text));
		json_t *first = json_object_get(seen[f], text);
		if (first) {
			fprintf(
			    stderr,
			    "panelctl: %s: element %zu: field \"%s\" repeats element %" JSON_INTEGER_FORMAT
			    "\n",
			    path, i, fields[f].name, json_integer_value(first));
			return -1;
		}
		json_object_set_new(seen[f], text, json_integer((json_int_t)i));
	}
	return 0;
}

/* Parses text as an array of objects with exactly the given fields; prints why not. */
static json_t *parse_rows(const char *label, const char *text, size_t len,
                          const struct field *fields, size_t nfields)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *seen[NFIELDS(project_fields)]; /* the longer of the two field lists */
	json_t *el;
	size_t i;
	int bad = 0;

	if (!root) {
		fprintf(stderr, "panelctl: %s: line %d: %s\n", label, jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_array(root)) {
		fprintf(stderr, "panelctl: %s: must be a JSON array of objects\n", label);
		json_decref(root);
		return NULL;
	}
	for (size_t f = 0; f < nfields; f++)
		seen[f] = json_object();
	json_array_foreach(root, i, el)
	{
		if (check_element(label, i, el, fields, nfields, seen)) {
			bad = 1;
			break;
		}
	}
	for (size_t f = 0; f < nfields; f++)
		json_decref(seen[f]);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *seed_parse_users(const char *label, const char *text, size_t len)
{
	return parse_rows(label, text, len, user_fields, NFIELDS(user_fields));
}

json_t *seed_parse_projects(const char *label, const char *text, size_t len)
{
	return parse_rows(label, text, len, project_fields, NFIELDS(project_fields));
}

/* Reads and parses a seed file with the given parser; prints why not. */
static json_t *load_file(const char *path, json_t *(*parse)(const char *, const char *, size_t))
{
	struct buf text = BUF_INIT(256 * 1024 * 1024);
	json_t *rows = NULL;

	if (buf_read_file(&text, path))
		fprintf(stderr, "panelctl: %s: %s\n", path, strerror(errno));
	else
		rows = parse(path, text.data, text.len);
	buf_free(&text);
	return rows;
}

/* Every project's owner must be in the users file or in the database already. */
static int check_owners(struct db *db, const char *path, json_t *projects, json_t *users)
{
	struct buf list = BUF_INIT(0);
	json_t *known = json_object(), *p, *u;
	char errbuf[512], text[32];
	size_t i;
	int status = -1;

	json_array_foreach(users, i, u)
	{
		set_key(json_object_get(u, "id"), text, sizeof(text));
		json_object_set_new(known, text, json_true());
	}
	buf_puts(&list, "{");
	json_array_foreach(projects, i, p)
	    buf_printf(&list, "%s%" JSON_INTEGER_FORMAT, i ? "," : "",
	               json_integer_value(json_object_get(p, "user_id")));
	buf_puts(&list, "}");
	if (db_seed_existing_users(db, list.data, known, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "panelctl: cannot read users: %s\n", errbuf);
		goto out;
	}
	json_array_foreach(projects, i, p)
	{
		json_t *owner = json_object_get(p, "user_id");
		set_key(owner, text, sizeof(text));
		if (!json_object_get(known, text)) {
			fprintf(
			    stderr,
			    "panelctl: %s: element %zu: field \"user_id\" names user %s, who is in "
			    "neither the users file nor the database\n",
			    path, i, text);
			goto out;
		}
	}
	status = 0;
out:
	buf_free(&list);
	json_decref(known);
	return status;
}

int seed_run(struct db *db, const char *projects_path, const char *users_path)
{
	json_t *users = load_file(users_path, seed_parse_users);
	json_t *projects = users ? load_file(projects_path, seed_parse_projects) : NULL;
	char errbuf[1024] = "", *users_text = NULL, *projects_text = NULL;
	long nusers = 0, nprojects = 0;
	int status = 1;

	if (!users || !projects || check_owners(db, projects_path, projects, users))
		goto out;
	users_text = json_dumps(users, JSON_COMPACT);
	projects_text = json_dumps(projects, JSON_COMPACT);
	if (!users_text || !projects_text) {
		fprintf(stderr, "panelctl: seed refused, nothing changed: out of memory\n");
		goto out;
	}
	if (db_seed_insert(db, users_text, projects_text, &nusers, &nprojects, errbuf,
	                   sizeof(errbuf))) {
		fprintf(stderr, "panelctl: seed refused, nothing changed: %s\n", errbuf);
		goto out;
	}
	printf("seeded users: %ld of %zu inserted; projects: %ld of %zu inserted\n", nusers,
	       json_array_size(users), nprojects, json_array_size(projects));
	status = 0;
out:
	free(users_text);
	free(projects_text);
	json_decref(users);
	json_decref(projects);
	return status;
}

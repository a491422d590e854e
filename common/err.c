/*
 * Lookup tables generated from ERR_LIST. Nothing here knows about requests.
 */
#include "err.h"

#include <stddef.h>

static const struct {
	int status;
	const char *name;
} err_table[] = {
#define ERR_ROW(e, status, name) {status, name},
    ERR_LIST(ERR_ROW)
#undef ERR_ROW
};

int err_status(enum err e)
{
	return err_table[e].status;
}

const char *err_name(enum err e)
{
	return err_table[e].name;
}

const char *err_default_message(enum err e)
{
	switch (e) {
	case ERR_UNAVAILABLE: return "the database is unavailable; try again shortly";
	case ERR_INTERNAL: return "internal error";
	case ERR_CONFLICT: return "the request conflicts with the current state of the resource";
	default: return "request refused";
	}
}

const char *err_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

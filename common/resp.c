/*
 * The answer builders: JSON and text bodies, header lines, and the contract's error body.
 * Knows no route, no service and no FastCGI.
 */
#include "resp.h"

#include <stdarg.h>
#include <stdio.h>

#include "json.h"
#include "parse.h"

enum err resp_header(struct resp *resp, const char *name, const char *fmt, ...)
{
	char value[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) ||
	    buf_printf(&resp->headers, "%s: %s\r\n", name, value))
		return resp_error(resp, ERR_INTERNAL, "the %s header does not fit the answer",
		                  name);
	return ERR_OK;
}

enum err resp_json(struct resp *resp, int status, json_t *body)
{
	if (!body)
		return resp_error(resp, ERR_INTERNAL, "could not build the answer");
	int rc = json_render(&resp->body, body);
	json_decref(body);
	if (rc)
		return resp_error(resp, ERR_INTERNAL, "could not render the answer");
	resp->status = status;
	return ERR_OK;
}

enum err resp_text(struct resp *resp, int status, const char *content_type, const char *data,
                   size_t len)
{
	if (buf_append(&resp->body, data, len))
		return resp_error(resp, ERR_INTERNAL, "the answer is too large");
	resp->status = status;
	resp->content_type = content_type;
	return ERR_OK;
}

enum err resp_error(struct resp *resp, enum err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(resp->message, sizeof(resp->message), fmt, ap);
	va_end(ap);
	/* Truncation or an echoed client string must not make the error body invalid JSON. */
	parse_utf8_scrub(resp->message);
	return e;
}

void resp_render_error(struct resp *resp, enum err e)
{
	/* Headers that did not all fit are dropped rather than sent in part. */
	if (resp->headers.failed)
		buf_reset(&resp->headers);
	json_t *body = json_pack("{s:s, s:s}", "name", err_name(e), "message",
	                         resp->message[0] ? resp->message : err_default_message(e));
	buf_reset(&resp->body);
	if (!body || json_render(&resp->body, body)) {
		buf_reset(&resp->body);
		buf_puts(&resp->body,
		         "{\"name\":\"InternalServerError\",\"message\":\"internal error\"}");
	}
	json_decref(body);
	resp->status = err_status(e);
	resp->content_type = NULL;
}

void resp_reset(struct resp *resp)
{
	resp->status = 0;
	resp->content_type = NULL;
	resp->message[0] = '\0';
	buf_reset(&resp->headers);
	buf_reset(&resp->body);
}

void resp_free(struct resp *resp)
{
	resp_reset(resp);
	buf_free(&resp->headers);
	buf_free(&resp->body);
}

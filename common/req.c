/*
 * What handlers ask of a request beyond what the dispatcher checked. No FastCGI here: the
 * request is a plain struct (see common/http.c for where it comes from).
 */
#include "req.h"

#include "resp.h"

enum err req_idempotency_key(const struct req *req, const char **key, struct resp *resp)
{
	const char *k = req->idempotency_key;
	size_t n = 0;

	*key = NULL;
	if (!k)
		return ERR_OK;
	for (; k[n]; n++)
		if (n == REQ_IDEMPOTENCY_KEY_MAX || (unsigned char)k[n] < 0x21 ||
		    (unsigned char)k[n] > 0x7e)
			break;
	if (n == 0 || k[n])
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "Idempotency-Key must be 1 to %d printable ASCII characters "
		                  "without spaces",
		                  REQ_IDEMPOTENCY_KEY_MAX);
	*key = k;
	return ERR_OK;
}

/*
 * The one main() of both FastCGI programs: the service's context, then the accept loop.
 * lighttpd spawns a pool of each; which service a program is depends only on the
 * fcgi/<service>/ it is linked with, whose routes.c defines panel_service.
 */
#include "http.h"
#include "service.h"

int main(void)
{
	struct app *app = service_start(&panel_service);
	int status = http_serve(app);

	service_free(app);
	return status;
}

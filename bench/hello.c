/*
 * make bench: the floor of the FastCGI layers. A libfcgi responder that answers every request
 * with the same small JSON body, no database and no routing, so that lighttpd, auth.lua and the
 * FastCGI round trip can be measured alone: bench/run puts it behind the stack's own lighttpd
 * configuration in place of both worker pools. Built into build/bench only, never shipped.
 */
#include <fcgiapp.h>
#include <signal.h>

static volatile sig_atomic_t stopping;

static void on_sigterm(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

int main(void)
{
	static const char answer[] = "Status: 200 OK\r\n"
	                             "Content-Type: application/json\r\n"
	                             "Content-Length: 18\r\n"
	                             "\r\n"
	                             "{\"hello\":\"world\"}\n";
	struct sigaction sa = {.sa_handler = on_sigterm};
	FCGX_Request fr;

	sigaction(SIGTERM, &sa, NULL);
	if (FCGX_Init() || FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR))
		return 1;
	while (!stopping && FCGX_Accept_r(&fr) >= 0) {
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, fr.out);
		FCGX_Finish_r(&fr);
	}
	return 0;
}

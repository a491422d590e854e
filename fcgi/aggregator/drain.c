/* Placeholder replaced by the drain worker. */
#include <unistd.h>
int main(void)
{
	for (;;)
		pause();
}

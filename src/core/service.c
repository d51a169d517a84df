/* sd_notify when built with libsystemd (HAVE_LIBSYSTEMD); no-ops otherwise. sd_notify itself does nothing
 * when NOTIFY_SOCKET is unset, so a server started by hand or by the tests is not affected. */
#include "core/service.h"

#include <stdio.h>

#include "core/log.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

void
service_ready(const char *status)
{
#ifdef HAVE_LIBSYSTEMD
	int rc = sd_notifyf(0, "READY=1\nSTATUS=%s", status);
	if (rc < 0)
		log_warn("sd_notify READY=1 failed (%d)", rc);
	else if (rc > 0)
		log_info("systemd notified: ready");
#else
	(void)status;
#endif
}

void
service_reloading(void)
{
#ifdef HAVE_LIBSYSTEMD
	(void)sd_notify(0, "RELOADING=1");
#endif
}

void
service_stopping(void)
{
#ifdef HAVE_LIBSYSTEMD
	(void)sd_notify(0, "STOPPING=1");
#endif
}

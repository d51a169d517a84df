/* Telling the service manager how the server is doing (systemd's sd_notify, when tremplin is built with
 * libsystemd and started by systemd with Type=notify; otherwise these do nothing). */
#ifndef TR_CORE_SERVICE_H
#define TR_CORE_SERVICE_H

/* The listening sockets are open and the loops run: READY=1 with a status line. */
void service_ready(const char *status);

/* A reload of the configuration has begun: RELOADING=1 (service_ready tells its end). */
void service_reloading(void);

/* A stop has begun: STOPPING=1. */
void service_stopping(void);

#endif

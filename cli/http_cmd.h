/*
 * http_cmd: `appsim http serve` and `appsim http get`, the HTTP server and
 * browser applications on real sockets (hostio/real_host.h).
 */
#ifndef APPSIM_HTTP_CMD_H
#define APPSIM_HTTP_CMD_H

/* argv[0] is "http". Returns the exit status (0, 1 failure, 2 usage). */
int cmd_http(int argc, char **argv);

#endif

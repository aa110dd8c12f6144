/*
 * http_procs: the processes the real-socket HTTP suites start — servers
 * (appsim http serve, appsim http proxy, Python's http.server) whose first
 * line tells their port, and clients (curl, python3, appsim http get) run
 * to completion. Loopback only; every server is stopped by its test.
 *
 * Ownership: hp_start/hp_stop for a server; strings returned are new.
 */
#ifndef APPSIM_TESTS_HTTP_PROCS_H
#define APPSIM_TESTS_HTTP_PROCS_H

#include <glib.h>
#include <stdbool.h>

#define APPSIM APPSIM_BINARY_DIR "/appsim"

typedef struct {
    GPid pid;
    int out_fd;
    int port;
} hp_server;

/* Starts a server and reads its first line (within 10 s) for the port:
 * "... 127.0.0.1:PORT/" or "... port PORT ...". With `err_path` its
 * stderr goes to that file (copied path), else nowhere. */
bool hp_start(char **argv, const char *err_path, hp_server *sp);
/* Stops a server with SIGTERM (SIGKILL after 5 s). Returns its exit
 * status, or -1 when it did not exit by itself. */
int hp_stop(hp_server *sp);
/* Runs a command to its end; returns its stdout, *status 0 on success. */
char *hp_run(const char *const *argv, int *status);
/* Whether a program is on the PATH. When it is not, records a skip of the
 * running test (test_skip: the suite exits 77, and fails under CI), so the
 * caller only returns: if (!hp_have("curl")) return; */
bool hp_have(const char *prog);
/* "http://127.0.0.1:PORT<path>" (a new string). */
char *hp_url(const hp_server *sp, const char *path);

#endif

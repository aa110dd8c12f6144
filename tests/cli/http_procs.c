/* http_procs: servers and clients of the real-socket HTTP suites. */
#include "http_procs.h"

#include "test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child, before exec: stderr to the file named by `ud`. */
static void redirect_stderr(gpointer ud)
{
    int fd = open(ud, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
}

bool hp_start(char **argv, const char *err_path, hp_server *sp)
{
    GError *err = NULL;
    memset(sp, 0, sizeof *sp);
    GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD;
    if (!err_path)
        flags |= G_SPAWN_STDERR_TO_DEV_NULL;
    if (!g_spawn_async_with_pipes(NULL, argv, NULL, flags, err_path ? redirect_stderr : NULL, (gpointer)err_path,
                                  &sp->pid, NULL, &sp->out_fd, NULL, &err)) {
        fprintf(stderr, "spawn %s: %s\n", argv[0], err->message);
        g_error_free(err);
        return false;
    }
    char line[512];
    size_t n = 0;
    int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (n < sizeof line - 1 && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = {sp->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t r = read(sp->out_fd, line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = 0;
    const char *p = strstr(line, "127.0.0.1:");
    if (p)
        sp->port = atoi(p + 10);
    else if ((p = strstr(line, "port ")))
        sp->port = atoi(p + 5);
    if (sp->port <= 0)
        fprintf(stderr, "server said: \"%s\"\n", line);
    return sp->port > 0;
}

int hp_stop(hp_server *sp)
{
    int code = -1;
    if (sp->pid > 0) {
        kill(sp->pid, SIGTERM);
        int status = 0;
        pid_t r = 0;
        for (int i = 0; i < 50 && (r = waitpid(sp->pid, &status, WNOHANG)) == 0; i++)
            g_usleep(100000);
        if (r == 0) {
            kill(sp->pid, SIGKILL);
            waitpid(sp->pid, &status, 0);
        } else if (WIFEXITED(status)) {
            code = WEXITSTATUS(status);
        }
        g_spawn_close_pid(sp->pid);
    }
    if (sp->out_fd > 0)
        close(sp->out_fd);
    sp->pid = 0;
    return code;
}

char *hp_run(const char *const *argv, int *status)
{
    char *out = NULL, *err = NULL;
    GError *e = NULL;
    int st = -1;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &st, &e)) {
        fprintf(stderr, "spawn %s: %s\n", argv[0], e->message);
        g_error_free(e);
        *status = -1;
        return g_strdup("");
    }
    *status = g_spawn_check_wait_status(st, NULL) ? 0 : 1;
    if (*status && err && *err)
        fprintf(stderr, "%s: %s\n", argv[0], err);
    g_free(err);
    return out;
}

bool hp_have(const char *prog)
{
    char *p = g_find_program_in_path(prog);
    bool ok = p != NULL;
    g_free(p);
    if (!ok)
        test_skip("%s is not installed (make test installs it)", prog);
    return ok;
}

char *hp_url(const hp_server *sp, const char *path)
{
    return g_strdup_printf("http://127.0.0.1:%d%s", sp->port, path);
}

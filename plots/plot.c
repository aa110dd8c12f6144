/*
 * plot: the figures of a run, written as gnuplot data and scripts and drawn
 * by an external gnuplot program.
 *
 * A figure <name> is three kinds of file in one folder:
 * - <name>.dat, the numbers, with a commented header that names the blocks
 *   and columns. Blocks are separated by two blank lines, so gnuplot selects
 *   one with `index N`.
 * - <name>.gp, a self-contained, commented script a student can edit: it
 *   reads <name>.dat by its relative name and writes <name>.png (pngcairo
 *   when this gnuplot has it, else the libgd png terminal) and then
 *   <name>.svg from the same plot (`replot`); with one format in the
 *   spec's `formats`, only that image. Running `gnuplot <name>.gp` in the
 *   folder redraws the figure, so the folder can be moved.
 * - <name>.png and <name>.svg (the formats asked for), made here by
 *   running gnuplot in the folder when a gnuplot program is on PATH.
 * The .dat and .gp bytes depend only on the spec (no dates, no paths,
 * locale-independent numbers), so the same spec gives the same files.
 *
 * Strings from the caller (titles, labels, host names) go into the script
 * as single-quoted gnuplot strings, the only kind in which gnuplot expands
 * neither backquotes (shell commands) nor backslash escapes; a quote is
 * doubled, and control characters become spaces. In the data file they are
 * double-quoted fields, in which gnuplot reads backslash escapes (so a
 * backslash is doubled) but cannot hold a double quote (it becomes two
 * single quotes). Terminals are set `noenhanced`, so ^ _ @ { } print as
 * themselves.
 *
 * gnuplot is run as `gnuplot -d` (no init files, so a user's ~/.gnuplot
 * cannot change our images) with the folder as its working directory, its
 * stderr collected, and a time limit (plot_gnuplot_timeout_us a script)
 * after which it is killed. Its commands come over a socket on its stdin:
 * for each script, `reset session` (the settings of the script before are
 * forgotten, so each image has the bytes a gnuplot run on that script alone
 * makes), `reset errors`, `load '<name>.gp'`, then a mark on stderr with
 * GPVAL_ERRNO (`print` after `set print`) that tells which script failed
 * and with which message. One gnuplot draws every figure of a batch
 * (plot_batch_begin: a run's folder), so its start-up (about 15 ms: some
 * 80 shared libraries) and its font set-up are paid once a run, not once a
 * figure; started at the beginning of a run, its start-up overlaps the
 * simulation. Outside a batch each figure gets a gnuplot of its own, in the
 * same way. Its exit is waited for (its stderr closing, then waitpid),
 * never a fixed sleep.
 * `reset session` needs gnuplot 5.2 or later.
 *
 * The timeline's label layout is decided here, for the image size the
 * script sets: each packet label lies along its arrow (rotated to the
 * arrow's screen angle, which the script recomputes from its own size
 * variables so the text follows a resize), at one of a few positions along
 * the arrow and on either side of it. A greedy pass, arrow by arrow, picks
 * the position that overlaps the fewest labels already placed, then the
 * fewest other arrows, round-trip marks and host axes. Its cost is
 * O(n^2) box tests for n arrows (14 candidates each); above
 * PLOT_LAYOUT_MAX_ARROWS arrows it falls back to a fixed staggering, O(n).
 * Host axes share about TL_WIDE_PX pixels; the distance between two grows
 * (up to TL_COLUMN_PX) when their names, estimated at TL_HOST_CHAR_PX a
 * character, would otherwise meet, and the room beside the first and last
 * axis when their names would pass the image's edge. An arrow between
 * hosts that are not neighbours is drawn across the axes between them;
 * the label search avoids those axes as it avoids every host axis.
 */
#define _POSIX_C_SOURCE 200809L

#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long one gnuplot run may take before it is killed (microseconds).
 * A variable (not a constant) so that a test can shorten it. */
static gint64 plot_gnuplot_timeout_us = 60 * G_USEC_PER_SEC;

/* At most this many bytes of gnuplot's stderr are kept for messages. */
#define PLOT_STDERR_KEEP 2048

/* Above this many arrows the timeline labels are staggered without the
 * O(n^2) overlap search. */
#define PLOT_LAYOUT_MAX_ARROWS 1000

/* ------------------------------------------------------------------------ */
/* Text and numbers                                                          */
/* ------------------------------------------------------------------------ */

/* A copy of `s` that is valid UTF-8 and has no control characters (they
 * become spaces), so it fits on one line of a script, a comment or a data
 * file. NULL gives "". */
static char *clean_text(const char *s)
{
    if (!s)
        return g_strdup("");
    char *valid = g_utf8_make_valid(s, -1);
    for (char *c = valid; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    return valid;
}

/* Appends `s` as a single-quoted gnuplot string: no backquote or backslash
 * processing happens inside; a single quote is written twice. */
static void gp_quote(GString *out, const char *s)
{
    char *t = clean_text(s);
    g_string_append_c(out, '\'');
    for (const char *c = t; *c; c++) {
        if (*c == '\'')
            g_string_append_c(out, '\'');
        g_string_append_c(out, *c);
    }
    g_string_append_c(out, '\'');
    g_free(t);
}

/* Appends `s` as a double-quoted data-file field. gnuplot reads backslash
 * escapes there, so a backslash is doubled; but it ends the field at any
 * double quote followed by a space, escaped or not, so a double quote
 * becomes two single quotes. */
static void dat_quote(GString *out, const char *s)
{
    char *t = clean_text(s);
    g_string_append_c(out, '"');
    for (char *c = t; *c; c++) {
        if (*c == '"')
            g_string_append(out, "''");
        else if (*c == '\\')
            g_string_append(out, "\\\\");
        else
            g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
    g_free(t);
}

/* Appends a comment line "# <text>" with `text` cleaned. */
static void comment(GString *out, const char *prefix, const char *text)
{
    char *t = clean_text(text);
    g_string_append_printf(out, "# %s%s\n", prefix, t);
    g_free(t);
}

/* Appends the shortest decimal form (15 to 17 significant digits) that reads
 * back as exactly `v`, independent of the locale; "NaN" when not finite,
 * which gnuplot treats as a missing point. */
static void put_num(GString *out, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    if (!isfinite(v)) {
        g_string_append(out, "NaN");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        char fmt[8];
        g_snprintf(fmt, sizeof fmt, "%%.%dg", digits);
        g_ascii_formatd(buf, sizeof buf, fmt, v);
        if (g_ascii_strtod(buf, NULL) == v)
            break;
    }
    g_string_append(out, buf);
}

/* Appends `v` with at most `decimals` decimals, trailing zeros dropped
 * ("23.5", "100"), independent of the locale. */
static void put_fixed(GString *out, double v, int decimals)
{
    char fmt[8], buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf(fmt, sizeof fmt, "%%.%df", decimals);
    g_ascii_formatd(buf, sizeof buf, fmt, v);
    if (strchr(buf, '.')) {
        size_t n = strlen(buf);
        while (buf[n - 1] == '0')
            buf[--n] = '\0';
        if (buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "0");
    g_string_append(out, buf);
}

/* A figure name must be a plain file stem: it is used in file names and,
 * unquoted by the shell, as gnuplot's argument. */
static bool name_ok(const char *name, GError **err)
{
    bool ok = name && *name && *name != '.' && *name != '-' && strlen(name) <= 200;
    for (const char *c = name; ok && *c; c++)
        ok = g_ascii_isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '+';
    if (!ok)
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "figure name \"%s\" is not a plain file name (use letters, digits, "
                    "'-', '_', '+' and '.', not starting with '.' or '-')",
                    name ? name : "(null)");
    return ok;
}

static bool write_file(const char *dir, const char *name, const char *ext, const GString *s,
                       GError **err)
{
    char *base = g_strconcat(name, ext, NULL);
    char *path = g_build_filename(dir, base, NULL);
    bool ok = g_file_set_contents(path, s->str, (gssize)s->len, err);
    g_free(path);
    g_free(base);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Running gnuplot: one process per batch of figures                        */
/* ------------------------------------------------------------------------ */

bool plot_have_gnuplot(void)
{
    char *path = g_find_program_in_path("gnuplot");
    g_free(path);
    return path != NULL;
}

/* The line gnuplot writes to stderr after each script of a batch:
 * "<PLOT_MARK> k errno", k the script's place in the batch and errno
 * gnuplot's GPVAL_ERRNO (0: the script ran without an error). */
#define PLOT_MARK "@appsim-figure-done"

/* One script of a batch and what became of it. */
typedef struct {
    char *name;    /* figure name (the script is <name>.gp), or the script's file name */
    bool is_stem;  /* name is a figure name: the script is <name>.gp and makes the images of `formats` */
    unsigned formats; /* is_stem: PLOT_PNG | PLOT_SVG, the images it must make */
    int errno_gp;  /* -1 until its mark is read, then gnuplot's GPVAL_ERRNO */
    GString *text; /* what gnuplot wrote to stderr while running it (at most PLOT_STDERR_KEEP bytes) */
} batch_item;

struct plot_batch {
    char *dir;
    bool started;      /* a gnuplot process runs (pid, in_fd, err_fd valid) */
    bool absent;       /* no gnuplot on PATH */
    char *why_not;     /* why it does not (no gnuplot on PATH, a spawn error), else NULL */
    GPid pid;
    int in_fd;         /* our end of its stdin, a socket (-1 once closed) */
    int err_fd;        /* its stderr (-1 once at its end) */
    GString *pending;  /* commands not yet written to in_fd */
    GString *line;     /* the stderr line being read */
    GArray *items;     /* batch_item, in the order queued */
    guint current;     /* the item gnuplot is running (items before it have their mark) */
};

/* The batches open on folders (plot_batch_begin), looked up by folder by
 * write_figure. */
static GMutex batches_lock;
static GPtrArray *batches;

static void batch_register(plot_batch *b, bool add)
{
    g_mutex_lock(&batches_lock);
    if (!batches)
        batches = g_ptr_array_new();
    if (add)
        g_ptr_array_add(batches, b);
    else
        g_ptr_array_remove(batches, b);
    g_mutex_unlock(&batches_lock);
}

/* The batch open on `dir` (the same string as given to plot_batch_begin), or NULL. */
static plot_batch *batch_of(const char *dir)
{
    plot_batch *found = NULL;
    g_mutex_lock(&batches_lock);
    for (guint i = 0; batches && i < batches->len && !found; i++) {
        plot_batch *b = g_ptr_array_index(batches, i);
        if (!strcmp(b->dir, dir))
            found = b;
    }
    g_mutex_unlock(&batches_lock);
    return found;
}

/* Starts `gnuplot -d` in b->dir reading its commands from a socket (so a
 * write after gnuplot died gives EPIPE, never SIGPIPE: send(MSG_NOSIGNAL)),
 * stdout to /dev/null, stderr to a pipe. */
static void batch_spawn(plot_batch *b)
{
    char *gnuplot = g_find_program_in_path("gnuplot");
    if (!gnuplot) {
        b->why_not = g_strdup("gnuplot is not on PATH");
        b->absent = true;
        return;
    }
    int sv[2], ep[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        b->why_not = g_strdup_printf("cannot run %s: %s", gnuplot, g_strerror(errno));
        g_free(gnuplot);
        return;
    }
    GError *error = NULL;
    if (!g_unix_open_pipe(ep, FD_CLOEXEC, &error)) {
        b->why_not = g_strdup_printf("cannot run %s: %s", gnuplot, error->message);
        g_error_free(error);
        close(sv[0]);
        close(sv[1]);
        g_free(gnuplot);
        return;
    }
    char *argv[] = {gnuplot, (char *)"-d", NULL};
    bool spawned = g_spawn_async_with_fds(b->dir, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                          NULL, NULL, &b->pid, sv[1], -1, ep[1], &error);
    close(sv[1]);
    close(ep[1]);
    if (!spawned) {
        b->why_not = g_strdup_printf("cannot run %s: %s", gnuplot, error->message);
        g_error_free(error);
        close(sv[0]);
        close(ep[0]);
    } else {
        b->started = true;
        b->in_fd = sv[0];
        b->err_fd = ep[0];
        g_unix_set_fd_nonblocking(b->in_fd, TRUE, NULL);
        g_unix_set_fd_nonblocking(b->err_fd, TRUE, NULL);
    }
    g_free(gnuplot);
}

static plot_batch *batch_new(const char *dir)
{
    plot_batch *b = g_new0(plot_batch, 1);
    b->dir = g_strdup(dir);
    b->in_fd = b->err_fd = -1;
    b->pending = g_string_new(NULL);
    b->line = g_string_new(NULL);
    b->items = g_array_new(FALSE, TRUE, sizeof(batch_item));
    batch_spawn(b);
    return b;
}

plot_batch *plot_batch_begin(const char *dir)
{
    g_return_val_if_fail(dir != NULL, NULL);
    plot_batch *b = batch_new(dir);
    batch_register(b, true);
    return b;
}

/* Writes what it can of the pending commands without blocking; on an error
 * (gnuplot is gone) they are dropped and the socket closed. */
static void batch_flush(plot_batch *b)
{
    while (b->in_fd >= 0 && b->pending->len) {
        ssize_t n = send(b->in_fd, b->pending->str, b->pending->len, MSG_NOSIGNAL);
        if (n > 0) {
            g_string_erase(b->pending, 0, n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            close(b->in_fd);
            b->in_fd = -1;
            g_string_truncate(b->pending, 0);
        }
    }
}

/* Reads one stderr line into the item gnuplot is running, or takes it as
 * that item's mark. */
static void batch_line(plot_batch *b, const char *s)
{
    guint k;
    int e;
    size_t ml = strlen(PLOT_MARK);
    if (!strncmp(s, PLOT_MARK, ml) && sscanf(s + ml, " %u %d", &k, &e) == 2 && k == b->current &&
        k < b->items->len) {
        g_array_index(b->items, batch_item, k).errno_gp = e;
        b->current++;
        return;
    }
    if (b->current >= b->items->len)
        return;
    GString *t = g_array_index(b->items, batch_item, b->current).text;
    if (t->len < PLOT_STDERR_KEEP) {
        g_string_append_len(t, s, MIN(strlen(s), PLOT_STDERR_KEEP - t->len));
        if (t->len < PLOT_STDERR_KEEP)
            g_string_append_c(t, '\n');
    }
}

/* Reads what gnuplot has written to stderr; false at its end. */
static bool batch_read(plot_batch *b)
{
    char buf[512];
    for (;;) {
        ssize_t n = read(b->err_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                batch_line(b, b->line->str);
                g_string_truncate(b->line, 0);
            } else if (b->line->len < 4096) {
                g_string_append_c(b->line, buf[i]);
            }
        }
    }
    if (b->line->len) {
        batch_line(b, b->line->str);
        g_string_truncate(b->line, 0);
    }
    close(b->err_fd);
    b->err_fd = -1;
    return false;
}

/* Queues a script: its images (for a figure; both formats, whichever it
 * draws) are removed first, so none survives a failed drawing nor one of
 * a format no longer asked for; then gnuplot is told to forget the previous
 * script's settings (`reset session`: the images are the same bytes as
 * those of a gnuplot run on the script alone), clear its error state, load
 * the script and write the mark. */
static void batch_queue(plot_batch *b, const char *name, bool is_stem, unsigned formats)
{
    char *script = is_stem ? g_strconcat(name, ".gp", NULL) : g_strdup(name);
    if (is_stem) {
        static const char *const exts[] = {".png", ".svg"};
        for (size_t i = 0; i < G_N_ELEMENTS(exts); i++) {
            char *base = g_strconcat(name, exts[i], NULL);
            char *path = g_build_filename(b->dir, base, NULL);
            g_unlink(path);
            g_free(path);
            g_free(base);
        }
    }
    batch_item it = {g_strdup(name), is_stem, formats, -1, g_string_new(NULL)};
    g_array_append_val(b->items, it);
    g_string_append(b->pending, "reset session\nreset errors\nload ");
    gp_quote(b->pending, script);
    /* `set print` alone sends print to stderr again, whatever the script did. */
    g_string_append_printf(b->pending, "\nset print\nprint sprintf('%s %u %%d', GPVAL_ERRNO)\n", PLOT_MARK,
                           b->items->len - 1);
    batch_flush(b);
    g_free(script);
}

/* Sends the rest of the commands, closes gnuplot's input and waits for it
 * to exit, reading its stderr, within plot_gnuplot_timeout_us per script
 * (it is killed then). *killed tells whether it was. An idle gnuplot (no
 * script queued) is killed at once. */
static void batch_wait(plot_batch *b, bool *killed, int *status)
{
    *killed = false;
    *status = 0;
    if (b->items->len == 0) {
        kill(b->pid, SIGKILL);
        *killed = true;
    }
    gint64 deadline = g_get_monotonic_time() + plot_gnuplot_timeout_us * (gint64)MAX(b->items->len, 1);
    bool exited = false;
    while (!exited) {
        batch_flush(b);
        if (b->in_fd >= 0 && b->pending->len == 0) {
            close(b->in_fd); /* gnuplot exits at the end of its input */
            b->in_fd = -1;
        }
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0 && !*killed) {
            kill(b->pid, SIGKILL);
            *killed = true;
        }
        if (*killed) {
            while (waitpid(b->pid, status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        struct pollfd pfd[2];
        nfds_t n = 0;
        if (b->err_fd >= 0)
            pfd[n++] = (struct pollfd){.fd = b->err_fd, .events = POLLIN};
        if (b->in_fd >= 0)
            pfd[n++] = (struct pollfd){.fd = b->in_fd, .events = POLLOUT};
        if (n) {
            if (poll(pfd, n, (int)MIN(left / 1000 + 1, 1000)) > 0 && b->err_fd >= 0 && pfd[0].revents)
                batch_read(b);
            continue;
        }
        /* Its stderr is closed: it is exiting. Its exit is looked for
         * after naps that start short and double (0.1 ms up to 10 ms). */
        for (gint64 nap_us = 100; !exited && g_get_monotonic_time() < deadline; nap_us = MIN(nap_us * 2, 10000)) {
            pid_t r = waitpid(b->pid, status, WNOHANG);
            if (r == b->pid) {
                exited = true;
            } else if (r < 0 && errno != EINTR) {
                /* Reaped by someone else (SIGCHLD ignored): the status is
                 * lost; the marks and the files tell what was drawn. */
                exited = true;
                *status = 0;
            } else {
                g_usleep((gulong)nap_us);
            }
        }
    }
    if (b->err_fd >= 0) {
        batch_read(b);
        if (b->err_fd >= 0)
            close(b->err_fd);
        b->err_fd = -1;
    }
    if (b->in_fd >= 0)
        close(b->in_fd);
    b->in_fd = -1;
    g_spawn_close_pid(b->pid);
}

/* Whether `name`'s image `ext` was written (a regular file, not empty). */
static bool nonempty_file(const char *dir, const char *name, const char *ext)
{
    char *base = g_strconcat(name, ext, NULL);
    char *path = g_build_filename(dir, base, NULL);
    GStatBuf st;
    bool ok = g_stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    g_free(path);
    g_free(base);
    return ok;
}

/* Why item `k` of a finished batch was not drawn (`killed`, `status`: how
 * its gnuplot ended, see batch_wait); the caller frees the text. */
static char *item_failure(const plot_batch *b, guint k, bool killed, int status)
{
    batch_item *it = &g_array_index(b->items, batch_item, k);
    g_strstrip(it->text->str);
    if (!b->started)
        return g_strdup(b->why_not);
    if (it->errno_gp > 0)
        return g_strdup(*it->text->str ? it->text->str : "failed");
    if (it->errno_gp == 0)
        return g_strdup("the images did not come out");
    if (killed && k == b->current)
        return g_strdup_printf("killed after %.0f s", plot_gnuplot_timeout_us / 1e6);
    if (killed)
        return g_strdup("not drawn: gnuplot was killed");
    if (*it->text->str)
        return g_strdup(it->text->str);
    return g_strdup_printf("gnuplot stopped (%s %d)", WIFSIGNALED(status) ? "signal" : "status",
                           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* Whether the images of figure `it` came out: each of its formats. */
static bool images_out(const plot_batch *b, const batch_item *it)
{
    return (!(it->formats & PLOT_PNG) || nonempty_file(b->dir, it->name, ".png")) &&
           (!(it->formats & PLOT_SVG) || nonempty_file(b->dir, it->name, ".svg"));
}

/* Waits for the batch's gnuplot and frees the batch. Returns the number of
 * scripts drawn; a line per failed one goes to `failures` (when not NULL):
 * "gnuplot <script>: <why>". A figure is drawn when its script ran without
 * an error and its images (the formats it asked for) came out; another
 * script, when it ran without an error. */
static guint batch_finish(plot_batch *b, GString *failures)
{
    batch_register(b, false);
    bool killed = false;
    int status = 0;
    if (b->started)
        batch_wait(b, &killed, &status);
    guint drawn = 0;
    for (guint k = 0; k < b->items->len; k++) {
        batch_item *it = &g_array_index(b->items, batch_item, k);
        bool ok = it->errno_gp == 0 && (!it->is_stem || images_out(b, it));
        drawn += ok;
        if (!ok && failures) {
            char *why = item_failure(b, k, killed, status);
            g_string_append_printf(failures, "%sgnuplot %s%s: %s", failures->len ? "\n" : "", it->name,
                                   it->is_stem ? ".gp" : "", why);
            g_free(why);
        }
        g_free(it->name);
        g_string_free(it->text, TRUE);
    }
    g_array_free(b->items, TRUE);
    g_string_free(b->pending, TRUE);
    g_string_free(b->line, TRUE);
    g_free(b->why_not);
    g_free(b->dir);
    g_free(b);
    return drawn;
}

bool plot_batch_finish(plot_batch *b, guint *drawn)
{
    if (drawn)
        *drawn = 0;
    if (!b)
        return true;
    guint queued = b->items->len;
    if (!b->started && !b->absent)
        g_warning("plot: %s", b->why_not);
    GString *failures = g_string_new(NULL);
    guint n = batch_finish(b, failures);
    if (failures->len)
        /* Scripts we wrote ourselves failed: our bug or an odd gnuplot. */
        g_warning("plot: %s", failures->str);
    g_string_free(failures, TRUE);
    if (drawn)
        *drawn = n;
    return n == queued;
}

/* Draws <name>.gp into the images of `formats` (<name>.png, <name>.svg):
 * in the batch open on `dir`, where the answer is whether a gnuplot runs
 * (the images come out by plot_batch_finish), or else in a gnuplot of its
 * own, where it is whether the images came out. */
static bool render(const char *dir, const char *name, unsigned formats)
{
    plot_batch *open = batch_of(dir);
    if (open) {
        if (open->started)
            batch_queue(open, name, true, formats);
        return open->started;
    }
    plot_batch *b = batch_new(dir);
    if (b->absent) {
        batch_finish(b, NULL);
        return false;
    }
    batch_queue(b, name, true, formats);
    guint drawn = 0;
    plot_batch_finish(b, &drawn);
    return drawn == 1;
}

/* Writes a figure's data and script as <name>.dat and <name>.gp in `dir`,
 * then draws them into the images of `formats` (see render()). False,
 * with err, only when a file cannot be written; *rendered (when not NULL)
 * is set only when both were written, to whether the images came out. */
static bool write_figure(const char *dir, const char *name, unsigned formats, const GString *dat,
                         const GString *gp, bool *rendered, GError **err)
{
    bool ok = write_file(dir, name, ".dat", dat, err) && write_file(dir, name, ".gp", gp, err);
    if (ok) {
        bool r = render(dir, name, formats);
        if (rendered)
            *rendered = r;
    }
    return ok;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int plot_redraw_dir(const char *dir, GError **err)
{
    g_return_val_if_fail(dir != NULL, -1);
    GDir *d = g_dir_open(dir, 0, err);
    if (!d)
        return -1;
    GPtrArray *scripts = g_ptr_array_new_with_free_func(g_free);
    const char *entry;
    while ((entry = g_dir_read_name(d)))
        if (g_str_has_suffix(entry, ".gp") && strlen(entry) > 3)
            g_ptr_array_add(scripts, g_strdup(entry));
    g_dir_close(d);
    g_ptr_array_sort(scripts, cmp_names);

    if (scripts->len && !plot_have_gnuplot()) {
        g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                    "gnuplot is not on PATH: install it (e.g. apt install gnuplot-nox) to "
                    "draw the %u figure%s in %s",
                    scripts->len, scripts->len == 1 ? "" : "s", dir);
        g_ptr_array_free(scripts, TRUE);
        return -1;
    }
    int drawn = 0;
    if (scripts->len) {
        /* One gnuplot for the folder; each script as if run alone. */
        plot_batch *b = batch_new(dir);
        for (guint i = 0; i < scripts->len; i++)
            batch_queue(b, scripts->pdata[i], false, 0);
        GString *failures = g_string_new(NULL);
        drawn = (int)batch_finish(b, failures);
        if ((guint)drawn < scripts->len)
            g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "drew %d of %u figures in %s:\n%s", drawn,
                        scripts->len, dir, failures->str);
        g_string_free(failures, TRUE);
    }
    guint n = scripts->len;
    g_ptr_array_free(scripts, TRUE);
    return (guint)drawn < n ? -1 : drawn;
}

/* ------------------------------------------------------------------------ */
/* Script pieces shared by both figures                                      */
/* ------------------------------------------------------------------------ */

/* Okabe and Ito's palette: distinguishable with the common colour-vision
 * deficiencies and in grey print. */
static const char *const palette[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                      "#e69f00", "#56b4e9", "#000000", "#999999"};
#define NPALETTE G_N_ELEMENTS(palette)

/* Appends a section ruler "# ---- <title> ----...", 76 columns wide. */
static void gp_section(GString *gp, const char *title)
{
    g_string_append_printf(gp, "\n# ---- %s ", title);
    for (size_t n = strlen(title) + 8; n < 76; n++)
        g_string_append_c(gp, '-');
    g_string_append_c(gp, '\n');
}

/* A spec's `formats` as the images to draw: 0 (or no known bit) is both. */
static unsigned formats_of(unsigned formats)
{
    return formats & PLOT_FORMATS_ALL ? formats & PLOT_FORMATS_ALL : PLOT_FORMATS_ALL;
}

/* The script's head: what it is and how to redraw it. */
static void gp_head(GString *gp, const char *name, unsigned formats, const char *what, const char *title)
{
    g_string_append_printf(gp, "# %s.gp: %s, written by appsim.\n", name, what);
    if (title)
        comment(gp, "  ", title);
    g_string_append_printf(gp,
                           "#\n"
                           "# To redraw it, run `gnuplot %s.gp` in this folder:\n"
                           "#   it reads   %s.dat\n",
                           name, name);
    if (formats == PLOT_FORMATS_ALL)
        g_string_append_printf(gp, "#   it writes  %s.png and %s.svg\n", name, name);
    else
        g_string_append_printf(gp, "#   it writes  %s%s\n", name, formats == PLOT_PNG ? ".png" : ".svg");
    g_string_append(gp, "# Only relative file names are used, so the folder can be moved.\n"
                        "# Edit the settings below to restyle the figure.\n");
}

/* The PNG terminal (pngcairo when this gnuplot has it) and its output. */
static void gp_png(GString *gp, const char *name, const char *font)
{
    g_string_append_printf(
        gp,
        "# pngcairo draws smoother text and lines; the plain png terminal is the\n"
        "# fallback on a gnuplot built without cairo.\n"
        "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
        "    set terminal pngcairo size W,H noenhanced font '%s' background rgb 'white'\n"
        "} else {\n"
        "    set terminal png size W,H noenhanced font '%s' background rgb 'white'\n"
        "}\n"
        "set output '%s.png'\n",
        font, font, name);
}

/* The SVG terminal and its output. */
static void gp_svg(GString *gp, const char *name, const char *font)
{
    g_string_append_printf(gp,
                           "set terminal svg size W,H dynamic noenhanced font '%s' background rgb 'white'\n"
                           "set output '%s.svg'\n",
                           font, name);
}

/* The image section: the terminal and output for the PNG, the plot command
 * (already in `plot`), then the SVG from the same plot (`replot`); with
 * one format, its terminal and the plot command alone. Sizes are the
 * script variables W and H. */
static void gp_images(GString *gp, const char *name, unsigned formats, const char *font, const GString *plot)
{
    if (formats == PLOT_FORMATS_ALL) {
        gp_section(gp, "The images: PNG first, then the same plot again as SVG");
        gp_png(gp, name, font);
        g_string_append_printf(gp, "%s\n", plot->str);
        gp_svg(gp, name, font);
        g_string_append(gp, "replot\n");
    } else if (formats == PLOT_PNG) {
        gp_section(gp, "The image: PNG (no SVG was asked for)");
        gp_png(gp, name, font);
        g_string_append_printf(gp, "%s\n", plot->str);
    } else {
        gp_section(gp, "The image: SVG (no PNG was asked for)");
        gp_svg(gp, name, font);
        g_string_append_printf(gp, "%s\n", plot->str);
    }
    g_string_append(gp, "unset output\n");
}

/* ------------------------------------------------------------------------ */
/* Line plots                                                                */
/* ------------------------------------------------------------------------ */

/* Checks a line plot's spec: a plain figure name, and x and y values for
 * every series that has points. */
static bool lineplot_check(const plot_spec *p, GError **err)
{
    if (!name_ok(p->name, err))
        return false;
    for (size_t s = 0; s < p->nseries; s++) {
        if (p->series[s].n > 0 && (!p->series[s].x || !p->series[s].y)) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "figure %s: series %zu has %zu points but no x or y values", p->name, s,
                        p->series[s].n);
            return false;
        }
    }
    return true;
}

/* The line plot's data file: a commented header, then one block per series
 * that has points (a series without points gets only a comment). */
static GString *lineplot_data(const plot_spec *p)
{
    GString *dat = g_string_new(NULL);
    comment(dat, "", p->title);
    g_string_append_printf(dat, "# appsim figure data, drawn by %s.gp.\n", p->name);
    g_string_append(dat, "# One block per series, blocks separated by two blank lines; gnuplot\n"
                         "# selects one with `index N`.\n");
    comment(dat, "column 1: ", p->xlabel ? p->xlabel : "x");
    comment(dat, "column 2: ", p->ylabel ? p->ylabel : "y");
    int block = 0;
    for (size_t s = 0; s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        char *t = clean_text(se->title);
        if (se->n == 0) {
            g_string_append_printf(dat, "#\n# series \"%s\" has no points (not plotted)\n", t);
        } else {
            g_string_append_printf(dat, "%s# index %d: %s \"%s\", %zu point%s\n",
                                   block ? "\n\n" : "#\n", block,
                                   se->formula ? "formula" : "simulation", t, se->n,
                                   se->n == 1 ? "" : "s");
            for (size_t i = 0; i < se->n; i++) {
                put_num(dat, se->x[i]);
                g_string_append_c(dat, ' ');
                put_num(dat, se->y[i]);
                g_string_append_c(dat, '\n');
            }
            block++;
        }
        g_free(t);
    }
    return dat;
}

/* Appends the script's "Titles" section: the title and the axis labels
 * that the spec sets. */
static void lineplot_titles(GString *gp, const plot_spec *p)
{
    gp_section(gp, "Titles");
    if (p->title) {
        g_string_append(gp, "set title ");
        gp_quote(gp, p->title);
        g_string_append(gp, " font ',13'\n");
    }
    if (p->xlabel) {
        g_string_append(gp, "set xlabel ");
        gp_quote(gp, p->xlabel);
        g_string_append_c(gp, '\n');
    }
    if (p->ylabel) {
        g_string_append(gp, "set ylabel ");
        gp_quote(gp, p->ylabel);
        g_string_append_c(gp, '\n');
    }
}

/* The number of points that gnuplot can draw: finite, and positive on a
 * logarithmic axis. */
static size_t lineplot_usable_points(const plot_spec *p)
{
    size_t usable = 0;
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < p->series[s].n; i++) {
            double x = p->series[s].x[i], y = p->series[s].y[i];
            usable += isfinite(x) && isfinite(y) && (!p->logx || x > 0) && (!p->logy || y > 0);
        }
    return usable;
}

/* Appends the script's "Axes, grid and legend" section, with fixed ranges
 * and a "no data" note when there is no point to draw. */
static void lineplot_axes(GString *gp, const plot_spec *p)
{
    gp_section(gp, "Axes, grid and legend");
    if (p->logx)
        g_string_append(gp, "set logscale x\n");
    if (p->logy)
        g_string_append(gp, "set logscale y\n");
    g_string_append(gp, "set grid linecolor rgb '#dddddd'\n"
                        "set border linecolor rgb '#444444'\n"
                        "set tics nomirror\n"
                        "# The legend below the plot, so it never hides a curve: two columns,\n"
                        "# which puts simulations and formulas side by side when they come in\n"
                        "# the same order.\n"
                        "set key below left Left reverse maxcols 2 spacing 1.2 width 2\n"
                        "# Room above the highest point.\n"
                        "set offsets 0, 0, graph 0.05, 0\n");
    /* gnuplot cannot autoscale an axis without a single usable point. */
    if (lineplot_usable_points(p) == 0) {
        g_string_append(gp, "# There is no data to draw: an empty frame with a note.\n");
        g_string_append(gp, p->logx ? "set xrange [1:10]\n" : "set xrange [0:1]\n");
        g_string_append(gp, p->logy ? "set yrange [1:10]\n" : "set yrange [0:1]\n");
        g_string_append(gp, "set label 'no data' at graph 0.5, graph 0.5 center\n");
    }
}

/* Appends the script's line styles: 1, 2, ... for the simulated series and
 * 101, 102, ... for the formulas, the k-th of each in the k-th colour. */
static void lineplot_styles(GString *gp, const plot_spec *p)
{
    gp_section(gp, "Line styles: colours, widths and point shapes");
    g_string_append(gp,
                    "# Simulated series: line styles 1, 2, ... (points joined by lines).\n"
                    "# Formula series: line styles 101, 102, ... (wide dashed lines, 44%\n"
                    "# transparent: '#70rrggbb', so a simulation on top of its formula\n"
                    "# shows through). The k-th formula has the colour of the k-th\n"
                    "# simulated series.\n");
    static const int points[] = {7, 5, 9, 13, 11, 6, 4, 8};
    size_t nsim = 0, nform = 0;
    for (size_t s = 0; s < p->nseries; s++) {
        if (p->series[s].formula)
            nform++;
        else
            nsim++;
    }
    for (size_t k = 0; k < nsim; k++)
        g_string_append_printf(gp,
                               "set style line %zu linecolor rgb '%s' linewidth 1.5 "
                               "pointtype %d pointsize 1.3\n",
                               k + 1, palette[k % NPALETTE], points[k % G_N_ELEMENTS(points)]);
    for (size_t k = 0; k < nform; k++)
        g_string_append_printf(gp,
                               "set style line %zu linecolor rgb '#70%s' linewidth 4 "
                               "dashtype (4,3)\n",
                               101 + k, palette[k % NPALETTE] + 1);
}

/* The plot command: one element per series that has points, each drawing
 * its block of the data file in its line style; a blank plot when no
 * series has points. */
static GString *lineplot_command(const plot_spec *p, bool steps)
{
    GString *plot = g_string_new("plot ");
    int block = 0;
    size_t ksim = 0, kform = 0;
    for (size_t s = 0; s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        size_t style = se->formula ? 101 + kform++ : 1 + ksim++;
        if (se->n == 0)
            continue;
        if (block)
            g_string_append(plot, ", \\\n     ");
        g_string_append_printf(plot, "data index %d using 1:2 with %s linestyle %zu title ", block,
                               se->formula ? "lines" : steps ? "steps" : "linespoints", style);
        gp_quote(plot, se->title);
        block++;
    }
    if (block == 0)
        g_string_append(plot, "NaN notitle");
    return plot;
}

/* The line plot's whole gnuplot script; `steps`: the simulated series
 * as staircases. */
static GString *lineplot_script(const plot_spec *p, bool steps)
{
    GString *gp = g_string_new(NULL);
    gp_head(gp, p->name, formats_of(p->formats), steps ? "staircases (empirical CDFs)" : "a line plot", p->title);
    g_string_append(gp, "\nset encoding utf8\n");
    gp_section(gp, "Image size in pixels (PNG and SVG)");
    g_string_append(gp, "W = 960\n"
                        "H = 680\n");
    lineplot_titles(gp, p);
    lineplot_axes(gp, p);
    lineplot_styles(gp, p);
    gp_section(gp, "The data");
    g_string_append_printf(gp, "data = '%s.dat'\n", p->name);
    GString *plot = lineplot_command(p, steps);
    gp_images(gp, p->name, formats_of(p->formats), "sans-serif,11", plot);
    g_string_free(plot, TRUE);
    return gp;
}

static bool lineplot_write(const plot_spec *p, bool steps, const char *dir, bool *rendered, GError **err)
{
    g_return_val_if_fail(p != NULL && dir != NULL, false);
    g_return_val_if_fail(p->nseries == 0 || p->series != NULL, false);
    if (rendered)
        *rendered = false;
    if (!lineplot_check(p, err))
        return false;
    GString *dat = lineplot_data(p);
    GString *gp = lineplot_script(p, steps);
    bool ok = write_figure(dir, p->name, formats_of(p->formats), dat, gp, rendered, err);
    g_string_free(dat, TRUE);
    g_string_free(gp, TRUE);
    return ok;
}

bool plot_write(const plot_spec *p, const char *dir, bool *rendered, GError **err)
{
    return lineplot_write(p, false, dir, rendered, err);
}

bool plot_steps_write(const plot_spec *p, const char *dir, bool *rendered, GError **err)
{
    return lineplot_write(p, true, dir, rendered, err);
}

/* ------------------------------------------------------------------------ */
/* Bar charts                                                                */
/* ------------------------------------------------------------------------ */

/* The data: a header comment, then one line per category: its label
 * (quoted) and one value per series ("NaN": no bar), its note (when there
 * are notes) in a comment line above it. */
static GString *bars_data(const plot_bars_spec *p)
{
    GString *dat = g_string_new(NULL);
    g_string_append_printf(dat, "# %s.dat: a bar chart, written by appsim.\n", p->name);
    if (p->title)
        comment(dat, "", p->title);
    g_string_append(dat, "# columns: category");
    for (size_t s = 0; s < p->nseries; s++) {
        g_string_append(dat, ", ");
        g_string_append(dat, p->series[s].title);
    }
    g_string_append_c(dat, '\n');
    for (size_t i = 0; i < p->ncategories; i++) {
        if (p->notes && p->notes[i] && *p->notes[i])
            comment(dat, "note: ", p->notes[i]);
        dat_quote(dat, p->categories[i]);
        for (size_t s = 0; s < p->nseries; s++) {
            g_string_append_c(dat, ' ');
            put_num(dat, p->series[s].y[i]);
        }
        g_string_append_c(dat, '\n');
    }
    return dat;
}

/* The bar chart's gnuplot script: clustered histograms, a colour per
 * series from the palette. */
static GString *bars_script(const plot_bars_spec *p)
{
    GString *gp = g_string_new(NULL);
    gp_head(gp, p->name, formats_of(p->formats), "a bar chart", p->title);
    g_string_append(gp, "\nset encoding utf8\n");
    gp_section(gp, "Image size in pixels (PNG and SVG)");
    g_string_append(gp, "W = 960\n"
                        "H = 680\n");
    gp_section(gp, "Titles");
    if (p->title) {
        g_string_append(gp, "set title ");
        gp_quote(gp, p->title);
        g_string_append(gp, " font ',13'\n");
    }
    if (p->ylabel) {
        g_string_append(gp, "set ylabel ");
        gp_quote(gp, p->ylabel);
        g_string_append_c(gp, '\n');
    }
    gp_section(gp, "Bars, axes, grid and legend");
    g_string_append(gp, "set style data histograms\n"
                        "set style histogram clustered gap 1\n"
                        "set style fill solid 0.85 border rgb '#404040'\n"
                        "set boxwidth 0.9\n"
                        "set yrange [0:*]\n"
                        "set xtics nomirror scale 0 font ',9' rotate by -12 left\n"
                        "set bmargin 6\n"
                        "set rmargin 18\n"
                        "set grid ytics linecolor rgb '#d0d0d0'\n"
                        "set key top right box opaque\n");
    g_string_append_printf(gp, "set xrange [-0.6:%g]\n", (double)p->ncategories - 0.4);
    gp_section(gp, "The data");
    g_string_append_printf(gp, "data = '%s.dat'\n", p->name);
    GString *plot = g_string_new("plot ");
    for (size_t s = 0; s < p->nseries; s++) {
        if (s)
            g_string_append(plot, ", \\\n     ");
        g_string_append_printf(plot, "data using %zu%s linecolor rgb '%s' title ", s + 2, s ? "" : ":xtic(1)",
                               palette[s % NPALETTE]);
        gp_quote(plot, p->series[s].title);
    }
    if (p->nseries == 0)
        g_string_append(plot, "NaN notitle");
    gp_images(gp, p->name, formats_of(p->formats), "sans-serif,11", plot);
    g_string_free(plot, TRUE);
    return gp;
}

bool plot_bars_write(const plot_bars_spec *p, const char *dir, bool *rendered, GError **err)
{
    g_return_val_if_fail(p != NULL && dir != NULL, false);
    g_return_val_if_fail(p->ncategories == 0 || p->categories != NULL, false);
    if (rendered)
        *rendered = false;
    if (!name_ok(p->name, err))
        return false;
    GString *dat = bars_data(p);
    GString *gp = bars_script(p);
    bool ok = write_figure(dir, p->name, formats_of(p->formats), dat, gp, rendered, err);
    g_string_free(dat, TRUE);
    g_string_free(gp, TRUE);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Timelines: geometry and label layout                                      */
/* ------------------------------------------------------------------------ */

/* The default geometry, in pixels; the script carries the same numbers as
 * variables, and the layout below is computed for them. */
enum {
    TL_MARGIN_L = 80,
    TL_MARGIN_R = 30,
    TL_MARGIN_T = 80,
    TL_MARGIN_B = 30,
    TL_COLUMN_PX = 400,  /* distance between two host axes, at most */
    TL_MIN_COLUMN_PX = 240, /* ... and at least */
    TL_WIDE_PX = 1400,   /* plot width above which the distance shrinks */
    TL_ARROW_PX = 22,    /* plot height per arrow, between the limits below */
    TL_MIN_PLOT_H = 640,
    TL_MAX_PLOT_H = 4400,
};
#define TL_SIDE_COLUMNS 0.3  /* room left of the first and right of the last axis */
#define TL_HOST_CHAR_PX 8.5  /* mean advance of a host name's character (12 points) */
#define TL_HOST_GAP_PX 16.0  /* least room between two neighbouring host names */
#define TL_LABEL_FONT 8      /* points */
#define TL_CHAR_PX 5.4       /* mean advance of a label character at that size */
#define TL_LABEL_H 12.0      /* label box height, pixels */
#define TL_GAP 9.0           /* arrow to label centre line, pixels */
#define TL_MARK_PX 16.0      /* first bracket's distance from its host axis */
#define TL_MARK_LANE_PX 36.0 /* distance between brackets that overlap in time */
#define TL_MARK_TEXT_PX 14.0 /* bracket to the centre of its "RTT" text */

typedef struct {
    double xmin, xmax, tmin, tmax; /* axis ranges: columns, ms */
    int w, h;                      /* image size */
    double ppc, ppm;               /* pixels per column, per ms */
} tl_geom;

/* An oriented box in pixel space (y up): centre, unit direction of its
 * length, half length, half height. */
typedef struct {
    double cx, cy, ux, uy, hw, hh;
} obox;

/* How deep two boxes overlap along the axis where they overlap least;
 * 0 when they are apart (separating-axis test). */
static double obox_overlap(const obox *a, const obox *b)
{
    const double axes[4][2] = {
        {a->ux, a->uy}, {-a->uy, a->ux}, {b->ux, b->uy}, {-b->uy, b->ux}};
    double depth = INFINITY;
    for (int i = 0; i < 4; i++) {
        double ax = axes[i][0], ay = axes[i][1];
        double ra = a->hw * fabs(a->ux * ax + a->uy * ay) + a->hh * fabs(-a->uy * ax + a->ux * ay);
        double rb = b->hw * fabs(b->ux * ax + b->uy * ay) + b->hh * fabs(-b->uy * ax + b->ux * ay);
        double d = ra + rb - fabs((b->cx - a->cx) * ax + (b->cy - a->cy) * ay);
        if (d <= 0)
            return 0;
        depth = MIN(depth, d);
    }
    return depth;
}

/* A thin box along the segment (x1,y1)-(x2,y2), pixels. */
static obox segment_box(double x1, double y1, double x2, double y2)
{
    double dx = x2 - x1, dy = y2 - y1, len = hypot(dx, dy);
    obox b = {(x1 + x2) / 2, (y1 + y2) / 2, 1, 0, len / 2, 0.75};
    if (len > 0) {
        b.ux = dx / len;
        b.uy = dy / len;
    }
    return b;
}

static double px_x(const tl_geom *g, double col) { return (col - g->xmin) * g->ppc; }
static double px_y(const tl_geom *g, double ms) { return -(ms - g->tmin) * g->ppm; }

/* The screen angle of an arrow's label, degrees, turned so text never
 * reads upside down: the script's angle() and upright() functions. */
static double label_angle(const tl_geom *g, double dcol, double dms)
{
    double a = atan2(-dms * g->ppm, dcol * g->ppc) * 180 / G_PI;
    return a > 90 ? a - 180 : (a < -90 ? a + 180 : a);
}

/* One label placement: position along the arrow (0 = sender, 1 = receiver)
 * and side (+1 above the arrow as read, -1 below). */
typedef struct {
    double frac;
    int side;
} tl_place;

/* The label box for arrow `a` placed at `pl`. */
static obox label_box(const tl_geom *g, const timeline_arrow *a, const char *text, tl_place pl)
{
    double x1 = px_x(g, a->from), y1 = px_y(g, a->t_send * 1e3);
    double x2 = px_x(g, a->to), y2 = px_y(g, a->t_recv * 1e3);
    double ang = label_angle(g, a->to - a->from, (a->t_recv - a->t_send) * 1e3) * G_PI / 180;
    obox b;
    b.ux = cos(ang);
    b.uy = sin(ang);
    b.cx = x1 + pl.frac * (x2 - x1) - pl.side * TL_GAP * b.uy;
    b.cy = y1 + pl.frac * (y2 - y1) + pl.side * TL_GAP * b.ux;
    b.hw = (g_utf8_strlen(text, -1) * TL_CHAR_PX + 4) / 2;
    b.hh = TL_LABEL_H / 2;
    return b;
}

/* Candidate positions, best first. */
static const tl_place tl_candidates[] = {
    {0.5, 1},  {0.5, -1},  {0.35, 1}, {0.65, 1}, {0.35, -1}, {0.65, -1}, {0.22, 1},
    {0.78, 1}, {0.22, -1}, {0.78, -1}, {0.12, 1}, {0.88, 1}, {0.12, -1}, {0.88, -1}};

/* Chooses a placement for every arrow's label (see the file comment).
 * `obstacles` are the boxes labels should avoid besides arrows and other
 * labels (mark brackets and texts, host axes). O(n^2) for n arrows. */
static void layout_labels(const tl_geom *g, const timeline_arrow *arrows, char *const *texts,
                          size_t n, const obox *obstacles, size_t nobstacles, tl_place *out)
{
    if (n > PLOT_LAYOUT_MAX_ARROWS) {
        static const double fr[] = {0.5, 0.3, 0.7, 0.2, 0.8};
        for (size_t i = 0; i < n; i++)
            out[i] = (tl_place){fr[i % G_N_ELEMENTS(fr)], (i / G_N_ELEMENTS(fr)) % 2 ? -1 : 1};
        return;
    }
    obox *segs = g_new(obox, n);
    obox *placed = g_new(obox, n);
    for (size_t i = 0; i < n; i++)
        segs[i] = segment_box(px_x(g, arrows[i].from), px_y(g, arrows[i].t_send * 1e3),
                              px_x(g, arrows[i].to), px_y(g, arrows[i].t_recv * 1e3));
    double plot_w = (g->xmax - g->xmin) * g->ppc, plot_h = (g->tmax - g->tmin) * g->ppm;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        for (size_t c = 0; c < G_N_ELEMENTS(tl_candidates); c++) {
            tl_place pl = tl_candidates[c];
            obox b = label_box(g, &arrows[i], texts[i], pl);
            /* Preference: near the middle, above the arrow. */
            double cost = 20 * fabs(pl.frac - 0.5) + (pl.side < 0 ? 2 : 0);
            /* Leaving the plot area: gnuplot would clip the label. */
            double ex = b.hw * fabs(b.ux) + b.hh * fabs(b.uy);
            double ey = b.hw * fabs(b.uy) + b.hh * fabs(b.ux);
            if (b.cx - ex < 0 || b.cx + ex > plot_w || b.cy + ey > 0 || b.cy - ey < -plot_h)
                cost += 5000;
            for (size_t j = 0; j < i && cost < best; j++) {
                double d = obox_overlap(&b, &placed[j]);
                if (d > 0)
                    cost += 1000 + 50 * d;
            }
            for (size_t j = 0; j < n && cost < best; j++)
                if (j != i && obox_overlap(&b, &segs[j]) > 0)
                    cost += 30;
            for (size_t j = 0; j < nobstacles && cost < best; j++)
                if (obox_overlap(&b, &obstacles[j]) > 0)
                    cost += 100;
            if (cost < best) {
                best = cost;
                out[i] = pl;
                placed[i] = b;
            }
        }
    }
    g_free(placed);
    g_free(segs);
}

/* ------------------------------------------------------------------------ */
/* Timelines: files                                                          */
/* ------------------------------------------------------------------------ */

static bool check_timeline(const timeline_spec *t, GError **err)
{
    if (t->ncolumns < 0 || (t->ncolumns > 0 && !t->columns) || (t->narrows && !t->arrows) ||
        (t->nmarks && !t->marks)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "timeline %s: a count is set but its array is missing", t->name);
        return false;
    }
    for (size_t i = 0; i < t->narrows; i++) {
        const timeline_arrow *a = &t->arrows[i];
        if (a->from < 0 || a->from >= t->ncolumns || a->to < 0 || a->to >= t->ncolumns ||
            !isfinite(a->t_send) || !isfinite(a->t_recv)) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "timeline %s: arrow %zu (\"%s\") goes from column %d to %d at %g..%g s; "
                        "columns must be 0..%d and times finite",
                        t->name, i, a->label ? a->label : "", a->from, a->to, a->t_send,
                        a->t_recv, t->ncolumns - 1);
            return false;
        }
    }
    for (size_t i = 0; i < t->nmarks; i++) {
        const timeline_mark *m = &t->marks[i];
        if (m->column < 0 || m->column >= t->ncolumns || !isfinite(m->t0) || !isfinite(m->t1)) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "timeline %s: mark %zu at column %d, %g..%g s; columns must be 0..%d "
                        "and times finite",
                        t->name, i, m->column, m->t0, m->t1, t->ncolumns - 1);
            return false;
        }
    }
    return true;
}

/* About how wide host c's name is above its axis, pixels. O(length). */
static double host_name_px(const timeline_spec *t, int c)
{
    if (!t->columns[c])
        return 7 * TL_HOST_CHAR_PX; /* written "host <c>" */
    char *name = clean_text(t->columns[c]);
    double px = (double)g_utf8_strlen(name, -1) * TL_HOST_CHAR_PX;
    g_free(name);
    return px;
}

static tl_geom timeline_geometry(const timeline_spec *t)
{
    tl_geom g;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < t->narrows; i++) {
        lo = MIN(lo, MIN(t->arrows[i].t_send, t->arrows[i].t_recv));
        hi = MAX(hi, MAX(t->arrows[i].t_send, t->arrows[i].t_recv));
    }
    for (size_t i = 0; i < t->nmarks; i++) {
        lo = MIN(lo, MIN(t->marks[i].t0, t->marks[i].t1));
        hi = MAX(hi, MAX(t->marks[i].t0, t->marks[i].t1));
    }
    if (!(lo <= hi))
        lo = hi = 0;
    lo *= 1e3;
    hi *= 1e3;
    double span = hi - lo > 0 ? hi - lo : 1;
    /* Rounded to microseconds, so the script shows short numbers. */
    g.tmin = floor((lo - 0.03 * span) * 1e3) / 1e3;
    g.tmax = ceil((hi + 0.05 * span) * 1e3) / 1e3;
    int cols = MAX(t->ncolumns, 1);
    g.xmin = -TL_SIDE_COLUMNS;
    g.xmax = cols - 1 + TL_SIDE_COLUMNS;
    /* Many hosts share about TL_WIDE_PX, down to TL_MIN_COLUMN_PX each. */
    double col_px = CLAMP(TL_WIDE_PX / (g.xmax - g.xmin), TL_MIN_COLUMN_PX, TL_COLUMN_PX);
    /* Wider, up to TL_COLUMN_PX, when two neighbouring host names need it;
     * more room at the sides, up to a column, when the first or the last
     * name would pass the image's edge. Short names change nothing. */
    for (int c = 0; c + 1 < t->ncolumns; c++) {
        double need = (host_name_px(t, c) + host_name_px(t, c + 1)) / 2 + TL_HOST_GAP_PX;
        col_px = MAX(col_px, MIN(need, (double)TL_COLUMN_PX));
    }
    if (t->ncolumns > 0) {
        double left = host_name_px(t, 0) / 2 + TL_HOST_GAP_PX / 2 - TL_MARGIN_L;
        double right = host_name_px(t, t->ncolumns - 1) / 2 + TL_HOST_GAP_PX / 2 - TL_MARGIN_R;
        g.xmin = -CLAMP(left / col_px, TL_SIDE_COLUMNS, 1.0);
        g.xmax = cols - 1 + CLAMP(right / col_px, TL_SIDE_COLUMNS, 1.0);
    }
    int plot_w = (int)lround((g.xmax - g.xmin) * col_px);
    size_t want = t->narrows * TL_ARROW_PX;
    int plot_h = (int)CLAMP(want, (size_t)TL_MIN_PLOT_H, (size_t)TL_MAX_PLOT_H);
    g.w = plot_w + TL_MARGIN_L + TL_MARGIN_R;
    g.h = plot_h + TL_MARGIN_T + TL_MARGIN_B;
    g.ppc = plot_w / (g.xmax - g.xmin);
    g.ppm = plot_h / (g.tmax - g.tmin);
    return g;
}

/* Marks: side (-1 left of the axis, +1 right) and lane, so that brackets
 * beside one axis that overlap in time stand apart. O(m^2). Writes each
 * mark's bracket offset from its axis in pixels. */
static void layout_marks(const timeline_spec *t, double *offset_px)
{
    int *lane = g_new0(int, t->nmarks + 1);
    for (size_t i = 0; i < t->nmarks; i++) {
        const timeline_mark *m = &t->marks[i];
        double a0 = MIN(m->t0, m->t1), a1 = MAX(m->t0, m->t1);
        for (lane[i] = 0;; lane[i]++) {
            bool clash = false;
            for (size_t j = 0; j < i && !clash; j++) {
                const timeline_mark *o = &t->marks[j];
                double b0 = MIN(o->t0, o->t1), b1 = MAX(o->t0, o->t1);
                clash = o->column == m->column && lane[j] == lane[i] && a0 < b1 && b0 < a1;
            }
            if (!clash)
                break;
        }
        int side = 2 * m->column <= t->ncolumns - 1 ? -1 : 1;
        offset_px[i] = side * (TL_MARK_PX + TL_MARK_LANE_PX * lane[i]);
    }
    g_free(lane);
}

/* The whole layout of a checked timeline: geometry, bracket offsets
 * (`mark_off`, one per mark) and label placements (`place`, one per arrow,
 * for the cleaned label texts `texts`). */
static void timeline_layout(const timeline_spec *t, char *const *texts, tl_geom *gout,
                            tl_place *place, double *mark_off)
{
    tl_geom g = timeline_geometry(t);
    layout_marks(t, mark_off);

    /* What labels should keep off: brackets, their texts, host axes. */
    size_t nobst = 2 * t->nmarks + (size_t)t->ncolumns;
    obox *obst = g_new(obox, nobst + 1);
    size_t k = 0;
    for (size_t i = 0; i < t->nmarks; i++) {
        const timeline_mark *m = &t->marks[i];
        double x = px_x(&g, m->column) + mark_off[i];
        double y0 = px_y(&g, m->t0 * 1e3), y1 = px_y(&g, m->t1 * 1e3);
        obst[k++] = segment_box(x, y0, x, y1);
        double tx = x + (mark_off[i] < 0 ? -TL_MARK_TEXT_PX : TL_MARK_TEXT_PX);
        obst[k++] = (obox){tx, (y0 + y1) / 2, 1, 0, 12, 7};
    }
    double plot_h = (g.tmax - g.tmin) * g.ppm;
    for (int c = 0; c < t->ncolumns; c++)
        obst[k++] = segment_box(px_x(&g, c), 0, px_x(&g, c), -plot_h);
    layout_labels(&g, t->arrows, texts, t->narrows, obst, nobst, place);
    g_free(obst);
    *gout = g;
}

/* The timeline's data file: a commented header naming the hosts, then the
 * packets (index 0) with their label placements and the round-trip marks
 * (index 1) with their bracket offsets. */
static GString *timeline_data(const timeline_spec *t, char *const *texts, const tl_place *place,
                              const double *mark_off)
{
    GString *dat = g_string_new(NULL);
    comment(dat, "", t->title);
    g_string_append_printf(dat, "# appsim time-space diagram data, drawn by %s.gp. Times in ms.\n",
                           t->name);
    g_string_append(dat, "# Hosts (x = column):");
    for (int c = 0; c < t->ncolumns; c++) {
        char *h = t->columns[c] ? clean_text(t->columns[c]) : g_strdup_printf("host %d", c);
        g_string_append_printf(dat, "%s %d = %s", c ? "," : "", c, h);
        g_free(h);
    }
    g_string_append(dat, "\n#\n"
                         "# index 0: packets, one per line:\n"
                         "#   from-column send-time to-column receive-time label-position\n"
                         "#   label-side \"label\"\n"
                         "# label-position is where the label sits along the arrow (0 = sender,\n"
                         "# 1 = receiver); label-side is +1 above the arrow, -1 below.\n");
    for (size_t i = 0; i < t->narrows; i++) {
        const timeline_arrow *a = &t->arrows[i];
        g_string_append_printf(dat, "%d ", a->from);
        put_fixed(dat, a->t_send * 1e3, 6);
        g_string_append_printf(dat, " %d ", a->to);
        put_fixed(dat, a->t_recv * 1e3, 6);
        g_string_append_c(dat, ' ');
        put_fixed(dat, place[i].frac, 2);
        g_string_append_printf(dat, " %d ", place[i].side);
        dat_quote(dat, texts[i]);
        g_string_append_c(dat, '\n');
    }
    g_string_append(dat, "\n\n# index 1: round-trip marks, one per line:\n"
                         "#   column start-time end-time bracket-offset \"text\"\n"
                         "# bracket-offset is the bracket's distance from the host axis in\n"
                         "# pixels, negative to the left.\n");
    for (size_t i = 0; i < t->nmarks; i++) {
        const timeline_mark *m = &t->marks[i];
        g_string_append_printf(dat, "%d ", m->column);
        put_fixed(dat, m->t0 * 1e3, 6);
        g_string_append_c(dat, ' ');
        put_fixed(dat, m->t1 * 1e3, 6);
        g_string_append_c(dat, ' ');
        put_fixed(dat, mark_off[i], 1);
        g_string_append(dat, " \"RTT\"\n");
    }
    return dat;
}

/* Appends the script's "Geometry" section: the image size and margins the
 * layout was computed for, the axis ranges, and the margins and ranges set
 * from them. */
static void timeline_gp_geometry(GString *gp, const timeline_spec *t, const tl_geom *g)
{
    gp_section(gp, "Geometry");
    g_string_append_printf(gp,
                           "# Image size and margins in pixels. The label angles follow these\n"
                           "# numbers; the label positions in %s.dat were chosen for them.\n"
                           "W = %d\n"
                           "H = %d\n"
                           "ML = %d; MR = %d; MT = %d; MB = %d\n",
                           t->name, g->w, g->h, TL_MARGIN_L, TL_MARGIN_R, TL_MARGIN_T,
                           TL_MARGIN_B);
    g_string_append(gp, "# Host axes stand at x = 0, 1, ...; XMIN and XMAX leave room\n"
                        "# beside them.\n");
    g_string_append(gp, "XMIN = ");
    put_fixed(gp, g->xmin, 3);
    g_string_append(gp, "; XMAX = ");
    put_fixed(gp, g->xmax, 3);
    g_string_append(gp, "\n# The time axis, ms: TMIN at the top, TMAX at the bottom.\nTMIN = ");
    put_fixed(gp, g->tmin, 3);
    g_string_append(gp, "; TMAX = ");
    put_fixed(gp, g->tmax, 3);
    g_string_append(gp, "\n"
                        "set lmargin at screen 1.0 * ML / W\n"
                        "set rmargin at screen 1.0 - 1.0 * MR / W\n"
                        "set tmargin at screen 1.0 - 1.0 * MT / H\n"
                        "set bmargin at screen 1.0 * MB / H\n"
                        "set xrange [XMIN:XMAX]\n"
                        "set yrange [TMAX:TMIN]   # reversed: time grows downwards\n");
}

/* Appends the script's "Title, hosts and time axis" section: the title, the
 * host names above one downward axis per host, and the time axis. */
static void timeline_gp_axes(GString *gp, const timeline_spec *t)
{
    gp_section(gp, "Title, hosts and time axis");
    if (t->title) {
        g_string_append(gp, "set title ");
        gp_quote(gp, t->title);
        g_string_append(gp, " font ',13' offset 0,1\n");
    }
    g_string_append(gp, "unset key\n"
                        "unset xtics\n"
                        "# Host names above their axes.\n"
                        "set link x2\n");
    if (t->ncolumns > 0) {
        g_string_append(gp, "set x2tics (");
        for (int c = 0; c < t->ncolumns; c++) {
            if (c)
                g_string_append(gp, ", ");
            char *fallback = g_strdup_printf("host %d", c);
            gp_quote(gp, t->columns[c] ? t->columns[c] : fallback);
            g_free(fallback);
            g_string_append_printf(gp, " %d", c);
        }
        g_string_append(gp, ") scale 0 font ',12' textcolor rgb 'black'\n");
        g_string_append_printf(gp,
                               "# One axis per host, an arrow pointing the way time goes.\n"
                               "do for [i = 0:%d] {\n"
                               "    set arrow from first i, graph 1 to first i, graph 0 \\\n"
                               "        head filled size screen 0.012,15 linewidth 2 \\\n"
                               "        linecolor rgb '#555555' back\n"
                               "}\n",
                               t->ncolumns - 1);
    }
    g_string_append(gp, "set ylabel 'time (ms)'\n"
                        "set ytics nomirror out textcolor rgb '#333333'\n"
                        "set border 2 linecolor rgb '#888888'\n"
                        "set grid ytics linecolor rgb '#e4e4e4'\n");
}

/* Appends the script's "Label placement" section: the gnuplot functions
 * that put each packet label along its arrow and each "RTT" text beside
 * its bracket, from the positions and offsets in the data file. */
static void timeline_gp_label_functions(GString *gp)
{
    gp_section(gp, "Label placement");
    g_string_append_printf(
        gp,
        "# A packet's label lies along its arrow: angle() is the arrow's angle on\n"
        "# screen in degrees, upright() turns it so text never reads upside down,\n"
        "# lab_x() and lab_t() put the label's centre at a fraction f of the way\n"
        "# along the arrow, GAP pixels off it on side s (+1 above, -1 below).\n"
        "px_per_col = (W - ML - MR) / (XMAX - XMIN)\n"
        "px_per_ms = (H - MT - MB) / (TMAX - TMIN)\n"
        "GAP = %g\n"
        "upright(a) = a > 90 ? a - 180 : (a < -90 ? a + 180 : a)\n"
        "angle(dx, dt) = upright(atan2(-dt * px_per_ms, dx * px_per_col) * 180 / pi)\n"
        "lab_x(x1, t1, x2, t2, f, s) = x1 + f * (x2 - x1) \\\n"
        "    - s * GAP * sin(angle(x2 - x1, t2 - t1) * pi / 180) / px_per_col\n"
        "lab_t(x1, t1, x2, t2, f, s) = t1 + f * (t2 - t1) \\\n"
        "    - s * GAP * cos(angle(x2 - x1, t2 - t1) * pi / 180) / px_per_ms\n"
        "# A round-trip bracket stands `off` pixels beside host axis c, its text\n"
        "# %g pixels further out.\n"
        "bracket_x(c, off) = c + off / px_per_col\n"
        "text_x(c, off) = c + (off + sgn(off) * %g) / px_per_col\n",
        TL_GAP, TL_MARK_TEXT_PX, TL_MARK_TEXT_PX);
}

/* The plot command: the packets as arrows with their labels, then the
 * round-trip brackets with their texts; a blank plot when there are
 * neither. */
static GString *timeline_command(const timeline_spec *t)
{
    GString *plot = g_string_new("plot ");
    int elems = 0;
    if (t->narrows) {
        g_string_append_printf(
            plot,
            "data index 0 using 1:2:($3 - $1):($4 - $2):($1 + 1) with vectors head filled "
            "size screen 0.009,20 linewidth 1.3 linecolor variable, \\\n"
            "     data index 0 using (lab_x($1, $2, $3, $4, $5, $6)):(lab_t($1, $2, $3, $4, $5, "
            "$6)):7:(angle($3 - $1, $4 - $2)):($1 + 1) with labels rotate variable font ',%d' "
            "textcolor variable",
            TL_LABEL_FONT);
        elems++;
    }
    if (t->nmarks) {
        g_string_append_printf(
            plot,
            "%sdata index 1 using (bracket_x($1, $4)):2:(0):($3 - $2) with vectors heads "
            "size screen 0.006,90 linewidth 1.5 linecolor rgb mark_colour, \\\n"
            "     data index 1 using (text_x($1, $4)):(($2 + $3) / 2):5 with labels font ',10' "
            "textcolor rgb mark_colour",
            elems ? ", \\\n     " : "");
        elems++;
    }
    if (!elems)
        g_string_append(plot, "NaN notitle");
    return plot;
}

/* The timeline's whole gnuplot script, for the geometry `g`. */
static GString *timeline_script(const timeline_spec *t, const tl_geom *g)
{
    GString *gp = g_string_new(NULL);
    gp_head(gp, t->name, formats_of(t->formats), "a time-space diagram", t->title);
    g_string_append(gp,
                    "#\n"
                    "# Reading it: one vertical axis per host, time growing downwards (ms);\n"
                    "# each arrow is one packet, from its sender at the send time to its\n"
                    "# receiver at the arrival time; a bracket marks a round-trip time.\n"
                    "\nset encoding utf8\n");
    timeline_gp_geometry(gp, t, g);
    timeline_gp_axes(gp, t);

    gp_section(gp, "Colours: arrows and their labels take their sender's");
    for (int c = 0; c < MAX(t->ncolumns, 1); c++)
        g_string_append_printf(gp, "set linetype %d linecolor rgb '%s'\n", c + 1,
                               palette[c % NPALETTE]);
    g_string_append(gp, "mark_colour = '#333333'\n");

    timeline_gp_label_functions(gp);
    g_string_append_printf(gp, "\ndata = '%s.dat'\n", t->name);
    GString *plot = timeline_command(t);
    gp_images(gp, t->name, formats_of(t->formats), "sans-serif,10", plot);
    g_string_free(plot, TRUE);
    return gp;
}

bool timeline_write(const timeline_spec *t, const char *dir, bool *rendered, GError **err)
{
    g_return_val_if_fail(t != NULL && dir != NULL, false);
    if (rendered)
        *rendered = false;
    if (!name_ok(t->name, err) || !check_timeline(t, err))
        return false;

    tl_geom g;
    char **texts = g_new0(char *, t->narrows + 1);
    for (size_t i = 0; i < t->narrows; i++)
        texts[i] = clean_text(t->arrows[i].label);
    double *mark_off = g_new0(double, t->nmarks + 1);
    tl_place *place = g_new0(tl_place, t->narrows + 1);
    timeline_layout(t, (char *const *)texts, &g, place, mark_off);

    GString *dat = timeline_data(t, (char *const *)texts, place, mark_off);
    GString *gp = timeline_script(t, &g);
    bool ok = write_figure(dir, t->name, formats_of(t->formats), dat, gp, rendered, err);
    g_string_free(dat, TRUE);
    g_string_free(gp, TRUE);
    g_free(place);
    g_free(mark_off);
    g_strfreev(texts);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Stacked bars                                                              */
/* ------------------------------------------------------------------------ */

/* The data: a header row (the parts' names, quoted), then one row per bar:
 * its label, then its parts. */
static GString *stacked_data(const plot_stacked_spec *b)
{
    GString *dat = g_string_new(NULL);
    comment(dat, "", b->title);
    g_string_append_printf(dat, "# appsim figure data, drawn by %s.gp.\n", b->name);
    g_string_append(dat, "# One row per bar: its label, then each part (stacked bottom to top).\n");
    dat_quote(dat, b->xlabel ? b->xlabel : "x");
    for (size_t k = 0; k < b->nparts; k++) {
        g_string_append_c(dat, ' ');
        dat_quote(dat, b->parts[k]);
    }
    g_string_append_c(dat, '\n');
    for (size_t r = 0; r < b->nrows; r++) {
        dat_quote(dat, b->rows[r]);
        for (size_t k = 0; k < b->nparts; k++) {
            double v = b->values[r * b->nparts + k];
            g_string_append_c(dat, ' ');
            put_num(dat, isfinite(v) ? v : 0);
        }
        g_string_append_c(dat, '\n');
    }
    return dat;
}

static GString *stacked_script(const plot_stacked_spec *b)
{
    GString *gp = g_string_new(NULL);
    gp_head(gp, b->name, formats_of(b->formats), "a stacked-bar figure", b->title);
    g_string_append(gp, "\nset encoding utf8\n");
    gp_section(gp, "Image size in pixels (PNG and SVG)");
    g_string_append(gp, "W = 960\n"
                        "H = 680\n");
    gp_section(gp, "Titles");
    const char *labels[][2] = {{"title", b->title}, {"xlabel", b->xlabel}, {"ylabel", b->ylabel}};
    for (size_t i = 0; i < G_N_ELEMENTS(labels); i++) {
        if (!labels[i][1])
            continue;
        g_string_append_printf(gp, "set %s ", labels[i][0]);
        gp_quote(gp, labels[i][1]);
        g_string_append(gp, i == 0 ? " font ',13'\n" : "\n");
    }
    gp_section(gp, "Bars: stacked, one colour per part");
    g_string_append(gp, "set style data histograms\n"
                        "set style histogram rowstacked\n"
                        "set style fill solid 0.85 border rgb '#404040'\n"
                        "set boxwidth 0.7\n"
                        "set key outside right top\n"
                        "set grid ytics\n"
                        "set yrange [0:*]\n");
    for (size_t k = 0; k < b->nparts; k++)
        g_string_append_printf(gp, "set style line %zu linecolor rgb '%s'\n", k + 1,
                               k < NPALETTE       ? palette[k]
                               : k == NPALETTE ? "#f0e442"  /* the palette's yellow, kept for the ninth part */
                                               : "#d9d9d9"); /* light grey past it */
    gp_section(gp, "The data");
    g_string_append_printf(gp, "data = '%s.dat'\n", b->name);
    GString *plot = g_string_new("plot ");
    for (size_t k = 0; k < b->nparts; k++)
        g_string_append_printf(plot, "%sdata using %zu%s linestyle %zu title columnheader(%zu)",
                               k ? ", \\\n     " : "", k + 2, k ? "" : ":xtic(1)", k + 1, k + 2);
    if (b->nparts == 0)
        g_string_append(plot, "NaN notitle");
    gp_images(gp, b->name, formats_of(b->formats), "sans-serif,11", plot);
    g_string_free(plot, TRUE);
    return gp;
}

bool plot_stacked_write(const plot_stacked_spec *b, const char *dir, bool *rendered, GError **err)
{
    g_return_val_if_fail(b != NULL && dir != NULL, false);
    if (rendered)
        *rendered = false;
    if (!name_ok(b->name, err))
        return false;
    GString *dat = stacked_data(b);
    GString *gp = stacked_script(b);
    bool ok = write_figure(dir, b->name, formats_of(b->formats), dat, gp, rendered, err);
    g_string_free(dat, TRUE);
    g_string_free(gp, TRUE);
    return ok;
}

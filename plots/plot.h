/*
 * plot: the figures of a run, drawn by gnuplot.
 *
 * Every figure is written as data (<name>.dat) and a gnuplot script
 * (<name>.gp) beside each other in the results folder, so a student can
 * restyle it; when gnuplot is on the machine, the script is run to make
 * <name>.png and <name>.svg. Without gnuplot the data and scripts are still
 * written and `rendered` comes back false.
 *
 * Every spec has a `formats` field: the images its script draws, a set of
 * PLOT_PNG and PLOT_SVG (0, what a spec that does not name it holds, means
 * both, <name>.png then <name>.svg). With one format the script draws
 * only that image, so a run that needs no PNG does not pay for its
 * encoding (most of gnuplot's time on a figure: docs/performance.md).
 *
 * The kinds of figure:
 * - a line plot: a metric against a swept parameter, one curve per series;
 *   series marked `formula` are drawn as lines (the textbook's formula),
 *   the others as points joined by lines (the simulation);
 * - a bar chart: one group of bars per category (a case of a scenario),
 *   one bar per series (the simulation, the textbook's formula);
 * - a timeline: the textbook's time-space diagram of one exchange — a
 *   vertical time axis per host (time grows downwards), one labelled arrow
 *   per packet from its sender's axis at its send time to its receiver's
 *   axis at its arrival time, and optional brackets marking round trips;
 * - staircases: a line plot whose simulated series step (empirical CDFs);
 * - stacked bars: one bar per swept value, split into named parts (where
 *   a page load's time went).
 *
 * Ownership: the specs are the caller's; nothing is kept.
 */
#ifndef APPSIM_PLOT_H
#define APPSIM_PLOT_H

#include <glib.h>
#include <stdbool.h>

/* The image formats of a figure (bits of a spec's `formats`). */
enum {
    PLOT_PNG = 1u << 0, /* <name>.png: pngcairo, else the libgd png terminal */
    PLOT_SVG = 1u << 1, /* <name>.svg */
    PLOT_FORMATS_ALL = PLOT_PNG | PLOT_SVG
};

typedef struct {
    const char *title; /* legend entry */
    const double *x, *y;
    size_t n;
    bool formula;      /* drawn as a plain line */
} plot_series;

typedef struct {
    const char *name;  /* file stem: <name>.dat, .gp, and .png, .svg (as `formats` says) */
    const char *title, *xlabel, *ylabel;
    bool logx, logy;
    const plot_series *series;
    size_t nseries;
    unsigned formats;  /* PLOT_PNG | PLOT_SVG; 0: both */
} plot_spec;

typedef struct {
    double t_send, t_recv; /* seconds */
    int from, to;          /* column indexes */
    const char *label;     /* "SYN", "GET /index.html", "200 OK [1460 B]" ... */
} timeline_arrow;

typedef struct {
    double t0, t1;         /* one round trip, marked with a bracket and "RTT" */
    int column;            /* beside which host axis */
} timeline_mark;

typedef struct {
    const char *name;
    const char *title;
    const char *const *columns; /* host names, left to right */
    int ncolumns;
    const timeline_arrow *arrows;
    size_t narrows;
    const timeline_mark *marks;
    size_t nmarks;
    unsigned formats;  /* PLOT_PNG | PLOT_SVG; 0: both */
} timeline_spec;

typedef struct {
    const char *title; /* legend entry */
    const double *y;   /* one value per category; NaN: no bar */
} plot_bar_series;

typedef struct {
    const char *name;  /* file stem: <name>.dat, .gp, and .png, .svg (as `formats` says) */
    const char *title, *ylabel;
    const char *const *categories; /* labels under each group, left to right */
    const char *const *notes;      /* optional: a line per category, written into the data file */
    size_t ncategories;
    const plot_bar_series *series;
    size_t nseries;
    unsigned formats;  /* PLOT_PNG | PLOT_SVG; 0: both */
} plot_bars_spec;

/* A stacked-bar figure: one bar per row (a swept value), its height the
 * sum of its parts, each part a coloured segment in the same order in every
 * bar. values[row * nparts + part]; NaN parts are drawn as 0. */
typedef struct {
    const char *name;
    const char *title, *xlabel, *ylabel;
    const char *const *rows;   /* bar labels */
    size_t nrows;
    const char *const *parts;  /* legend entries, bottom to top */
    size_t nparts;
    const double *values;
    unsigned formats;  /* PLOT_PNG | PLOT_SVG; 0: both */
} plot_stacked_spec;

/* True when a gnuplot program is found on PATH. */
bool plot_have_gnuplot(void);

/* A batch: one gnuplot process that draws every figure written into one
 * folder, started ahead so that its start-up overlaps the caller's work.
 * plot_batch_begin(dir) starts gnuplot in `dir` (when it is on PATH) and
 * opens the batch on that folder: until plot_batch_finish, every figure
 * written into `dir` (the same string) is queued to it instead of running
 * a gnuplot of its own, and its `rendered` says whether gnuplot runs, not
 * yet whether the images came out. plot_batch_finish ends gnuplot's input,
 * waits for it to exit (within the time limit per figure) and frees the
 * batch; *drawn (when not NULL) counts the figures whose images (the
 * formats each asked for) came out; a figure that failed is reported
 * with g_warning (gnuplot's message), as outside a batch. True when every queued figure was drawn (or nothing
 * was queued). A batch on which nothing was queued kills its gnuplot at
 * once. Batches on different folders may be open at once, from any thread;
 * the figures' files are the same bytes with or without a batch.
 * Ownership: the batch is the caller's until plot_batch_finish (NULL is a
 * no-op there). */
typedef struct plot_batch plot_batch;
plot_batch *plot_batch_begin(const char *dir);
bool plot_batch_finish(plot_batch *b, guint *drawn);

/* Writes a figure into `dir` (which must exist). False (with err) only when
 * a file cannot be written; `rendered` says whether gnuplot made the images
 * (in an open batch: whether it will, see plot_batch_begin). */
bool plot_write(const plot_spec *p, const char *dir, bool *rendered, GError **err);
/* The same figure with every series that is not a formula drawn as a
 * staircase (gnuplot's `steps`: level to the next point's x, then up to
 * its y), as an empirical CDF is drawn. */
bool plot_steps_write(const plot_spec *p, const char *dir, bool *rendered, GError **err);
bool plot_bars_write(const plot_bars_spec *p, const char *dir, bool *rendered, GError **err);
bool timeline_write(const timeline_spec *t, const char *dir, bool *rendered, GError **err);
bool plot_stacked_write(const plot_stacked_spec *b, const char *dir, bool *rendered, GError **err);
/* Runs gnuplot on every .gp script in `dir` (for `appsim plot DIR`), one
 * gnuplot for all, each script as if run alone; returns the number of
 * figures drawn, or -1 with err (naming each script that failed). */
int plot_redraw_dir(const char *dir, GError **err);

#endif

/*
 * http_apps: the HTTP application types of a scenario (app.h).
 *
 * - "http-server" (http_server_app.c): an HTTP server on its host's port
 *   with generated content: pages of N images each ("pages") and plain
 *   objects ("objects"); labels and transcribes the HTTP on its port.
 * - "browser" (http_browser_app.c): loads its list of URLs `repeat`
 *   times, `think` apart, from `start`, in one of the five connection
 *   modes; holds the run until it is done; page-load metrics, the rows of
 *   requests.csv and the page-load formulas of the textbook.
 * - "cache-workload" (cache_workload.c): the institutional network of the
 *   web-caching lesson.
 *
 * docs/scenarios.md lists their keys.
 */
#ifndef APPSIM_HTTP_APPS_H
#define APPSIM_HTTP_APPS_H

#include "world/app.h"

extern const app_type http_server_app;
extern const app_type http_browser_app;
extern const app_type cache_workload_app;

/* The server's configuration, for the browser's formulas. */
typedef struct {
    char *path;           /* the base page, e.g. "/index.html" */
    int64_t objects;      /* images it refers to: <stem>/img<i>.gif */
    uint64_t object_size;
} http_page_spec;

typedef struct {
    char *path;
    uint64_t size;
} http_object_spec;

typedef struct {
    int64_t port;
    int64_t proc_time;    /* ns */
    GArray *pages;        /* of http_page_spec */
    GArray *objects;      /* of http_object_spec */
} http_server_spec;

/* The HTTP dialogue (transcripts: each message's head, its body counted)
 * and the label of an HTTP segment for timelines (a request's or a
 * response's start line), for every type that serves HTTP on its port
 * (the http-server here, web mail in protocols/webmail/app/). */
extern const app_dialogue http_app_dialogue;
char *http_app_label(const uint8_t *d, size_t len);

#endif

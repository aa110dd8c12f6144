/*
 * http_browser: a web browser application — it loads a page and the objects
 * the page refers to, the way the textbook compares HTTP designs.
 *
 * A page load fetches the base page, scans its HTML for <img src>,
 * <script src> and <link href> (html_links.h), and fetches those objects in
 * the browser's mode:
 *
 * | mode                  | wire     | connections                   | requests per connection  |
 * | --------------------- | -------- | ----------------------------- | ------------------------ |
 * | BROWSER_NP_SERIAL     | HTTP/1.0 | one at a time                 | one                      |
 * | BROWSER_NP_PARALLEL   | HTTP/1.0 | up to `parallel` at a time    | one                      |
 * | BROWSER_P_SERIAL      | HTTP/1.1 | one, kept open                | one after the other      |
 * | BROWSER_P_PIPELINE    | HTTP/1.1 | one, kept open                | all at once (pipelined)  |
 * | BROWSER_P_PARALLEL    | HTTP/1.1 | up to `parallel`, kept open   | one after the other      |
 *
 * It keeps a cookie jar (Set-Cookie is sent back to the same host), a
 * cache of the objects it fetched (a later load of the same URL sends a
 * conditional GET with If-Modified-Since, and a 304 is served from the
 * cache), follows 301/302 redirects, and answers a 401 once with Basic
 * credentials when it has them; once a host has accepted them, later
 * requests to that host carry them from the start (RFC 7617 2.2, the
 * protection space reused), as browsers do. Through a proxy (`proxy_host`), requests
 * carry absolute URIs and all connections go to the proxy.
 *
 * Name lookups: before it opens a connection the browser asks its host
 * for the address of the URL's host (or the proxy's), host_lookup() in
 * seam/host.h. A host without a resolver answers 0 and the browser
 * connects by the name at once, as it always did. Otherwise the
 * connection waits for the answer and connects to the address literal it
 * gets (the Host header, cookies and everything else keep the name), or
 * its fetches fail with the resolver's reason ("dns: www.example.com:
 * NXDOMAIN"). Each new connection does its own lookup: the host's stub
 * resolver caches answers and shares identical lookups in flight, so
 * parallel connections to one host cost one query on the wire, and each
 * connection's record says how long it waited. A lookup still in flight
 * is cancelled when its connection is given up or the browser is freed.
 *
 * Every object fetched leaves a record (http_record) — the connection it
 * used, when that connection's connect started, when the request was sent,
 * when the first and last bytes of the response arrived, its status and
 * size — and every page a page record. These feed results and plots.
 *
 * Ownership: http_browser_new/http_browser_free; the host environment is
 * borrowed. Records are owned by the browser.
 */
#ifndef APPSIM_HTTP_BROWSER_H
#define APPSIM_HTTP_BROWSER_H

#include "seam/host.h"

typedef enum {
    BROWSER_NP_SERIAL,
    BROWSER_NP_PARALLEL,
    BROWSER_P_SERIAL,
    BROWSER_P_PIPELINE,
    BROWSER_P_PARALLEL,
} browser_mode;

const char *browser_mode_name(browser_mode m);
/* Parses "nonpersistent", "nonpersistent-parallel", "persistent",
 * "pipelined", "persistent-parallel". */
bool browser_mode_parse(const char *s, browser_mode *out);

typedef struct {
    browser_mode mode;
    uint32_t parallel;        /* connections for the parallel modes; default 5 */
    int version;              /* 0: by mode (10 non-persistent, 11 persistent); or 10, 11 */
    bool cache;               /* conditional GET from a local cache; default true */
    const char *user, *password; /* Basic credentials, or NULL */
    const char *proxy_host;   /* NULL: go direct */
    uint16_t proxy_port;
    const char *user_agent;   /* default "appsim-browser/<version>" */
} browser_config;

void browser_config_default(browser_config *c);

typedef struct {
    uint32_t page;            /* index of the page load */
    uint32_t index;           /* 0 for the base page, then objects in page order */
    char *url;
    uint64_t conn;            /* the connection's id (stream id) */
    bool reused;              /* the connection had carried an earlier request */
    int64_t dns_start, dns_end; /* ns; the lookup that connection waited for before its
                                 connect; -1 when it did none (no resolver) */
    int64_t connect_start;    /* ns; when that connection's connect began */
    int64_t request_sent;
    int64_t first_byte, last_byte; /* -1 when nothing arrived */
    int status;               /* 0 when the fetch failed */
    uint64_t bytes;           /* body bytes received */
    bool from_cache;          /* answered 304 and served from the cache */
    const char *cache;        /* the proxy's X-Cache verdict (HIT, MISS, REVALIDATED,
                                 REFRESHED, PASS), or NULL without a proxy */
    const char *error;        /* NULL, or why it failed ("connection refused", a failed
                                 lookup's "dns: www.example.com: NXDOMAIN"): error_text */
    char *error_text;         /* owned: the text `error` points to, or NULL */
} http_record;

/* The prefix of a failed lookup's reason in http_record.error. */
#define HTTP_BROWSER_DNS_ERROR "dns: "


typedef struct {
    char *url;
    int64_t start, end;       /* ns */
    uint32_t objects;         /* referenced objects fetched */
    uint32_t connections;     /* connections opened for this page */
    uint32_t lookups;         /* name lookups started for this page (0 without a resolver) */
    uint64_t bytes;
    uint32_t failures;
} http_page;

typedef struct http_browser http_browser;
typedef void (*browser_done_fn)(void *ud, http_browser *b, const http_page *page);

http_browser *http_browser_new(host_env *env, const browser_config *c, GError **err);
void http_browser_free(http_browser *b);

/* Starts loading `url` (http://host[:port]/path); `done` runs when the
 * page and all its objects are in (or failed). One load at a time: false
 * if a load is running or the URL is not an http URL. */
bool http_browser_load(http_browser *b, const char *url, browser_done_fn done, void *ud);
/* Fetches a list of URLs as one "page" without scanning HTML: the first is
 * the base, the rest are its objects. */
bool http_browser_fetch(http_browser *b, const char *const *urls, guint n, browser_done_fn done,
                        void *ud);

const GArray *http_browser_records(const http_browser *b); /* of http_record */
const GArray *http_browser_pages(const http_browser *b);   /* of http_page */

#endif

/*
 * http_url: http:// URLs — parsing, the request target forms, and
 * resolving the references a page makes to its objects.
 *
 * Only the http scheme is handled. Host names are kept as written (lower
 * case is not forced); the port defaults to 80. `path` always starts with
 * "/" and keeps the query ("/a/b.html?x=1"); fragments are dropped.
 *
 * Ownership: http_url is embedded by the caller; http_url_clear frees its
 * strings. Returned strings are the caller's to g_free.
 */
#ifndef APPSIM_HTTP_URL_H
#define APPSIM_HTTP_URL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *host;
    uint16_t port;
    char *path;
} http_url;

/* Parses "http://host[:port][/path]". False (and `out` zeroed) when it is
 * not such a URL. */
bool http_url_parse(const char *s, http_url *out);
void http_url_clear(http_url *u);
/* "http://host[:port]/path" again (":80" left out). */
char *http_url_format(const http_url *u);
/* The Host header value: "host" or "host:port". */
char *http_url_authority(const http_url *u);
/* Resolves a reference found in a page at `base` (absolute "http://...",
 * network-path "//host/p", absolute-path "/p", or relative "p", "../p")
 * into an absolute URL string; NULL for other schemes (mailto:, data:...). */
char *http_url_resolve(const http_url *base, const char *ref);

#endif

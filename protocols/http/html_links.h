/*
 * html_links: the objects a web page refers to, as a browser finds them.
 *
 * Scans HTML for <img src>, <script src> and <link href> (tag and attribute
 * names in any case, values quoted with " or ' or unquoted), skipping
 * comments. Returns the attribute values in document order, each once
 * (the first occurrence wins). It is a scanner, not a full HTML parser:
 * enough for the pages of the textbook's examples and of generated
 * scenarios.
 *
 * Cost: one pass over the text, O(n).
 */
#ifndef APPSIM_HTML_LINKS_H
#define APPSIM_HTML_LINKS_H

#include <glib.h>

/* A new array of new strings (free with g_ptr_array_unref). */
GPtrArray *html_find_objects(const char *html, size_t len);

#endif

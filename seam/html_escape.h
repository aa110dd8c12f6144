/*
 * html_escape: text made safe for HTML and XML, written once for every
 * page appsim writes (the results folder's index.html, web mail's pages).
 *
 * html_escape_append(out, text, len) appends `text` to a caller's GString
 * with & < > " ' written as character references (&amp; &lt; &gt; &quot;
 * &#39;), so the result may stand in element content and in attribute
 * values of either quote. Valid UTF-8 passes through unchanged; every byte
 * that does not start a valid UTF-8 sequence becomes U+FFFD; control
 * characters other than tab, LF and CR (NUL and DEL included), which HTML
 * does not allow in text, become '?' so the reader sees something was
 * there.
 *
 * Cost: O(len), one pass, no allocation besides the GString's growth.
 */
#ifndef APPSIM_SEAM_HTML_ESCAPE_H
#define APPSIM_SEAM_HTML_ESCAPE_H

#include <glib.h>

/* Appends `text` (`len` bytes, -1: up to its NUL; text may be NULL when
 * len is 0 or -1, taken as empty) to `out`, escaped as above. */
void html_escape_append(GString *out, const char *text, gssize len);

#endif

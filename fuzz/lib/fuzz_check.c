/* fuzz_check: helpers shared by the fuzz targets. */
#include "fuzz_check.h"

#include <glib.h>
#include <string.h>

char *fuzz_cstring(const uint8_t *data, size_t len)
{
    char *s = g_malloc(len + 1);
    if (len)
        memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

bool fuzz_contains(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    const uint8_t *h = hay;
    if (nlen == 0)
        return true;
    for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (h[i] == *(const uint8_t *)needle && memcmp(h + i, needle, nlen) == 0)
            return true;
    return false;
}

/* host: the formatted log helper of the host seam. */
#include "host.h"

#include <stdarg.h>

void host_logf(host_env *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    e->ops->log(e, msg);
    g_free(msg);
}

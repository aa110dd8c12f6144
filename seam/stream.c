/* stream: the names of the stream errors. */
#include "stream.h"

static const char *const err_text[] = {
#define STREAM_ERR_TEXT(name, text) text,
    STREAM_ERRORS(STREAM_ERR_TEXT)
#undef STREAM_ERR_TEXT
};

const char *stream_err_text(stream_err err)
{
    unsigned i = (unsigned)err;
    return i < sizeof err_text / sizeof err_text[0] ? err_text[i] : "unknown error";
}

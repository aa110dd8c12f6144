/*
 * smtp_envelope: the envelope and message of one SMTP transaction (see
 * smtp_envelope.h). Copies cost the size of the data and the paths.
 */
#include "smtp_envelope.h"

smtp_envelope *smtp_envelope_new(const char *reverse_path)
{
    smtp_envelope *e = g_new0(smtp_envelope, 1);
    e->reverse_path = g_strdup(reverse_path ? reverse_path : "");
    e->forward_paths = g_ptr_array_new_with_free_func(g_free);
    e->data = g_byte_array_new();
    return e;
}

void smtp_envelope_free(smtp_envelope *e)
{
    if (!e)
        return;
    g_free(e->reverse_path);
    g_ptr_array_free(e->forward_paths, TRUE);
    g_byte_array_free(e->data, TRUE);
    g_free(e->helo);
    g_free(e);
}

smtp_envelope *smtp_envelope_copy(const smtp_envelope *e)
{
    smtp_envelope *c = smtp_envelope_new(e->reverse_path);
    for (guint i = 0; i < e->forward_paths->len; i++)
        smtp_envelope_add_rcpt(c, g_ptr_array_index(e->forward_paths, i));
    g_byte_array_append(c->data, e->data->data, e->data->len);
    c->helo = g_strdup(e->helo);
    c->body_8bit = e->body_8bit;
    return c;
}

void smtp_envelope_add_rcpt(smtp_envelope *e, const char *forward_path)
{
    g_ptr_array_add(e->forward_paths, g_strdup(forward_path));
}

void smtp_envelope_set_data(smtp_envelope *e, const void *data, size_t len)
{
    g_byte_array_set_size(e->data, 0);
    if (len)
        g_byte_array_append(e->data, data, (guint)len);
}

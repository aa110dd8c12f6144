/*
 * The SMTP client core against the server core, turn by turn: whatever
 * one writes is fed to the other, in pieces of a given size, until both
 * are done. Three messages with identical data go over one connection;
 * each arrives at the server as it was given (dot-stuffing done by the
 * client and undone by the server), with and without PIPELINING, and with
 * a recipient the server refuses.
 */
#include <glib.h>
#include <string.h>

#include "protocols/smtp/smtp_client_core.h"
#include "protocols/smtp/smtp_server_core.h"
#include "test_util.h"

static smtp_decision refuse_nobody(void *ud, const char *from, const char *to)
{
    (void)ud;
    (void)from;
    if (g_str_has_prefix(to, "nobody@"))
        return (smtp_decision){550, NULL};
    return (smtp_decision){250, NULL};
}

static const smtp_server_callbacks server_cb = {refuse_nobody, NULL};

/* Moves bytes from one core's output to the other's input, `piece` bytes
 * per feed; returns how many moved. */
static size_t pump_to_server(smtp_client_core *c, smtp_server_core *s, size_t piece)
{
    size_t n;
    const uint8_t *o = smtp_client_core_output(c, &n);
    uint8_t *copy = g_memdup2(o, n);
    smtp_client_core_consume(c, n);
    size_t used = 0;
    while (used < n) {
        size_t k = smtp_server_core_feed(s, copy + used, MIN(piece, n - used));
        CU_ASSERT_TRUE(k > 0);
        if (k == 0)
            break;
        used += k;
    }
    g_free(copy);
    return n;
}

static size_t pump_to_client(smtp_server_core *s, smtp_client_core *c, size_t piece)
{
    size_t n;
    const uint8_t *o = smtp_server_core_output(s, &n);
    uint8_t *copy = g_memdup2(o, n);
    smtp_server_core_consume(s, n);
    for (size_t off = 0; off < n; off += piece)
        smtp_client_core_feed(c, copy + off, MIN(piece, n - off));
    g_free(copy);
    return n;
}

static void run_loop(bool pipelining, size_t piece)
{
    static const char data[] = "From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: lunch\r\n\r\n"
                               "Do you like ketchup?\r\n.\r\n..and dots\r\n.\r\nHow about pickles?\r\n";
    smtp_server_config scfg = {.domain = "hamburger.edu"};
    smtp_server_core *s = smtp_server_core_new(&scfg, &server_cb, NULL);
    smtp_client_config ccfg = {.helo_domain = "crepes.fr", .no_pipelining = !pipelining};
    smtp_client_core *c = smtp_client_core_new(&ccfg);
    for (int i = 0; i < 3; i++) {
        smtp_envelope *e = smtp_envelope_new("alice@crepes.fr");
        smtp_envelope_add_rcpt(e, "bob@hamburger.edu");
        if (i == 1)
            smtp_envelope_add_rcpt(e, "nobody@hamburger.edu");
        smtp_envelope_set_data(e, data, strlen(data));
        smtp_client_core_add_message(c, e);
        smtp_envelope_free(e);
    }
    int turns = 0;
    while (turns < 100) {
        size_t moved = pump_to_client(s, c, piece) + pump_to_server(c, s, piece);
        turns++;
        if (!moved)
            break;
    }
    CU_ASSERT_TRUE(turns < 100);
    CU_ASSERT_EQUAL(smtp_client_core_state(c), SMTP_CLIENT_DONE);
    CU_ASSERT_EQUAL(smtp_server_core_state(s), SMTP_SERVER_CLOSED);
    CU_ASSERT_EQUAL(smtp_client_core_extensions(c)->pipelining, true);

    int delivered = 0, refused = 0, done = 0;
    smtp_client_event cev;
    while (smtp_client_core_next_event(c, &cev)) {
        if (cev.kind == SMTP_CLIENT_EV_MESSAGE) {
            CU_ASSERT_EQUAL(cev.result, SMTP_RESULT_DELIVERED);
            CU_ASSERT_EQUAL(cev.code, 250);
            delivered++;
        } else if (cev.kind == SMTP_CLIENT_EV_RCPT && cev.code == 550) {
            CU_ASSERT_EQUAL(cev.message, 1);
            CU_ASSERT_EQUAL(cev.rcpt, 1);
            CU_ASSERT_EQUAL(cev.result, SMTP_RESULT_PERM_FAILURE);
            refused++;
        } else if (cev.kind == SMTP_CLIENT_EV_DONE) {
            done++;
        }
        smtp_client_event_clear(&cev);
    }
    CU_ASSERT_EQUAL(delivered, 3);
    CU_ASSERT_EQUAL(refused, 1);
    CU_ASSERT_EQUAL(done, 1);

    int messages = 0, closes = 0;
    smtp_server_event sev;
    while (smtp_server_core_next_event(s, &sev)) {
        if (sev.kind == SMTP_SERVER_EV_MESSAGE) {
            CU_ASSERT_EQUAL(sev.env->data->len, strlen(data));
            CU_ASSERT_TRUE(sev.env->data->len == strlen(data) && memcmp(sev.env->data->data, data, strlen(data)) == 0);
            CU_ASSERT_STRING_EQUAL(sev.env->reverse_path, "alice@crepes.fr");
            CU_ASSERT_EQUAL(sev.env->forward_paths->len, 1);
            CU_ASSERT_STRING_EQUAL(sev.env->helo, "crepes.fr");
            messages++;
        } else if (sev.kind == SMTP_SERVER_EV_CLOSE) {
            closes++;
        }
        smtp_server_event_clear(&sev);
    }
    CU_ASSERT_EQUAL(messages, 3);
    CU_ASSERT_EQUAL(closes, 1);
    smtp_client_core_free(c);
    smtp_server_core_free(s);
}

static void test_three_messages(void)
{
    size_t pieces[] = {1, 2, 5, 64, 100000};
    for (size_t i = 0; i < G_N_ELEMENTS(pieces); i++) {
        run_loop(true, pieces[i]);
        run_loop(false, pieces[i]);
    }
}

int main(void)
{
    static const test_case tests[] = {TEST(test_three_messages)};
    return test_main("protocols/smtp/loop", tests, G_N_ELEMENTS(tests));
}

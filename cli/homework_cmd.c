/*
 * homework_cmd: appsim homework and appsim grade.
 *
 *   appsim homework TEMPLATE.json --students ROSTER.csv [--seed S] -o DIR [-j N]
 *   appsim grade KEY.csv ANSWERS.csv [--against ideal|realistic|textbook] [-o MARKS.csv]
 *
 * The work is world/homework.h's; this file parses options, prints and
 * maps errors to exit statuses: 0 success; 1 a failure while running (a
 * variant's run failed, a file that cannot be written); 2 bad input or
 * usage (a template, roster, key or answers file that does not check).
 */
#include "homework_cmd.h"

#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "registry.h"
#include "world/homework.h"
#include "world/scenario.h"

static const char homework_help[] =
    "Writes DIR/<id>.json (each student's scenario, its values drawn from the\n"
    "template's \"homework\" block), DIR/key.csv (for each student and question\n"
    "the ideal-TCP, realistic and textbook values, the tolerance and the unit)\n"
    "and DIR/questions.md (each student's parameters and questions). The key is\n"
    "computed by running each student's scenario twice: as written, and with\n"
    "tcp.cc=ideal. The same template, roster (in any order) and seed give the\n"
    "same bytes. The roster is a CSV file with a header holding an \"id\" column\n"
    "(and optionally \"name\"). See docs/homework.md.\n"
    "\n"
    "Exit status: 0 success; 1 a run failed or a file cannot be written; 2 bad\n"
    "usage or input (template, roster).";

static const char grade_help[] =
    "Checks ANSWERS.csv (columns id, question, value; a time may carry its unit:\n"
    "\"1.3 s\", \"1300ms\") against KEY.csv (as appsim homework writes it) and\n"
    "writes the marks as CSV: one row per question of the key (mark 1 or 0, the\n"
    "expected value, the answer, the feedback) and a \"(total)\" row per student.\n"
    "A question without an answer is marked \"no answer\" (0).\n"
    "\n"
    "Exit status: 0 graded (whatever the marks); 1 the marks cannot be written;\n"
    "2 bad usage, or a malformed key or answers file (file:line: what was\n"
    "expected), an answer to a student or question the key lacks, or an answer\n"
    "given twice.";

/* The exit status of a homework error. */
static int status_of(const GError *e)
{
    bool input = e->domain == SCN_ERROR || (e->domain == HW_ERROR && e->code == HW_ERROR_INPUT);
    return input ? CLI_EXIT_USAGE : CLI_EXIT_RUN;
}

static int fail(const char *cmd, GError *e)
{
    fprintf(stderr, "appsim %s: %s\n", cmd, e->message);
    int rc = status_of(e);
    g_error_free(e);
    return rc;
}

static void progress(void *ud, const char *id, guint i, guint n)
{
    (void)ud;
    fprintf(stderr, "appsim homework: %u/%u %s\n", i + 1, n, id);
}

int cmd_homework(int argc, char **argv)
{
    char *roster_file = NULL, *out = NULL;
    gint64 seed = 1;
    gint jobs = 0;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        {"students", 0, 0, G_OPTION_ARG_FILENAME, &roster_file, "The roster: a CSV file with an id column", "CSV"},
        {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "The seed of the draw (default 1)", "S"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The folder to write into (made when missing)", "DIR"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs at once (default: the number of cores)", "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress lines", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("TEMPLATE.json - a scenario per student and the answer key");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, homework_help);
    int rc = CLI_EXIT_OK;
    if (!cli_parse(ctx, "homework", &argc, &argv, &rc))
        goto done;
    const char *bad = argc != 2 ? (argc < 2 ? "a TEMPLATE file is needed" : "only one TEMPLATE")
                      : !roster_file ? "--students ROSTER.csv is needed"
                      : !out         ? "-o DIR is needed"
                      : seed < 0     ? "--seed must be 0 or more"
                      : jobs < 0     ? "-j must be at least 1"
                                     : NULL;
    if (bad) {
        rc = cli_usage_error(ctx, "homework", bad);
        goto done;
    }
    g_option_context_free(ctx);
    GError *e = NULL;
    hw_template *t = hw_template_load(argv[1], appsim_registry(), &e);
    GPtrArray *roster = t ? hw_roster_read(roster_file, &e) : NULL;
    hw_options o = {.jobs = (guint)jobs, .progress = quiet ? NULL : progress};
    if (roster && hw_generate(t, roster, (uint64_t)seed, out, &o, &e))
        printf("%u students, %u question%s each: %s/ (<id>.json, key.csv, questions.md)\n", roster->len,
               hw_template_questions(t), hw_template_questions(t) == 1 ? "" : "s", out);
    else
        rc = fail("homework", e);
    if (roster)
        g_ptr_array_free(roster, TRUE);
    hw_template_free(t);
done:
    g_free(roster_file);
    g_free(out);
    return rc;
}

int cmd_grade(int argc, char **argv)
{
    char *out = NULL, *against = NULL;
    GOptionEntry entries[] = {
        {"against", 0, 0, G_OPTION_ARG_STRING, &against,
         "The key's value to grade against: ideal (default), realistic or textbook", "WHICH"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write the marks here (default: standard output)", "CSV"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("KEY.csv ANSWERS.csv - check answers against a homework key");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, grade_help);
    int rc = CLI_EXIT_OK;
    if (!cli_parse(ctx, "grade", &argc, &argv, &rc))
        goto done;
    hw_against a = HW_AGAINST_IDEAL;
    if (against && !strcmp(against, "realistic"))
        a = HW_AGAINST_REALISTIC;
    else if (against && !strcmp(against, "textbook"))
        a = HW_AGAINST_TEXTBOOK;
    const char *bad = argc != 3 ? "a KEY file and an ANSWERS file are needed"
                      : against && strcmp(against, "ideal") && a == HW_AGAINST_IDEAL
                          ? "--against must be ideal, realistic or textbook"
                          : NULL;
    if (bad) {
        rc = cli_usage_error(ctx, "grade", bad);
        goto done;
    }
    g_option_context_free(ctx);
    GError *e = NULL;
    GString *marks = g_string_new("");
    hw_totals tot;
    if (!hw_grade(argv[1], argv[2], a, marks, &tot, &e))
        rc = fail("grade", e);
    else if (out && !g_file_set_contents(out, marks->str, (gssize)marks->len, &e)) {
        fprintf(stderr, "appsim grade: %s: cannot write: %s\n", out, e->message);
        g_error_free(e);
        rc = CLI_EXIT_RUN;
    } else {
        if (!out)
            fputs(marks->str, stdout);
        fprintf(stderr, "appsim grade: %u student%s, %u questions: %u right, %u wrong, %u without an answer\n",
                tot.students, tot.students == 1 ? "" : "s", tot.questions, tot.right, tot.wrong, tot.missing);
    }
    g_string_free(marks, TRUE);
done:
    g_free(out);
    g_free(against);
    return rc;
}

/*
 * homework: one scenario per student, with parameters drawn from the
 * ranges a template declares, and the answer key computed by running each
 * student's scenario (docs/homework.md).
 *
 * A template is a scenario (one run: no sweep, no compare) with a
 * "homework" block:
 *
 *   "homework": {
 *     "vary": [ { "path": "links.access.delay", "range": { "from": "20ms", "to": "100ms", "step": "10ms" } },
 *               { "path": "apps.browser.parallel", "choices": [2, 3, 5] } ],
 *     "questions": [ { "id": "persistent", "text": "...", "metric": "page_load_time",
 *                      "set": { "apps.browser.mode": "persistent" }, "tolerance": "2%" } ]
 *   }
 *
 * Paths are the ones --set takes. Each question names a headline of the
 * run (outputs.metric's names) and, optionally, values its run sets; the
 * questions that set the same values share a run. When any question sets
 * values, the student's scenario is a plan of cases, one per run.
 *
 * The draw: student `id` gets its own random stream, seeded as
 * sim_rng_init(seed, "homework:" + id) does (splitmix64 of the seed and a
 * 64-bit FNV-1a hash of the name, then xoshiro256**; sim/sim_rng.h), and
 * draws one index per "vary" entry, in the template's order, uniformly
 * among the entry's values (sim_rng_below). A student's variant depends on
 * (template, seed, id) only: never on the roster's order or its other ids.
 *
 * The key: each student's scenario is loaded from the file written for the
 * student and run twice in this process (plan_run): as written (the
 * "realistic" value: TCP as the template sets it) and with tcp.cc set to
 * "ideal" (the "ideal" value); the "textbook" value is the formula of
 * outputs.formula where it predicts the question's headline.
 *
 * Ownership: hw_template_load/hw_template_free; rosters hw_roster_read/
 * g_ptr_array_free. Library code: errors are GErrors (HW_ERROR, or
 * SCN_ERROR for the template's JSON), never an exit.
 */
#ifndef APPSIM_HOMEWORK_H
#define APPSIM_HOMEWORK_H

#include "app.h"
#include "hw_csv.h"

/* The most values a "vary" entry may have (its range expanded). */
#define HW_MAX_VALUES 10000
/* The most "vary" entries and questions of a template. */
#define HW_MAX_VARY 32
#define HW_MAX_QUESTIONS 64

typedef struct hw_template hw_template;

/* Reads and checks a template: its JSON (located like a scenario's
 * errors), the template itself as a scenario (without "homework"), its
 * "homework" block, and each value it varies and each question's "set",
 * applied alone to a copy of the template and checked as a scenario (so a
 * wrong path or value is reported at the template's key before anything
 * is written; values are not checked in combination: each student's
 * scenario is checked again when it is loaded to be run). Cost: one
 * check of the scenario per value of every "vary" entry. */
hw_template *hw_template_load(const char *file, const app_registry *reg, GError **err);
void hw_template_free(hw_template *t);
guint hw_template_questions(const hw_template *t);

typedef struct {
    char *id, *name; /* name: "" when the roster has no name column */
    guint line;      /* of the roster */
} hw_student;

/* A roster: a CSV file with a header holding an "id" column (and
 * optionally "name"); ids are names a file may carry (letters, digits,
 * '-', '_', and '.' after the first character; at most 64 bytes), each
 * once. NULL with "file:line: ..." otherwise. Returns an array of
 * hw_student * (freed with the array). */
GPtrArray *hw_roster_read(const char *file, GError **err);

typedef struct {
    guint jobs; /* threads of each plan (0: one per core) */
    /* Optional: called before each student's runs (i from 0, in id order). */
    void (*progress)(void *ud, const char *id, guint i, guint n);
    void *ud;
} hw_options;

/* Writes into `dir` (made when missing; files of the same names are
 * replaced): <id>.json per student, key.csv and questions.md, students in
 * byte order of their ids, so that the same (template, roster in any
 * order, seed) always gives the same bytes. */
bool hw_generate(const hw_template *t, GPtrArray *roster, uint64_t seed, const char *dir, const hw_options *o,
                 GError **err);

/* Which value of the key answers are graded against. */
typedef enum { HW_AGAINST_IDEAL, HW_AGAINST_REALISTIC, HW_AGAINST_TEXTBOOK } hw_against;

typedef struct {
    guint students, questions, right, wrong, missing;
} hw_totals;

/* Grades `answers_file` (columns id, question, value) against `key_file`
 * (key.csv as hw_generate writes it) into `marks` (CSV: a row per
 * question of the key and a total per student; docs/homework.md). A value
 * is a number in the question's unit or, for a time, a time with its unit
 * ("1.3 s", "1300ms"), or for a plain number a percentage ("58%"); an
 * empty value is a missing answer. False, with "file:line: ..."
 * (HW_ERROR_INPUT), for a malformed file, an answer to a student or
 * question the key does not have, or one given twice; `marks` is then
 * left as it was. `tot` counts students, questions and marks. */
bool hw_grade(const char *key_file, const char *answers_file, hw_against against, GString *marks, hw_totals *tot,
              GError **err);

#endif

/*
 * app_reader: the reader of app.h over the scenario's JSON, for the
 * scenario loader (internal to world/).
 *
 * A reader is embedded in the loader's frame: app_reader_init points it at
 * one application object, with the loader's error context (so its path
 * continues "$.apps[1]...") and the run's topology (nodes and links by
 * name, for APP_KEY_NODE and APP_KEY_LINK). Entering lists and items
 * pushes on a small stack; the depth is limited to APP_READER_DEPTH.
 */
#ifndef APPSIM_APP_READER_H
#define APPSIM_APP_READER_H

#include "app.h"
#include "scenario.h"
#include "scn_read.h"

#define APP_READER_DEPTH 16

struct app_reader {
    scn_ctx *c;
    const scn_run *run;
    const cJSON *cur;
    const cJSON *stack[APP_READER_DEPTH];
    gsize marks[APP_READER_DEPTH];
    int depth;
    /* The last item entered, so that entering items in order costs O(1)
     * each (cJSON lists are linked). */
    const cJSON *seq_list, *seq_item;
    int seq_index;
};

void app_reader_init(app_reader *r, scn_ctx *c, const cJSON *obj, const scn_run *run);
/* Frees the fields a configuration's table allocated (strings), then
 * calls the type's config_clear. The cfg itself stays the caller's. */
void app_config_clear(const app_type *t, void *cfg);

bool scn_has_node(const scn_run *r, const char *name);
bool scn_has_link(const scn_run *r, const char *name);
/* "no node named "x" (nodes: a, b, c)" at the current path (at most a
 * dozen names listed). */
void scn_fail_no_node(scn_ctx *c, const scn_run *r, const char *name);
/* Fails at the current path unless `name` is a host (a node, not a router). */
bool scn_check_host(scn_ctx *c, const scn_run *r, const char *name);

#endif

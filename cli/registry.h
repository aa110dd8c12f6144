/*
 * registry: every application type appsim knows, in one list.
 *
 * This is the one file that names the types (world/app.h): the scenario
 * loader, the world and the commands get the list from here and never name
 * a protocol. Adding a type is its protocol folder, one line in
 * registry.c, its docs and its tests.
 */
#ifndef APPSIM_REGISTRY_H
#define APPSIM_REGISTRY_H

#include "world/app.h"

const app_registry *appsim_registry(void);

#endif

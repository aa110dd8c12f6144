/*
 * webmail_apps: the "webmail" application type (webmail_app.c): the web
 * front end of a mail-server's mailboxes (protocols/webmail/webmail.h) on
 * an http_server of its node. docs/mail.md lists its keys and results.
 */
#ifndef APPSIM_WEBMAIL_APPS_H
#define APPSIM_WEBMAIL_APPS_H

#include "world/app.h"

extern const app_type webmail_app;

#endif

/* A command-line error from one ktstr command: "ktstr COMMAND: MESSAGE"
 * on stderr, and the exit status the command gives for it.  One printer,
 * so that every command words its refusals the same way. */
#pragma once

#include <glib.h>

/* Prints "ktstr COMMAND: " and the formatted message on stderr; returns
 * STATUS, for `return ktstr_cli_usage_error (...)`. */
int ktstr_cli_usage_error (const char *command, int status, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

/* The error text of plain-C code (the guest agent, the plan grammar):
 * a fallible function returns -1 and leaves a human-readable reason in a
 * KtstrError.  There is no GError here because the agent links no GLib;
 * host code that calls into common/ turns the text into a GError.
 * Messages name what failed (a path, a plan line) and why (errno text),
 * because they reach the host verbatim. */
#ifndef KTSTR_COMMON_ERROR_H
#define KTSTR_COMMON_ERROR_H

typedef struct
{
  char msg[512];
} KtstrError;

void ktstr_error_set (KtstrError *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Prepends "PREFIX: " to an error already set, keeping its text. */
void ktstr_error_prefix (KtstrError *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif

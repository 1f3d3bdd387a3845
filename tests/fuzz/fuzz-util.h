/* What the libFuzzer harnesses share: loaders that take a path get the
 * input written to a private temporary file first, and GLib warnings and
 * criticals abort, so misuse of GLib is a finding like a crash. */
#ifndef KTSTR_FUZZ_UTIL_H
#define KTSTR_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* The libFuzzer entry points every harness defines. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Makes GLib warnings and criticals fatal and silences GLib's debug
 * output.  Called from each harness's LLVMFuzzerInitialize. */
void ktstr_fuzz_init (void);

/* Writes DATA to NAME inside this process's private temporary directory
 * (created on first use, removed at exit) and returns the path, valid
 * until the next call with the same NAME. */
const char *ktstr_fuzz_write_file (const char *name, const uint8_t *data, size_t size);

/* The private temporary directory itself. */
const char *ktstr_fuzz_dir (void);

/* DATA as a NUL-terminated string (a NUL inside stays where it is). */
char *ktstr_fuzz_strndup (const uint8_t *data, size_t size);

G_END_DECLS

#endif

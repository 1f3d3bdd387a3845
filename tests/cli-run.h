/* Shared by the unit tests that run the ktstr program where no VM boots
 * (test-cli, test-cli-kernels, test-cli-shard): one spawner of the build
 * tree's src/ktstr with an environment cleaned of what would send its
 * records or data elsewhere, and a JSON reader of what it printed. */
#ifndef KTSTR_TESTS_CLI_RUN_H
#define KTSTR_TESTS_CLI_RUN_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct
{
  int status; /* exit status */
  char *out;
  char *err;
} KtstrCliRun;

/* Frees R's output and zeroes it. */
void ktstr_cli_run_clear (KtstrCliRun *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KtstrCliRun, ktstr_cli_run_clear)

/* Runs the build tree's src/ktstr with ARGS (NULL-terminated) in CWD (NULL:
 * here) and waits for it; R gets its exit status and what it printed, and
 * the test fails unless it exited.  The environment is this process's
 * without KTSTR_SIDECAR_DIR, CARGO_TARGET_DIR and KTSTR_DATADIR (a
 * developer's settings must not move the run's records or its data), then
 * changed by ENV (NULL or NULL-terminated): "NAME=VALUE" sets NAME, a bare
 * "NAME" removes it.  The exit status and both outputs are logged with
 * g_test_message. */
void ktstr_cli_run (KtstrCliRun *r, const char *cwd, const char *const *args,
                    const char *const *env);

/* TEXT parsed as one JSON document; the test fails when it is not. */
JsonNode *ktstr_cli_parse_json (const char *text);

#endif

/* The failure kinds a test may expect: see expect-err.h. */
#include "config.h"

#include "testdef/expect-err.h"

#include <string.h>

static const char *const names[] = {
  "panic",              /* a kernel panic */
  "vm_error",           /* the backend could not run the VM */
  "boot_failure",       /* the guest agent never said hello */
  "scheduler_start",    /* the scheduler did not start (load failure, not ready) */
  "deadline_too_short", /* the boot left too little of --timeout */
  "hang",               /* the deadline or the guest's guard passed */
  "scheduler_died",     /* the scheduler ended after it was ready */
  "scheduler_not_detached",
  "scenario_error",  /* the agent could not set up or run the scenario */
  "incomplete",      /* the VM ended before the agent said done */
  "topology",        /* the guest saw another topology */
  "workers_missing", /* fewer workers reported than the plan started */
  "starved",         /* the checks, by the kind of their finding */
  "stuck",
  "unfair",
  "isolation",
  "benchmark",
  "migration",
  "page_locality",
  "cross_node_migration",
  "slow_tier",
  "monitor",         /* a sustained monitor threshold violation */
  "payload",         /* a payload's exit code or metric check */
  "cleanup_budget",  /* the VM's teardown took longer than cleanup_budget_ms */
  "flood",           /* the guest flooded the control channel */
  "scheduler_error", /* any of the scheduler's three */
  NULL,
};

const char *const *
ktstr_expect_err_names (void)
{
  return names;
}

gboolean
ktstr_expect_err_matches (const char *expected, const char *kind)
{
  if (expected == NULL || kind == NULL)
    return FALSE;
  if (g_str_equal (expected, "scheduler_error"))
    return g_str_has_prefix (kind, "scheduler_");
  return g_str_equal (expected, kind);
}

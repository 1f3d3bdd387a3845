#include "config.h"

#include <string.h>

#include "stats/explain-catalog.h"

const char *
ktstr_explain_class_name (KtstrExplainClass klass)
{
  return klass == KTSTR_EXPLAIN_EXPECTED ? "expected" : "actionable";
}

static gboolean
has_key (JsonObject *raw, const char *key)
{
  return raw != NULL && json_object_has_member (raw, key);
}

/* A skipped test boots no VM: nothing the VM would have measured exists. */
static gboolean
is_skip (const KtstrSidecar *sc)
{
  return sc->skipped;
}

/* The Rust ktstr and ktstr itself write every schema key, null or not;
 * a file without one came from elsewhere.  Cause 0 of each Rust field. */
#define CAUSE_KEY_LEFT_OUT                                                                         \
  {                                                                                                \
    "key_left_out", KTSTR_EXPLAIN_ACTIONABLE,                                                      \
        "the key is not in the file: ktstr and the Rust ktstr always write it, so another tool "   \
        "or "                                                                                      \
        "a hand edit wrote this sidecar",                                                          \
        "re-run `ktstr test` to write the sidecar again"                                           \
  }

/* --- scheduler_commit ---------------------------------------------------- */

static gboolean
null_scheduler_commit (const KtstrSidecar *sc)
{
  return sc->scheduler_commit == NULL;
}

static guint
why_scheduler_commit (const KtstrSidecar *sc, JsonObject *raw)
{
  (void)sc;
  return has_key (raw, "scheduler_commit") ? 1 : 0;
}

/* --- project_commit ------------------------------------------------------ */

static gboolean
null_project_commit (const KtstrSidecar *sc)
{
  return sc->project_commit == NULL;
}

static guint
why_project_commit (const KtstrSidecar *sc, JsonObject *raw)
{
  (void)sc;
  return has_key (raw, "project_commit") ? 1 : 0;
}

/* --- payload ------------------------------------------------------------- */

static gboolean
null_payload (const KtstrSidecar *sc)
{
  return sc->payload == NULL;
}

static guint
why_payload (const KtstrSidecar *sc, JsonObject *raw)
{
  if (!has_key (raw, "payload"))
    return 0;
  return is_skip (sc) ? 1 : 2;
}

/* --- monitor ------------------------------------------------------------- */

static gboolean
null_monitor (const KtstrSidecar *sc)
{
  return sc->monitor == NULL;
}

static guint
why_monitor (const KtstrSidecar *sc, JsonObject *raw)
{
  if (!has_key (raw, "monitor"))
    return 0;
  if (is_skip (sc))
    return 1;
  if (!sc->passed && sc->stimulus_events->len == 0)
    return 2;
  return 3;
}

/* --- kvm_stats ----------------------------------------------------------- */

static gboolean
null_kvm_stats (const KtstrSidecar *sc)
{
  return sc->kvm_stats == NULL;
}

static guint
why_kvm_stats (const KtstrSidecar *sc, JsonObject *raw)
{
  if (!has_key (raw, "kvm_stats"))
    return 0;
  if (is_skip (sc))
    return 1;
  if (g_strcmp0 (sc->accel, "tcg") == 0)
    return 2;
  if (g_strcmp0 (sc->accel, "kvm") == 0)
    return 3;
  return 4;
}

/* --- kernel_version ------------------------------------------------------ */

static gboolean
null_kernel_version (const KtstrSidecar *sc)
{
  return sc->kernel_version == NULL;
}

static guint
why_kernel_version (const KtstrSidecar *sc, JsonObject *raw)
{
  (void)sc;
  return has_key (raw, "kernel_version") ? 1 : 0;
}

/* --- kernel_commit ------------------------------------------------------- */

static gboolean
null_kernel_commit (const KtstrSidecar *sc)
{
  return sc->kernel_commit == NULL;
}

static guint
why_kernel_commit (const KtstrSidecar *sc, JsonObject *raw)
{
  (void)sc;
  return has_key (raw, "kernel_commit") ? 1 : 0;
}

/* --- host ---------------------------------------------------------------- */

static gboolean
null_host (const KtstrSidecar *sc)
{
  return sc->host == NULL;
}

static guint
why_host (const KtstrSidecar *sc, JsonObject *raw)
{
  (void)sc;
  return has_key (raw, "host") ? 1 : 0;
}

/* --- cleanup_duration_ms ------------------------------------------------- */

static gboolean
null_cleanup (const KtstrSidecar *sc)
{
  return !sc->has_cleanup_duration_ms;
}

static guint
why_cleanup (const KtstrSidecar *sc, JsonObject *raw)
{
  if (!has_key (raw, "cleanup_duration_ms"))
    return 0;
  if (is_skip (sc))
    return 1;
  return sc->passed ? 3 : 2;
}

/* --- run_source ---------------------------------------------------------- */

static gboolean
null_run_source (const KtstrSidecar *sc)
{
  return sc->run_source == NULL;
}

static guint
why_run_source (const KtstrSidecar *sc, JsonObject *raw)
{
  (void)sc;
  /* The field's name before a rename; the reader does not take it. */
  if (has_key (raw, "source"))
    return 1;
  return has_key (raw, "run_source") ? 2 : 0;
}

/* --- accel (ours) -------------------------------------------------------- */

static gboolean
null_accel (const KtstrSidecar *sc)
{
  return sc->accel == NULL;
}

static guint
why_accel (const KtstrSidecar *sc, JsonObject *raw)
{
  if (!has_key (raw, "accel"))
    return 0;
  return is_skip (sc) ? 1 : 2;
}

/* --- verdict (ours) ------------------------------------------------------ */

static gboolean
null_verdict (const KtstrSidecar *sc)
{
  return sc->verdict_summary == NULL;
}

static guint
why_verdict (const KtstrSidecar *sc, JsonObject *raw)
{
  if (sc->passed && !sc->skipped)
    return 0;
  return has_key (raw, "verdict") ? 2 : 1;
}

/* --- trial (ours) -------------------------------------------------------- */

/* Left out, not null, unless the run was repeated. */
static gboolean
null_trial (const KtstrSidecar *sc)
{
  return sc->trial == 0;
}

static guint
why_trial (const KtstrSidecar *sc, JsonObject *raw)
{
  return 0;
}

static const KtstrExplainField fields[] = {
  { "scheduler_commit",
    null_scheduler_commit,
    why_scheduler_commit,
    { CAUSE_KEY_LEFT_OUT,
      { "reserved", KTSTR_EXPLAIN_EXPECTED,
        "reserved: neither ktstr nor the Rust ktstr records the scheduler's commit yet", NULL } } },
  { "project_commit",
    null_project_commit,
    why_project_commit,
    { CAUSE_KEY_LEFT_OUT,
      { "not_in_git", KTSTR_EXPLAIN_ACTIONABLE,
        "`ktstr test` ran outside a git work tree (or in a repository without a commit), so "
        "there was no project commit to record",
        "run `ktstr test` from inside the project's git work tree" } } },
  { "payload",
    null_payload,
    why_payload,
    { CAUSE_KEY_LEFT_OUT,
      { "skipped", KTSTR_EXPLAIN_EXPECTED, "the test was skipped before a VM booted", NULL },
      { "no_payload", KTSTR_EXPLAIN_EXPECTED,
        "the test runs no payload binary, only the built-in workers", NULL } } },
  { "monitor",
    null_monitor,
    why_monitor,
    { CAUSE_KEY_LEFT_OUT,
      { "skipped", KTSTR_EXPLAIN_EXPECTED, "the test was skipped before a VM booted", NULL },
      { "failed_early", KTSTR_EXPLAIN_EXPECTED,
        "the run failed before its scenario started (no stimulus events), so there was "
        "nothing to monitor",
        NULL },
      { "not_recorded", KTSTR_EXPLAIN_ACTIONABLE,
        "no monitor summary: the ktstr that ran it had no host monitor, or the monitor "
        "gathered no valid sample",
        NULL } } },
  { "kvm_stats",
    null_kvm_stats,
    why_kvm_stats,
    { CAUSE_KEY_LEFT_OUT,
      { "skipped", KTSTR_EXPLAIN_EXPECTED, "the test was skipped before a VM booted", NULL },
      { "tcg", KTSTR_EXPLAIN_EXPECTED,
        "the VM ran under TCG (no KVM on the host): KVM statistics exist only under KVM", NULL },
      { "qemu_backend", KTSTR_EXPLAIN_ACTIONABLE,
        "the VM ran under KVM through QEMU, which does not read per-vCPU KVM statistics",
        "run with `ktstr test --backend kvm`, whose VMM reads them" },
      { "accel_unknown", KTSTR_EXPLAIN_ACTIONABLE,
        "no KVM statistics, and no accelerator recorded to say why (a sidecar of the Rust "
        "ktstr or an older ktstr, or a VM that never launched)",
        NULL } } },
  { "kernel_version",
    null_kernel_version,
    why_kernel_version,
    { CAUSE_KEY_LEFT_OUT,
      { "unknown", KTSTR_EXPLAIN_ACTIONABLE,
        "the kernel's release was not known: an image whose version ktstr could not read, "
        "and a guest that never reported its own",
        "boot a kernel from the cache (`ktstr kernel build`) or a build tree, whose version "
        "ktstr reads" } } },
  { "kernel_commit",
    null_kernel_commit,
    why_kernel_commit,
    { CAUSE_KEY_LEFT_OUT,
      { "not_a_git_tree", KTSTR_EXPLAIN_ACTIONABLE,
        "the kernel was not booted from a git source tree (an image file, a cache entry or "
        "/boot), so it had no commit to record",
        "point --kernel (or KTSTR_KERNEL) at a kernel build tree that is a git work tree" } } },
  { "host",
    null_host,
    why_host,
    { CAUSE_KEY_LEFT_OUT,
      { "not_captured", KTSTR_EXPLAIN_ACTIONABLE,
        "no host context: the sidecar predates host capture, or reading the host failed",
        "re-run `ktstr test` to record one" } } },
  { "cleanup_duration_ms",
    null_cleanup,
    why_cleanup,
    { CAUSE_KEY_LEFT_OUT,
      { "skipped", KTSTR_EXPLAIN_EXPECTED, "the test was skipped before a VM booted", NULL },
      { "no_clean_end", KTSTR_EXPLAIN_EXPECTED,
        "the test failed and its VM did not end cleanly (killed at the deadline, or it never "
        "launched), so no teardown was timed",
        NULL },
      { "not_timed", KTSTR_EXPLAIN_ACTIONABLE,
        "the test passed but its teardown was not timed (a sidecar of an older ktstr)",
        "re-run `ktstr test` to record it" } } },
  { "run_source",
    null_run_source,
    why_run_source,
    { CAUSE_KEY_LEFT_OUT,
      { "legacy_key", KTSTR_EXPLAIN_ACTIONABLE,
        "the file has the field under its old name 'source', which is not read",
        "rename the key 'source' to 'run_source' in the file, or re-run `ktstr test`" },
      { "not_recorded", KTSTR_EXPLAIN_ACTIONABLE, "the sidecar predates run sources (local, ci)",
        "re-run `ktstr test` (it records 'ci' when KTSTR_CI is set, else 'local')" } } },
  { "accel",
    null_accel,
    why_accel,
    { { "not_written", KTSTR_EXPLAIN_EXPECTED,
        "written by the Rust ktstr or a ktstr older than the field, which do not record the "
        "accelerator",
        NULL },
      { "skipped", KTSTR_EXPLAIN_EXPECTED, "the test was skipped before a VM booted", NULL },
      { "no_vm", KTSTR_EXPLAIN_ACTIONABLE,
        "the backend reported no accelerator: the VM failed to launch (the test's report says "
        "why)",
        NULL } } },
  { "verdict",
    null_verdict,
    why_verdict,
    { { "passed", KTSTR_EXPLAIN_EXPECTED, "the test passed: there is no failure to explain", NULL },
      { "not_written", KTSTR_EXPLAIN_EXPECTED,
        "written by the Rust ktstr or a ktstr older than the field: why it failed or was "
        "skipped is only in that run's output",
        NULL },
      { "not_recorded", KTSTR_EXPLAIN_ACTIONABLE,
        "the test failed or was skipped but no reason was recorded",
        "re-run the test; its report is printed on standard error" } } },
  { "trial",
    null_trial,
    why_trial,
    { { "not_repeated", KTSTR_EXPLAIN_EXPECTED,
        "the run was not repeated (`ktstr test --repeat N` numbers its trials), or the Rust "
        "ktstr wrote it",
        NULL } } },
};

const KtstrExplainField *
ktstr_explain_fields (guint *n_fields)
{
  *n_fields = G_N_ELEMENTS (fields);
  return fields;
}

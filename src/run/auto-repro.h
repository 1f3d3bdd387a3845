/* Auto-repro (`ktstr test --auto-repro`, the test key auto_repro): when
 * the scheduler under test died or the kernel crashed while it ran, the
 * runner boots the same test once more with a tracer (guest-trace/
 * ktstr-trace) next to the scheduler, and appends to the report and the
 * sidecar what happened just before the scheduler's end: the
 * time-ordered events of the task that hit the kernel's sched_ext error
 * path, its last ones normally in the failing callback.
 *
 * This module holds the parts that need no VM: whether a run calls for
 * it, the call chain read from the first run's console (kernel functions
 * to kprobe, BPF programs it went through), the plan line that starts the
 * tracer, and reading, rendering and recording what the tracer printed
 * (its line format is in guest-trace/ktstr-trace.c).  The runner does the
 * second boot. */
#ifndef KTSTR_AUTO_REPRO_H
#define KTSTR_AUTO_REPRO_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "backends/backend.h"
#include "run/session.h"

G_BEGIN_DECLS

/* Where the kernel decides a sched_ext error exit (every error kind, BPF
 * error and watchdog stall alike, goes through it; 6.12 has no exit
 * tracepoint): the tracer's trigger. */
#define KTSTR_AUTO_REPRO_TRIGGER "scx_ops_exit_kind"

/* At most this many kernel functions of the call chain get a kprobe: the
 * innermost ones; the outer ones (the scheduler core, the syscall entry)
 * fire for every task and would flood a TCG guest. */
#define KTSTR_AUTO_REPRO_MAX_KPROBES 6

/* The tracer program on the host: $KTSTR_TRACE when set, else the build
 * tree's or the installed guest-trace/ktstr-trace.  NULL with an error
 * saying what is missing, and what to install, when ktstr was built
 * without it (configure found no clang with the BPF target or no libbpf)
 * or it is not where it should be. */
char *ktstr_auto_repro_find_tracer (GError **error);

/* Whether a run calls for a second, traced boot: a scheduler under test
 * was ready and then ended on its own or left sched_ext's enabled state,
 * or the kernel panicked after it was ready.  WHY (may be NULL) gets the
 * reason in a few words. */
gboolean ktstr_auto_repro_is_wanted (const KtstrSession *session, const KtstrVmResult *vm,
                                     const char *console_text, const char **why);

/* The call chain of the last sched_ext error backtrace ("sched_ext: BPF
 * scheduler ... disabled" and the frames after it) or, failing that, of
 * the last oops ("Call Trace:") in CONSOLE_TEXT (NULL: none), innermost
 * first: *KERNEL_FUNCS gets the kernel functions (at most
 * KTSTR_AUTO_REPRO_MAX_KPROBES; BPF trampolines and syscall entry code
 * left out), *BPF_PROGS the BPF programs' names ("bpf_prog_TAG_NAME"
 * frames give NAME).  Both NULL-terminated, possibly empty; FALSE (and
 * both empty) when the console has no backtrace. */
gboolean ktstr_auto_repro_call_chain (const char *console_text, char ***kernel_funcs,
                                      char ***bpf_progs);

/* The plan line (common/proto.h, scheduler_tracer) that starts the tracer
 * at GUEST_PATH with kprobes on KPROBES (NULL-terminated, may be NULL)
 * and the trigger, newline-terminated. */
char *ktstr_auto_repro_plan_line (const char *guest_path, char *const *kprobes);

/* One event the tracer printed. */
typedef struct
{
  guint64 ts_ns;
  guint tid, cpu;
  char *kind; /* "kprobe", "entry" (a struct_ops program entered), "exit" */
  char *fn;
  guint64 arg;
  char *comm;
} KtstrReproEvent;

/* What the tracer printed in the second run. */
typedef struct
{
  gboolean has_output; /* it printed anything at all */
  gboolean is_ready;   /* its probes were attached ("ready") */
  gboolean has_end;    /* it finished its report ("end") */
  gboolean reproduced; /* the trigger fired */
  guint64 trigger_ts_ns;
  guint trigger_tid;
  char *trigger_comm;
  guint64 trigger_arg; /* the exit kind */
  GPtrArray *probes;   /* char*: "kprobe NAME", "entry NAME", ... attached */
  GPtrArray *failed;   /* char*: "KIND NAME: why" not attached */
  GPtrArray *missing;  /* char*: what the kernel lacks, as the tracer said */
  GPtrArray *events;   /* KtstrReproEvent*: the trigger task's, oldest first */
  /* KtstrReproEvent*: every task's last events, oldest first (what the
   * scheduler did last, whoever hit the trigger: a watchdog stall is
   * decided in a timer, not in the stalled task). */
  GPtrArray *all_events;
  guint64 events_seen, events_dropped;
  GPtrArray *bad_lines; /* char*: lines it could not read */
} KtstrAutoRepro;

void ktstr_auto_repro_free (KtstrAutoRepro *ar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrAutoRepro, ktstr_auto_repro_free)

/* Reads LINES (char*, the tracer's output lines in order; NULL: none). */
KtstrAutoRepro *ktstr_auto_repro_parse (const GPtrArray *lines);

/* The "--- auto-repro ---" section of the report: WHY the second run was
 * made, what was probed, and the events; or, when the second run is
 * NULL_REASON's (could not boot: non-NULL), that reason. */
char *ktstr_auto_repro_render (const KtstrAutoRepro *ar, const char *why, const char *null_reason);

/* The sidecar's auto_repro object (doc/sidecar-schema.md). */
JsonNode *ktstr_auto_repro_to_json (const KtstrAutoRepro *ar, const char *why,
                                    const char *null_reason);

G_END_DECLS

#endif

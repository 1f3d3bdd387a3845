/* One program in a VM instead of a test: what `ktstr run -- CMD` and
 * `ktstr shell` boot.
 *
 * The runner (made by ktstr_run_plan_new_command, plan.h, the one place
 * that assembles a runner's options) supplies what a test run would get: the kernel, the backend,
 * the topology, the kernel command line, the base image with the guest agent, the scheduler under
 * test and the --include files.  This module packs the program (with its ELF interpreter and
 * libraries, at its host path) and the exec spec of common/proto.h next to it, boots the VM, and
 * follows the agent:
 *
 *   - run: the program's stdout and stderr arrive as "out" frames and are
 *     written to the caller's descriptors as they come;
 *   - shell: the console is the caller's terminal (the backend connects
 *     it) and the program is a shell with that console as its
 *     controlling terminal.
 *
 * Under TCG a guest kernel that dies or stalls before the agent's hello
 * is booted once more (run/boot-retry.h), as a test's is; nothing of the
 * program has run then.  A request that allows it (is_rerunnable) is
 * also booted once more when the guest died of the code-patching race
 * later on.
 *
 * The result says how it ended, in the order the test verdict uses: a
 * kernel panic (the console's panic line) first, then the program's exit
 * status, then a hang (the host deadline or the guest's guard timer), a
 * boot failure (no hello), a scheduler that did not start, or another
 * failure of the agent. */
#ifndef KTSTR_RUN_COMMAND_H
#define KTSTR_RUN_COMMAND_H

#include <gio/gio.h>
#include <glib.h>

#include "run/runner.h"

G_BEGIN_DECLS

typedef enum
{
  KTSTR_COMMAND_RUN,   /* non-interactive: output streamed, stdin empty */
  KTSTR_COMMAND_SHELL, /* interactive on the console */
} KtstrCommandMode;

typedef struct
{
  KtstrCommandMode mode;
  /* The program and its arguments; argv[0] is a host path, packed at the
   * same path in the guest (so /bin/ls runs as /bin/ls there). */
  char **argv;
  char **env;           /* extra KEY=VALUE for the program (TERM), or NULL */
  const char *topology; /* NnNlNcNt; NULL: 1n1l2c1t */
  guint timeout_s;      /* host deadline; 0: none (a shell) */
  guint rows, cols;     /* shell: the terminal's size, 0: unknown */
  int out_fd, err_fd;   /* run: where its stdout and stderr go */
  GCancellable *cancel; /* cancelled: the VM is killed; NULL: never */
  /* The program may run twice (it changes nothing and its output is not
   * wanted: `ktstr verifier`'s true), so a run lost at any stage to the
   * TCG code-patching race is booted once more, as a test's is. */
  gboolean is_rerunnable;
} KtstrCommandRequest;

typedef enum
{
  KTSTR_COMMAND_EXITED,       /* the program ended: exit_code */
  KTSTR_COMMAND_PANIC,        /* the guest kernel panicked */
  KTSTR_COMMAND_HANG,         /* the host deadline or the guest's guard passed */
  KTSTR_COMMAND_BOOT_FAILURE, /* the guest agent never said hello */
  KTSTR_COMMAND_FAILED,       /* the scheduler did not start, the agent failed, the VM crashed */
  KTSTR_COMMAND_CANCELLED,    /* stopped from outside (a signal) */
} KtstrCommandEnd;

typedef struct
{
  KtstrCommandEnd end;
  int exit_code; /* EXITED: 0-255, 128+N after signal N */
  char *summary; /* one line: how it ended */
  char *report;  /* anything but EXITED: the details (scheduler, console tail, reproducer) */
  char *accel;   /* "tcg" or "kvm" */
  double duration_s;
  /* The scheduler under test, when the runner has one: whether it became
   * ready, the verified instruction counts of its struct_ops programs
   * (KtstrVerifierStat*, record/sidecar.h; empty unless ready) and its
   * output lines (char*, where a failed load's verifier log is). */
  gboolean is_sched_ready;
  GPtrArray *verifier;
  GPtrArray *sched_log;
} KtstrCommandResult;

void ktstr_command_result_free (KtstrCommandResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCommandResult, ktstr_command_result_free)

/* Boots RUNNER's kernel with REQUEST's program and follows it to the end.
 * NULL with an error only when nothing could boot (the program or a
 * library of it not found, the image not written, the backend refusing
 * the config); every end of a booted VM is a result. */
KtstrCommandResult *ktstr_command_run (KtstrRunner *runner, const KtstrCommandRequest *request,
                                       GError **error);

/* Decodes the "out" frame's hex text into *DATA (LEN bytes); FALSE when
 * it is not an even run of hex digits. */
gboolean ktstr_command_decode_hex (const char *hex, guint8 **data, gsize *len);

G_END_DECLS

#endif

/* A fake VM backend for tests of the run driver (the runner, the executor,
 * --repeat auto, ktstr run): real runners boot "guests" that say what a
 * guest agent would say.  By default the variant's memory size chooses
 * what the guest does (FAKE_GUEST_*); a test that scripts its guests
 * attempt by attempt sets fake_guest_launch instead and builds on the
 * helpers that say a passing guest's lines.  A fixture provides a runner,
 * a test definition and a sidecar directory in a temporary directory,
 * with the agent and the image cache redirected there. */
#ifndef KTSTR_TESTS_FAKE_GUEST_H
#define KTSTR_TESTS_FAKE_GUEST_H

#include <glib.h>

#include "backends/backend.h"
#include "kernel/kernel.h"
#include "run/runner.h"
#include "run/variant.h"
#include "testdef/testdef.h"

/* What the guest does, by the memory size the variant asks for. */
enum
{
  FAKE_GUEST_PASS = 256,  /* a complete, passing scenario, 4 iterations a worker */
  FAKE_GUEST_PANIC = 257, /* hello, then a kernel panic */
  FAKE_GUEST_BLOCK = 258, /* runs until it is killed */
  FAKE_GUEST_NOISY = 259, /* passes, its workers' iterations 4 and 40 boot by boot */
  FAKE_GUEST_CALM = 260,  /* passes, its workers' iterations 400 and 404 boot by boot */
  /* Waits up to 3 s for another MEET guest to start: passes when one
   * did, panics when none came (the VMs did not run at once). */
  FAKE_GUEST_MEET = 261,
  FAKE_GUEST_SLOW_CLEANUP = 262, /* passes, then its teardown takes 5 s */
};

/* One fake VM: the config the runner prepared it with, and how it ends. */
struct _KtstrVm
{
  KtstrVmConfig config;
  KtstrVmEnd end;
  int vmm_signal; /* the emulator died of this signal (a scripted guest sets it) */
  gboolean is_killed;
  GQueue commands; /* char*: what the host sent (send_to_guest), not yet played */
};

extern const KtstrBackend fake_guest_backend;
/* The kernel version the guests say they run (the sidecar records it):
 * "6.12.0-fake" until a test sets another. */
extern const char *fake_guest_kernel;
/* What ran the guests, as the backend reports it: "tcg" until a test sets
 * another. */
extern const char *fake_guest_accel;
/* The initramfs the last guest booted (a copy: the runner removes its
 * work directory), or NULL. */
extern GBytes *fake_guest_last_initramfs;
/* Raised when a FAKE_GUEST_BLOCK guest has started. */
extern gint fake_guest_blocking_started;
/* FAKE_GUEST_MEET guests started since the fixture was set up. */
extern gint fake_guest_met;

/* A guest's boot as a test scripts it: say lines, write the console, set
 * vm->end.  NULL (the fixture's default): the FAKE_GUEST_* of the memory
 * size. */
typedef gboolean (*FakeGuestLaunchFunc) (KtstrVm *vm, GError **error);
extern FakeGuestLaunchFunc fake_guest_launch;
/* Boots so far (reset by the fixture). */
extern guint fake_guest_attempts;

/* Shared boots (run/shared-group.h): when set, a guest says hello and then
 * plays the host's "session run K" commands, test K as the K-th letter
 * says: 'P' passes, 'F' fails (an "error" line), 'L' passes but leaves
 * a process behind (its reset fails), 'X' panics the kernel, 'B' blocks
 * until the VM is killed.  "session end" powers it off.  NULL (the
 * fixture's default): a guest runs one test, as the memory size says. */
extern const char *fake_guest_shared_script;
/* Every "session run K" played so far, as "bBOOT:K" (BOOT counts the
 * boots of the fixture from 1), comma-separated. */
extern GString *fake_guest_shared_log;

/* One control line from the guest agent. */
void fake_guest_say (KtstrVm *vm, const char *line);
/* The agent's hello, with fake_guest_kernel. */
void fake_guest_hello (KtstrVm *vm);
/* Replaces the kernel console log with TEXT. */
void fake_guest_console (KtstrVm *vm, const char *text);
/* What a passing guest says after its hello: its topology (1n1l2c1t),
 * cgroup cg_0, two CpuSpin workers with ITERATIONS each between the
 * ScenarioStart and ScenarioEnd marks (with IS_MARKED), done; and a clean
 * power-off on the console. */
void fake_guest_pass (KtstrVm *vm, guint iterations, gboolean is_marked);

typedef struct
{
  char *dir;
  char *sidecars;
  KtstrTestDef *def; /* "exec": one cgroup of two CpuSpin workers, 1 s */
  KtstrKernel kernel;
  KtstrRunner *runner; /* writes to SIDECARS */
  GPtrArray *variants; /* KtstrVariant*, owned */
} FakeGuestFixture;

void fake_guest_fixture_set_up (FakeGuestFixture *f, gconstpointer data);
void fake_guest_fixture_tear_down (FakeGuestFixture *f, gconstpointer data);
/* A runner of F's kernel on the fake backend writing into SIDECAR_DIR. */
KtstrRunner *fake_guest_runner_new (FakeGuestFixture *f, const char *sidecar_dir);
/* Appends a variant of F's test named NAME whose guest does GUEST, run by
 * RUNNER (NULL: F's). */
KtstrVariant *fake_guest_add_variant (FakeGuestFixture *f, const char *name, guint guest,
                                      KtstrRunner *runner);
/* What `ktstr test`'s report writes on stdout, caught: _begin sends stdout
 * into a file of F's and returns what to give _end, which puts stdout back
 * and returns the text written meanwhile (also as a test message). */
int fake_guest_stdout_begin (FakeGuestFixture *f);
char *fake_guest_stdout_end (FakeGuestFixture *f, int saved);

/* A GSourceFunc: once a FAKE_GUEST_BLOCK guest has started, stops the
 * KtstrExecutor USER_DATA (and removes itself); until then it waits. */
gboolean fake_guest_stop_when_blocking (gpointer user_data);

/* Files in DIR whose names end with SUFFIX. */
guint fake_guest_count_files (const char *dir, const char *suffix);

#endif

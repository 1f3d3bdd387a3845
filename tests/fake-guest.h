/* A fake VM backend for tests of the run driver (the executor, --repeat
 * auto): real runners boot "guests" whose behaviour the variant's memory
 * size chooses, and a fixture with a runner, a test definition and a
 * sidecar directory in a temporary directory. */
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
};

extern const KtstrBackend fake_guest_backend;
/* The kernel version the guests say they run (the sidecar records it):
 * "6.12.0-fake" until a test sets another. */
extern const char *fake_guest_kernel;
/* Raised when a FAKE_GUEST_BLOCK guest has started. */
extern gint fake_guest_blocking_started;

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
/* Files in DIR whose names end with SUFFIX. */
guint fake_guest_count_files (const char *dir, const char *suffix);

#endif

/* `ktstr run` and `ktstr shell` on the fake backend (run/command.h): under
 * TCG a guest kernel that dies before the agent's hello is booted once
 * more, and only that (a death after it, the same death twice, or one
 * under KVM is reported as it is); and the --include files travel in each
 * boot's own archive, for a command as for a test, never in the cached
 * base image. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "image/initramfs.h"
#include "run/command.h"
#include "tests/fake-guest.h"

#define SECRET "ktstr-include-secret-4711"

typedef enum
{
  GUEST_DIES_BEFORE_HELLO, /* a panic on the console, no hello */
  GUEST_RACE_AFTER_HELLO,  /* hello, then "Oops: int3" and a panic */
  GUEST_EXITS,             /* hello, "hi" on stdout, exit status 3 */
} GuestScript;

static GuestScript script[3];
/* Whether each boot's image held the --include file. */
static gboolean saw_secret[3];

static gboolean
image_has_secret (const KtstrVm *vm)
{
  g_autofree char *image = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (vm->config.initramfs_path, &image, &len, NULL));
  return memmem (image, len, SECRET, strlen (SECRET)) != NULL;
}

static gboolean
scripted_launch (KtstrVm *vm, GError **error)
{
  guint i = MIN (fake_guest_attempts - 1, G_N_ELEMENTS (script) - 1);
  saw_secret[i] = image_has_secret (vm);
  switch (script[i])
    {
    case GUEST_DIES_BEFORE_HELLO:
      fake_guest_console (vm, "Kernel panic - not syncing: VFS: Unable to mount root fs\n");
      vm->end = KTSTR_VM_END_PANIC;
      return TRUE;
    case GUEST_RACE_AFTER_HELLO:
      fake_guest_hello (vm);
      fake_guest_console (vm, "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n"
                              "Kernel panic - not syncing: Fatal exception in interrupt\n");
      vm->end = KTSTR_VM_END_PANIC;
      return TRUE;
    case GUEST_EXITS:
      fake_guest_hello (vm);
      fake_guest_say (vm, "{\"t\":\"out\",\"fd\":1,\"hex\":\"68690a\"}");
      fake_guest_say (vm, "{\"t\":\"exit\",\"exit_code\":3}");
      fake_guest_console (vm, "reboot: Power down\n");
      vm->end = KTSTR_VM_END_POWEROFF;
      return TRUE;
    }
  g_assert_not_reached ();
}

typedef struct
{
  FakeGuestFixture fake;
  char *secret;      /* an --include file */
  char *includes[2]; /* { secret, NULL } */
  char *out;         /* where the program's stdout goes */
  GPtrArray *notices;
} Fixture;

static void
on_notice (const char *message, gpointer data)
{
  g_ptr_array_add (data, g_strdup (message));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (&f->fake, data);
  fake_guest_launch = scripted_launch;
  memset (saw_secret, 0, sizeof saw_secret);
  f->secret = g_build_filename (f->fake.dir, "secret.txt", NULL);
  g_assert_true (g_file_set_contents (f->secret, SECRET "\n", -1, NULL));
  f->includes[0] = f->secret;
  f->out = g_build_filename (f->fake.dir, "out", NULL);
  f->notices = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->notices);
  g_free (f->out);
  g_free (f->secret);
  fake_guest_fixture_tear_down (&f->fake, data);
}

static KtstrRunner *
new_runner (Fixture *f, gboolean is_exec_only)
{
  KtstrRunOptions opts = {
    .kernel = &f->fake.kernel,
    .backend = &fake_guest_backend,
    .includes = f->includes,
    .is_exec_only = is_exec_only,
    .notice = on_notice,
    .notice_data = f->notices,
  };
  g_autoptr (GError) error = NULL;
  KtstrRunner *r = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  return r;
}

/* `ktstr run -- /bin/true` with its stdout in F->out; IS_RERUNNABLE as
 * `ktstr verifier` asks. */
static KtstrCommandResult *
run_command_with (Fixture *f, gboolean is_rerunnable)
{
  g_autoptr (KtstrRunner) runner = new_runner (f, TRUE);
  int out = open (f->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (out, >=, 0);
  char *argv[] = { (char *)"/bin/true", NULL };
  KtstrCommandRequest req = { .mode = KTSTR_COMMAND_RUN,
                              .argv = argv,
                              .timeout_s = 60,
                              .out_fd = out,
                              .err_fd = out,
                              .is_rerunnable = is_rerunnable };
  g_autoptr (GError) error = NULL;
  KtstrCommandResult *r = ktstr_command_run (runner, &req, &error);
  g_assert_no_error (error);
  close (out);
  return r;
}

static KtstrCommandResult *
run_command (Fixture *f)
{
  return run_command_with (f, FALSE);
}

static void
test_death_before_hello_reruns (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_DIES_BEFORE_HELLO;
  script[1] = GUEST_EXITS;
  g_autoptr (KtstrCommandResult) r = run_command (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->end, ==, KTSTR_COMMAND_EXITED);
  g_assert_cmpint (r->exit_code, ==, 3);
  g_autofree char *out = NULL;
  g_assert_true (g_file_get_contents (f->out, &out, NULL, NULL));
  g_assert_cmpstr (out, ==, "hi\n");
  g_assert_cmpuint (f->notices->len, ==, 1);
  g_assert_nonnull (strstr (f->notices->pdata[0], "before the agent started under TCG (Kernel "
                                                  "panic - not syncing: VFS"));
}

static void
test_death_twice_reported (Fixture *f, gconstpointer data)
{
  script[0] = script[1] = script[2] = GUEST_DIES_BEFORE_HELLO;
  g_autoptr (KtstrCommandResult) r = run_command (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->end, ==, KTSTR_COMMAND_PANIC);
  g_assert_nonnull (strstr (r->summary, "Unable to mount root fs"));
}

/* After the hello the program may have run: the code-patching race that a
 * test reruns is reported here as it is. */
static void
test_race_after_hello_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_RACE_AFTER_HELLO;
  script[1] = GUEST_EXITS;
  g_autoptr (KtstrCommandResult) r = run_command (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->end, ==, KTSTR_COMMAND_PANIC);
  g_assert_cmpuint (f->notices->len, ==, 0);
}

/* A program that may run twice (`ktstr verifier`'s): the race after the
 * hello is booted once more, saying so; the second boot's result counts. */
static void
test_race_after_hello_rerunnable (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_RACE_AFTER_HELLO;
  script[1] = GUEST_EXITS;
  g_autoptr (KtstrCommandResult) r = run_command_with (f, TRUE);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->end, ==, KTSTR_COMMAND_EXITED);
  g_assert_cmpint (r->exit_code, ==, 3);
  g_assert_cmpuint (f->notices->len, ==, 1);
  g_assert_nonnull (strstr (f->notices->pdata[0], "code-patching race under TCG (Oops: int3"));

  /* Twice in a row: reported, not booted a third time. */
  script[0] = script[1] = script[2] = GUEST_RACE_AFTER_HELLO;
  fake_guest_attempts = 0;
  g_autoptr (KtstrCommandResult) twice = run_command_with (f, TRUE);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (twice->end, ==, KTSTR_COMMAND_PANIC);
}

static void
test_kvm_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_DIES_BEFORE_HELLO;
  script[1] = GUEST_EXITS;
  fake_guest_accel = "kvm";
  g_autoptr (KtstrCommandResult) r = run_command (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->end, ==, KTSTR_COMMAND_PANIC);
}

/* Whether any cached base image holds the secret (GLib reads
 * XDG_CACHE_HOME once: the first fixture's cache serves them all). */
static gboolean
cache_has_secret (void)
{
  g_autofree char *dir = ktstr_initramfs_default_cache_dir ();
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint n_images = 0;
  const char *name;
  gboolean found = FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".cpio"))
        continue;
      n_images++;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *image = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &image, &len, NULL));
      found |= memmem (image, len, SECRET, strlen (SECRET)) != NULL;
    }
  g_assert_cmpuint (n_images, >, 0);
  return found;
}

/* A private file included for a command or a test reaches every boot but
 * never the cache, which outlives the run. */
static void
test_includes_not_cached (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_EXITS;
  g_autoptr (KtstrCommandResult) r = run_command (f);
  g_assert_cmpint (r->end, ==, KTSTR_COMMAND_EXITED);
  g_assert_true (saw_secret[0]);
  g_assert_false (cache_has_secret ());

  fake_guest_launch = NULL; /* a passing test's guest */
  g_autoptr (KtstrRunner) runner = new_runner (f, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestResult) t = ktstr_runner_run (runner, f->fake.def, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->outcome, ==, KTSTR_OUTCOME_PASS);
  g_assert_false (cache_has_secret ());
}

/* The test's boots carry it too (the fake guest checks the image). */
static gboolean
pass_with_secret (KtstrVm *vm, GError **error)
{
  saw_secret[0] = image_has_secret (vm);
  fake_guest_hello (vm);
  fake_guest_pass (vm, 4, FALSE);
  return TRUE;
}

static void
test_includes_in_test_boots (Fixture *f, gconstpointer data)
{
  fake_guest_launch = pass_with_secret;
  g_autoptr (KtstrRunner) runner = new_runner (f, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestResult) t = ktstr_runner_run (runner, f->fake.def, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->outcome, ==, KTSTR_OUTCOME_PASS);
  g_assert_true (saw_secret[0]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/command/retry/death-before-hello", test_death_before_hello_reruns);
  ADD ("/command/retry/death-twice", test_death_twice_reported);
  ADD ("/command/retry/race-after-hello", test_race_after_hello_not_rerun);
  ADD ("/command/retry/race-after-hello-rerunnable", test_race_after_hello_rerunnable);
  ADD ("/command/retry/kvm", test_kvm_not_rerun);
  ADD ("/command/includes/not-cached", test_includes_not_cached);
  ADD ("/runner/includes/in-each-boot", test_includes_in_test_boots);
#undef ADD
  return g_test_run ();
}

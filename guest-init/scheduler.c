#include "config.h"

#include "guest-init/scheduler.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proto.h"
#include "guest-init/bpfstats.h"
#include "guest-init/json.h"
#include "guest-init/report.h"
#include "guest-init/tracer.h"
#include "guest-init/util.h"

#define POLL_MS 20
#define WATCH_MS 100
#define DRAIN_MS 1000
#define LINE_MAX_LEN 2048
#define TRACE_DIR "/sys/kernel/tracing"

/* One scheduler per guest: its state is the agent's. */
static struct
{
  const KtstrSchedSpec *spec;
  KtstrCtrl *ctrl;
  char sysfs[256];
  pid_t pid;
  int pipe_rd, kmsg_fd, trace_fd;
  pthread_t thread;
  bool has_thread;
  atomic_bool stop_thread;
  atomic_bool is_stopping; /* our own stop: an exit is expected */
  atomic_bool is_ready;    /* watch state and enable_seq from now on */
  atomic_bool has_exited;
  atomic_int status;
  uint64_t enable_seq; /* at readiness */
  uint64_t t0_ns;
  char line[LINE_MAX_LEN];
  size_t line_len;
} S = { .pid = -1, .pipe_rd = -1, .kmsg_fd = -1, .trace_fd = -1 };

/* ---- spec ---- */

void
ktstr_sched_spec_init (KtstrSchedSpec *spec, const KtstrPlanScheduler *sc)
{
  memset (spec, 0, sizeof *spec);
  spec->binary = sc->binary;
  spec->argv[0] = sc->binary;
  spec->n_args = sc->n_args;
  for (unsigned i = 0; i < sc->n_args; i++)
    spec->argv[1 + i] = ktstr_plan_sched_arg (sc, i);
  spec->n_env = sc->n_env;
  for (unsigned i = 0; i < sc->n_env; i++)
    spec->env[i] = ktstr_plan_sched_env (sc, i);
  spec->ready_ms = sc->ready_ms;
  spec->stop_ms = sc->stop_ms;
  if (sc->has_tracer)
    {
      spec->tracer_argv[0] = ktstr_plan_sched_tracer (sc);
      for (unsigned i = 0; i < sc->n_tracer_args; i++)
        spec->tracer_argv[1 + i] = ktstr_plan_sched_tracer_arg (sc, i);
    }
}

/* ---- sched_ext sysfs ---- */

static int
read_ext (const char *name, char *buf, size_t len)
{
  char path[512];
  if (ktstr_path (path, sizeof path, "%s/kernel/sched_ext/%s", S.sysfs, name) != 0
      || ktstr_read_text (path, buf, len) < 0)
    {
      buf[0] = '\0';
      return -1;
    }
  return 0;
}

static uint64_t
read_enable_seq (void)
{
  char buf[32];
  uint64_t v = 0;
  if (read_ext ("enable_seq", buf, sizeof buf) == 0)
    ktstr_parse_u64 (buf, UINT64_MAX, &v);
  return v;
}

static const char *
exit_text (int status, char *buf, size_t len)
{
  if (WIFEXITED (status))
    snprintf (buf, len, "exited:%d", WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    snprintf (buf, len, "signaled:%d", WTERMSIG (status));
  else
    snprintf (buf, len, "unknown:%d", status);
  return buf;
}

static uint64_t
elapsed_ms (void)
{
  return (ktstr_now_ns () - S.t0_ns) / 1000000ull;
}

/* One "sched" message; BKEY (when set) carries a boolean BVAL. */
static void
send_event (const char *ev, const char *k1, const char *v1, const char *k2, const char *v2,
            const char *bkey, bool bval)
{
  char state[64], ops[128];
  read_ext ("state", state, sizeof state);
  read_ext ("root/ops", ops, sizeof ops);
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "sched");
  ktstr_json_str (&j, "ev", ev);
  ktstr_json_u64 (&j, "elapsed_ms", elapsed_ms ());
  ktstr_json_str (&j, "state", state);
  ktstr_json_str (&j, "ops", ops);
  ktstr_json_u64 (&j, "enable_seq", read_enable_seq ());
  if (S.pid > 0)
    ktstr_json_i64 (&j, "pid", S.pid);
  if (k1)
    ktstr_json_str (&j, k1, v1);
  if (k2)
    ktstr_json_str (&j, k2, v2);
  if (bkey)
    ktstr_json_bool (&j, bkey, bval);
  ktstr_json_end (&j);
  if (!j.failed)
    ktstr_ctrl_write (S.ctrl, j.buf, j.len);
  ktstr_json_clear (&j);
}

/* ---- the watcher thread ---- */

static void
flush_line (void)
{
  if (S.line_len == 0)
    return;
  S.line[S.line_len] = '\0';
  ktstr_report_log (S.ctrl, "scheduler", "%s", S.line);
  S.line_len = 0;
}

/* Returns false at EOF. */
static bool
read_pipe (void)
{
  char buf[4096];
  ssize_t n = read (S.pipe_rd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    {
      flush_line ();
      return false;
    }
  for (ssize_t i = 0; i < n; i++)
    {
      if (buf[i] == '\n')
        flush_line ();
      else if (buf[i] != '\r')
        {
          S.line[S.line_len++] = buf[i];
          if (S.line_len == sizeof S.line - 1)
            flush_line ();
        }
    }
  return true;
}

static void
read_kmsg (void)
{
  char rec[2048];
  for (int k = 0; k < 64; k++)
    {
      ssize_t n = read (S.kmsg_fd, rec, sizeof rec - 1);
      if (n < 0 && errno == EPIPE)
        continue; /* overrun: records were lost, go on with the next */
      if (n <= 0)
        return;
      rec[n] = '\0';
      char *msg = strchr (rec, ';');
      if (msg == NULL)
        continue;
      msg++;
      char *nl = strchr (msg, '\n');
      if (nl)
        *nl = '\0';
      if (strstr (msg, "sched_ext") != NULL || strstr (msg, "scx_") != NULL)
        ktstr_report_log (S.ctrl, "kernel", "%s", msg);
    }
}

static void
read_trace (void)
{
  static char buf[8192];
  static size_t len;
  ssize_t n = read (S.trace_fd, buf + len, sizeof buf - 1 - len);
  if (n <= 0)
    return;
  len += (size_t)n;
  buf[len] = '\0';
  char *start = buf, *nl;
  while ((nl = strchr (start, '\n')) != NULL)
    {
      *nl = '\0';
      const char *m = strstr (start, "sched_ext_dump: ");
      if (m != NULL)
        ktstr_report_log (S.ctrl, "dump", "%s", m + strlen ("sched_ext_dump: "));
      start = nl + 1;
    }
  len = strlen (start);
  memmove (buf, start, len);
  if (len == sizeof buf - 1)
    len = 0;
}

static void
check_process (void)
{
  if (atomic_load (&S.has_exited))
    return;
  int st;
  pid_t r = waitpid (S.pid, &st, WNOHANG);
  if (r != S.pid)
    return;
  atomic_store (&S.status, st);
  atomic_store (&S.has_exited, true);
  if (!atomic_load (&S.is_stopping) && atomic_load (&S.is_ready))
    {
      char buf[32];
      send_event ("exit", "exit", exit_text (st, buf, sizeof buf), NULL, NULL, NULL, false);
    }
}

static void
check_state (bool *is_state_reported)
{
  if (!atomic_load (&S.is_ready) || atomic_load (&S.is_stopping) || *is_state_reported)
    return;
  char state[64];
  read_ext ("state", state, sizeof state);
  uint64_t seq = read_enable_seq ();
  if (strcmp (state, "enabled") != 0 || seq != S.enable_seq)
    {
      *is_state_reported = true;
      send_event ("state", "why",
                  seq != S.enable_seq ? "enable_seq changed: the scheduler was reloaded"
                                      : "sched_ext left the enabled state",
                  NULL, NULL, NULL, false);
    }
}

static void *
watch (void *arg)
{
  (void)arg;
  bool has_pipe = true, is_state_reported = false;
  uint64_t drain_deadline = 0;
  while (true)
    {
      struct pollfd p[4] = { { .fd = has_pipe ? S.pipe_rd : -1, .events = POLLIN },
                             { .fd = S.kmsg_fd, .events = POLLIN },
                             { .fd = S.trace_fd, .events = POLLIN },
                             { .fd = ktstr_tracer_fd (), .events = POLLIN } };
      int r = poll (p, 4, WATCH_MS);
      if (r > 0)
        {
          if (has_pipe && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            has_pipe = read_pipe ();
          if (p[1].revents & POLLIN)
            read_kmsg ();
          if (p[2].revents & POLLIN)
            read_trace ();
          if (p[3].fd >= 0 && (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
            ktstr_tracer_read ();
        }
      check_process ();
      check_state (&is_state_reported);
      if (atomic_load (&S.stop_thread))
        {
          if (drain_deadline == 0)
            drain_deadline = ktstr_now_ns () + DRAIN_MS * 1000000ull;
          if ((!has_pipe && ktstr_tracer_fd () < 0) || ktstr_now_ns () > drain_deadline)
            break;
        }
    }
  if (S.kmsg_fd >= 0)
    read_kmsg ();
  if (S.trace_fd >= 0)
    read_trace ();
  flush_line ();
  return NULL;
}

/* ---- start and stop ---- */

static void
open_kernel_logs (void)
{
  if (strcmp (S.sysfs, "/sys") != 0)
    return; /* a test run on a host: not our kernel's logs */
  S.kmsg_fd = open ("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (S.kmsg_fd >= 0)
    lseek (S.kmsg_fd, 0, SEEK_END);
  int fd = open (TRACE_DIR "/events/sched_ext/sched_ext_dump/enable", O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      if (write (fd, "1", 1) == 1)
        S.trace_fd = open (TRACE_DIR "/trace_pipe", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      close (fd);
    }
}

static pid_t
spawn (const KtstrSchedSpec *spec, int out_wr, const int *keep_out, unsigned n_keep_out)
{
  pid_t pid = fork ();
  if (pid != 0)
    return pid;
  ktstr_child_setup (out_wr, keep_out, n_keep_out);
  const char *env[KTSTR_PLAN_SCHED_MAX_ENV + 4];
  unsigned n = 0;
  env[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  env[n++] = "HOME=/";
  for (unsigned i = 0; i < spec->n_env; i++)
    env[n++] = spec->env[i];
  env[n] = NULL;
  /* execve's arrays are not const for historical reasons; it does not
   * write to them. */
  execve (spec->binary, (char *const *)spec->argv, (char *const *)env);
  dprintf (STDERR_FILENO, "ktstr-init: cannot execute the scheduler %s: %s\n", spec->binary,
           strerror (errno));
  _exit (127);
}

static void
join_watcher (void)
{
  if (!S.has_thread)
    return;
  atomic_store (&S.stop_thread, true);
  pthread_join (S.thread, NULL);
  S.has_thread = false;
  if (S.pipe_rd >= 0)
    close (S.pipe_rd);
  S.pipe_rd = -1;
}

/* Ends the process: SIGINT (what scx tools handle), SIGTERM, SIGKILL. */
static void
end_process (uint64_t budget_ms)
{
  static const int sigs[] = { SIGINT, SIGTERM, SIGKILL };
  for (unsigned i = 0; i < 3 && !atomic_load (&S.has_exited); i++)
    {
      kill (S.pid, sigs[i]);
      uint64_t deadline = ktstr_now_ns () + (i == 2 ? 2000 : budget_ms / 2) * 1000000ull;
      while (!atomic_load (&S.has_exited) && ktstr_now_ns () < deadline)
        {
          if (!S.has_thread)
            check_process ();
          ktstr_sleep_ms (POLL_MS);
        }
    }
  if (!atomic_load (&S.has_exited))
    kill (-S.pid, SIGKILL);
}

int
ktstr_sched_start (const KtstrSchedSpec *spec, KtstrCtrl *ctrl, const char *sysfs_root,
                   const int *keep_out, unsigned n_keep_out)
{
  char dir[512];
  struct stat st;
  S.spec = spec;
  S.ctrl = ctrl;
  snprintf (S.sysfs, sizeof S.sysfs, "%s", sysfs_root);
  S.t0_ns = ktstr_now_ns ();
  if (ktstr_path (dir, sizeof dir, "%s/kernel/sched_ext", S.sysfs) != 0 || stat (dir, &st) != 0)
    {
      send_event ("unsupported", "why",
                  "this kernel has no sched_ext (no /sys/kernel/sched_ext: "
                  "CONFIG_SCHED_CLASS_EXT is not set)",
                  NULL, NULL, NULL, false);
      return -1;
    }
  uint64_t seq0 = read_enable_seq ();
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) != 0)
    {
      send_event ("not_ready", "why", "cannot create the scheduler's output pipe", NULL, NULL, NULL,
                  false);
      return -1;
    }
  open_kernel_logs ();
  if (strcmp (S.sysfs, "/sys") == 0)
    ktstr_bpfstats_enable ("/proc");
  fcntl (fds[0], F_SETFL, O_NONBLOCK);
  S.pipe_rd = fds[0];
  S.pid = spawn (spec, fds[1], keep_out, n_keep_out);
  close (fds[1]);
  if (S.pid < 0)
    {
      send_event ("not_ready", "why", "fork failed", NULL, NULL, NULL, false);
      return -1;
    }
  send_event ("started", "binary", spec->binary, NULL, NULL, NULL, false);

  /* The watcher runs with every signal blocked, so the guard's SIGALRM
   * and the workers' signals always land in the main thread. */
  sigset_t all, old;
  sigfillset (&all);
  pthread_sigmask (SIG_BLOCK, &all, &old);
  S.has_thread = pthread_create (&S.thread, NULL, watch, NULL) == 0;
  pthread_sigmask (SIG_SETMASK, &old, NULL);

  uint64_t deadline = S.t0_ns + spec->ready_ms * 1000000ull;
  char state[64] = "", ops[128] = "";
  while (true)
    {
      read_ext ("state", state, sizeof state);
      read_ext ("root/ops", ops, sizeof ops);
      /* The kernel bumps enable_seq after it switched the state to
       * enabled: wait for that too, or a reload check would see our own
       * enable as a second one. */
      char seq_text[32];
      bool has_seq = read_ext ("enable_seq", seq_text, sizeof seq_text) == 0;
      if (strcmp (state, "enabled") == 0 && ops[0] != '\0'
          && (!has_seq || read_enable_seq () != seq0))
        break;
      if (!S.has_thread)
        check_process ();
      if (atomic_load (&S.has_exited) || ktstr_now_ns () > deadline)
        {
          char why[256], buf[32];
          bool attached = read_enable_seq () != seq0;
          if (atomic_load (&S.has_exited))
            snprintf (why, sizeof why, "the scheduler process ended (%s) %s",
                      exit_text (atomic_load (&S.status), buf, sizeof buf),
                      attached ? "after sched_ext enabled it" : "before sched_ext enabled it");
          else
            snprintf (why, sizeof why,
                      "sched_ext state '%s', root/ops '%s' after %llu ms (needs 'enabled' and a "
                      "non-empty ops name)",
                      state, ops, (unsigned long long)spec->ready_ms);
          /* "exit" says how it ended on its own; "" when we kill it. */
          char own_exit[32] = "";
          if (atomic_load (&S.has_exited))
            exit_text (atomic_load (&S.status), own_exit, sizeof own_exit);
          atomic_store (&S.is_stopping, true);
          end_process (spec->stop_ms);
          join_watcher ();
          send_event ("not_ready", "why", why, "exit", own_exit, "attached", attached);
          return -1;
        }
      ktstr_sleep_ms (POLL_MS);
    }
  S.enable_seq = read_enable_seq ();
  atomic_store (&S.is_ready, true);
  send_event ("ready", NULL, NULL, NULL, NULL, "attached", true);
  if (strcmp (S.sysfs, "/sys") == 0)
    {
      ktstr_bpfstats_report_struct_ops (ctrl);
      ktstr_bpfstats_report_run_stats (ctrl, "ready");
    }
  if (spec->tracer_argv[0] != NULL && S.has_thread)
    ktstr_tracer_start (ctrl, spec->tracer_argv, spec->env, spec->ready_ms, keep_out, n_keep_out);
  return 0;
}

void
ktstr_sched_stop (KtstrCtrl *ctrl)
{
  if (S.pid <= 0 || S.spec == NULL || !atomic_load (&S.is_ready))
    return;
  /* The tracer first: what it prints when stopped comes before the
   * scheduler's end, while the watcher still reads its pipe. */
  ktstr_tracer_stop (2000);
  bool was_running = !atomic_load (&S.has_exited);
  /* The programs' run statistics while they still exist. */
  if (was_running && strcmp (S.sysfs, "/sys") == 0)
    ktstr_bpfstats_report_run_stats (ctrl, "stop");
  atomic_store (&S.is_stopping, true);
  end_process (S.spec->stop_ms);
  /* The kernel detaches asynchronously after the process closed its link. */
  char state[64], ops[128];
  uint64_t deadline = ktstr_now_ns () + 2000 * 1000000ull;
  do
    {
      read_ext ("state", state, sizeof state);
      read_ext ("root/ops", ops, sizeof ops);
      if (strcmp (state, "disabled") == 0 && ops[0] == '\0')
        break;
      ktstr_sleep_ms (POLL_MS);
    }
  while (ktstr_now_ns () < deadline);
  join_watcher ();
  char buf[32];
  bool detached = strcmp (state, "disabled") == 0 && ops[0] == '\0';
  send_event ("stopped", "exit",
              atomic_load (&S.has_exited) ? exit_text (atomic_load (&S.status), buf, sizeof buf)
                                          : "running",
              "by", was_running ? "ktstr" : "itself", "detached", detached);
}

/* One program instead of a test plan: see exec.h. */
#include "config.h"

#include "guest-init/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/proto.h"
#include "guest-init/json.h"

/* What every program gets unless the spec says otherwise: a PATH that
 * covers the usual folders (packed programs keep their host paths) and
 * the --include files, and a HOME that exists (/tmp is a tmpfs). */
static const char *const default_env[]
    = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/include-files",
        "HOME=/tmp", "TERM=linux", NULL };

int
ktstr_exec_spec_parse (KtstrExecSpec *spec, KtstrError *err)
{
  char *save = NULL;
  unsigned lineno = 0;
  bool has_magic = false, has_mode = false;
  spec->n_args = spec->n_env = 0;
  spec->guard_ms = 0;
  spec->rows = spec->cols = 0;
  snprintf (spec->tty, sizeof spec->tty, "/dev/ttyS0");
  for (char *l = strtok_r (spec->text, "\n", &save); l != NULL; l = strtok_r (NULL, "\n", &save))
    {
      lineno++;
      if (!has_magic)
        {
          if (strcmp (l, KTSTR_EXEC_MAGIC) != 0)
            {
              ktstr_error_set (err, "exec spec: first line is not '%s'", KTSTR_EXEC_MAGIC);
              return -1;
            }
          has_magic = true;
          continue;
        }
      if (l[0] == '#')
        continue;
      char *sp = strchr (l, ' ');
      char *rest = sp ? sp + 1 : l + strlen (l);
      if (sp)
        *sp = '\0';
      if (strcmp (l, "mode") == 0)
        {
          if (strcmp (rest, "run") == 0)
            spec->mode = KTSTR_EXEC_MODE_RUN;
          else if (strcmp (rest, "shell") == 0)
            spec->mode = KTSTR_EXEC_MODE_SHELL;
          else
            {
              ktstr_error_set (err, "exec spec line %u: mode '%s' is not run or shell", lineno,
                               rest);
              return -1;
            }
          has_mode = true;
        }
      else if (strcmp (l, "arg") == 0)
        {
          if (spec->n_args >= KTSTR_EXEC_MAX_ARGS)
            {
              ktstr_error_set (err, "exec spec line %u: more than %d arguments", lineno,
                               KTSTR_EXEC_MAX_ARGS);
              return -1;
            }
          spec->argv[spec->n_args++] = rest;
        }
      else if (strcmp (l, "env") == 0)
        {
          if (spec->n_env >= KTSTR_EXEC_MAX_ENV || strchr (rest, '=') == NULL || rest[0] == '=')
            {
              ktstr_error_set (err, "exec spec line %u: bad or too many env lines", lineno);
              return -1;
            }
          spec->env[spec->n_env++] = rest;
        }
      else if (strcmp (l, "guard_ms") == 0)
        {
          if (ktstr_parse_u64 (rest, UINT64_MAX / 2, &spec->guard_ms) != 0)
            {
              ktstr_error_set (err, "exec spec line %u: bad guard_ms '%s'", lineno, rest);
              return -1;
            }
        }
      else if (strcmp (l, "tty") == 0)
        {
          if (rest[0] != '/' || strlen (rest) >= sizeof spec->tty)
            {
              ktstr_error_set (err, "exec spec line %u: tty '%s' is not a device path", lineno,
                               rest);
              return -1;
            }
          snprintf (spec->tty, sizeof spec->tty, "%s", rest);
        }
      else if (strcmp (l, "winsize") == 0)
        {
          char *cols = strchr (rest, ' ');
          uint64_t r = 0, c = 0;
          if (cols != NULL)
            *cols++ = '\0';
          if (cols == NULL || ktstr_parse_u64 (rest, 65535, &r) != 0
              || ktstr_parse_u64 (cols, 65535, &c) != 0)
            {
              ktstr_error_set (err, "exec spec line %u: winsize needs ROWS COLS", lineno);
              return -1;
            }
          spec->rows = (unsigned)r;
          spec->cols = (unsigned)c;
        }
      else
        {
          ktstr_error_set (err, "exec spec line %u: unknown directive '%s'", lineno, l);
          return -1;
        }
    }
  if (!has_magic || !has_mode || spec->n_args == 0)
    {
      ktstr_error_set (err, "exec spec: needs '%s', a mode line and at least one arg line",
                       KTSTR_EXEC_MAGIC);
      return -1;
    }
  spec->argv[spec->n_args] = NULL;
  spec->env[spec->n_env] = NULL;
  return 0;
}

int
ktstr_exec_spec_load (const char *path, KtstrExecSpec *spec, KtstrError *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      ktstr_error_set (err, "cannot open exec spec %s: %s", path, strerror (errno));
      return -1;
    }
  size_t len = 0;
  for (;;)
    {
      ssize_t r = read (fd, spec->text + len, sizeof spec->text - 1 - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      len += (size_t)r;
      if (len == sizeof spec->text - 1)
        break;
    }
  close (fd);
  if (len == sizeof spec->text - 1)
    {
      ktstr_error_set (err, "exec spec %s is larger than %zu bytes", path, sizeof spec->text - 1);
      return -1;
    }
  spec->text[len] = '\0';
  return ktstr_exec_spec_parse (spec, err);
}

int
ktstr_exec_status_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* The spec's environment first (it wins: getenv takes the first match),
 * then each default whose name the spec did not set. */
static void
build_env (const KtstrExecSpec *spec, char **envp)
{
  unsigned n = 0;
  for (unsigned i = 0; i < spec->n_env; i++)
    envp[n++] = spec->env[i];
  for (const char *const *d = default_env; *d != NULL; d++)
    {
      size_t name_len = (size_t)(strchr (*d, '=') - *d) + 1;
      bool is_set = false;
      for (unsigned i = 0; i < spec->n_env && !is_set; i++)
        is_set = strncmp (spec->env[i], *d, name_len) == 0;
      if (!is_set)
        envp[n++] = (char *)*d;
    }
  envp[n] = NULL;
}

/* In the child: what it must not inherit from the agent. */
static void
child_reset (const int *keep_out, unsigned n_keep_out)
{
  for (unsigned i = 0; i < n_keep_out; i++)
    if (keep_out[i] > STDERR_FILENO)
      close (keep_out[i]);
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
}

static __attribute__ ((noreturn)) void
child_exec (const KtstrExecSpec *spec)
{
  char *envp[KTSTR_EXEC_MAX_ENV + 8];
  build_env (spec, envp);
  execve (spec->argv[0], spec->argv, envp);
  int saved = errno;
  dprintf (STDERR_FILENO, "ktstr-init: cannot run %s: %s\n", spec->argv[0], strerror (saved));
  /* The shell's conventions: 127 not found, 126 found but not runnable. */
  _exit (saved == ENOENT || saved == ENOTDIR ? 127 : 126);
}

static int
send_out (KtstrCtrl *ctrl, int fd, const unsigned char *data, size_t len)
{
  static const char digits[] = "0123456789abcdef";
  char hex[2 * KTSTR_EXEC_CHUNK + 1];
  for (size_t i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 15];
    }
  hex[2 * len] = '\0';
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "out");
  ktstr_json_u64 (&j, "fd", (uint64_t)fd);
  ktstr_json_str (&j, "hex", hex);
  ktstr_json_end (&j);
  int rc = j.failed ? -1 : ktstr_ctrl_write (ctrl, j.buf, j.len);
  ktstr_json_clear (&j);
  return rc;
}

static int
send_exit (KtstrCtrl *ctrl, int code, uint64_t elapsed_ms)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "exit");
  ktstr_json_i64 (&j, "exit_code", code);
  ktstr_json_u64 (&j, "elapsed_ms", elapsed_ms);
  ktstr_json_end (&j);
  int rc = j.failed ? -1 : ktstr_ctrl_write (ctrl, j.buf, j.len);
  ktstr_json_clear (&j);
  return rc;
}

/* Run mode: forwards both pipes until the program has ended and nothing
 * is left to read.  A background process of the program that keeps a
 * pipe open does not hold the run: once the program itself has exited,
 * what is readable is sent and the rest is dropped. */
static void
forward_output (KtstrCtrl *ctrl, pid_t pid, int out_fd, int err_fd, int *status)
{
  struct pollfd pfd[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
  const int stream[2] = { 1, 2 };
  unsigned open_fds = 2;
  bool has_exited = false;
  unsigned char buf[KTSTR_EXEC_CHUNK];
  while (open_fds > 0)
    {
      int n = poll (pfd, 2, has_exited ? 0 : 200);
      if (n < 0 && errno == EINTR)
        continue;
      for (int i = 0; i < 2 && n > 0; i++)
        {
          if (pfd[i].fd < 0 || pfd[i].revents == 0)
            continue;
          ssize_t r = read (pfd[i].fd, buf, sizeof buf);
          if (r > 0)
            send_out (ctrl, stream[i], buf, (size_t)r);
          else if (r == 0 || (errno != EINTR && errno != EAGAIN))
            {
              close (pfd[i].fd);
              pfd[i].fd = -1;
              open_fds--;
            }
        }
      if (!has_exited && waitpid (pid, status, WNOHANG) == pid)
        has_exited = true;
      else if (has_exited && n == 0)
        break;
    }
  for (int i = 0; i < 2; i++)
    if (pfd[i].fd >= 0)
      close (pfd[i].fd);
  while (!has_exited)
    {
      if (waitpid (pid, status, 0) == pid)
        has_exited = true;
      else if (errno != EINTR)
        {
          *status = 255 << 8;
          break;
        }
    }
}

static int
run_mode (const KtstrExecSpec *spec, KtstrCtrl *ctrl, const int *keep_out, unsigned n_keep_out,
          int *status, KtstrError *err)
{
  int out[2], errp[2];
  if (pipe2 (out, O_CLOEXEC) != 0)
    {
      ktstr_error_set (err, "pipe: %s", strerror (errno));
      return -1;
    }
  if (pipe2 (errp, O_CLOEXEC) != 0)
    {
      ktstr_error_set (err, "pipe: %s", strerror (errno));
      close (out[0]);
      close (out[1]);
      return -1;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      ktstr_error_set (err, "fork: %s", strerror (errno));
      close (out[0]);
      close (out[1]);
      close (errp[0]);
      close (errp[1]);
      return -1;
    }
  if (pid == 0)
    {
      child_reset (keep_out, n_keep_out);
      setsid ();
      int null = open ("/dev/null", O_RDONLY);
      if (null >= 0)
        dup2 (null, STDIN_FILENO);
      dup2 (out[1], STDOUT_FILENO);
      dup2 (errp[1], STDERR_FILENO);
      child_exec (spec);
    }
  close (out[1]);
  close (errp[1]);
  forward_output (ctrl, pid, out[0], errp[0], status);
  return 0;
}

static int
shell_mode (const KtstrExecSpec *spec, const int *keep_out, unsigned n_keep_out, int *status,
            KtstrError *err)
{
  /* Checked here, where a failure can still be reported. */
  int probe = open (spec->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (probe < 0)
    {
      ktstr_error_set (err, "cannot open the terminal %s: %s", spec->tty, strerror (errno));
      return -1;
    }
  close (probe);
  pid_t pid = fork ();
  if (pid < 0)
    {
      ktstr_error_set (err, "fork: %s", strerror (errno));
      return -1;
    }
  if (pid == 0)
    {
      child_reset (keep_out, n_keep_out);
      /* A new session whose controlling terminal is the console, so the
       * shell has job control and Ctrl-C reaches what it runs. */
      setsid ();
      int fd = open (spec->tty, O_RDWR);
      if (fd < 0)
        _exit (126);
      ioctl (fd, TIOCSCTTY, 0);
      if (spec->rows > 0 && spec->cols > 0)
        {
          struct winsize ws
              = { .ws_row = (unsigned short)spec->rows, .ws_col = (unsigned short)spec->cols };
          ioctl (fd, TIOCSWINSZ, &ws);
        }
      dup2 (fd, STDIN_FILENO);
      dup2 (fd, STDOUT_FILENO);
      dup2 (fd, STDERR_FILENO);
      if (fd > STDERR_FILENO)
        close (fd);
      tcsetpgrp (STDIN_FILENO, getpid ());
      child_exec (spec);
    }
  while (waitpid (pid, status, 0) != pid)
    if (errno != EINTR)
      {
        *status = 255 << 8;
        break;
      }
  return 0;
}

int
ktstr_exec_run (const KtstrExecSpec *spec, KtstrCtrl *ctrl, const int *keep_out,
                unsigned n_keep_out, KtstrError *err)
{
  uint64_t start = ktstr_now_ns ();
  int status = 0;
  int rc = spec->mode == KTSTR_EXEC_MODE_SHELL
               ? shell_mode (spec, keep_out, n_keep_out, &status, err)
               : run_mode (spec, ctrl, keep_out, n_keep_out, &status, err);
  if (rc != 0)
    return -1;
  send_exit (ctrl, ktstr_exec_status_code (status), (ktstr_now_ns () - start) / 1000000ull);
  return 0;
}

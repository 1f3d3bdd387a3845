/* ktstr-init: the guest agent.  As PID 1 of a ktstr initramfs it mounts
 * what it needs, finds its control port, runs the plan at KTSTR_PLAN_PATH
 * and powers off.  Run by hand (not PID 1), `--run-plan FILE` runs the same
 * plan as an ordinary process, which is how the tests exercise it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proto.h"
#include "guest-init/agent.h"
#include "guest-init/ctrl.h"
#include "guest-init/mounts.h"
#include "guest-init/poweroff.h"
#include "guest-init/util.h"

/* The words of /proc/cmdline that concern us. */
static void
read_cmdline (bool *has_mark, char *ctrl_dev, size_t len)
{
  char buf[4096];
  *has_mark = false;
  ctrl_dev[0] = '\0';
  if (ktstr_read_text ("/proc/cmdline", buf, sizeof buf) < 0)
    return;
  for (char *save = NULL, *w = strtok_r (buf, " \t\n", &save); w != NULL;
       w = strtok_r (NULL, " \t\n", &save))
    {
      if (strcmp (w, KTSTR_CMDLINE_MARK) == 0)
        *has_mark = true;
      else if (strncmp (w, KTSTR_CMDLINE_CTRL, strlen (KTSTR_CMDLINE_CTRL)) == 0)
        snprintf (ctrl_dev, len, "%s", w + strlen (KTSTR_CMDLINE_CTRL));
    }
}

static __attribute__ ((noreturn)) void
pid1_main (void)
{
  KtstrMountWarnings warnings;
  KtstrCtrl ctrl;
  KtstrError err;
  bool has_mark;
  char ctrl_dev[256];

  uint64_t start_ms = ktstr_clock_ns (CLOCK_BOOTTIME) / 1000000ull;
  ktstr_guard_init (true);
  ktstr_guard_arm_ms (KTSTR_GUARD_DEFAULT_MS, KTSTR_GUARD_DEFAULT_MS);
  ktstr_mounts_setup (&warnings);
  ktstr_mounts_console_stdio ();
  for (unsigned i = 0; i < warnings.n; i++)
    ktstr_diag ("%s", warnings.msg[i]);
  read_cmdline (&has_mark, ctrl_dev, sizeof ctrl_dev);
  uint64_t mounted_ms = ktstr_clock_ns (CLOCK_BOOTTIME) / 1000000ull;

  ktstr_guard_phase ("looking for the control port");
  if (ktstr_ctrl_open_port (&ctrl, ctrl_dev[0] ? ctrl_dev : NULL, KTSTR_CTRL_WAIT_MS, &err) != 0)
    {
      /* Nowhere to report but the console: the host sees no hello and
       * calls it a boot failure, with these lines in the console log. */
      ktstr_diag ("%s", err.msg);
      ktstr_diag ("powering off");
      ktstr_finish (1);
    }
  ktstr_guard_set_ctrl_fd (ctrl.fd);
  /* Where boot time goes is a recurring question; answer it in every run. */
  char note[400];
  snprintf (note, sizeof note,
            "init started at %llu ms after boot, mounts done at %llu ms, "
            "control port %s open at %llu ms",
            (unsigned long long)start_ms, (unsigned long long)mounted_ms, ctrl.path,
            (unsigned long long)(ktstr_clock_ns (CLOCK_BOOTTIME) / 1000000ull));

  KtstrAgentOptions o = {
    .plan_path = KTSTR_PLAN_PATH,
    .sysfs_root = "/sys",
    .cgroup_root = KTSTR_CGROUP_ROOT,
    .want_cgroups = true,
    .require_cgroups = true,
    .is_pid1 = true,
    .mount_warnings = &warnings,
    .has_cmdline_mark = has_mark,
    .startup_note = note,
    .exec_spec_path = KTSTR_EXEC_SPEC_PATH,
  };
  int code = ktstr_agent_run (&ctrl, &o);
  ktstr_guard_phase ("flushing the control port");
  ktstr_ctrl_flush (&ctrl);
  ktstr_finish (code);
}

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: ktstr-init                       (as PID 1 in a ktstr guest)\n"
           "       ktstr-init --run-plan FILE [OPTION...]\n"
           "       ktstr-init --exec-spec FILE [OPTION...]\n"
           "\n"
           "Runs a ktstr test plan.  As PID 1 it reads %s, reports on the virtio-serial\n"
           "port '%s' and powers off.  With --run-plan it runs FILE as an ordinary\n"
           "process and writes the same JSON lines to stdout.\n"
           "\n"
           "  --run-plan FILE      run the plan in FILE\n"
           "  --out FILE           write the JSON lines to FILE instead of stdout\n"
           "  --no-cgroups         do not create cgroups (cpusets are resolved and reported)\n"
           "  --sysfs-root DIR     read the CPU topology and sched_ext state below DIR instead\n"
           "                       of /sys\n"
           "  --cgroup-root DIR    create the scenario's cgroups in DIR (default %s)\n"
           "  --exec-spec FILE     run the one program FILE describes instead of a plan\n"
           "                       (what ktstr run and ktstr shell pack as %s)\n"
           "  --help               show this help\n"
           "  --version            show the version\n",
           KTSTR_PLAN_PATH, KTSTR_CTRL_PORT_NAME, KTSTR_CGROUP_ROOT, KTSTR_EXEC_SPEC_PATH);
}

int
main (int argc, char **argv)
{
  if (getpid () == 1)
    pid1_main ();

  enum
  {
    OPT_RUN_PLAN = 256,
    OPT_OUT,
    OPT_NO_CGROUPS,
    OPT_SYSFS_ROOT,
    OPT_CGROUP_ROOT,
    OPT_EXEC_SPEC,
    OPT_HELP,
    OPT_VERSION
  };
  static const struct option opts[] = {
    { "run-plan", required_argument, NULL, OPT_RUN_PLAN },
    { "out", required_argument, NULL, OPT_OUT },
    { "no-cgroups", no_argument, NULL, OPT_NO_CGROUPS },
    { "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT },
    { "cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT },
    { "exec-spec", required_argument, NULL, OPT_EXEC_SPEC },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
  };
  KtstrAgentOptions o = {
    .sysfs_root = "/sys",
    .cgroup_root = KTSTR_CGROUP_ROOT,
    .want_cgroups = true,
  };
  const char *out = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_RUN_PLAN:
        o.plan_path = optarg;
        break;
      case OPT_OUT:
        out = optarg;
        break;
      case OPT_NO_CGROUPS:
        o.want_cgroups = false;
        break;
      case OPT_SYSFS_ROOT:
        o.sysfs_root = optarg;
        break;
      case OPT_CGROUP_ROOT:
        o.cgroup_root = optarg;
        break;
      case OPT_EXEC_SPEC:
        o.exec_spec_path = optarg;
        break;
      case OPT_HELP:
        usage (stdout);
        return 0;
      case OPT_VERSION:
        printf ("ktstr-init %s (protocol %d)\n", PACKAGE_VERSION, KTSTR_PROTO_VERSION);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind < argc)
    {
      fprintf (stderr, "ktstr-init: unexpected argument '%s'\n", argv[optind]);
      return 2;
    }
  if (o.plan_path == NULL && o.exec_spec_path == NULL)
    {
      fprintf (stderr, "ktstr-init: not PID 1, and no --run-plan FILE or --exec-spec FILE given.\n"
                       "ktstr-init is the init of a ktstr guest; to run a plan on this machine use "
                       "'ktstr-init --run-plan FILE' (see --help).\n");
      return 2;
    }

  int fd = STDOUT_FILENO;
  if (out != NULL)
    {
      fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          fprintf (stderr, "ktstr-init: cannot open --out '%s': %s\n", out, strerror (errno));
          return 2;
        }
    }
  KtstrCtrl ctrl;
  ktstr_ctrl_init_fd (&ctrl, fd, out != NULL ? out : "stdout");
  ktstr_guard_init (false);
  ktstr_guard_arm_ms (KTSTR_GUARD_DEFAULT_MS, KTSTR_GUARD_DEFAULT_MS);
  ktstr_guard_set_ctrl_fd (fd);
  int code = ktstr_agent_run (&ctrl, &o);
  ktstr_ctrl_flush (&ctrl);
  return code;
}

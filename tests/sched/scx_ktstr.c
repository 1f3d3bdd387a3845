/* scx_ktstr: loader of the fixture scheduler (scx_ktstr.bpf.c, embedded
 * as scx_ktstr_bpf_o[] by the build).  Loads and attaches it, then breaks
 * it on request:
 *   --stall-after N   dispatch stops moving tasks after N seconds; the
 *                     sched_ext watchdog then ejects the scheduler
 *                     ("runnable task stall", exit kind 1026)
 *   --error-after N   scx_bpf_error() after N seconds (kind 1025)
 *   --degrade         random CPU placement (more migrations, no stall)
 *   --crowd           every task that may run on CPU 0 queues there: a
 *                     sustained imbalance, no stall
 *   --error-init      scx_bpf_error() from ops.init: the kernel ejects
 *                     the scheduler as it is being enabled
 *   --timeout-ms MS   the watchdog timeout (sched_ext caps it at 30 s)
 *   --fail-verify     a program the verifier rejects: loading fails
 * It runs until SIGINT/SIGTERM or until the kernel disables it, then
 * prints the exit record ("EXIT: <reason> (<message>)") on stderr and
 * exits 0 when stopped, 1 when the kernel ejected it.
 *
 * It uses libbpf's bpf_object API rather than a bpftool skeleton: the
 * backports bpftool (7.5) emits skeletons for libbpf >= 1.5, and Debian 12
 * backports ship libbpf 1.4.  Load-time variables (.rodata) are found
 * through the object's BTF; the run-time knobs and the exit record are
 * array maps read and written with the bpf syscall, since libbpf 1.4's
 * mmap()ed .bss did not reach the kernel's copy in our tests. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scx_ktstr.h"

extern const unsigned char scx_ktstr_bpf_o[];
extern const unsigned long scx_ktstr_bpf_o_len;

static volatile sig_atomic_t is_stopping;

static void
on_signal (int sig)
{
  (void)sig;
  is_stopping = 1;
}

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
parse_num (const char *opt, const char *s)
{
  char *end = NULL;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0)
    {
      fprintf (stderr, "scx_ktstr: %s wants a number of 0 or more, not '%s'\n", opt, s);
      exit (2);
    }
  return v;
}

/* The global data map whose name ends in SUFFIX (".rodata", ".bss"). */
static struct bpf_map *
data_map (struct bpf_object *obj, const char *suffix)
{
  struct bpf_map *m;
  size_t n = strlen (suffix);
  bpf_object__for_each_map (m, obj)
  {
    const char *name = bpf_map__name (m);
    size_t len = strlen (name);
    if (len >= n && strcmp (name + len - n, suffix) == 0)
      return m;
  }
  return NULL;
}

/* Address of variable VAR in section SEC's memory at BASE. */
static void *
var_addr (struct bpf_object *obj, void *base, const char *sec, const char *var)
{
  struct btf *btf = bpf_object__btf (obj);
  int id = btf__find_by_name_kind (btf, sec, BTF_KIND_DATASEC);
  if (base == NULL || id < 0)
    return NULL;
  const struct btf_type *t = btf__type_by_id (btf, id);
  const struct btf_var_secinfo *v = btf_var_secinfos (t);
  for (int i = 0; i < btf_vlen (t); i++)
    {
      const struct btf_type *vt = btf__type_by_id (btf, v[i].type);
      if (strcmp (btf__name_by_offset (btf, vt->name_off), var) == 0)
        return (char *)base + v[i].offset;
    }
  return NULL;
}

/* Address of member MEMBER of struct STRUCT_NAME at BASE. */
static void *
member_addr (struct bpf_object *obj, void *base, const char *struct_name, const char *member)
{
  struct btf *btf = bpf_object__btf (obj);
  int id = btf__find_by_name_kind (btf, struct_name, BTF_KIND_STRUCT);
  if (base == NULL || id < 0)
    return NULL;
  const struct btf_type *t = btf__type_by_id (btf, id);
  const struct btf_member *m = btf_members (t);
  for (int i = 0; i < btf_vlen (t); i++)
    if (strcmp (btf__name_by_offset (btf, m[i].name_off), member) == 0)
      return (char *)base + btf_member_bit_offset (t, i) / 8;
  return NULL;
}

static void *
need (void *p, const char *what)
{
  if (p == NULL)
    {
      fprintf (stderr, "scx_ktstr: the BPF object has no %s (a build mismatch)\n", what);
      exit (1);
    }
  return p;
}

int
main (int argc, char **argv)
{
  static const struct option opts[] = {
    { "stall-after", required_argument, NULL, 's' },
    { "error-after", required_argument, NULL, 'e' },
    { "degrade", no_argument, NULL, 'd' },
    { "crowd", no_argument, NULL, 'c' },
    { "error-init", no_argument, NULL, 'i' },
    { "timeout-ms", required_argument, NULL, 't' },
    { "fail-verify", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *usage
      = "Usage: scx_ktstr [--stall-after SECS] [--error-after SECS] [--degrade]\n"
        "                 [--crowd] [--error-init] [--timeout-ms MS] [--fail-verify]\n";
  long stall_after = -1, error_after = -1, timeout_ms = -1;
  bool is_degraded = false, is_failing = false, is_crowded = false, is_init_failing = false;
  int c;
  while ((c = getopt_long (argc, argv, "s:e:dcit:fh", opts, NULL)) != -1)
    switch (c)
      {
      case 's':
        stall_after = parse_num ("--stall-after", optarg);
        break;
      case 'e':
        error_after = parse_num ("--error-after", optarg);
        break;
      case 'd':
        is_degraded = true;
        break;
      case 'c':
        is_crowded = true;
        break;
      case 'i':
        is_init_failing = true;
        break;
      case 't':
        timeout_ms = parse_num ("--timeout-ms", optarg);
        break;
      case 'f':
        is_failing = true;
        break;
      case 'h':
        fputs (usage, stdout);
        return 0;
      default:
        fputs (usage, stderr);
        return 2;
      }
  if (optind < argc)
    {
      fputs (usage, stderr);
      return 2;
    }

  /* Unbuffered: the lines must reach the host live, even if we die. */
  setvbuf (stdout, NULL, _IONBF, 0);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);

  LIBBPF_OPTS (bpf_object_open_opts, oo, .object_name = "scx_ktstr");
  struct bpf_object *obj = bpf_object__open_mem (scx_ktstr_bpf_o, scx_ktstr_bpf_o_len, &oo);
  if (obj == NULL)
    {
      fprintf (stderr, "scx_ktstr: cannot open the BPF object: %s\n", strerror (errno));
      return 1;
    }
  size_t sz = 0;
  struct bpf_map *rodata = need (data_map (obj, ".rodata"), ".rodata map");
  struct bpf_map *ops = need (bpf_object__find_map_by_name (obj, "ktstr_ops"), "ktstr_ops");
  void *ro = bpf_map__initial_value (rodata, &sz);
  int ncpus = libbpf_num_possible_cpus ();
  *(unsigned *)need (var_addr (obj, ro, ".rodata", "nr_cpus"), "nr_cpus") = ncpus > 0 ? ncpus : 1;
  *(bool *)need (var_addr (obj, ro, ".rodata", "degrade"), "degrade") = is_degraded;
  *(bool *)need (var_addr (obj, ro, ".rodata", "crowd"), "crowd") = is_crowded;
  *(bool *)need (var_addr (obj, ro, ".rodata", "error_init"), "error_init") = is_init_failing;
  *(bool *)need (var_addr (obj, ro, ".rodata", "fail_verify"), "fail_verify") = is_failing;
  if (timeout_ms >= 0)
    *(unsigned *)need (
        member_addr (obj, bpf_map__initial_value (ops, &sz), "sched_ext_ops", "timeout_ms"),
        "sched_ext_ops.timeout_ms")
        = (unsigned)timeout_ms;

  /* On failure libbpf prints the verifier log between its
   * "-- BEGIN PROG LOAD LOG --" and "-- END PROG LOAD LOG --" lines. */
  int err = bpf_object__load (obj);
  if (err != 0)
    {
      fprintf (stderr, "scx_ktstr: failed to load the BPF scheduler: %s\n", strerror (-err));
      bpf_object__close (obj);
      return 1;
    }
  int knobs_fd = bpf_map__fd (need (bpf_object__find_map_by_name (obj, "knobs"), "knobs"));
  int exit_fd = bpf_map__fd (need (bpf_object__find_map_by_name (obj, "exit_info"), "exit_info"));
  struct ktstr_knobs knobs = { 0 };
  struct ktstr_uei uei = { 0 };
  const unsigned zero = 0;

  struct bpf_link *link = bpf_map__attach_struct_ops (ops);
  if (link == NULL)
    {
      fprintf (stderr, "scx_ktstr: failed to attach the BPF scheduler: %s\n", strerror (errno));
      bpf_object__close (obj);
      return 1;
    }
  printf ("scx_ktstr: attached (stall-after %ld, error-after %ld, degrade %d, crowd %d, "
          "timeout-ms %ld)\n",
          stall_after, error_after, is_degraded, is_crowded, timeout_ms);

  double start = now_s ();
  while (!is_stopping && bpf_map_lookup_elem (exit_fd, &zero, &uei) == 0 && uei.kind == 0)
    {
      double t = now_s () - start;
      int is_changed = 0;
      if (stall_after >= 0 && t >= stall_after && !knobs.stall)
        {
          printf ("scx_ktstr: stalling dispatch after %ld s\n", stall_after);
          knobs.stall = is_changed = 1;
        }
      if (error_after >= 0 && t >= error_after && !knobs.crash)
        {
          printf ("scx_ktstr: calling scx_bpf_error after %ld s\n", error_after);
          knobs.crash_after_s = (unsigned long long)error_after;
          knobs.crash = is_changed = 1;
        }
      if (is_changed && bpf_map_update_elem (knobs_fd, &zero, &knobs, BPF_ANY) != 0)
        fprintf (stderr, "scx_ktstr: cannot set the knobs: %s\n", strerror (errno));
      usleep (100 * 1000);
    }

  bpf_link__destroy (link); /* detaching records the exit when we stop */
  bpf_map_lookup_elem (exit_fd, &zero, &uei);
  int kind = uei.kind;
  fprintf (stderr, "EXIT: %s", uei.reason[0] ? uei.reason : "unknown");
  if (uei.msg[0])
    fprintf (stderr, " (%s)", uei.msg);
  fprintf (stderr, " [kind %d]\n", kind);
  bpf_object__close (obj);
  /* SCX_EXIT_ERROR and up (1024+): the kernel ejected us. */
  return kind >= 1024 ? 1 : 0;
}

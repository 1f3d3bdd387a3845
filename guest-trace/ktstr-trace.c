/* ktstr-trace: the event recorder of ktstr's auto-repro, run in the guest
 * by the agent after the scheduler under test is enabled and before the
 * scenario starts.  It attaches
 *   - a kprobe on each kernel function of --kprobes (the call chain of a
 *     crash seen in an earlier run) and on the --trigger function (the
 *     kernel's sched_ext error path: the 6.12 kernels have no sched_ext
 *     exit tracepoint, so its entry is where the exit is decided), and
 *   - an fentry and an fexit program on every struct_ops program loaded
 *     in the kernel (the scheduler's callbacks),
 * keeps the last --keep events in memory, and when the trigger fires
 * (plus --settle-ms for the callback to return) or on SIGINT/SIGTERM
 * prints the events of the task that hit the trigger, then the last
 * events of all tasks, oldest first, and exits.  Its stdout is line
 * based, one record a line, for the agent to forward to the host:
 *   probe ok|fail KIND NAME [WHY]   one per probe (KIND kprobe|entry|exit)
 *   missing WHAT                    a kernel feature it lacks
 *   ready N                         N probes attached; events flow
 *   trigger TS_NS TID COMM ARG      the trigger fired (ARG: its first
 *                                   argument, the exit kind)
 *   task|all TS_NS TID CPU KIND NAME ARG COMM   one event ("task": the
 *                                   trigger's task, up to the return of
 *                                   the callback it was in; "all": every
 *                                   task's last ones)
 *   note TEXT                       a diagnostic (libbpf's warnings)
 *   end triggered|stopped EVENTS DROPPED
 * Exit status 0 after "end", 1 when nothing could be attached, 2 on a
 * usage error.  It uses libbpf's bpf_object API (no skeleton, as the
 * fixture scheduler does, for libbpf 1.4). */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktstr-trace.h"

extern const unsigned char ktstr_trace_bpf_o[];
extern const unsigned long ktstr_trace_bpf_o_len;

#define MAX_KPROBES 64
#define NAME_MAX_LEN 128
#define DEFAULT_KEEP 4096
#define PRINT_TASK 48
#define PRINT_ALL 32

static volatile sig_atomic_t is_stopping;

static struct
{
  char kprobe[MAX_KPROBES][NAME_MAX_LEN]; /* kprobe names; the last is the trigger */
  unsigned n_kprobes;
  int trigger; /* index in kprobe[] or -1 */
  char slot[KTSTR_TRACE_SLOTS][NAME_MAX_LEN];
  int slot_fd[KTSTR_TRACE_SLOTS];
  unsigned n_slots;
  struct ktstr_trace_event *ring;
  unsigned keep, head, count;
  unsigned long long total;
  bool is_triggered;
  struct ktstr_trace_event trigger_ev;
  struct timespec trigger_at;
} T = { .trigger = -1 };

static void
on_signal (int sig)
{
  (void)sig;
  is_stopping = 1;
}

static const char *
kind_name (unsigned kind)
{
  switch (kind)
    {
    case KTSTR_TRACE_KPROBE:
      return "kprobe";
    case KTSTR_TRACE_ENTRY:
      return "entry";
    case KTSTR_TRACE_EXIT:
      return "exit";
    default:
      return "?";
    }
}

static const char *
fn_name (const struct ktstr_trace_event *e)
{
  if (e->kind == KTSTR_TRACE_KPROBE)
    return e->fn < T.n_kprobes ? T.kprobe[e->fn] : "?";
  return e->fn < T.n_slots ? T.slot[e->fn] : "?";
}

/* Splits the comma-separated LIST into kprobe names. */
static void
add_kprobes (const char *list)
{
  char buf[4096];
  snprintf (buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r (buf, ",", &save); tok != NULL;
       tok = strtok_r (NULL, ",", &save))
    {
      if (*tok == '\0' || T.n_kprobes >= MAX_KPROBES - 1)
        continue;
      snprintf (T.kprobe[T.n_kprobes++], NAME_MAX_LEN, "%s", tok);
    }
}

static long
parse_num (const char *opt, const char *s)
{
  char *end = NULL;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 1000000)
    {
      fprintf (stderr, "ktstr-trace: %s wants a number from 1 to 1000000, not '%s'\n", opt, s);
      exit (2);
    }
  return v;
}

/* The BTF name of the program FD's main function (a struct_ops program's
 * name is cut to 15 characters in bpf_prog_info; its BTF has it whole). */
static bool
prog_func_name (int fd, const struct bpf_prog_info *info, char *out, size_t len)
{
  struct bpf_func_info fi;
  struct bpf_prog_info one = { 0 };
  __u32 one_len = sizeof one;
  if (info->nr_func_info == 0 || info->btf_id == 0)
    return false;
  one.nr_func_info = 1;
  one.func_info_rec_size = sizeof fi;
  one.func_info = (__u64)(unsigned long)&fi;
  if (bpf_prog_get_info_by_fd (fd, &one, &one_len) != 0)
    return false;
  struct btf *btf = btf__load_from_kernel_by_id (info->btf_id);
  if (btf == NULL)
    return false;
  const struct btf_type *t = btf__type_by_id (btf, fi.type_id);
  const char *name = t != NULL ? btf__name_by_offset (btf, t->name_off) : NULL;
  if (name != NULL)
    snprintf (out, len, "%s", name);
  btf__free (btf);
  return name != NULL;
}

/* The struct_ops programs in the kernel now: the scheduler's callbacks. */
static void
find_struct_ops (void)
{
  __u32 id = 0;
  while (T.n_slots < KTSTR_TRACE_SLOTS && bpf_prog_get_next_id (id, &id) == 0)
    {
      int fd = bpf_prog_get_fd_by_id (id);
      if (fd < 0)
        continue;
      struct bpf_prog_info info = { 0 };
      __u32 info_len = sizeof info;
      if (bpf_prog_get_info_by_fd (fd, &info, &info_len) != 0
          || info.type != BPF_PROG_TYPE_STRUCT_OPS
          || !prog_func_name (fd, &info, T.slot[T.n_slots], NAME_MAX_LEN))
        {
          close (fd);
          continue;
        }
      T.slot_fd[T.n_slots++] = fd;
    }
}

static struct bpf_program *
slot_prog (struct bpf_object *obj, const char *prefix, unsigned i)
{
  char name[32];
  snprintf (name, sizeof name, "%s_%u", prefix, i);
  return bpf_object__find_program_by_name (obj, name);
}

/* Opens the embedded object with an fentry/fexit pair per struct_ops
 * program when WITH_SLOTS, and loads it. */
static struct bpf_object *
open_and_load (bool with_slots, int *err)
{
  struct bpf_object *obj = bpf_object__open_mem (ktstr_trace_bpf_o, ktstr_trace_bpf_o_len, NULL);
  if (obj == NULL)
    {
      *err = -errno;
      return NULL;
    }
  for (unsigned i = 0; i < KTSTR_TRACE_SLOTS; i++)
    for (int k = 0; k < 2; k++)
      {
        struct bpf_program *p = slot_prog (obj, k ? "exit" : "entry", i);
        if (p == NULL)
          continue;
        bool use = with_slots && i < T.n_slots;
        bpf_program__set_autoload (p, use);
        if (use)
          bpf_program__set_attach_target (p, T.slot_fd[i], T.slot[i]);
      }
  *err = bpf_object__load (obj);
  if (*err != 0)
    {
      bpf_object__close (obj);
      return NULL;
    }
  return obj;
}

static void
keep_event (const struct ktstr_trace_event *e)
{
  T.ring[T.head] = *e;
  T.head = (T.head + 1) % T.keep;
  if (T.count < T.keep)
    T.count++;
  T.total++;
}

static int
on_event (void *ctx, void *data, size_t len)
{
  (void)ctx;
  if (len < sizeof (struct ktstr_trace_event))
    return 0;
  const struct ktstr_trace_event *e = data;
  keep_event (e);
  if (!T.is_triggered && e->kind == KTSTR_TRACE_KPROBE && (int)e->fn == T.trigger)
    {
      T.is_triggered = true;
      T.trigger_ev = *e;
      clock_gettime (CLOCK_MONOTONIC, &T.trigger_at);
    }
  return 0;
}

static int
by_time (const void *a, const void *b)
{
  const struct ktstr_trace_event *x = a, *y = b;
  return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static void
print_event (const char *what, const struct ktstr_trace_event *e)
{
  printf ("%s %llu %u %u %s %s %llu %.16s\n", what, e->ts_ns, e->tid, e->cpu, kind_name (e->kind),
          fn_name (e), e->arg, e->comm[0] ? e->comm : "?");
}

/* The kept events, oldest first, then the trigger's task's last
 * PRINT_TASK and everyone's last PRINT_ALL. */
static void
dump (unsigned long long dropped)
{
  struct ktstr_trace_event *ev = calloc (T.count ? T.count : 1, sizeof *ev);
  if (ev == NULL)
    return;
  for (unsigned i = 0; i < T.count; i++)
    ev[i] = T.ring[(T.head + T.keep - T.count + i) % T.keep];
  /* Ring buffer order is per CPU; time order is what a reader wants. */
  qsort (ev, T.count, sizeof *ev, by_time);
  if (T.is_triggered)
    {
      const struct ktstr_trace_event *t = &T.trigger_ev;
      printf ("trigger %llu %u %.16s %llu\n", t->ts_ns, t->tid, t->comm, t->arg);
      /* The task's events up to the trigger and on until the callback it
       * ran in returned (its first fexit after the trigger): what came
       * after that is no longer on the way to the error. */
      unsigned end = T.count;
      for (unsigned i = 0; i < T.count; i++)
        if (ev[i].tid == t->tid && ev[i].ts_ns > t->ts_ns && ev[i].kind == KTSTR_TRACE_EXIT)
          {
            end = i + 1;
            break;
          }
      unsigned n = 0, first = end;
      for (unsigned i = end; i-- > 0 && n < PRINT_TASK;)
        if (ev[i].tid == t->tid)
          {
            n++;
            first = i;
          }
      for (unsigned i = first; i < end; i++)
        if (ev[i].tid == t->tid)
          print_event ("task", &ev[i]);
    }
  unsigned from = T.count > PRINT_ALL ? T.count - PRINT_ALL : 0;
  for (unsigned i = from; i < T.count; i++)
    print_event ("all", &ev[i]);
  printf ("end %s %llu %llu\n", T.is_triggered ? "triggered" : "stopped", T.total, dropped);
  fflush (stdout);
  free (ev);
}

static double
since_ms (const struct timespec *t0)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t0->tv_sec) * 1e3 + (now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* What the kernel lacks for the probes, said once each. */
static void
report_missing (void)
{
  if (access ("/sys/kernel/btf/vmlinux", R_OK) != 0)
    printf ("missing btf: no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF); fentry/fexit on the "
            "scheduler's callbacks need it\n");
  if (access ("/sys/bus/event_source/devices/kprobe", R_OK) != 0)
    printf ("missing kprobes: no kprobe PMU (/sys/bus/event_source/devices/kprobe: "
            "CONFIG_KPROBES, CONFIG_KPROBE_EVENTS); call-chain and trigger probes need it\n");
}

/* libbpf's warnings as "note" lines, one per line, so that the host can
 * tell them from records; its debug output dropped.  FMT is libbpf's
 * printf format (the attribute lets the compiler check the vsnprintf). */
static int print_libbpf (enum libbpf_print_level level, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 2, 0)));

static int
print_libbpf (enum libbpf_print_level level, const char *fmt, va_list ap)
{
  if (level == LIBBPF_DEBUG)
    return 0;
  char buf[1024];
  vsnprintf (buf, sizeof buf, fmt, ap);
  for (char *save = NULL, *line = strtok_r (buf, "\n", &save); line != NULL;
       line = strtok_r (NULL, "\n", &save))
    printf ("note %s\n", line);
  return 0;
}

static void
usage (FILE *to)
{
  fprintf (to, "usage: ktstr-trace [--kprobes=F1,F2,...] [--trigger=FUNC] [--settle-ms=MS] "
               "[--keep=N]\n");
}

int
main (int argc, char **argv)
{
  static const struct option opts[] = { { "kprobes", required_argument, NULL, 'k' },
                                        { "trigger", required_argument, NULL, 't' },
                                        { "settle-ms", required_argument, NULL, 's' },
                                        { "keep", required_argument, NULL, 'n' },
                                        { "help", no_argument, NULL, 'h' },
                                        { NULL, 0, NULL, 0 } };
  const char *trigger = NULL;
  long settle_ms = 300, keep = DEFAULT_KEEP;
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case 'k':
        add_kprobes (optarg);
        break;
      case 't':
        trigger = optarg;
        break;
      case 's':
        settle_ms = parse_num ("--settle-ms", optarg);
        break;
      case 'n':
        keep = parse_num ("--keep", optarg);
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind != argc)
    {
      usage (stderr);
      return 2;
    }
  if (trigger != NULL)
    {
      T.trigger = (int)T.n_kprobes;
      snprintf (T.kprobe[T.n_kprobes++], NAME_MAX_LEN, "%s", trigger);
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  libbpf_set_strict_mode (LIBBPF_STRICT_ALL);
  libbpf_set_print (print_libbpf);
  T.keep = (unsigned)keep;
  T.ring = calloc (T.keep, sizeof *T.ring);
  if (T.ring == NULL)
    return 1;
  report_missing ();

  find_struct_ops ();
  int err = 0;
  struct bpf_object *obj = open_and_load (T.n_slots > 0, &err);
  if (obj == NULL && T.n_slots > 0)
    {
      printf ("missing fentry on struct_ops programs: loading failed (%s); tracing kernel "
              "functions only\n",
              strerror (-err));
      obj = open_and_load (false, &err);
    }
  if (obj == NULL)
    {
      printf ("missing bpf: the tracer's BPF object did not load (%s)\n", strerror (-err));
      printf ("end stopped 0 0\n");
      return 1;
    }

  unsigned attached = 0;
  struct bpf_program *kp = bpf_object__find_program_by_name (obj, "on_kprobe");
  for (unsigned i = 0; i < T.n_kprobes; i++)
    {
      LIBBPF_OPTS (bpf_kprobe_opts, ko, .bpf_cookie = i);
      struct bpf_link *l = bpf_program__attach_kprobe_opts (kp, T.kprobe[i], &ko);
      if (l == NULL)
        printf ("probe fail kprobe %s %s\n", T.kprobe[i], strerror (errno));
      else
        {
          printf ("probe ok kprobe %s\n", T.kprobe[i]);
          attached++;
        }
    }
  for (unsigned i = 0; i < T.n_slots; i++)
    for (int k = 0; k < 2; k++)
      {
        struct bpf_program *p = slot_prog (obj, k ? "exit" : "entry", i);
        if (p == NULL || !bpf_program__autoload (p))
          continue;
        struct bpf_link *l = bpf_program__attach (p);
        if (l == NULL)
          printf ("probe fail %s %s %s\n", k ? "exit" : "entry", T.slot[i], strerror (errno));
        else
          {
            printf ("probe ok %s %s\n", k ? "exit" : "entry", T.slot[i]);
            attached++;
          }
      }
  if (attached == 0)
    {
      printf ("end stopped 0 0\n");
      return 1;
    }
  struct ring_buffer *rb = ring_buffer__new (
      bpf_map__fd (bpf_object__find_map_by_name (obj, "events")), on_event, NULL, NULL);
  if (rb == NULL)
    {
      printf ("missing ringbuf: %s\n", strerror (errno));
      printf ("end stopped 0 0\n");
      return 1;
    }
  printf ("ready %u\n", attached);
  while (!is_stopping)
    {
      int r = ring_buffer__poll (rb, 50);
      if (r < 0 && r != -EINTR)
        break;
      if (T.is_triggered && since_ms (&T.trigger_at) >= settle_ms)
        break;
    }
  ring_buffer__consume (rb);
  /* The drop counter lives in .bss, read through the map like the
   * fixture scheduler's records. */
  unsigned long long dropped = 0;
  struct bpf_map *bss = NULL, *m;
  bpf_object__for_each_map (m, obj)
  {
    const char *n = bpf_map__name (m);
    size_t len = strlen (n);
    if (len >= 4 && strcmp (n + len - 4, ".bss") == 0)
      bss = m;
  }
  if (bss != NULL)
    {
      __u32 zero = 0;
      size_t sz = bpf_map__value_size (bss);
      unsigned char *val = calloc (1, sz);
      if (val != NULL && bpf_map_lookup_elem (bpf_map__fd (bss), &zero, val) == 0
          && sz >= sizeof dropped)
        memcpy (&dropped, val, sizeof dropped);
      free (val);
    }
  dump (dropped);
  return 0;
}

#include "config.h"

#include "run/auto-repro.h"

#include <string.h>

#include "run/console-scan.h"
#include "util/datapath.h"
#include "util/json-util.h"

/* How many events of the trigger's task the report shows (the sidecar
 * keeps all the tracer printed). */
#define REPORT_EVENTS 24

char *
ktstr_auto_repro_find_tracer (GError **error)
{
  const char *env = g_getenv ("KTSTR_TRACE");
  if (env != NULL && *env != '\0')
    {
      if (g_file_test (env, G_FILE_TEST_IS_REGULAR))
        return g_strdup (env);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "KTSTR_TRACE='%s' is not a file; point it at a built ktstr-trace or unset it",
                   env);
      return NULL;
    }
#ifndef HAVE_BPF_TRACER
  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                       "--auto-repro needs the tracer ktstr-trace, and this ktstr was built "
                       "without it: configure found no clang with the BPF target or no libbpf "
                       ">= 1.4 (Debian: clang-19, and libbpf-dev from bookworm-backports); "
                       "install them, configure and build again, or run without --auto-repro");
  return NULL;
#else
  g_autofree char *path = ktstr_libexec_path ("guest-trace/ktstr-trace");
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "--auto-repro needs the tracer ktstr-trace, not found at %s; run 'make' (or "
               "'make install') or set KTSTR_TRACE",
               path);
  return NULL;
#endif
}

gboolean
ktstr_auto_repro_is_wanted (const KtstrSession *s, const KtstrVmResult *vm,
                            const char *console_text, const char **why)
{
  const char *unused;
  if (why == NULL)
    why = &unused;
  *why = NULL;
  if (!s->sched->is_expected || !s->sched->is_ready)
    return FALSE;
  g_autofree char *panic = ktstr_console_line_with (console_text, KTSTR_CONSOLE_PANIC_MARK);
  if (vm->end == KTSTR_VM_END_PANIC || panic != NULL)
    *why = "the kernel panicked while the scheduler ran";
  else if (s->sched->has_exited)
    *why = "the scheduler ended on its own during the run";
  else if (s->sched->has_left_enabled)
    *why = "sched_ext left the enabled state during the run";
  return *why != NULL;
}

/* ---- the call chain ---- */

/* A console line without its "[    6.762540] " stamp and leading blanks. */
static const char *
console_body (const char *line)
{
  const char *s = line;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '[')
    {
      const char *close = strchr (s, ']');
      if (close != NULL)
        s = close + 1;
    }
  while (*s == ' ' || *s == '\t')
    s++;
  return s;
}

/* The symbol of a frame line "[? ]SYMBOL+0xOFF/0xLEN[ [module]]", or NULL
 * when BODY is not one. */
static char *
frame_symbol (const char *body)
{
  if (g_str_has_prefix (body, "? "))
    return NULL; /* an unreliable frame: a stale address on the stack */
  size_t n = strspn (body, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
  if (n == 0 || !g_str_has_prefix (body + n, "+0x") || strchr (body + n, '/') == NULL)
    return NULL;
  return g_strndup (body, n);
}

/* The program name of a "bpf_prog_<16 hex>_<name>" symbol, or NULL. */
static char *
bpf_prog_name (const char *sym)
{
  if (!g_str_has_prefix (sym, "bpf_prog_"))
    return NULL;
  const char *tag = sym + strlen ("bpf_prog_");
  size_t hex = strspn (tag, "0123456789abcdef");
  if (hex != 16 || tag[16] != '_' || tag[17] == '\0')
    return NULL;
  return g_strdup (tag + 17);
}

/* Frames that are no use to probe: BPF trampolines and dispatchers (no
 * kernel function to kprobe), the syscall and interrupt entry code. */
static gboolean
is_skipped (const char *sym)
{
  static const char *const prefixes[]
      = { "bpf__",       "bpf_trampoline", "bpf_dispatcher", "entry_",
          "do_syscall_", "asm_",           "ret_from_fork" };
  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (sym, prefixes[i]))
      return TRUE;
  return FALSE;
}

/* The index of the line after the last one of LINES containing one of the
 * marks, or -1. */
static gint
after_last_mark (char **lines)
{
  gint at = -1;
  for (gint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "sched_ext: BPF scheduler") != NULL
        && strstr (lines[i], "disabled") != NULL)
      at = i + 1;
  if (at >= 0)
    return at;
  for (gint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "Call Trace:") != NULL)
      at = i + 1;
  return at;
}

gboolean
ktstr_auto_repro_call_chain (const char *console_text, char ***kernel_funcs, char ***bpf_progs)
{
  g_autoptr (GPtrArray) funcs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) progs = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (console_text != NULL ? console_text : "", "\n", -1);
  gint at = after_last_mark (lines);
  gboolean has_frames = FALSE;
  /* A few lines (the scheduler's message, "<TASK>") may come between the
   * mark and the first frame; the first other line after a frame ends it. */
  for (gint i = at, others = 0; at >= 0 && lines[i] != NULL && others < 4; i++)
    {
      const char *body = console_body (lines[i]);
      g_autofree char *sym = frame_symbol (body);
      if (sym == NULL)
        {
          if (g_str_has_prefix (body, "? ") || g_str_has_prefix (body, "<"))
            continue;
          if (has_frames)
            break;
          others++;
          continue;
        }
      has_frames = TRUE;
      char *prog = bpf_prog_name (sym);
      if (prog != NULL)
        g_ptr_array_add (progs, prog);
      else if (!is_skipped (sym) && funcs->len < KTSTR_AUTO_REPRO_MAX_KPROBES)
        g_ptr_array_add (funcs, g_steal_pointer (&sym));
    }
  g_ptr_array_add (funcs, NULL);
  g_ptr_array_add (progs, NULL);
  *kernel_funcs = (char **)g_ptr_array_steal (funcs, NULL);
  *bpf_progs = (char **)g_ptr_array_steal (progs, NULL);
  return has_frames;
}

char *
ktstr_auto_repro_plan_line (const char *guest_path, char *const *kprobes)
{
  /* A symbol is letters, digits, '_' and '.' (frame_symbol), so the
   * comma-joined list is one word of the line.  The trigger is probed
   * anyway. */
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  for (guint i = 0; kprobes != NULL && kprobes[i] != NULL; i++)
    if (!g_str_equal (kprobes[i], KTSTR_AUTO_REPRO_TRIGGER))
      g_strv_builder_add (names, kprobes[i]);
  g_auto (GStrv) list = g_strv_builder_end (names);
  g_autofree char *joined = g_strjoinv (",", list);
  return g_strdup_printf ("scheduler_tracer %s --trigger=%s%s%s\n", guest_path,
                          KTSTR_AUTO_REPRO_TRIGGER, *joined ? " --kprobes=" : "", joined);
}

/* ---- the tracer's output ---- */

static void
event_free (gpointer p)
{
  KtstrReproEvent *e = p;
  g_free (e->kind);
  g_free (e->fn);
  g_free (e->comm);
  g_free (e);
}

void
ktstr_auto_repro_free (KtstrAutoRepro *ar)
{
  if (ar == NULL)
    return;
  g_free (ar->trigger_comm);
  g_ptr_array_unref (ar->probes);
  g_ptr_array_unref (ar->failed);
  g_ptr_array_unref (ar->missing);
  g_ptr_array_unref (ar->events);
  g_ptr_array_unref (ar->all_events);
  g_ptr_array_unref (ar->bad_lines);
  g_free (ar);
}

static gboolean
parse_u64 (const char *s, guint64 *out)
{
  return g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, out, NULL);
}

/* "task|all TS TID CPU KIND NAME ARG COMM"; the comm may hold
 * spaces, so it is the rest of the line. */
static KtstrReproEvent *
parse_event (const char *line)
{
  g_auto (GStrv) w = g_strsplit (line, " ", 8);
  guint64 ts, tid, cpu, arg;
  if (g_strv_length (w) != 8 || !parse_u64 (w[1], &ts) || !parse_u64 (w[2], &tid)
      || !parse_u64 (w[3], &cpu) || !parse_u64 (w[6], &arg) || tid > G_MAXUINT || cpu > G_MAXUINT
      || (!g_str_equal (w[4], "kprobe") && !g_str_equal (w[4], "entry")
          && !g_str_equal (w[4], "exit")))
    return NULL;
  KtstrReproEvent *e = g_new0 (KtstrReproEvent, 1);
  e->ts_ns = ts;
  e->tid = (guint)tid;
  e->cpu = (guint)cpu;
  e->kind = g_strdup (w[4]);
  e->fn = g_strdup (w[5]);
  e->arg = arg;
  e->comm = g_strdup (w[7]);
  return e;
}

/* One line; FALSE when it is none of the tracer's records. */
static gboolean
parse_line (KtstrAutoRepro *ar, const char *line)
{
  if (g_str_has_prefix (line, "probe ok "))
    g_ptr_array_add (ar->probes, g_strdup (line + strlen ("probe ok ")));
  else if (g_str_has_prefix (line, "probe fail "))
    {
      g_auto (GStrv) w = g_strsplit (line + strlen ("probe fail "), " ", 3);
      if (g_strv_length (w) < 2)
        return FALSE;
      g_ptr_array_add (ar->failed,
                       g_strdup_printf ("%s %s: %s", w[0], w[1], w[2] ? w[2] : "unknown error"));
    }
  else if (g_str_has_prefix (line, "missing "))
    g_ptr_array_add (ar->missing, g_strdup (line + strlen ("missing ")));
  else if (g_str_has_prefix (line, "ready "))
    ar->is_ready = TRUE;
  else if (g_str_has_prefix (line, "trigger "))
    {
      g_auto (GStrv) w = g_strsplit (line, " ", 5);
      guint64 ts, tid, arg;
      if (g_strv_length (w) != 5 || !parse_u64 (w[1], &ts) || !parse_u64 (w[2], &tid)
          || !parse_u64 (w[4], &arg) || tid > G_MAXUINT)
        return FALSE;
      ar->reproduced = TRUE;
      ar->trigger_ts_ns = ts;
      ar->trigger_tid = (guint)tid;
      g_free (ar->trigger_comm);
      ar->trigger_comm = g_strdup (w[3]);
      ar->trigger_arg = arg;
    }
  else if (g_str_has_prefix (line, "task ") || g_str_has_prefix (line, "all "))
    {
      KtstrReproEvent *e = parse_event (line);
      if (e == NULL)
        return FALSE;
      g_ptr_array_add (line[0] == 't' ? ar->events : ar->all_events, e);
    }
  else if (g_str_has_prefix (line, "note "))
    ; /* libbpf's warnings, which the "probe fail" lines sum up */
  else if (g_str_has_prefix (line, "end "))
    {
      g_auto (GStrv) w = g_strsplit (line, " ", 4);
      if (g_strv_length (w) != 4 || !parse_u64 (w[2], &ar->events_seen)
          || !parse_u64 (w[3], &ar->events_dropped))
        return FALSE;
      ar->has_end = TRUE;
    }
  else
    return FALSE;
  return TRUE;
}

KtstrAutoRepro *
ktstr_auto_repro_parse (const GPtrArray *lines)
{
  KtstrAutoRepro *ar = g_new0 (KtstrAutoRepro, 1);
  ar->probes = g_ptr_array_new_with_free_func (g_free);
  ar->failed = g_ptr_array_new_with_free_func (g_free);
  ar->missing = g_ptr_array_new_with_free_func (g_free);
  ar->events = g_ptr_array_new_with_free_func (event_free);
  ar->all_events = g_ptr_array_new_with_free_func (event_free);
  ar->bad_lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines != NULL && i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      ar->has_output = TRUE;
      if (!parse_line (ar, line))
        g_ptr_array_add (ar->bad_lines, g_strdup (line));
    }
  return ar;
}

/* ---- report and sidecar ---- */

static void
append_list (GString *out, const char *title, const GPtrArray *items)
{
  if (items->len == 0)
    return;
  g_string_append_printf (out, "  %s:", title);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (out, "%s %s", i ? "," : "", (const char *)g_ptr_array_index (items, i));
  g_string_append_c (out, '\n');
}

static const char *
outcome_text (const KtstrAutoRepro *ar)
{
  if (!ar->has_output)
    return "the tracer printed nothing (it did not start: see the agent's log)";
  if (!ar->is_ready)
    return "the tracer attached no probe";
  if (ar->reproduced)
    return "reproduced";
  return "did not reproduce: the scheduler did not hit the sched_ext error path in the second run";
}

char *
ktstr_auto_repro_render (const KtstrAutoRepro *ar, const char *why, const char *null_reason)
{
  GString *out = g_string_new ("--- auto-repro ---\n");
  g_string_append_printf (out, "  why: %s; booted the test once more with probes\n", why);
  if (null_reason != NULL)
    {
      g_string_append_printf (out, "  second run: %s\n", null_reason);
      return g_string_free (out, FALSE);
    }
  g_string_append_printf (out, "  second run: %s\n", outcome_text (ar));
  append_list (out, "missing", ar->missing);
  append_list (out, "probes", ar->probes);
  append_list (out, "not attached", ar->failed);
  if (ar->reproduced)
    g_string_append_printf (out, "  trigger: %s (exit kind %" G_GUINT64_FORMAT ") in %s[%u]\n",
                            KTSTR_AUTO_REPRO_TRIGGER, ar->trigger_arg, ar->trigger_comm,
                            ar->trigger_tid);
  /* The trigger task's events; when it has none (it did not fire, or
   * fired outside any probed code), everyone's last ones. */
  gboolean is_task = ar->events->len > 0;
  const GPtrArray *events = is_task ? ar->events : ar->all_events;
  if (events->len > 0)
    {
      guint from = events->len > REPORT_EVENTS ? events->len - REPORT_EVENTS : 0;
      /* Times from the trigger (from the last event when it did not fire). */
      const KtstrReproEvent *last = g_ptr_array_index (events, events->len - 1);
      guint64 t0 = ar->reproduced ? ar->trigger_ts_ns : last->ts_ns;
      g_string_append_printf (
          out,
          "  last %u events of %s, oldest first (us from the %s; "
          "%" G_GUINT64_FORMAT " events seen, %" G_GUINT64_FORMAT " dropped):\n",
          events->len - from, is_task ? "that task" : "all tasks",
          ar->reproduced ? "trigger" : "last event", ar->events_seen, ar->events_dropped);
      for (guint i = from; i < events->len; i++)
        {
          const KtstrReproEvent *e = g_ptr_array_index (events, i);
          g_string_append_printf (out, "    %+10.1f cpu%-3u %-6s %s",
                                  ((double)e->ts_ns - (double)t0) / 1e3, e->cpu, e->kind, e->fn);
          if (g_str_equal (e->kind, "kprobe"))
            g_string_append_printf (out, " (arg0 0x%" G_GINT64_MODIFIER "x)", e->arg);
          if (!is_task)
            g_string_append_printf (out, " in %s[%u]", e->comm, e->tid);
          g_string_append_c (out, '\n');
        }
    }
  if (ar->bad_lines->len > 0)
    g_string_append_printf (out, "  %u tracer lines could not be read, the first: %s\n",
                            ar->bad_lines->len, (const char *)g_ptr_array_index (ar->bad_lines, 0));
  return g_string_free (out, FALSE);
}

static void
add_events (JsonBuilder *b, const char *name, const GPtrArray *events)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const KtstrReproEvent *e = g_ptr_array_index (events, i);
      json_builder_begin_object (b);
      ktstr_json_member_u64 (b, "ts_ns", e->ts_ns);
      ktstr_json_member_u64 (b, "tid", e->tid);
      ktstr_json_member_u64 (b, "cpu", e->cpu);
      ktstr_json_member_string (b, "kind", e->kind);
      ktstr_json_member_string (b, "function", e->fn);
      /* A kprobe's first argument is often a kernel pointer, beyond what
       * a JSON reader keeps exact as a number. */
      g_autofree char *arg = g_str_equal (e->kind, "kprobe")
                                 ? g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", e->arg)
                                 : NULL;
      ktstr_json_member_string (b, "arg", arg);
      ktstr_json_member_string (b, "comm", e->comm);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

JsonNode *
ktstr_auto_repro_to_json (const KtstrAutoRepro *ar, const char *why, const char *null_reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_string (b, "why", why);
  ktstr_json_member_bool (b, "ran", null_reason == NULL);
  ktstr_json_member_string (b, "not_run_reason", null_reason);
  gboolean has = null_reason == NULL && ar != NULL;
  ktstr_json_member_bool (b, "reproduced", has && ar->reproduced);
  json_builder_set_member_name (b, "trigger");
  if (has && ar->reproduced)
    {
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "function", KTSTR_AUTO_REPRO_TRIGGER);
      ktstr_json_member_u64 (b, "exit_kind", ar->trigger_arg);
      ktstr_json_member_u64 (b, "tid", ar->trigger_tid);
      ktstr_json_member_string (b, "comm", ar->trigger_comm);
      ktstr_json_member_u64 (b, "ts_ns", ar->trigger_ts_ns);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  ktstr_json_member_strv (b, "probes", has ? ar->probes : NULL);
  ktstr_json_member_strv (b, "not_attached", has ? ar->failed : NULL);
  ktstr_json_member_strv (b, "missing", has ? ar->missing : NULL);
  add_events (b, "events", has ? ar->events : NULL);
  add_events (b, "all_events", has ? ar->all_events : NULL);
  ktstr_json_member_u64 (b, "events_seen", has ? ar->events_seen : 0);
  ktstr_json_member_u64 (b, "events_dropped", has ? ar->events_dropped : 0);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

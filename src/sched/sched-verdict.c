#include "config.h"

#include "sched/sched-verdict.h"

#include <string.h>

#include "sched/verifier-log.h"

#define LOG_TAIL_LINES 200
#define CONSOLE_LINES 60

static const struct
{
  const char *reason;
  int kind;
} exit_kinds[] = {
  { "unregistered from user space", 64 },
  { "unregistered from BPF", 65 },
  { "unregistered from the main kernel", 66 },
  { "disabled by sysrq-S", 67 },
  { "runtime error", 1024 },
  { "scx_bpf_error", 1025 },
  { "runnable task stall", 1026 },
};

static void
sched_exit_clear (KtstrSchedExit *e)
{
  g_clear_pointer (&e->ops, g_free);
  g_clear_pointer (&e->reason, g_free);
  g_clear_pointer (&e->msg, g_free);
}

int
ktstr_sched_exit_kind (const char *reason)
{
  for (gsize i = 0; i < G_N_ELEMENTS (exit_kinds); i++)
    if (g_str_equal (reason, exit_kinds[i].reason))
      return exit_kinds[i].kind;
  return -1;
}

/* 'sched_ext: BPF scheduler "qmap" disabled (runnable task stall)' and the
 * 'sched_ext: qmap: MSG' line that may follow. */
static gboolean
find_in_lines (char **lines, KtstrSchedExit *out)
{
  g_autoptr (GRegex) re
      = g_regex_new ("BPF scheduler \"([^\"]*)\" disabled \\(([^)]*)\\)", 0, 0, NULL);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (GMatchInfo) mi = NULL;
      if (!g_regex_match (re, lines[i], 0, &mi))
        continue;
      out->ops = g_match_info_fetch (mi, 1);
      out->reason = g_match_info_fetch (mi, 2);
      out->kind = ktstr_sched_exit_kind (out->reason);
      g_autofree char *prefix = g_strdup_printf ("sched_ext: %s: ", out->ops);
      for (guint j = i + 1; lines[j] && j < i + 4; j++)
        {
          const char *p = strstr (lines[j], prefix);
          if (p != NULL)
            {
              out->msg = g_strchomp (g_strdup (p + strlen (prefix)));
              break;
            }
        }
      return TRUE;
    }
  return FALSE;
}

/* Finds the exit in the kernel lines the guest forwarded, then the console
 * text, then the scheduler's own "EXIT:" line.  FALSE when none. */
static gboolean
sched_exit_find (const KtstrSchedRecord *rec, const char *console_text, KtstrSchedExit *out)
{
  memset (out, 0, sizeof *out);
  out->kind = -1;
  /* Not g_ptr_array_copy: that would share the strings' free function. */
  g_autoptr (GPtrArray) k = g_ptr_array_new ();
  for (guint i = 0; i < rec->kernel->len; i++)
    g_ptr_array_add (k, rec->kernel->pdata[i]);
  g_ptr_array_add (k, NULL);
  if (find_in_lines ((char **)k->pdata, out))
    return TRUE;
  if (console_text != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (console_text, "\n", -1);
      if (find_in_lines (lines, out))
        return TRUE;
    }
  /* The scx tools print "EXIT: REASON (MSG)" from their user_exit_info. */
  for (guint i = 0; i < rec->log->len; i++)
    {
      const char *l = rec->log->pdata[i];
      if (!g_str_has_prefix (l, "EXIT: "))
        continue;
      const char *r = l + strlen ("EXIT: ");
      const char *paren = strstr (r, " (");
      out->reason = paren ? g_strndup (r, paren - r) : g_strdup (r);
      if (paren && g_str_has_suffix (paren, ")"))
        out->msg = g_strndup (paren + 2, strlen (paren) - 3);
      out->kind = ktstr_sched_exit_kind (out->reason);
      return TRUE;
    }
  return FALSE;
}

static void
append_exit (GString *s, const KtstrSchedRecord *rec, const char *console_text)
{
  KtstrSchedExit e;
  if (sched_exit_find (rec, console_text, &e))
    {
      g_string_append_printf (s, "; sched_ext exit: %s", e.reason);
      if (e.kind >= 0)
        g_string_append_printf (s, " (kind %d)", e.kind);
      if (e.msg != NULL && *e.msg)
        g_string_append_printf (s, ": %s", e.msg);
    }
  else
    g_string_append (s, "; no sched_ext exit message in the kernel log");
  sched_exit_clear (&e);
}

/* An error exit (kind >= 1024, SCX_EXIT_ERROR) in the kernel log; an
 * unregister (kind 64..67) is how every normal run ends. */
static gboolean
sched_exit_logged (const KtstrSchedRecord *rec, const char *console_text)
{
  KtstrSchedExit e;
  gboolean found = console_text != NULL && sched_exit_find (rec, console_text, &e);
  gboolean is_error = found && e.kind >= 1024;
  if (found)
    sched_exit_clear (&e);
  return is_error;
}

/* When the kernel threw the scheduler out with an error (kind >= 1024)
 * before it was ready, e.g. scx_bpf_error() in ops.init: that is the
 * headline, "scheduler not ready: the kernel disabled it: REASON (kind N):
 * MSG", appended to OUT.  FALSE (OUT untouched) otherwise. */
static gboolean
kernel_error_exit (const KtstrSchedRecord *rec, const char *console_text, GString *out)
{
  KtstrSchedExit e;
  if (!sched_exit_find (rec, console_text, &e))
    return FALSE;
  gboolean is_error = e.kind >= 1024;
  if (is_error)
    {
      g_string_append_printf (out, "scheduler not ready: the kernel disabled it: %s (kind %d)",
                              e.reason, e.kind);
      if (e.msg != NULL && *e.msg)
        g_string_append_printf (out, ": %s", e.msg);
    }
  sched_exit_clear (&e);
  return is_error;
}

JsonNode *
ktstr_sched_exit_to_json (const KtstrSchedRecord *rec, const char *console_text)
{
  KtstrSchedExit e;
  if (!rec->is_expected || !sched_exit_find (rec, console_text, &e))
    return NULL;
  JsonNode *n = NULL;
  if (e.kind >= 1024)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_int_value (b, e.kind);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, e.reason);
      json_builder_set_member_name (b, "message");
      if (e.msg != NULL && *e.msg)
        json_builder_add_string_value (b, e.msg);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
      n = json_builder_get_root (b);
    }
  sched_exit_clear (&e);
  return n;
}

char *
ktstr_sched_verdict_start (const KtstrSchedRecord *rec, const char *console_text)
{
  if (!rec->is_expected || rec->is_ready)
    return NULL;
  if (rec->is_unsupported)
    return g_strdup_printf ("scheduler: %s; boot a kernel with sched_ext (see 'ktstr kernel "
                            "build', data/ktstr.kconfig)",
                            rec->unsupported_why);
  if (!rec->is_not_ready)
    return NULL; /* nothing said yet: boot failure or hang decide */
  GString *s = g_string_new (NULL);
  if (rec->not_ready_attached)
    {
      g_string_append_printf (s, "scheduler died while starting: %s", rec->not_ready_why);
      append_exit (s, rec, console_text);
    }
  else if (*rec->not_ready_exit && ktstr_verifier_log_has_load_failure (rec->log))
    g_string_append_printf (s,
                            "scheduler failed to load: %s; the BPF verifier rejected it "
                            "(see --- scheduler log ---)",
                            rec->not_ready_why);
  else if (kernel_error_exit (rec, console_text, s))
    g_string_append_printf (s, "; %s", rec->not_ready_why);
  else
    g_string_append_printf (s, "scheduler not ready: %s", rec->not_ready_why);
  return g_string_free (s, FALSE);
}

char *
ktstr_sched_verdict_run (const KtstrSchedRecord *rec, const char *console_text)
{
  if (!rec->is_ready)
    return NULL;
  GString *s = g_string_new (NULL);
  if (rec->has_exited || rec->has_left_enabled)
    {
      g_string_append_printf (s, "scheduler died during the run");
      if (rec->has_exited)
        g_string_append_printf (s, ": the process ended (%s) %" G_GUINT64_FORMAT " ms after start",
                                rec->exit, rec->exit_ms);
      if (rec->has_left_enabled)
        g_string_append_printf (s, "%s %s (state '%s') %" G_GUINT64_FORMAT " ms after start",
                                rec->has_exited ? ";" : ":", rec->left_why, rec->left_state,
                                rec->left_ms);
      append_exit (s, rec, console_text);
    }
  else if (rec->is_stopped && !rec->is_detached)
    g_string_append_printf (s,
                            "scheduler did not detach: sched_ext still had it after ktstr "
                            "stopped it (%s)",
                            rec->stop_exit);
  else if (!rec->is_stopped && sched_exit_logged (rec, console_text))
    {
      /* The kernel threw the scheduler out, but the agent could not say so:
       * a stall can starve the agent itself until it gives up and powers
       * off.  The kernel log is the evidence. */
      g_string_append (s, "scheduler died during the run: the kernel disabled it");
      append_exit (s, rec, console_text);
    }
  if (s->len == 0)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

char *
ktstr_sched_record_name (const KtstrSchedRecord *rec, const char *def_name, const char *binary)
{
  if (def_name != NULL && *def_name)
    return g_strdup (def_name);
  if (rec != NULL && rec->ops != NULL && *rec->ops)
    {
      const char *sp = strpbrk (rec->ops, " \t");
      return sp ? g_strndup (rec->ops, sp - rec->ops) : g_strdup (rec->ops);
    }
  if (binary != NULL)
    return g_path_get_basename (binary);
  return g_strdup ("eevdf");
}

/* The dump: tracepoint lines, else the "DEBUG DUMP" block the scx tools
 * print from their user_exit_info. */
static void
append_dump (GString *out, const KtstrSchedRecord *rec)
{
  g_string_append (out, "--- sched_ext dump ---\n");
  if (rec->dump->len > 0)
    {
      for (guint i = 0; i < rec->dump->len; i++)
        g_string_append_printf (out, "  %s\n", (char *)rec->dump->pdata[i]);
      return;
    }
  gboolean inside = FALSE, any = FALSE;
  guint rules = 0;
  for (guint i = 0; i < rec->log->len; i++)
    {
      const char *l = rec->log->pdata[i];
      if (g_str_equal (l, "DEBUG DUMP"))
        {
          inside = TRUE;
          rules = 0;
          continue;
        }
      if (inside && g_str_has_prefix (l, "=========="))
        {
          if (++rules == 2)
            inside = FALSE;
          continue;
        }
      if (inside)
        {
          g_string_append_printf (out, "  %s\n", l);
          any = TRUE;
        }
    }
  if (!any)
    g_string_append (out, "  (the kernel emitted no dump)\n");
}

void
ktstr_sched_report_append (GString *out, const KtstrSchedRecord *rec, const char *console_text)
{
  if (!rec->is_expected)
    return;
  g_string_append (out, "--- scheduler log ---\n");
  g_autofree char *verifier = ktstr_verifier_log_extract (rec->log);
  if (verifier != NULL && !rec->is_ready)
    {
      g_string_append (out, "  verifier log (repeated blocks collapsed):\n");
      g_auto (GStrv) vl = g_strsplit (verifier, "\n", -1);
      for (char **l = vl; *l && **l; l++)
        g_string_append_printf (out, "    %s\n", *l);
      g_string_append (out, "  output:\n");
    }
  guint first = rec->log->len > LOG_TAIL_LINES ? rec->log->len - LOG_TAIL_LINES : 0;
  if (first > 0)
    g_string_append_printf (out, "  ... (%u earlier lines) ...\n", first);
  gboolean in_dump = FALSE;
  for (guint i = first; i < rec->log->len; i++)
    {
      const char *l = rec->log->pdata[i];
      /* The scx tools print the kernel's dump too: shown once, below. */
      if (g_str_equal (l, "DEBUG DUMP"))
        {
          in_dump = TRUE;
          g_string_append (out, "  DEBUG DUMP (see --- sched_ext dump ---)\n");
          continue;
        }
      if (in_dump && g_str_has_prefix (l, "EXIT: "))
        in_dump = FALSE;
      if (!in_dump)
        g_string_append_printf (out, "  %s\n", l);
    }
  if (rec->log->len == 0)
    g_string_append (out, "  (no output)\n");
  for (guint i = 0; i < rec->kernel->len; i++)
    g_string_append_printf (out, "  kernel: %s\n", (char *)rec->kernel->pdata[i]);
  append_dump (out, rec);
  g_string_append (out, "--- console ---\n");
  if (console_text == NULL)
    {
      g_string_append (out, "  (console empty)\n");
      return;
    }
  g_auto (GStrv) lines = g_strsplit (console_text, "\n", -1);
  guint n = g_strv_length (lines);
  while (n > 0 && lines[n - 1][0] == '\0')
    n--;
  for (guint i = n > CONSOLE_LINES ? n - CONSOLE_LINES : 0; i < n; i++)
    g_string_append_printf (out, "  %s\n", g_strchomp (lines[i]));
}

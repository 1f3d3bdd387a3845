#include "config.h"

#include "sched/sched-record.h"

#include "record/sidecar.h"
#include "util/json-util.h"

KtstrSchedRecord *
ktstr_sched_record_new (void)
{
  KtstrSchedRecord *r = g_new0 (KtstrSchedRecord, 1);
  r->log = g_ptr_array_new_with_free_func (g_free);
  r->kernel = g_ptr_array_new_with_free_func (g_free);
  r->dump = g_ptr_array_new_with_free_func (g_free);
  r->verifier = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_verifier_stat_free);
  return r;
}

void
ktstr_sched_record_free (KtstrSchedRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->unsupported_why);
  g_free (r->ops);
  g_free (r->not_ready_why);
  g_free (r->not_ready_exit);
  g_free (r->exit);
  g_free (r->left_why);
  g_free (r->left_state);
  g_free (r->stop_exit);
  g_free (r->stopped_by);
  g_ptr_array_unref (r->log);
  g_ptr_array_unref (r->kernel);
  g_ptr_array_unref (r->dump);
  g_ptr_array_unref (r->verifier);
  g_free (r);
}

/* The guest's messages are untrusted: a member of another type reads as
 * absent (util/json-util.h's lookups). */
static char *
str (JsonObject *o, const char *key)
{
  const char *v = ktstr_json_lookup_string (o, key);
  return g_strdup (v != NULL ? v : "");
}

static void
feed_sched (KtstrSchedRecord *r, JsonObject *o)
{
  const char *ev = ktstr_json_lookup_string (o, "ev");
  guint64 ms = (guint64)MAX (ktstr_json_lookup_int64 (o, "elapsed_ms", 0), 0);
  gboolean flag_attached = ktstr_json_lookup_bool (o, "attached", FALSE);
  if (ev == NULL)
    ev = "";
  r->is_expected = TRUE;
  if (g_str_equal (ev, "unsupported"))
    {
      r->is_unsupported = TRUE;
      g_free (r->unsupported_why);
      r->unsupported_why = str (o, "why");
    }
  else if (g_str_equal (ev, "started"))
    r->is_started = TRUE;
  else if (g_str_equal (ev, "ready"))
    {
      r->is_ready = TRUE;
      r->ready_ms = ms;
      g_free (r->ops);
      r->ops = str (o, "ops");
    }
  else if (g_str_equal (ev, "not_ready"))
    {
      r->is_not_ready = TRUE;
      g_free (r->not_ready_why);
      g_free (r->not_ready_exit);
      r->not_ready_why = str (o, "why");
      r->not_ready_exit = str (o, "exit");
      r->not_ready_attached = flag_attached;
      if (r->ops == NULL || *r->ops == '\0')
        {
          g_free (r->ops);
          r->ops = str (o, "ops");
        }
    }
  else if (g_str_equal (ev, "exit") && !r->has_exited)
    {
      r->has_exited = TRUE;
      r->exit = str (o, "exit");
      r->exit_ms = ms;
    }
  else if (g_str_equal (ev, "state") && !r->has_left_enabled)
    {
      r->has_left_enabled = TRUE;
      r->left_why = str (o, "why");
      r->left_state = str (o, "state");
      r->left_ms = ms;
    }
  else if (g_str_equal (ev, "stopped"))
    {
      r->is_stopped = TRUE;
      g_free (r->stop_exit);
      g_free (r->stopped_by);
      r->stop_exit = str (o, "exit");
      r->stopped_by = str (o, "by");
      r->is_detached = ktstr_json_lookup_bool (o, "detached", FALSE);
    }
}

gboolean
ktstr_sched_record_feed (KtstrSchedRecord *r, const char *type, JsonObject *o)
{
  if (g_str_equal (type, "sched"))
    feed_sched (r, o);
  else if (g_str_equal (type, "verifier"))
    {
      const char *prog = ktstr_json_lookup_string (o, "prog");
      gint64 insns = ktstr_json_lookup_int64 (o, "verified_insns", 0);
      g_ptr_array_add (r->verifier,
                       ktstr_verifier_stat_new (prog != NULL ? prog : "?",
                                                (guint32)CLAMP (insns, 0, G_MAXUINT32)));
    }
  else if (g_str_equal (type, "log"))
    {
      const char *src = ktstr_json_lookup_string (o, "src");
      const char *msg = ktstr_json_lookup_string (o, "msg");
      if (src == NULL)
        src = "";
      if (msg == NULL)
        msg = "";
      if (g_str_equal (src, "scheduler"))
        g_ptr_array_add (r->log, g_strdup (msg));
      else if (g_str_equal (src, "kernel"))
        g_ptr_array_add (r->kernel, g_strdup (msg));
      else if (g_str_equal (src, "dump"))
        g_ptr_array_add (r->dump, g_strdup (msg));
      else
        return FALSE;
    }
  else
    return FALSE;
  return TRUE;
}

#include "config.h"

#include "run/session.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "common/proto.h"
#include "monitor/monitor.h"
#include "run/payload-metrics.h"
#include "record/sidecar.h"
#include "util/json-guard.h"
#include "util/json-util.h"

KtstrSession *
ktstr_session_new (void)
{
  KtstrSession *s = g_new0 (KtstrSession, 1);
  s->cgroups = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_cgroup_info_free);
  s->workers = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_worker_report_free);
  s->stimuli = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stimulus_event_free);
  s->errors = g_ptr_array_new_with_free_func (g_free);
  s->logs = g_ptr_array_new_with_free_func (g_free);
  s->tracer_lines = g_ptr_array_new_with_free_func (g_free);
  s->bad_lines = g_ptr_array_new_with_free_func (g_free);
  s->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_payload_result_free);
  s->sched = ktstr_sched_record_new ();
  return s;
}

void
ktstr_session_free (KtstrSession *s)
{
  if (s == NULL)
    return;
  g_free (s->guest_kernel);
  g_free (s->guard_error);
  g_clear_pointer (&s->topo, ktstr_guest_topo_free);
  g_ptr_array_unref (s->cgroups);
  g_ptr_array_unref (s->workers);
  g_ptr_array_unref (s->stimuli);
  g_ptr_array_unref (s->errors);
  g_ptr_array_unref (s->logs);
  g_ptr_array_unref (s->tracer_lines);
  g_ptr_array_unref (s->bad_lines);
  g_ptr_array_unref (s->payloads);
  ktstr_sched_record_free (s->sched);
  g_free (s);
}

/* Adds ITEM (owned) to LIST unless it holds KTSTR_SESSION_KEEP_MAX items
 * already; then counts it in *DROPPED. */
static void
keep_bounded (GPtrArray *list, char *item, guint64 *dropped)
{
  if (list->len < KTSTR_SESSION_KEEP_MAX)
    g_ptr_array_add (list, item);
  else
    {
      g_free (item);
      (*dropped)++;
    }
}

/* TEXT cut at MAX bytes and made valid UTF-8 (a cut inside a character
 * leaves a replacement character): the guest's text is printed in
 * reports and may be written into JSON. */
static char *
cut_text (const char *text, gsize max)
{
  return g_utf8_make_valid (text, (gssize)MIN (strlen (text), max));
}

static void
record_bad (KtstrSession *s, const char *line, const char *why)
{
  g_autofree char *head = cut_text (line, 200);
  keep_bounded (s->bad_lines, g_strdup_printf ("%s: %s", why, head), &s->bad_lines_dropped);
}

static KtstrStimulusEvent *
stim_from_json (JsonObject *obj)
{
  const char *label = ktstr_json_lookup_string (obj, "label");
  gint64 elapsed_ms = ktstr_json_lookup_int64 (obj, "elapsed_ms", -1);
  if (label == NULL || elapsed_ms < 0)
    return NULL;
  KtstrStimulusEvent *ev = ktstr_stimulus_event_new ((guint64)elapsed_ms, label);
  ev->op_kind = g_strdup (ktstr_json_lookup_string (obj, "op_kind"));
  ev->detail = g_strdup (ktstr_json_lookup_string (obj, "detail"));
  gint64 it = ktstr_json_lookup_int64 (obj, "total_iterations", -1);
  if (it >= 0)
    {
      ev->has_total_iterations = TRUE;
      ev->total_iterations = (guint64)it;
    }
  return ev;
}

/* The guest is untrusted: every line is checked for nesting before it is
 * parsed, and every member is read through the guarded lookups, so a
 * member of an unexpected type reads as absent. */
void
ktstr_session_feed (KtstrSession *s, const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;

  if (*line == '\0')
    return;
  gsize len = strlen (line);
  if (s->is_flooded || s->bytes_fed + len + 1 > KTSTR_PROTO_SESSION_MAX)
    {
      s->is_flooded = TRUE;
      s->lines_dropped++;
      s->bytes_dropped += len + 1;
      return;
    }
  s->bytes_fed += len + 1;
  if (len >= KTSTR_PROTO_LINE_MAX)
    {
      record_bad (s, line, "longer than the line limit (cut)");
      return;
    }
  if (!g_utf8_validate (line, (gssize)len, NULL))
    {
      record_bad (s, line, "not UTF-8");
      return;
    }
  if (!ktstr_json_guard_load (parser, line, strlen (line), "control line", &error))
    {
      record_bad (s, line,
                  g_error_matches (error, KTSTR_JSON_GUARD_ERROR, KTSTR_JSON_GUARD_ERROR_TOO_DEEP)
                      ? "nested too deeply"
                      : "not JSON");
      return;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      record_bad (s, line, "not a JSON object");
      return;
    }
  JsonObject *obj = json_node_get_object (root);
  const char *type = ktstr_json_lookup_string (obj, "t");
  if (type == NULL)
    type = "";

  /* The scheduler's messages (and its log lines) go to its record. */
  if (ktstr_sched_record_feed (s->sched, type, obj))
    return;
  if (g_str_equal (type, "hello"))
    {
      s->has_hello = TRUE;
      s->hello_us = g_get_monotonic_time ();
      g_free (s->guest_kernel);
      s->guest_kernel = g_strdup (ktstr_json_lookup_string (obj, "kernel"));
    }
  else if (g_str_equal (type, "topo"))
    {
      KtstrGuestTopo *topo = ktstr_guest_topo_from_json (obj, &error);
      if (topo == NULL)
        record_bad (s, line, error->message);
      else
        {
          g_clear_pointer (&s->topo, ktstr_guest_topo_free);
          s->topo = topo;
        }
    }
  else if (g_str_equal (type, "cgroup"))
    {
      KtstrCgroupInfo *cg = ktstr_cgroup_info_from_json (obj, &error);
      if (cg == NULL)
        record_bad (s, line, error->message);
      else
        g_ptr_array_add (s->cgroups, cg);
    }
  else if (g_str_equal (type, "worker"))
    {
      KtstrWorkerReport *w = ktstr_worker_report_from_json (obj, &error);
      if (w == NULL)
        record_bad (s, line, error->message);
      else
        g_ptr_array_add (s->workers, w);
    }
  else if (g_str_equal (type, "stim"))
    {
      KtstrStimulusEvent *ev = stim_from_json (obj);
      if (ev == NULL)
        record_bad (s, line, "stim without label or elapsed_ms");
      else
        g_ptr_array_add (s->stimuli, ev);
    }
  else if (g_str_equal (type, "payload"))
    {
      KtstrPayloadResult *r = ktstr_payload_result_from_json (obj, &error);
      if (r == NULL)
        record_bad (s, line, error->message);
      else
        g_ptr_array_add (s->payloads, r);
    }
  else if (g_str_equal (type, "log"))
    {
      const char *src = ktstr_json_lookup_string (obj, "src");
      const char *msg = ktstr_json_lookup_string (obj, "msg");
      if (g_strcmp0 (src, "tracer") == 0)
        {
          keep_bounded (s->tracer_lines, cut_text (msg != NULL ? msg : "", KTSTR_SESSION_TEXT_MAX),
                        &s->tracer_lines_dropped);
          return;
        }
      g_autofree char *text
          = g_strdup_printf ("%s: %s", src != NULL ? src : "?", msg != NULL ? msg : "");
      keep_bounded (s->logs, cut_text (text, KTSTR_SESSION_TEXT_MAX), &s->logs_dropped);
    }
  else if (g_str_equal (type, "error"))
    {
      const char *text = ktstr_json_lookup_string (obj, "msg");
      g_autofree char *msg = cut_text (text != NULL ? text : line, KTSTR_SESSION_TEXT_MAX);
      if (s->guard_error == NULL && g_str_has_prefix (msg, KTSTR_GUARD_ERROR_PREFIX))
        {
          s->guard_error = g_strdup (msg);
          s->was_sched_dead_at_guard = s->sched->has_exited || s->sched->has_left_enabled;
        }
      keep_bounded (s->errors, g_steal_pointer (&msg), &s->errors_dropped);
    }
  else if (g_str_equal (type, "mon") || g_str_equal (type, "progstat"))
    {
      if (s->monitor != NULL && type[0] == 'm')
        ktstr_monitor_feed_guest (s->monitor, obj);
      else if (s->monitor != NULL)
        ktstr_monitor_feed_prog_stat (s->monitor, obj);
    }
  else if (g_str_equal (type, "done"))
    {
      s->is_done = TRUE;
      gint64 cpu = ktstr_json_lookup_int64 (obj, "agent_cpu_ns", -1);
      s->has_agent_cpu = cpu >= 0;
      s->agent_cpu_ns = cpu >= 0 ? (guint64)cpu : 0;
      s->agent_span_ms = (guint64)ktstr_json_lookup_int64 (obj, "agent_span_ms", 0);
    }
  else
    record_bad (s, line, "unknown message type");
}

const char *
ktstr_session_cgroup_cpuset (const KtstrSession *s, const char *cgroup)
{
  for (guint i = 0; i < s->cgroups->len; i++)
    {
      KtstrCgroupInfo *cg = s->cgroups->pdata[i];
      if (g_str_equal (cg->name, cgroup))
        return cg->cpuset;
    }
  return NULL;
}

#include "config.h"

#include "run/session.h"

#include <json-glib/json-glib.h>

#include "common/proto.h"
#include "monitor/monitor.h"
#include "run/payload-metrics.h"
#include "record/sidecar.h"

KtstrSession *
ktstr_session_new (void)
{
  KtstrSession *s = g_new0 (KtstrSession, 1);
  s->cgroups = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_cgroup_info_free);
  s->workers = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_worker_report_free);
  s->stimuli = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stimulus_event_free);
  s->errors = g_ptr_array_new_with_free_func (g_free);
  s->logs = g_ptr_array_new_with_free_func (g_free);
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
  g_ptr_array_unref (s->bad_lines);
  g_ptr_array_unref (s->payloads);
  ktstr_sched_record_free (s->sched);
  g_free (s);
}

static void
record_bad (KtstrSession *s, const char *line, const char *why)
{
  g_ptr_array_add (s->bad_lines, g_strdup_printf ("%s: %.200s", why, line));
}

static KtstrStimulusEvent *
stim_from_json (JsonObject *obj)
{
  const char *label = json_object_get_string_member_with_default (obj, "label", NULL);
  if (label == NULL || !json_object_has_member (obj, "elapsed_ms"))
    return NULL;
  KtstrStimulusEvent *ev
      = ktstr_stimulus_event_new ((guint64)json_object_get_int_member (obj, "elapsed_ms"), label);
  const char *op = json_object_get_string_member_with_default (obj, "op_kind", NULL);
  const char *detail = json_object_get_string_member_with_default (obj, "detail", NULL);
  ev->op_kind = g_strdup (op);
  ev->detail = g_strdup (detail);
  JsonNode *it = json_object_get_member (obj, "total_iterations");
  if (it != NULL && JSON_NODE_HOLDS_VALUE (it))
    {
      ev->has_total_iterations = TRUE;
      ev->total_iterations = (guint64)json_node_get_int (it);
    }
  return ev;
}

void
ktstr_session_feed (KtstrSession *s, const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;

  if (*line == '\0')
    return;
  if (!json_parser_load_from_data (parser, line, -1, &error))
    {
      record_bad (s, line, "not JSON");
      return;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      record_bad (s, line, "not a JSON object");
      return;
    }
  JsonObject *obj = json_node_get_object (root);
  const char *type = json_object_get_string_member_with_default (obj, "t", "");

  /* The scheduler's messages (and its log lines) go to its record. */
  if (ktstr_sched_record_feed (s->sched, type, obj))
    return;
  if (g_str_equal (type, "hello"))
    {
      s->has_hello = TRUE;
      s->hello_us = g_get_monotonic_time ();
      g_free (s->guest_kernel);
      s->guest_kernel = g_strdup (json_object_get_string_member_with_default (obj, "kernel", NULL));
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
    g_ptr_array_add (s->logs,
                     g_strdup_printf ("%s: %s",
                                      json_object_get_string_member_with_default (obj, "src", "?"),
                                      json_object_get_string_member_with_default (obj, "msg", "")));
  else if (g_str_equal (type, "error"))
    {
      const char *msg = json_object_get_string_member_with_default (obj, "msg", line);
      if (s->guard_error == NULL && g_str_has_prefix (msg, KTSTR_GUARD_ERROR_PREFIX))
        {
          s->guard_error = g_strdup (msg);
          s->was_sched_dead_at_guard = s->sched->has_exited || s->sched->has_left_enabled;
        }
      g_ptr_array_add (s->errors, g_strdup (msg));
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
      s->has_agent_cpu = json_object_has_member (obj, "agent_cpu_ns");
      s->agent_cpu_ns = (guint64)json_object_get_int_member_with_default (obj, "agent_cpu_ns", 0);
      s->agent_span_ms = (guint64)json_object_get_int_member_with_default (obj, "agent_span_ms", 0);
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

#include "config.h"

#include "run/output-json.h"

#include <json-glib/json-glib.h>

#include "run/runner.h"
#include "util/json-util.h"

static const char *
outcome_name (KtstrOutcome outcome)
{
  switch (outcome)
    {
    case KTSTR_OUTCOME_PASS:
      return "pass";
    case KTSTR_OUTCOME_FAIL:
      return "fail";
    case KTSTR_OUTCOME_SKIP:
      return "skip";
    }
  g_return_val_if_reached ("fail");
}

char *
ktstr_run_json_to_data (const char *const *kernels, const char *const *rundirs, const char *shard,
                        const KtstrExecutorSummary *s, GPtrArray *results)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_string (b, "run_directory", rundirs[0]);
  json_builder_set_member_name (b, "kernels");
  json_builder_begin_array (b);
  for (guint i = 0; kernels[i] != NULL && rundirs[i] != NULL; i++)
    {
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "kernel", kernels[i]);
      ktstr_json_member_string (b, "run_directory", rundirs[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  ktstr_json_member_string (b, "shard", shard);
  ktstr_json_member_u64 (b, "passed", s->passed);
  ktstr_json_member_u64 (b, "failed", s->failed);
  ktstr_json_member_u64 (b, "skipped", s->skipped);
  ktstr_json_member_u64 (b, "not_run", s->not_run);
  ktstr_json_member_u64 (b, "harness_errors", s->harness_errors);
  ktstr_json_member_bool (b, "interrupted", s->is_interrupted);
  ktstr_json_member_double (b, "elapsed_s", s->elapsed_s);
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrTestResult *r = results->pdata[i];
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "name", r->name);
      ktstr_json_member_string (b, "outcome", outcome_name (r->outcome));
      ktstr_json_member_string (b, "topology", r->topology);
      ktstr_json_member_double (b, "duration_s", r->duration_s);
      ktstr_json_member_string (b, "verdict", r->verdict);
      ktstr_json_member_string (b, "sidecar", r->sidecar_path);
      ktstr_json_member_bool (b, "harness_error", r->is_harness_error);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return ktstr_json_builder_finish (b);
}

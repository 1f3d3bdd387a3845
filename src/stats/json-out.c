#include "config.h"

#include <math.h>

#include "record/sidecar.h"
#include "stats/json-out.h"

void
ktstr_stats_json_add_string (JsonBuilder *builder, const char *value)
{
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

void
ktstr_stats_json_member_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  ktstr_stats_json_add_string (builder, value);
}

void
ktstr_stats_json_member_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

void
ktstr_stats_json_member_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
ktstr_stats_json_member_statistic (JsonBuilder *builder, const char *name, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  json_builder_set_member_name (builder, name);
  if (!isfinite (value))
    {
      json_builder_add_null_value (builder);
      return;
    }
  /* The double nearest a 6-digit decimal prints as that decimal. */
  g_ascii_formatd (buf, sizeof buf, "%.5e", value);
  json_builder_add_double_value (builder, g_ascii_strtod (buf, NULL));
}

char *
ktstr_stats_json_finish (JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_object_unref (builder);
  return ktstr_sidecar_node_to_data (root, NULL);
}
